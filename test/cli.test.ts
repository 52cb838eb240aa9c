// The real command, spawned: the bundle (dist/cli.js, built by pretest) with plain node, and from
// source through tsx where what it loads is the question.
import {execFile, spawn} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import type {HostModel} from '../src/model/types.js';
import {assertFreshDist, cli as runCli, distCli as dist, versionLine, type CliRun as Run} from './helpers/cli.js';

const project = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const trees = path.join(project, 'test', 'fixtures', 'trees');
const debian612 = path.join(trees, 'debian-6.12');
const recorder = path.join(project, 'test', 'fixtures', 'hooks', 'record-loads.mjs');
function node(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
	return new Promise((resolve) => {
		execFile(
			process.execPath,
			args,
			{cwd: project, encoding: 'utf8', env: {...process.env, NO_COLOR: '1', ...env}, maxBuffer: 16 * 1024 * 1024},
			(error, stdout, stderr) => resolve({code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr}),
		);
	});
}

/** The built CLI, `node dist/cli.js`; stdout is a pipe, never a terminal. */
const cli = (...args: string[]) => runCli(args);

const usage = (message: string, command = '') => `mdevscope: ${message}\nRun \`mdevscope${command && ` ${command}`} --help\` for the options.\n`;

function checkSamples(t: import('ava').ExecutionContext, r: Run): void {
	t.is(r.code, 0, r.stderr);
	t.is(r.stderr, '');
	const m = JSON.parse(r.stdout) as HostModel;
	t.is(m.schemaVersion, 1);
	t.deepEqual(m.parents.map((p) => p.name), ['mbochs', 'mdpy', 'mtty']);
	t.deepEqual(
		Object.fromEntries(m.parents.flatMap((p) => p.types.map((x) => [x.id, x.availableInstances]))),
		{'mbochs-large': 3, 'mbochs-medium': 12, 'mbochs-small': 48, 'mdpy-hd': 3, 'mdpy-vga': 3, 'mdpy-xga': 3, 'mtty-1': 23, 'mtty-2': 11},
	);
	t.deepEqual(
		m.instances.map((i) => [i.uuid, i.parent, i.mdevType, i.iommuGroup, i.vfioDev]),
		[
			['11111111-1111-1111-1111-111111111111', 'mtty', 'mtty-1', 0, 'vfio0'],
			['22222222-2222-2222-2222-222222222222', 'mdpy', 'mdpy-hd', 1, 'vfio1'],
			['33333333-3333-3333-3333-333333333333', 'mbochs', 'mbochs-large', 2, 'vfio2'],
		],
	);
	t.deepEqual(m.source, {kind: 'tree', label: debian612, recordedAt: null});
}

