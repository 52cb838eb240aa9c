// The release (`npm run release`, issue 15) where admins run it: clean Debian 12 and 13 roots
// (test/release/roots.sh: debootstrap --variant=minbase from Debian's archive, with no Node, npm or
// compiler), each command in a mount namespace of its own, chrooted (test/helpers/chroot.ts). In
// each: the bare executable copied in, as `scp` would, and the .deb installed with dpkg. What they
// print is compared with what the npm build (dist/cli.js) prints here for the same question; the
// FFI addons are proven loaded by the probe child's own answer, an errno the kernel gave through
// them. Run by `npm run test:release` after `npm run release`.
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {CleanRoot, rootMissing, SUITES, type Suite} from '../helpers/chroot.js';
import {cliSync, project, versionLine} from '../helpers/cli.js';
import {stopTmuxServer, tmuxOn, waitForScreen} from '../helpers/tmux.js';

const release = path.join(project, 'release');
const sums = path.join(release, 'SHA256SUMS');

/** The release's files, from its SHA256SUMS: the executable and the .deb. */
function artifacts(): {exe: string; deb: string} | string {
	if (!existsSync(sums)) return `no ${sums}: run npm run release first`;
	const names = readFileSync(sums, 'utf8').trim().split('\n').map((l) => l.split(/\s+/)[1]!);
	const exe = names.find((n) => /^mdevscope-.+-linux-x64$/.test(n));
	const deb = names.find((n) => n.endsWith('.deb'));
	if (!exe || !deb) return `${sums} names no executable or no .deb: ${names.join(', ')}`;
	return {exe, deb};
}

const found = artifacts();
if (typeof found === 'string') throw new Error(found);
const {exe, deb} = found;
const MNT = '/mnt/release';

/** The sample's own temp dir (mkdtemp under $TMPDIR, /dev/shm or /tmp): different in every run. */
const SAMPLE_DIR = /(?:\/[\w.-]+)+\/mdevscope-sample-[A-Za-z0-9]{6}/g;
/** The sample's output with what differs run to run made fixed: its temp dir, the scan time. */
const normalJson = (text: string) => {
	const value = JSON.parse(text.replace(SAMPLE_DIR, '<sample>')) as Record<string, unknown>;
	delete value.scannedAt;
	return value;
};
const normalText = (text: string) => text.replace(SAMPLE_DIR, '<sample>');

// The npm build's answers, here: what the executable must say too.
const reference = {
	json: normalJson(cliSync(['--json', '--sample']).stdout),
	plain: normalText(cliSync(['--plain', '--sample']).stdout),
	doctorSample: JSON.parse(cliSync(['doctor', '--json', '--sample']).stdout) as unknown,
};

// A probe request for a device that is not there: the child loads the FFI addons, and open(2)
// through them answers ENOENT for /dev/vfio/vfio (this machine has no vfio module).
const PROBE_REQUEST = JSON.stringify({devRoot: '/', instances: [{uuid: '00000000-0000-0000-0000-000000000000', iommuGroup: 999, vfioDev: null}]});

function expectProbeChild(t: ExecutionContext, stdout: string, what: string) {
	const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as {type: string; result?: {steps: Array<{step: string; errno: number; code: string}>}; message?: string});
	const result = lines.find((l) => l.type === 'result')?.result;
	t.truthy(result, `${what}: no result line: ${stdout}`);
	t.like(result?.steps[0], {step: 'open /dev/vfio/vfio', errno: 2, code: 'ENOENT'}, what);
}

type How = 'bare' | 'deb';
/** Puts the release into the root: the file copied in as scp would (bare), or dpkg -i of the .deb. */
async function install(t: ExecutionContext, root: CleanRoot, how: How): Promise<void> {
	const r = await root.run(how === 'bare' ? `install -m 0755 ${MNT}/${exe} /usr/local/bin/mdevscope` : `dpkg -i ${MNT}/${deb}`);
	t.is(r.code, 0, r.stdout + r.stderr);
	const where = await root.run('command -v mdevscope');
	t.is(where.stdout.trim(), how === 'bare' ? '/usr/local/bin/mdevscope' : '/usr/bin/mdevscope');
}

