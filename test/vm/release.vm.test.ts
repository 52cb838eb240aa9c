// The single executable (issue 15: `npm run release` -> release/mdevscope-<version>-linux-x64)
// against Debian's real 6.12 kernel with the mdev samples, from a clean Debian 12 root
// (debootstrap --variant=minbase, test/release/roots.sh) rather than this machine's: a copy of that
// root gets only the executable and test/vm/holder.c (a stand-in for QEMU, built static), and the
// guest chroots into it (run.sh's MDEVSCOPE_VM_ROOT). There, with no node anywhere, it must answer
// `--json --probe`, `--probe-held` against a holder, `features --json` and `export` as the npm
// build (dist/cli.js with this machine's node) answers them in the usual guest.
import {execFileSync} from 'node:child_process';
import {chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import type {FeaturesJson} from '../../src/output/features.js';
import type {ProbeResult} from '../../src/model/probe.js';
import type {HostModel, Instance} from '../../src/model/types.js';
import {RUN_SH, runInVm, sectionReader, vmKernelRelease, type Section} from './vm.js';

const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';

const project = join(import.meta.dirname, '..', '..');
const {version} = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {version: string};
const executable = join(project, 'release', `mdevscope-${version}-linux-x64`);
const bookworm = '/var/cache/mdevscope-roots/bookworm';

// One guest script for both roots: `$cli` is the CLI, `$holder` the holder built on this machine.
// The holder is named like QEMU (comm qemu-system-x86), so the owner scan reads its -name and -uuid.
const script = (cli: string, holder: string): string => `
set -u
cli="${cli}"
holder=${holder}
${RUN_SH}
# dump DIR NAME: every directory and file under DIR, files as path=content.
dump() {
	echo "@@@ begin $2"
	(cd "$1" && find . -mindepth 1 -type d | sort | sed 's/^/dir /' && find . -type f | sort | while read -r f; do printf '%s=%s\\n' "$f" "$(cat "$f")"; done)
	echo "@@@ end $2 rc=0"
}
echo "@@@ begin root"
echo "node=$(command -v node || echo none)"
. /etc/os-release; echo "codename=$VERSION_CODENAME"
echo "@@@ end root rc=0"

run version $cli --version
run probe $cli --json --probe
run features $cli features --json
run export $cli export --dir /tmp/export
dump /tmp/export tree

g=$(basename "$(readlink /sys/bus/mdev/devices/${MDPY}/iommu_group)")
$holder --keep-using /tmp/stop "$g:${MDPY}" -name guest=vdi-mdpy,debug-threads=on -uuid ${MDPY} >/tmp/holder.out 2>&1 &
hp=$!
i=0
while ! grep -q '^ready' /tmp/holder.out; do
	i=$((i + 1))
	if [ $i -gt 600 ] || ! kill -0 $hp 2>/dev/null; then cat /tmp/holder.out; exit 91; fi
	sleep 0.1
done
echo "@@@ holder pid=$hp"
run held $cli --json --probe --probe-held
touch /tmp/stop
wait $hp
hrc=$?
echo "@@@ begin holder"; cat /tmp/holder.out; echo "@@@ end holder rc=$hrc"
# The executable unpacks its addons into a private mdevscope-XXXXXX dir (writable ones: the guest's own).
echo "@@@ begin leftovers"; find /tmp /dev/shm -maxdepth 1 -name 'mdevscope-*'; echo "@@@ end leftovers rc=0"
`;

type Probed = Instance & {probe?: ProbeResult};
const probesOf = (json: string): Map<string, ProbeResult> => {
	const model = JSON.parse(json) as Omit<HostModel, 'instances'> & {instances: Probed[]};
	return new Map(model.instances.map((i) => [i.uuid, i.probe!]));
};

/** What one guest answered: the parsed outputs and every section by name. */
interface Answers {
	probe: Map<string, ProbeResult>;
	held: Map<string, ProbeResult>;
	holderPid: number;
	features: FeaturesJson;
	tree: Record<string, string>;
	get: (name: string) => Section;
}

/** `./uuid/features/migration=1` lines -> {'uuid/features/migration': '1'}; directories as 'dir uuid'. */
function tree(text: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const line of text.split('\n').filter(Boolean)) {
		if (line.startsWith('dir ./')) out[`dir ${line.slice(6)}`] = '';
		else out[line.slice(2, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
	}
	return out;
}

async function boot(t: import('ava').ExecutionContext, label: string, cli: string, holder: string, opts: {root?: string; cwd?: string} = {}): Promise<Answers> {
	const started = Date.now();
	const vm = await runInVm('6.12', script(cli, holder), {timeoutMs: 540_000, ...opts});
	t.log(`${label}: the guest ran ${((Date.now() - started) / 1000).toFixed(1)} s`);
	t.is(vm.rc, 0, `exit ${vm.rc}\nstdout:\n${vm.stdout}\nstderr:\n${vm.stderr}`);
	const {get, retries} = sectionReader(vm);
	if (retries.length > 0) t.log(`${label}: repeated after a crash under TCG: ${retries.join('; ')}`);
	for (const name of ['probe', 'features', 'export', 'held']) t.is(get(name).rc, 0, `${label} ${name}: ${get(`${name}.stderr`).text}`);
	t.is(get('holder').rc, 0, `the holder: ${get('holder').text}`);
	t.is(get('leftovers').text.trim(), '', `${label}: left behind in the guest`);
	return {
		probe: probesOf(get('probe').text),
		held: probesOf(get('held').text),
		holderPid: Number(/^@@@ holder pid=(\d+)$/m.exec(vm.stdout)?.[1]),
		features: JSON.parse(get('features').text) as FeaturesJson,
		tree: tree(get('tree').text),
		get,
	};
}

/** A `--json` model as two runs can share it: no time stamps or durations, the holder's pid as HOLDER. */
const comparable = (json: string, holderPid?: number): unknown => {
	const pid = holderPid === undefined ? null : new RegExp(`\\b${holderPid}\\b`, 'g');
	return JSON.parse(json, (key, value: unknown) => {
		if (['scannedAt', 'probedAt', 'durationMs'].includes(key)) return undefined;
		if (pid && value === holderPid) return 'HOLDER';
		return pid && typeof value === 'string' ? value.replaceAll(pid, 'HOLDER') : value;
	});
};
const comparableTree = (files: Record<string, string>): Record<string, string> =>
	Object.fromEntries(Object.entries(files).filter(([k]) => !k.endsWith('/probed_at')));

let reference: Answers | undefined;
let holderDir: string | undefined;

test.before(() => {
	// Static: the clean root's libc need not be this machine's.
	holderDir = mkdtempSync('/var/tmp/mdevscope-release-holder-');
	execFileSync('gcc', ['-O2', '-Wall', '-Werror', '-static', '-o', join(holderDir, 'qemu-system-x86_64'), join(project, 'test/vm/holder.c')]);
});
test.after.always(() => {
	if (holderDir) rmSync(holderDir, {recursive: true, force: true});
});

/** What both guests need; false (and failed) when something is missing, before any boot. */
function ready(t: import('ava').ExecutionContext): boolean {
	const missing = [
		[vmKernelRelease('6.12') !== null, 'the 6.12 VM is not built: run test/vm/build.sh 6.12'],
		[existsSync(join(project, 'dist', 'cli.js')), 'no dist/cli.js: run npm run build'],
		[existsSync(executable), `no ${executable}: run npm run release`],
		[existsSync(join(bookworm, 'etc', 'os-release')), `no clean bookworm root at ${bookworm}: run bash test/release/roots.sh bookworm trixie`],
	].filter(([ok]) => !ok);
	for (const [, message] of missing) t.fail(message as string);
	return missing.length === 0;
}

test.serial('6.12, this machine\'s root: the npm build\'s answers (the reference)', async (t) => {
	if (!ready(t)) return;
	reference = await boot(t, 'npm build, this machine\'s root', 'node dist/cli.js', join(holderDir!, 'qemu-system-x86_64'));
	t.not(reference.get('root').text.split('\n')[0], 'node=none');
});

test.serial('6.12, a clean Debian 12 root with only the executable: the same answers, without node', async (t) => {
	if (!ready(t)) return;
	if (!reference) {
		t.fail('the reference run (the npm build in this machine\'s root) failed: see the test before');
		return;
	}

	// The shared root stays untouched: the guest gets a copy, with the executable and the holder added.
	const work = mkdtempSync('/var/tmp/mdevscope-release-root-');
	const root = join(work, 'bookworm');
	try {
		execFileSync('cp', ['-a', bookworm, root]);
		mkdirSync(join(root, 'usr/local/bin'), {recursive: true});
		copyFileSync(executable, join(root, 'usr/local/bin/mdevscope'));
		copyFileSync(join(holderDir!, 'qemu-system-x86_64'), join(root, 'usr/local/bin/qemu-system-x86_64'));
		for (const file of ['mdevscope', 'qemu-system-x86_64']) chmodSync(join(root, 'usr/local/bin', file), 0o755);
		const got = await boot(t, 'executable, clean bookworm root', 'mdevscope', '/usr/local/bin/qemu-system-x86_64', {root, cwd: '/'});

		t.deepEqual(got.get('root').text.trimEnd().split('\n'), ['node=none', 'codename=bookworm']);
		t.is(got.get('version').rc, 0, got.get('version.stderr').text);
		t.regex(got.get('version').text.trim(), new RegExp(`^mdevscope ${version.replaceAll('.', '\\.')} \\(commit [0-9a-f]{12}(-dirty)?\\)$`));

		// ---- --json --probe: the real kernel's answers ----
		const mdpy = got.probe.get(MDPY)!;
		const mbochs = got.probe.get(MBOCHS)!;
		const mtty = got.probe.get(MTTY)!;
		t.log(`--json --probe:\n${[...got.probe.values()].map((p) => `  ${p.uuid.slice(0, 8)} ${p.outcome}: ${p.summary}`).join('\n')}`);
		for (const p of got.probe.values()) t.like(p, {outcome: 'ok', via: 'direct'}, `${p.uuid}: ${p.summary}`);
		t.deepEqual(mdpy.display.region, {supported: true});
		t.is(mdpy.summary, 'REGION display (XR24 1920x1080), no migration, no DMA logging');
		t.deepEqual(mbochs.display.dmabuf, {supported: true});
		t.deepEqual(mbochs.display.region, {supported: false, code: 'EINVAL'});
		t.deepEqual(mtty.migration, {supported: true, flags: 0x7, flagNames: ['STOP_COPY', 'P2P', 'PRE_COPY']});
		// ... and the npm build's, field for field.
		t.deepEqual(comparable(got.get('probe').text), comparable(reference.get('probe').text), '--json --probe');

		// ---- --probe-held: mdpy answered through the holder's fd ----
		const held = got.held.get(MDPY)!;
		t.true(got.holderPid > 1);
		t.like(held, {outcome: 'ok', via: 'borrowed'}, held.summary);
		t.like(held.borrowedFrom, {pid: got.holderPid, comm: 'qemu-system-x86', vmName: 'vdi-mdpy', vmUuid: MDPY, foundBy: 'only-device'});
		t.is(held.summary, `REGION display (plane not asked), no migration, no DMA logging; borrowed from qemu-system-x86 pid ${got.holderPid} (VM vdi-mdpy, uuid ${MDPY})`);
		t.like(got.held.get(MTTY), {outcome: 'ok', via: 'direct'});
		t.like(got.held.get(MBOCHS), {outcome: 'ok', via: 'direct'});
		t.regex(got.get('holder').text, /^held calls=\d+ flags=0x2 regions=9 irqs=5$/m);
		t.deepEqual(comparable(got.get('held').text, got.holderPid), comparable(reference.get('held').text, reference.holderPid), '--json --probe --probe-held');

		// ---- features --json and export ----
		t.deepEqual(
			got.features.instances.map((i) => [i.uuid, i.bits, i.known, i.answeredThrough, i.set]),
			[
				[MTTY, 4, 7, 'direct', ['migration']],
				[MDPY, 1, 7, 'direct', ['display_region']],
				[MBOCHS, 2, 7, 'direct', ['display_dmabuf']],
			],
		);
		t.deepEqual(got.features.source, {kind: 'live', label: null, recordedAt: null});
		t.deepEqual(comparable(got.get('features').text), comparable(reference.get('features').text), 'features --json');
		const bits = (uuid: string) => ['display_region', 'display_dmabuf', 'migration'].map((f) => got.tree[`${uuid}/features/${f}`]);
		t.deepEqual(bits(MDPY), ['1', '0', '0']);
		t.deepEqual(bits(MBOCHS), ['0', '1', '0']);
		t.deepEqual(bits(MTTY), ['0', '0', '1']);
		t.is(got.tree[`${MTTY}/mdev_type`], 'mtty-1');
		t.regex(got.get('export').text, /^exported 3 instances to \/tmp\/export \(\d+ files changed, 0 removed\)$/m);
		t.deepEqual(comparableTree(got.tree), comparableTree(reference.tree));
	} finally {
		if (!process.env.MDEVSCOPE_VM_KEEP) rmSync(work, {recursive: true, force: true});
	}
});