test('--json on the captured 6.12 tree: 3 parents, 8 types with their counts, 3 instances', async (t) => {
	const r = await cli('--root', debian612, '--json');
	checkSamples(t, r);
	// Owners: unknown in a tree without a process table, with the reason on each instance.
	const m = JSON.parse(r.stdout) as {instances: Array<{owners: unknown; ownersUnknown?: string}>};
	for (const i of m.instances) {
		t.is(i.owners, null);
		t.regex(i.ownersUnknown ?? '', /^no process's open files could be read under .*debian-6\.12\/proc/);
	}
});

test('--plain on the captured 6.12 tree, and the same table when stdout is not a terminal', async (t) => {
	const plain = await cli('--root', debian612, '--plain');
	t.is(plain.code, 0, plain.stderr);
	const out = plain.stdout.split('\n');
	t.is(out[0], 'Host      unknown hostname, kernel 6.12.117+deb12-amd64');
	t.is(out[1], `Source    tree ${debian612}`);
	t.is(out[4], 'Found     3 parents, 8 types, 3 active instances, 0 defined, not active');
	t.true(out.includes('  mbochs-small   mbochs-small   vfio-pci     48          0  virtual display, 4 MB video memory'));
	t.true(out.includes('  11111111-1111-1111-1111-111111111111  mtty-1  active      0  mtty    vfio0     -        ?'));
	// A captured tree has no process table: who holds an instance is unknown, and the table says why.
	t.true(out.includes(`Owners    ?: no process's open files could be read under ${debian612}/proc (a captured tree has no process table): who holds it is unknown here; run mdevscope on the host itself.`));
	const piped = await cli('--root', debian612);
	t.is(piped.code, 0, piped.stderr);
	t.is(piped.stdout, plain.stdout);
});

test('--probe on a tree: every active instance answered "not-live", nothing opened', async (t) => {
	const r = await cli('--root', debian612, '--json', '--probe');
	t.is(r.code, 0, r.stderr);
	const m = JSON.parse(r.stdout) as {instances: Array<{uuid: string; probe?: {uuid: string; outcome: string}}>};
	t.deepEqual(
		m.instances.map((i) => [i.uuid, i.probe?.uuid, i.probe?.outcome]),
		m.instances.map((i) => [i.uuid, i.uuid, 'not-live']),
	);
	const plain = await cli('--root', debian612, '--plain', '--probe');
	t.true(plain.stdout.includes('Probes    3 instances: 3 not-live'));
});

test('--help: usage, options, keys and examples as the user sees them', async (t) => {
	const r = await cli('--help');
	t.is(r.code, 0);
	for (const part of [
		'Usage\n    $ mdevscope [options]',
		'--root DIR         Read /sys, /proc, /dev and /etc under DIR instead of /',
		'--json ',
		'--plain ',
		'--probe ',
		'--timeout MS ',
		'--concurrency N ',
		'--no-color ',
		'--version ',
		'Keys in the interactive view',
		'j/k move',
		'q quit',
		'--sample ',
		'$ mdevscope --sample',
	]) {
		t.true(r.stdout.includes(part), part);
	}
});

test('--version prints the package version and the commit dist/ was built from', async (t) => {
	const r = await cli('--version');
	t.is(r.code, 0);
	t.is(r.stdout, `${versionLine()}\n`);
	t.regex(r.stdout, /^mdevscope \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?\)\n$/);
});

test('an unknown flag, a stray argument or a bad number: a clear message and exit 64', async (t) => {
	t.deepEqual(await cli('--bogus'), {code: 64, stdout: '', stderr: usage('unknown option --bogus.')});
	t.deepEqual(await cli('--root', debian612, '--jsn'), {code: 64, stdout: '', stderr: usage('unknown option --jsn.')});
	const stray = await cli('somewhere');
	t.is(stray.code, 64);
	t.is(stray.stdout, '');
	// The list of commands grows; what matters is the word named, the commands listed and the hint.
	t.regex(stray.stderr, /^mdevscope: unknown command "somewhere"; the commands are doctor(, [a-z]+)* \(to read a tree, use --root somewhere\)\.\nRun `mdevscope --help` for the options\.\n$/);
	t.deepEqual(await cli('--timeout', 'soon'), {code: 64, stdout: '', stderr: usage('--timeout soon: not a number; give a whole number of milliseconds above 0.')});
});

test('a bad --root: a clear message and exit 66 (an input that cannot be read), no stack trace', async (t) => {
	t.deepEqual(await cli('--root', '/nonexistent/mdevscope'), {
		code: 66,
		stdout: '',
		stderr: "mdevscope: --root /nonexistent/mdevscope: no such directory. Give the directory that holds a tree's sys/ (or / for this host).\n",
	});
	const file = path.join(project, 'package.json');
	t.deepEqual(await cli('--root', file, '--json'), {
		code: 66,
		stdout: '',
		stderr: `mdevscope: --root ${file}: not a directory. Give the directory that holds a tree's sys/ (or / for this host).\n`,
	});
});

// ---- --help and --version, everywhere --------------------------------------------------------------

const COMMAND_USAGE: Record<string, string> = {
	doctor: '$ mdevscope doctor [--root DIR | --sample] [--json]',
	compare: '$ mdevscope compare SOURCE DEST [--uuid UUID]... [--json | --plain]',
	features: '$ mdevscope features [UUID...] [--json]',
	export: '$ mdevscope export [--dir DIR]',
};