for (const suite of SUITES) {
	const missing = rootMissing(suite);
	if (missing) {
		test(`${suite}: the clean root`, (t) => t.fail(missing));
		continue;
	}

	for (const how of ['bare', 'deb'] as const) test.serial(`${suite}, ${how === 'bare' ? 'the bare executable' : 'the .deb'}: no node, npm or compiler there; it runs, prints what the npm build prints, and loads its addons, as root and as nobody`, async (t) => {
		const root = new CleanRoot(suite as Suite, {[MNT]: release});
		t.teardown(() => root.remove());
		const none = await root.run('for c in node nodejs npm npx gcc cc g++ make python3; do command -v "$c"; done; ls /usr/lib/node_modules 2>/dev/null; true');
		t.is(none.stdout, '', 'the clean root has none of these');
		const check = await root.run(`cd ${MNT} && sha256sum -c SHA256SUMS`);
		t.is(check.code, 0, check.stdout + check.stderr);
		await install(t, root, how);

		const version = await root.run('mdevscope --version');
		t.is(version.stdout.trim(), versionLine(), `the release is not of this checkout (run npm run release): ${version.stderr}`);
		const json = await root.run('mdevscope --json --sample');
		t.is(json.code, 0, json.stderr);
		t.deepEqual(normalJson(json.stdout), reference.json, '--json --sample: as the npm build says');
		const plain = await root.run('mdevscope --plain --sample');
		t.is(plain.code, 0, plain.stderr);
		t.is(normalText(plain.stdout), reference.plain, '--plain --sample: as the npm build says');
		const doctorSample = await root.run('mdevscope doctor --json --sample');
		t.deepEqual(JSON.parse(doctorSample.stdout), reference.doctorSample, 'doctor --json --sample');

		// This machine has no mdev: the live host's answers, and their exit codes.
		const live = await root.run('mdevscope --plain; echo "exit=$?"');
		t.regex(live.stdout, /^ {2}try: mdevscope --sample \(/m, live.stdout);
		t.regex(live.stdout, /^exit=0$/m);
		const doctor = await root.run('mdevscope doctor --json; echo "exit=$?"');
		t.regex(doctor.stdout, /^exit=1$/m, 'doctor fails a host without mdev');
		const checks = (JSON.parse(doctor.stdout.replace(/\nexit=\d+\n$/, '')) as {checks: Array<{verdict: string}>}).checks;
		t.true(checks.some((c) => c.verdict === 'fail'), JSON.stringify(checks));

		// The FFI addons: as root, as nobody; nothing left in any temp dir afterwards.
		const probe = await root.run(`mdevscope --mdevscope-probe-child; echo "exit=$?" >&2; ls -A /tmp /var/tmp /dev/shm | grep mdevscope || true`, {stdin: PROBE_REQUEST});
		expectProbeChild(t, probe.stdout, 'as root');
		t.regex(probe.stderr, /^exit=0$/m);
		const nobody = await root.run(`setpriv --reuid=65534 --regid=65534 --clear-groups mdevscope --mdevscope-probe-child; echo "exit=$?" >&2`, {stdin: PROBE_REQUEST, env: {HOME: '/nonexistent'}});
		expectProbeChild(t, nobody.stdout, 'as nobody');
		const sampleAsNobody = await root.run('setpriv --reuid=65534 --regid=65534 --clear-groups mdevscope --json --sample');
		t.deepEqual(normalJson(sampleAsNobody.stdout), reference.json, 'as nobody');
		const left = await root.run('ls -A /tmp /var/tmp /dev/shm | grep mdevscope; true');
		t.is(left.stdout, '', 'no mdevscope-* directory left behind');
	});

	test.serial(`${suite}: a /tmp mounted noexec: the addons load from the next directory; none that works: a message naming MDEVSCOPE_ADDON_DIR, which fixes it`, async (t) => {
		const root = new CleanRoot(suite as Suite, {[MNT]: release});
		t.teardown(() => root.remove());
		await install(t, root, 'bare');
		const noexecTmp = await root.run('mount -o remount,noexec /tmp && mdevscope --mdevscope-probe-child', {stdin: PROBE_REQUEST});
		expectProbeChild(t, noexecTmp.stdout, '/tmp noexec: from /var/tmp');
		const all = 'mount -o remount,noexec /tmp && mount -t tmpfs -o noexec tmpfs /var/tmp && mount -t tmpfs -o noexec tmpfs /dev/shm';
		const none = await root.run(`${all} && mdevscope --mdevscope-probe-child; echo "exit=$?"`, {stdin: PROBE_REQUEST});
		t.regex(none.stdout + none.stderr, /cannot load the FFI library \S+\.node .*Set MDEVSCOPE_ADDON_DIR to a writable directory on a filesystem mounted without noexec/s);
		t.notRegex(none.stdout, /^exit=0$/m);
		const fixed = await root.run(`${all} && mkdir -m 0700 /root/addons && MDEVSCOPE_ADDON_DIR=/root/addons mdevscope --mdevscope-probe-child && ls -A /root/addons`, {stdin: PROBE_REQUEST});
		expectProbeChild(t, fixed.stdout.split('\n').filter((l) => l.startsWith('{')).join('\n'), 'MDEVSCOPE_ADDON_DIR');
		t.false(/mdevscope-/.test(fixed.stdout.split('\n').filter((l) => !l.startsWith('{')).join('\n')), 'nothing left in MDEVSCOPE_ADDON_DIR');
	});

	test.serial(`${suite}: the .deb: dpkg installs it with its Depends met by a minimal Debian; man, completion, examples; dpkg -r removes it`, async (t) => {
		const root = new CleanRoot(suite as Suite, {[MNT]: release});
		t.teardown(() => root.remove());
		await install(t, root, 'deb');
		const status = await root.run("dpkg-query -W -f='${Status} ${Version}' mdevscope");
		t.is(status.stdout, `install ok installed ${exe.replace(/^mdevscope-(.+)-linux-x64$/, '$1')}`);
		// man-db's own lookup and rendering, as `man mdevscope` does it.
		const where = await root.run('man -w mdevscope');
		t.is(where.stdout.trim(), '/usr/share/man/man1/mdevscope.1.gz', where.stderr);
		const page = await root.run('MANWIDTH=80 man mdevscope 2>&1 | col -bx');
		// (man justifies its lines: the words are looked for with single spaces)
		t.regex(page.stdout.replace(/[ \t]+/g, ' '), /^NAME\n mdevscope - see the VFIO mediated devices \(mdev\) of a host/m, page.stdout.slice(0, 400));
		t.regex(page.stdout, /--probe-held/);
		// bash completion as bash-completion loads it (by the command's name).
		const completion = await root.run('source /usr/share/bash-completion/completions/mdevscope && complete -p mdevscope && COMP_WORDS=(mdevscope do) COMP_CWORD=1 && _mdevscope && echo "${COMPREPLY[@]}"');
		t.is(completion.stdout, 'complete -F _mdevscope mdevscope\ndoctor\n', completion.stderr);
		t.true((await root.run('test -s /usr/share/zsh/vendor-completions/_mdevscope')).code === 0);
		const examples = await root.run('ls /usr/share/doc/mdevscope/examples');
		t.deepEqual(examples.stdout.trim().split('\n'), ['90-mdevscope-export.rules', 'mdevscope-export.service']);
		const remove = await root.run('dpkg -r mdevscope && ! test -e /usr/bin/mdevscope && ! test -e /usr/share/man/man1/mdevscope.1.gz && echo gone');
		t.is(remove.stdout.trim().split('\n').at(-1), 'gone', remove.stderr);
	});

	for (const how of ['bare', 'deb'] as const) test.serial(`${suite}, ${how === 'bare' ? 'the bare executable' : 'the .deb'}: the TUI in an 80x24 terminal: the empty host, s opens the sample, keys work, q leaves the terminal as it was`, async (t) => {
		const root = new CleanRoot(suite as Suite, {[MNT]: release});
		const socket = `mdevscope-release-${suite}-${how}-${process.pid}`;
		t.teardown(() => {
			stopTmuxServer(socket);
			root.remove();
		});
		await install(t, root, how);
		const tmux = tmuxOn(socket);
		const screen = () => tmux('capture-pane', '-p', '-t', 'tui');
		const waitFor = (what: string, check: (s: string) => boolean) => waitForScreen(screen, what, check, 120_000);
		tmux('new-session', '-d', '-s', 'tui', '-x', '80', '-y', '24', ...root.command(['/bin/sh', '-c', `mdevscope; echo "exit=$?"; stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e icanon -e -echo -e -icanon | tr '\\n' ' '; echo '=stty'; sleep infinity`], {env: {TERM: 'tmux-256color'}}));
		await waitFor('empty-host screen', (s) => s.includes('No mdev support found'));
		t.is(tmux('display-message', '-p', '-t', 'tui', '#{alternate_on}').trim(), '1', 'the TUI is on the alternate screen');
		tmux('send-keys', '-t', 'tui', 's');
		await waitFor('sample', (s) => s.includes('[*] Parents (3)') && s.includes('recorded'));
		tmux('send-keys', '-t', 'tui', 'j');
		await waitFor('second parent selected', (s) => s.includes('Types of mdpy (3)'));
		tmux('send-keys', '-t', 'tui', '?');
		await waitFor('help', (s) => s.includes('Help: ? or Esc closes'));
		tmux('send-keys', '-t', 'tui', 'Escape');
		await waitFor('help closed', (s) => s.includes('[*] Parents (3)') && s.includes('Types of mdpy (3)'));
		for (const line of screen().split('\n')) t.true([...line].length <= 80, line);
		tmux('send-keys', '-t', 'tui', 'q');
		await waitFor('exit status', (s) => /^exit=\d+$/m.test(s));
		t.regex(screen(), /^exit=0$/m);
		await waitFor('stty', (s) => /=stty$/m.test(s));
		t.regex(screen(), /^(icanon echo|echo icanon) =stty$/m, 'canonical mode and echo are on again');
		t.is(tmux('display-message', '-p', '-t', 'tui', '#{alternate_on}').trim(), '0', 'the alternate screen is left');
	});
}