test('--help and -h after a command: that command\'s usage and exit codes, exit 0, and the command does not run', async (t) => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-help-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const out = path.join(dir, 'export');
	for (const [command, usageLine] of Object.entries(COMMAND_USAGE)) {
		for (const flag of ['--help', '-h']) {
			// Arguments that would make each command run (and the doctor fail, exit 1) if it did.
			const rest = command === 'compare' ? ['-', 'local'] : command === 'export' ? ['--dir', out] : [];
			const r = await cli(command, ...rest, '--root', path.join(trees, 'empty'), flag);
			t.is(r.code, 0, `${command} ${flag}: ${r.stderr}`);
			t.is(r.stderr, '', `${command} ${flag}`);
			t.true(r.stdout.startsWith(`\n  Usage\n    ${usageLine}\n`), `${command} ${flag}:\n${r.stdout}`);
			t.regex(r.stdout, /\n {2}Exit codes\n[^]* {4}64 {17}A wrong option, argument or value[^]* {4}66 {17}A snapshot or tree that cannot be read/, `${command} ${flag}`);
			t.false(r.stdout.includes('Keys in the interactive view'), `${command} ${flag}: its own help, not the top-level one`);
		}
	}
	t.false(existsSync(out), 'export --help wrote nothing');
	const top = await cli('-h');
	t.is(top.code, 0, top.stderr);
	t.true(top.stdout.includes('Usage\n    $ mdevscope [options]'));
	t.true(top.stdout.includes('\n  Exit codes\n'));
});

test('--version and -V after a command print the version and exit 0, and the command does not run', async (t) => {
	for (const args of [['-V'], ...Object.keys(COMMAND_USAGE).flatMap((c) => [[c, '--version'], [c, '-V']])]) {
		t.deepEqual(await cli(...args, '--root', path.join(trees, 'empty')), {code: 0, stdout: `${versionLine()}\n`, stderr: ''}, args.join(' '));
	}
});

// ---- options meow would have taken, or rejected in its own words -------------------------------

test('option errors are all "mdevscope: ..." usage errors (exit 64), never meow\'s own messages', async (t) => {
	for (const [args, message, command] of [
		[['--root'], '--root needs a value: a directory (the root of a captured tree, or / for this host).'],
		[['--json', '--root'], '--root needs a value: a directory (the root of a captured tree, or / for this host).'],
		[['--root='], '--root needs a value: a directory (the root of a captured tree, or / for this host).'],
		[['--from'], '--from needs a value: a snapshot file.'],
		[['export', '--dir'], '--dir needs a value: a directory.', 'export'],
		[['compare', 'a', 'b', '--uuid'], "--uuid needs a value: an instance's UUID.", 'compare'],
		[['--root', debian612, '--root', debian612], '--root is given more than once; give it once.'],
		[['--json', '--json'], '--json is given more than once; give it once.'],
		[['--timeout', 'abc'], '--timeout abc: not a number; give a whole number of milliseconds above 0.'],
		[['--timeout', '-5'], '--timeout -5: must be above 0 (a whole number of milliseconds).'],
		[['--timeout', '1.5'], '--timeout 1.5: not a whole number; give a whole number of milliseconds above 0.'],
		[['--concurrency', 'two'], '--concurrency two: not a number; give a whole number of probes at once above 0.'],
		[['--concurrency', '0'], '--concurrency 0: must be above 0 (a whole number of probes at once).'],
		[['--json', '--plain'], '--json and --plain both say how to print; give one.'],
		[['--no-root'], 'unknown option --no-root.'],
		[['-x'], 'unknown option -x.'],
	] as Array<[string[], string, string?]>) {
		t.deepEqual(await cli(...args, ...(args.includes('--root') || args[0]!.startsWith('--root=') ? [] : ['--root', debian612])), {code: 64, stdout: '', stderr: usage(message, command)}, args.join(' '));
	}
});

test('compare - is this host, as SOURCE or as DEST (not an unknown option)', async (t) => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-compare-dash-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const snapshot = path.join(dir, 'empty.json');
	const taken = await cli('--root', path.join(trees, 'empty'), '--json');
	t.is(taken.code, 0, taken.stderr);
	writeFileSync(snapshot, taken.stdout);
	// The 6.12 tree's instances have no type on an empty host: blocked, exit 2, the report on stdout.
	const asSource = await cli('compare', '-', snapshot, '--root', debian612);
	t.is(asSource.code, 2, asSource.stderr);
	t.true(asSource.stdout.startsWith(`SOURCE  --root ${debian612}: `), asSource.stdout);
	t.regex(asSource.stdout, /^Result {2}blocked \(exit 2\)/m);
	const asDest = await cli('compare', snapshot, '-', '--root', debian612, '--json');
	t.is(asDest.code, 0, asDest.stderr); // nothing on SOURCE to move: all (none) ok
	t.is((JSON.parse(asDest.stdout) as {dest: {name: string}}).dest.name, `--root ${debian612}`);
});

// ---- stdin that is not a terminal ------------------------------------------------------------------

/** The CLI with stdout (and stderr) on a terminal (a pty from util-linux `script`) but stdin from /dev/null. */
function onTerminalStdinNull(args: string[]): Promise<{code: number | null; output: string}> {
	assertFreshDist();
	const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
	const command = [process.execPath, dist, ...args].map(quote).join(' ');
	const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1'};
	delete env['CI']; // as a user's terminal
	return new Promise((resolve) => {
		const child = spawn('script', ['-qefc', `stty cols 100 rows 24; [ -t 1 ] || echo 'not a terminal'; exec ${command} </dev/null`, '/dev/null'], {cwd: project, env});
		let output = '';
		child.stdout.on('data', (d: Buffer) => (output += d.toString()));
		child.on('close', (code) => resolve({code, output: output.replace(/\r\n/g, '\n')}));
	});
}

test('stdin not a terminal (stdout one): the plain table, exit 0, not a raw-mode crash', async (t) => {
	const {code, output} = await onTerminalStdinNull(['--root', debian612]);
	t.is(code, 0, output);
	t.false(output.includes('not a terminal'), 'control: stdout is a terminal');
	t.false(output.includes('\x1b[?1049h'), 'no alternate screen');
	t.true(output.startsWith('Host      unknown hostname, kernel 6.12.117+deb12-amd64\n'), output);
	t.true(output.includes('Found     3 parents, 8 types, 3 active instances, 0 defined, not active\n'), output);
});

test('compare with stdin not a terminal: the plain report and the verdict\'s exit code (2 blocked), not 1', async (t) => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-compare-stdin-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const snapshot = path.join(dir, '6.12.json');
	const taken = await cli('--root', debian612, '--json');
	t.is(taken.code, 0, taken.stderr);
	writeFileSync(snapshot, taken.stdout);
	const {code, output} = await onTerminalStdinNull(['compare', snapshot, 'local', '--root', path.join(trees, 'empty')]);
	t.is(code, 2, output);
	t.false(output.includes('\x1b[?1049h'), 'no alternate screen');
	t.true(output.startsWith(`SOURCE  ${snapshot}: `), output);
	t.regex(output, /^Result {2}blocked \(exit 2\): 3 instances, 0 ok, 0 risky, 3 blocked$/m);
});

test('the empty host: exit 0, the helpful text, and JSON with empty lists', async (t) => {
	const root = path.join(trees, 'empty');
	const plain = await cli('--root', root);
	t.is(plain.code, 0, plain.stderr);
	t.true(plain.stdout.includes(`No mediated devices (mdev) found under ${root}.`));
	t.true(plain.stdout.includes('What is missing, and the fix (mdevscope doctor):\n  mdevscope doctor: 0 ok, 2 warn, 6 fail\n'));
	t.true(plain.stdout.includes('\n  [FAIL] vfio module: /sys/module/vfio is missing: the VFIO core (/dev/vfio, groups, device fds) is not loaded.\n         fix: modprobe vfio\n'));
	t.true(plain.stdout.includes("  try: mdevscope --sample (a host recorded on Debian 6.12 with the kernel's mdev sample drivers)\n"));
	const json = await cli('--root', root, '--json');
	t.is(json.code, 0, json.stderr);
	const m = JSON.parse(json.stdout) as HostModel;
	t.deepEqual([m.parents, m.instances, m.errors], [[], [], []]);
	t.deepEqual(m.host.modules, {vfio: false, vfio_iommu_type1: false, mdev: false});
	t.false(m.host.mdevBus);
});

// ---- owners' command lines: only with --with-cmdline ---------------------------------------------

test('--json leaves owners\' command lines out unless --with-cmdline; snapshots load either way; the flag needs --json', async (t) => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-argv-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const root = path.join(dir, 'tree');
	cpSync(debian612, root, {recursive: true, verbatimSymlinks: true});
	// pid 4242, a QEMU holding mbochs' group (2) with a password and a secret's path on its command line.
	const pid = path.join(root, 'proc', '4242');
	mkdirSync(path.join(pid, 'fd'), {recursive: true});
	symlinkSync('/dev/vfio/2', path.join(pid, 'fd', '22'));
	writeFileSync(path.join(pid, 'comm'), 'qemu-system-x86\n');
	const argv = ['/usr/bin/qemu-system-x86_64', '-name', 'guest=vdi-42', '-uuid', 'c0ffee00-0000-4000-8000-000000000042', '-spice', 'port=5900,password=hunter2', '-object', 'secret,id=sec0,file=/etc/keys/vdi-42.key'];
	writeFileSync(path.join(pid, 'cmdline'), `${argv.join('\0')}\0`);
	type Json = {instances: Array<{uuid: string; owners: Array<Record<string, unknown>> | null}>};
	const mbochs = (r: Run) => (JSON.parse(r.stdout) as Json).instances.find((i) => i.uuid.startsWith('3333'))!.owners;

	const plain = await cli('--root', root, '--json');
	t.is(plain.code, 0, plain.stderr);
	t.false(plain.stdout.includes('hunter2'));
	t.false(plain.stdout.includes('vdi-42.key'));
	t.deepEqual(mbochs(plain), [{pid: 4242, comm: 'qemu-system-x86', vmName: 'vdi-42', vmUuid: 'c0ffee00-0000-4000-8000-000000000042', libvirtDomain: null, files: ['/dev/vfio/2']}]);
	const full = await cli('--root', root, '--json', '--with-cmdline');
	t.is(full.code, 0, full.stderr);
	t.deepEqual(mbochs(full)?.[0]?.cmdline, argv);

	// Both kinds of snapshot open: the owner is shown from what was recorded, argv or not.
	for (const [name, run] of [['without', plain], ['with', full]] as const) {
		const file = path.join(dir, `${name}.json`);
		writeFileSync(file, run.stdout);
		const shown = await cli('--from', file, '--plain');
		t.is(shown.code, 0, shown.stderr);
		t.regex(shown.stdout, /^ {2}33333333-3333-3333-3333-333333333333 .* qemu pid 4242 vm=vdi-42$/m, name);
		// Re-written as JSON, an old snapshot's argv stays out too, unless asked for.
		const again = await cli('--from', file, '--json');
		t.is(again.code, 0, again.stderr);
		t.false(again.stdout.includes('hunter2'), name);
		t.is((await cli('--from', file, '--json', '--with-cmdline')).stdout.includes('hunter2'), name === 'with');
	}

	const message = "--with-cmdline goes with --json (mdevscope --json, or --from FILE --json): it keeps each owner's full command line in the JSON, which is left out by default.";
	for (const args of [['--plain', '--with-cmdline'], ['--with-cmdline'], ['doctor', '--json', '--with-cmdline']]) {
		t.deepEqual(await cli('--root', root, ...args), {code: 64, stdout: '', stderr: usage(message, args[0] === 'doctor' ? 'doctor' : '')}, args.join(' '));
	}
	t.regex((await cli('--help')).stdout, /--with-cmdline +With --json: keep each owner's full command line \(owners\[\]\.cmdline\),/);
});

// ---- --json and --plain never load Ink or React ----------------------------------------------------

async function loadsOf(args: string[]): Promise<{run: Run; urls: string[]}> {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-loads-'));
	try {
		const file = path.join(dir, 'loads.txt');
		const run = await node(['--import', recorder, ...args], {MDEVSCOPE_RECORD_LOADS: file});
		return {run, urls: existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []};
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

const inkOrReact = (url: string) => /\/node_modules\/(ink|react|react-reconciler)\//.test(url);

test('the load recorder sees ink and react when the TUI module is imported (control)', async (t) => {
	const tui = path.join(project, 'src', 'terminal', 'tui.tsx');
	const {run, urls} = await loadsOf(['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(tui)});`]);
	t.is(run.code, 0, run.stderr);
	t.true(urls.some((u) => u.includes('/node_modules/ink/')), 'ink');
	t.true(urls.some((u) => u.includes('/node_modules/react/')), 'react');
});

test('--json and --plain from source load neither ink nor react', async (t) => {
	for (const mode of ['--json', '--plain']) {
		const {run, urls} = await loadsOf(['--import', 'tsx', path.join(project, 'src', 'cli.tsx'), '--root', debian612, mode]);
		t.is(run.code, 0, run.stderr);
		t.true(urls.some((u) => u.endsWith('/src/sysfs/scan.ts')), `${mode}: the recorder saw the CLI's own modules`);
		t.deepEqual(urls.filter(inkOrReact), [], mode);
	}
});

// ---- the bundle ----------------------------------------------------------------------------------

test('dist/cli.js (npm run build): --json on the 6.12 tree, and no Ink/React code loaded', async (t) => {
	assertFreshDist();
	checkSamples(t, await node([dist, '--root', debian612, '--json']));
	// Bundled, React is not under node_modules: look for its element symbol in the files that were loaded.
	const reactMark = 'react.transitional.element';
	const distFiles = readdirSync(path.dirname(dist)).filter((f) => f.endsWith('.js'));
	t.true(
		distFiles.some((f) => readFileSync(path.join(path.dirname(dist), f), 'utf8').includes(reactMark)),
		'control: the bundle does contain React (in the lazily loaded TUI chunk)',
	);
	const {run, urls} = await loadsOf([dist, '--root', debian612, '--json']);
	t.is(run.code, 0, run.stderr);
	const loaded = urls.filter((u) => u.startsWith('file://') && u.includes('/dist/')).map((u) => fileURLToPath(u));
	t.true(loaded.includes(dist));
	t.deepEqual(loaded.filter((f) => readFileSync(f, 'utf8').includes(reactMark)), []);
});

// ---- --sample: the host that comes with mdevscope ------------------------------------------------

test('--sample: the bundled host with its recorded probe answers, marked as the sample, in --json, --plain and doctor', async (t) => {
	const recorded = JSON.parse(readFileSync(path.join(project, 'test', 'fixtures', 'probes', 'debian-6.12.json'), 'utf8')) as {cases: {free: Array<{uuid: string; display: {region: {supported: boolean}}; migration: {flags: number | null}}>}};
	const json = await cli('--sample', '--json');
	t.is(json.code, 0, json.stderr);
	const m = JSON.parse(json.stdout) as Omit<HostModel, 'instances'> & {instances: Array<{uuid: string; probe?: {display: {region: {supported: boolean}}; migration: {flags: number | null}}}>};
	t.is(m.source.kind, 'tree');
	t.regex(m.source.label ?? '', /^sample: recorded on Debian 6\.12/);
	t.deepEqual(
		m.instances.map((i) => [i.uuid, i.probe?.display.region.supported, i.probe?.migration.flags]).sort(),
		recorded.cases.free.map((r) => [r.uuid, r.display.region.supported, r.migration.flags]).sort(),
	);
	const plain = await cli('--sample', '--plain');
	t.is(plain.code, 0, plain.stderr);
	t.true(plain.stdout.includes("Source    tree sample: recorded on Debian 6.12 with the kernel's mdev sample drivers\n"), plain.stdout);
	const doctor = await cli('doctor', '--sample', '--json');
	t.true(doctor.code === 0 || doctor.code === 1, doctor.stderr);
	t.true(JSON.parse(doctor.stdout).checks.length > 0);
});

test('--sample with --root, --from, --probe or a command that reads this host: a usage error (64)', async (t) => {
	for (const args of [['--sample', '--root', debian612], ['--sample', '--from', 'x.json'], ['--sample', '--probe', '--json'], ['features', '--sample'], ['export', '--sample']]) {
		const r = await cli(...args);
		t.is(r.code, 64, args.join(' '));
		t.regex(r.stderr, /^mdevscope: --sample /, args.join(' '));
	}
});
