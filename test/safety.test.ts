// What mdevscope reads, what it opens, what it never writes, and what reaches the terminal.
// - Terminal safety: the hostile-names tree (escape sequences in a type's name and description,
//   a type's directory name, the hostname, a driver's name, an mdevctl definition) through the
//   plain view, JSON, the interactive view and the doctor; a probe summary from /proc too.
// - Confinement: a tree's links cannot lead a read outside the tree, a device node in a tree is
//   never opened, a FIFO never hangs the scan.
// - Least privilege: every read the tool does, against a read-only bind mount of every fixture
//   tree (same answers as from a writable copy, whose every path is unchanged afterwards), the
//   CLI under strace (no open for writing, no call that changes a file), and an audit of the
//   sources: each file-writing API, write-mode open flag, child process and VFIO ioctl is in an
//   allow-list that says why.
import {spawn, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {
	chmodSync,
	closeSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	openSync,
	readdirSync,
	readFileSync,
	readlinkSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import React from 'react';
import {render} from 'ink-testing-library';
import {App} from '../src/components/App.js';
import type {ProbeResult} from '../src/model/probe.js';
import {readDoctorFacts} from '../src/doctor/index.js';
import {renderJson} from '../src/output/json.js';
import {renderPlain} from '../src/output/plain.js';
import {probeInstances} from '../src/probe/runner.js';
import {clearPciIdsCache} from '../src/sysfs/pciids.js';
import {scanHost} from '../src/sysfs/scan.js';
import {withProbes} from '../src/model/instances.js';
import {bundle} from './safety/bundle.js';
import {readEverything} from './safety/read-everything.js';
import {press} from './helpers/ink.js';
import {missingTool} from './helpers/missing.js';
import {runModuleAsNobody} from './helpers/nobody.js';
import {sources} from './helpers/sources.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.join(here, '..');
const trees = path.join(here, 'fixtures', 'trees');
const HOSTILE = path.join(trees, 'hostile-names');
const asRoot = process.getuid?.() === 0;

const OSC_TITLE = '\x1b]0;pwned\x07';
const CLEAR = '\x1b[2J';
/** Any C0 control but newline, DEL, or C1: what a terminal may act on. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
/** Colour and style (SGR) sequences: the only escapes the interactive view writes itself. */
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

const firstControl = (text: string): string | null => {
	const at = [...text].findIndex((ch) => CONTROL.test(ch));
	return at === -1 ? null : JSON.stringify([...text].slice(Math.max(0, at - 20), at + 10).join(''));
};

test.after.always(async () => (await bundle()).remove());

/** The CLI as shipped (the esbuild bundle), not through tsx, whose transpile cache would be a write of its own. */
async function cli(args: string[], opts: {wrap?: string[]} = {}): Promise<{code: number | null; stdout: string; stderr: string}> {
	const {cli: cliBundle} = await bundle();
	const [command, ...rest] = opts.wrap ? [...opts.wrap, process.execPath, cliBundle, ...args] : [process.execPath, cliBundle, ...args];
	return new Promise((resolve) => {
		const child = spawn(command!, rest, {cwd: project, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.on('close', (code) => resolve({code, stdout, stderr}));
	});
}

// ---- terminal safety ----------------------------------------------------------------------------

test('hostile-names: the tree really holds the escape sequences the views must not pass on', (t) => {
	const m = scanHost(HOSTILE);
	const mtty1 = m.parents[0]!.types.find((x) => x.id === 'mtty-1')!;
	t.is(mtty1.name, `GRID ${OSC_TITLE}T4-2Q${CLEAR}`);
	t.is(mtty1.description, 'red \x1b[31malert\x1b[0m, \u009b2J eight-bit CSI');
	t.true(m.parents[0]!.types.some((x) => x.id === `mtty-${CLEAR}`));
	t.is(m.host.hostname, `evil${OSC_TITLE}host`);
	t.is(m.instances[0]!.driver, `mtty${OSC_TITLE}`);
	t.deepEqual(m.instances[0]!.definition?.attrs, [{[`${CLEAR}key`]: 'value\x07'}]);
	// And the scan says so, on each item.
	const codes = (errors: {code: string; path: string}[]) => errors.map((e) => `${e.code} ${e.path}`);
	const T = '/sys/devices/virtual/mtty/mtty/mdev_supported_types';
	t.deepEqual(codes(mtty1.errors), [`EPARSE ${T}/mtty-1/name`, `EPARSE ${T}/mtty-1/description`]);
	t.deepEqual(codes(m.parents[0]!.types.find((x) => x.id !== 'mtty-1')!.errors), [`EPARSE ${T}/mtty-${CLEAR}`]);
	t.deepEqual(codes(m.errors), ['EPARSE /proc/sys/kernel/hostname']);
	t.deepEqual(codes(m.instances[0]!.errors), ['EPARSE /sys/devices/virtual/mtty/mtty/11111111-1111-1111-1111-111111111111/driver']);
});

test('plain: no control character reaches the terminal, and the names read as the driver meant them', (t) => {
	const text = renderPlain(scanHost(HOSTILE));
	t.is(firstControl(text), null);
	// Error lines quote the bytes, escaped (`"GRID \x1b]0;pwned\x07..."`); the values themselves lose
	// whole sequences, not just their ESC.
	const values = text.split('\n').filter((line) => !/^ *! /.test(line)).join('\n');
	t.false(values.includes('pwned'), 'the OSC body goes with its ESC');
	t.false(values.includes('[2J'), 'the CSI parameters go with their ESC');
	t.regex(text, /^ {4}! EPARSE: Reading \/sys\/devices\/virtual\/mtty\/mtty\/mdev_supported_types\/mtty-1\/name: it holds bytes that are not text \("GRID \\x1b\]0;pwned\\x07T4-2Q\\x1b\[2J\\x0a"\)/m);
	t.regex(text, /^Host {6}evilhost, kernel /m);
	t.regex(text, /^ {2}mtty-1 {2}GRID T4-2Q {8}vfio-pci {6}1 {10}1 {2}red alert, 2J eight-bit CSI$/m);
	t.regex(text, /^ {2}11111111-1111-1111-1111-111111111111 {2}mtty-1 {2}active {6}0 {2}mtty {4}vfio0 {5}autostart$/m);
});

test('json: control characters are escaped, and parse back to the exact bytes', (t) => {
	const m = scanHost(HOSTILE);
	const json = renderJson(m);
	t.is(firstControl(json.replace(/\n/g, ' ')), null);
	t.true(json.includes('"name": "GRID \\u001b]0;pwned\\u0007T4-2Q\\u001b[2J"'));
	// JSON.stringify leaves C1 raw; a terminal may take U+009B as CSI, so it is escaped too.
	t.true(json.includes('\\u009b2J eight-bit CSI'));
	t.deepEqual(JSON.parse(json), m);
});

test('plain --probe: a probe summary naming a holder from /proc is cleaned too', async (t) => {
	const m = scanHost(HOSTILE);
	// The real runner's not-live answer for a tree, with the summary a holder scan could produce.
	const [result] = await probeInstances(m, [m.instances[0]!.uuid]);
	const hostile: ProbeResult = {...result!, outcome: 'busy', summary: `in use by qemu pid 7 (VM ${OSC_TITLE}win${CLEAR})`};
	const probed = withProbes(m, [hostile]);
	const text = renderPlain(probed, {probed: true});
	t.is(firstControl(text), null);
	t.true(text.includes('    probe: in use by qemu pid 7 (VM win)'));
	t.false(renderJson(probed).includes('\x1b'));
});

test('interactive view: every screen of the hostile tree is drawn without the sequences', async (t) => {
	const m = scanHost(HOSTILE);
	const {lastFrame, stdin, unmount} = render(React.createElement(App, {model: m, rescan: () => m, color: false}));
	const frames: string[] = [];
	const look = async (keys: string) => {
		await press(stdin, ...keys);
		frames.push(lastFrame() ?? '');
	};
	try {
		await look(''); // parents, and the parent's detail
		await look('\r'); // its types: the one named with an escape, first
		await look('j'); // mtty-1: name and description with sequences
		await look('\r'); // its instances
		await look('\r'); // the instance detail: driver, definition
		await look('?'); // help, for good measure
	} finally {
		unmount();
	}
	t.true(frames.some((f) => f.includes('GRID T4-2Q')), 'the type name is shown, cleaned');
	t.true(frames.some((f) => f.includes('red alert')), 'the description is shown, cleaned');
	for (const [i, frame] of frames.entries()) {
		t.false(frame.includes('pwned'), `frame ${i}: ${frame}`);
		t.false(frame.includes('[2J'), `frame ${i}: ${frame}`);
		t.is(firstControl(frame.replace(SGR, '')), null, `frame ${i}`);
	}
});

test('the CLI on the hostile tree: --plain, --json, doctor and doctor --json write no raw control character', async (t) => {
	for (const args of [['--plain'], ['--json'], ['doctor'], ['doctor', '--json']]) {
		const r = await cli([...args, '--root', HOSTILE]);
		t.true(r.code === 0 || (args[0] === 'doctor' && r.code === 1), `${args.join(' ')}: exit ${r.code} ${r.stderr}`);
		t.is(firstControl(r.stdout.replace(/\n/g, ' ')), null, `${args.join(' ')} printed a control character`);
		t.is(firstControl(r.stderr.replace(/\n/g, ' ')), null, `${args.join(' ')} (stderr)`);
	}
});

// ---- a tree cannot lead outside itself ------------------------------------------------------------

function copyTree(name: string): {root: string; outside: string; done: () => void} {
	const base = mkdtempSync(path.join(tmpdir(), 'mdevscope-safety-'));
	const root = path.join(base, 'tree');
	const cp = spawnSync('cp', ['-a', path.join(trees, name), root]);
	if (cp.status !== 0) throw new Error(`cp ${name}: ${cp.stderr}`);
	const outside = path.join(base, 'outside');
	mkdirSync(outside);
	return {root, outside, done: () => rmSync(base, {recursive: true, force: true})};
}

test('links that leave the tree are followed under it, never to the host', (t) => {
	const {root, outside, done} = copyTree('nvidia-grid');
	t.teardown(done);
	writeFileSync(path.join(outside, 'secret'), 'CANARY-name\n');
	writeFileSync(path.join(outside, 'pci.ids'), '10de  CANARY Corporation\n\t1eb8  CANARY T4\n');
	const types = path.join(root, 'sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/mdev_supported_types');
	const name222 = path.join(types, 'nvidia-222/name');
	const name223 = path.join(types, 'nvidia-223/name');
	rmSync(name222);
	symlinkSync(path.relative(path.dirname(name222), path.join(outside, 'secret')), name222); // ../../../ out of the tree
	rmSync(name223);
	symlinkSync(path.join(outside, 'secret'), name223); // absolute, as on the host
	const ids = path.join(root, 'usr/share/misc/pci.ids');
	rmSync(ids);
	symlinkSync(path.join(outside, 'pci.ids'), ids);
	// A directory link out of the tree: its listing would be the host's.
	const devices = path.join(types, 'nvidia-230/devices');
	rmSync(devices, {recursive: true});
	symlinkSync(outside, devices);
	clearPciIdsCache();
	const m = scanHost(root);
	const json = renderJson(m);
	t.false(json.includes('CANARY'), 'something outside the tree was read');
	t.false(json.includes('"secret"'), 'a directory outside the tree was listed');
	const gpu = m.parents[0]!;
	t.is(gpu.types.find((x) => x.id === 'nvidia-222')!.name, null);
	t.is(gpu.types.find((x) => x.id === 'nvidia-223')!.name, null);
	t.like(gpu.types.find((x) => x.id === 'nvidia-222')!.errors[0], {code: 'ENOENT'});
	t.like(gpu.pci, {vendorId: '0x10de', vendorName: null});
	t.like(gpu.types.find((x) => x.id === 'nvidia-230')!.errors[0], {code: 'ENOENT'});
});

(asRoot ? test : test.skip)('a device node in a tree is never opened (as root: mknod)', (t) => {
	const {root, done} = copyTree('debian-6.12');
	t.teardown(done);
	const name = path.join(root, 'sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/name');
	rmSync(name);
	t.is(spawnSync('mknod', [name, 'c', '1', '5']).status, 0); // /dev/zero's numbers
	const m = scanHost(root);
	const mtty1 = m.parents.find((p) => p.name === 'mtty')!.types.find((x) => x.id === 'mtty-1')!;
	t.is(mtty1.name, null);
	t.like(mtty1.errors[0], {code: 'EUNSAFE', path: '/sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/name'});
});

test('a FIFO where a file should be never hangs the scan (an attribute, pci.ids)', (t) => {
	const {root, done} = copyTree('nvidia-grid');
	t.teardown(done);
	for (const rel of ['usr/share/misc/pci.ids', 'sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/mdev_supported_types/nvidia-231/available_instances']) {
		rmSync(path.join(root, rel));
		t.is(spawnSync('mkfifo', [path.join(root, rel)]).status, 0);
	}
	// In a child with a deadline: a hang must fail the test, not stall the suite.
	const script = `import {scanHost} from ${JSON.stringify(path.join(project, 'src/sysfs/scan.ts'))};
const m = scanHost(${JSON.stringify(root)});
console.log(JSON.stringify({pci: m.parents[0].pci, t: m.parents[0].types.find((x) => x.id === 'nvidia-231')}));`;
	const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: project, encoding: 'utf8', timeout: 30_000});
	t.is(r.signal, null, 'the scan hung on a FIFO');
	t.is(r.status, 0, r.stderr);
	const out = JSON.parse(r.stdout) as {pci: {vendorName: string | null}; t: {availableInstances: number | null; errors: {code: string}[]}};
	t.is(out.pci.vendorName, null);
	t.is(out.t.availableInstances, null);
	t.like(out.t.errors[0], {code: 'EPARSE'});
});

test('the doctor on a tree whose dev links to /dev and proc to /proc sees none of this machine\'s nodes or processes', (t) => {
	const {root, done} = copyTree('debian-6.12');
	t.teardown(done);
	symlinkSync('/dev', path.join(root, 'dev'));
	rmSync(path.join(root, 'proc'), {recursive: true});
	symlinkSync('/proc', path.join(root, 'proc'));
	const facts = readDoctorFacts(root);
	// This machine has /dev/kvm (and /dev/null, /proc/1): under the tree the links lead back to themselves.
	t.like(facts.devKvm, {exists: false, kind: null, major: null});
	t.like(facts.devVfio.container, {exists: false, kind: null});
	t.deepEqual(facts.devVfio.groups, []);
	t.is(facts.nvidiaVgpuMgr.processesSeen, 0);
	t.is(facts.nvidiaVgpuMgr.pids, null);
	t.true(facts.errors.some((e) => e.code === 'ELOOP' && e.path === '/proc'), JSON.stringify(facts.errors));
});

/** The CLI bundle with a deadline of its own: a hang is killed and reported, never a stalled suite. */
async function cliWithDeadline(args: string[], ms: number): Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string}> {
	const {cli: cliBundle} = await bundle();
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [cliBundle, ...args], {cwd: project, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe'], timeout: ms, killSignal: 'SIGKILL'});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.on('close', (code, signal) => resolve({code, signal, stdout, stderr}));
	});
}

/** debian-6.12 with a process table: pid 4242 holds mdpy's group (/dev/vfio/1), whatever else `make` puts there. */
function treeWithHolder(make: (pidDir: string) => void): {root: string; done: () => void} {
	const {root, done} = copyTree('debian-6.12');
	const pidDir = path.join(root, 'proc', '4242');
	mkdirSync(path.join(pidDir, 'fd'), {recursive: true});
	symlinkSync('/dev/vfio/1', path.join(pidDir, 'fd', '11'));
	make(pidDir);
	return {root, done};
}

test('a FIFO as a holder\'s proc/<pid>/comm and cmdline never hangs --plain or --json', async (t) => {
	const {root, done} = treeWithHolder((pidDir) => {
		for (const name of ['comm', 'cmdline']) t.is(spawnSync('mkfifo', [path.join(pidDir, name)]).status, 0);
	});
	t.teardown(done);
	for (const mode of ['--plain', '--json']) {
		// Killed after a minute: without O_NONBLOCK the open of a FIFO with no writer blocks for ever.
		const r = await cliWithDeadline([mode, '--root', root], 60_000);
		t.is(r.signal, null, `${mode} hung on a FIFO under proc/4242 and was killed`);
		t.is(r.code, 0, r.stderr);
		if (mode === '--plain') t.regex(r.stdout, /^ {2}22222222-2222-2222-2222-222222222222 .* pid 4242$/m);
		else {
			const mdpy = (JSON.parse(r.stdout) as {instances: Array<{uuid: string; owners: unknown}>}).instances.find((i) => i.uuid.startsWith('2222'));
			t.deepEqual(mdpy?.owners, [{pid: 4242, comm: null, vmName: null, vmUuid: null, libvirtDomain: null, files: ['/dev/vfio/1']}]);
		}
	}
});

test('--json on a tree whose proc links to /proc lists none of this machine\'s processes as owners', async (t) => {
	const {root, done} = copyTree('debian-6.12');
	t.teardown(done);
	rmSync(path.join(root, 'proc'), {recursive: true});
	symlinkSync('/proc', path.join(root, 'proc'));
	// A process of this machine holding a file of the tree's dev/vfio, and this test's own process: neither may show.
	mkdirSync(path.join(root, 'dev/vfio'), {recursive: true});
	writeFileSync(path.join(root, 'dev/vfio/1'), '');
	const fd = openSync(path.join(root, 'dev/vfio/1'), 'r');
	const holder = spawn('sleep', ['60'], {stdio: ['ignore', 'ignore', 'ignore', fd]});
	closeSync(fd);
	t.teardown(() => holder.kill('SIGKILL'));
	await new Promise((resolve) => holder.once('spawn', resolve));
	const r = await cli(['--json', '--root', root]);
	t.is(r.code, 0, r.stderr);
	const model = JSON.parse(r.stdout) as {instances: Array<{uuid: string; active: boolean; owners: Array<{pid: number}> | null; ownersUnknown?: string}>};
	const pids = model.instances.flatMap((i) => i.owners ?? []).map((o) => o.pid);
	t.deepEqual(pids, []);
	t.false(r.stdout.includes(`"pid": ${process.pid}`));
	t.false(r.stdout.includes(`"pid": ${holder.pid}`));
	for (const i of model.instances.filter((x) => x.active)) {
		t.is(i.owners, null, i.uuid);
		t.regex(i.ownersUnknown ?? '', /failed \(ELOOP\); holders are unknown/);
	}
});

// ---- least privilege: nothing written -------------------------------------------------------------

/** Type, mode, owner, size, times and content (or link target) of every path, links not followed. */
function fingerprint(root: string): Map<string, string> {
	const out = new Map<string, string>();
	const walk = (rel: string) => {
		const abs = path.join(root, rel);
		const st = lstatSync(abs);
		let what = `${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} m${st.mtimeMs} c${st.ctimeMs}`;
		if (st.isSymbolicLink()) what += ` -> ${readlinkSync(abs)}`;
		else if (st.isFile() && st.mode & 0o444) what += ` ${createHash('sha1').update(readFileSync(abs)).digest('hex')}`;
		out.set(rel, what);
		if (st.isDirectory()) for (const name of readdirSync(abs)) walk(path.join(rel, name));
	};
	walk('.');
	return out;
}

const ALL_TREES = readdirSync(trees).sort();

/** readEverything as uid 65534, in a child (the fallback when no read-only mount can be made). */
function readAsNobody(root: string): Record<string, string> {
	const script = `import {readEverything} from ${JSON.stringify(path.join(here, 'safety', 'read-everything.ts'))};
process.stdout.write(JSON.stringify(readEverything(${JSON.stringify(root)})));`;
	const r = runModuleAsNobody(script);
	if (r.status !== 0) throw new Error(`reading ${root} as nobody: ${r.stderr}`);
	return JSON.parse(r.stdout) as Record<string, string>;
}

function mountReadOnly(source: string, target: string): string | null {
	if (process.env.MDEVSCOPE_SAFETY_NO_MOUNT) return 'MDEVSCOPE_SAFETY_NO_MOUNT is set';
	const bind = spawnSync('mount', ['--bind', source, target], {encoding: 'utf8'});
	if (bind.status !== 0) return `mount --bind: ${bind.stderr.trim()}`;
	const ro = spawnSync('mount', ['-o', 'remount,ro,bind', target], {encoding: 'utf8'});
	if (ro.status !== 0) {
		spawnSync('umount', [target]);
		return `mount -o remount,ro,bind: ${ro.stderr.trim()}`;
	}
	return null;
}

test.serial('every read of every fixture tree from a read-only copy gives the same answers; the CLI leaves a writable copy untouched', async (t) => {
	const base = mkdtempSync(path.join(tmpdir(), 'mdevscope-ro-'));
	chmodSync(base, 0o755);
	const rw = path.join(base, 'rw');
	const ro = path.join(base, 'ro');
	t.teardown(() => {
		spawnSync('umount', [ro]);
		rmSync(base, {recursive: true, force: true});
	});
	t.is(spawnSync('cp', ['-a', trees, rw]).status, 0);
	mkdirSync(ro);
	const refused = asRoot ? mountReadOnly(rw, ro) : 'not root';
	let read: (root: string) => Record<string, string> = readEverything;
	if (refused) {
		// No mount here: the fallback, a copy without write bits read as nobody (root ignores mode bits).
		t.log(`read-only bind mount not possible (${refused}): using chmod -R a-w${asRoot ? ' and uid 65534' : ''} instead`);
		rmSync(ro, {recursive: true});
		t.is(spawnSync('cp', ['-a', trees, ro]).status, 0);
		t.is(spawnSync('chmod', ['-R', 'a-w', ro]).status, 0);
		if (asRoot) read = readAsNobody;
	} else {
		const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === ro);
		t.regex(line?.split(' ')[5] ?? '', /(^|,)ro(,|$)/, 'the bind mount is read-only');
		t.throws(() => writeFileSync(path.join(ro, 'debian-6.12', 'written'), 'x'), {code: 'EROFS'});
	}
	const before = new Map(ALL_TREES.map((name) => [name, fingerprint(path.join(rw, name))]));

	// The doctor asks access(W_OK) of /dev/vfio nodes (can QEMU open them?): on a read-only mount the
	// answer differs, and that is an answer, not a write.
	const answers = (root: string) => {
		const all = read(root);
		let facts = all.doctorFacts.replace(/"readWrite":(true|false)/g, '"readWrite":<access>');
		// The fallback copy has its write bits taken away, which the doctor reports as modes.
		if (refused) facts = facts.replace(/"mode":\d+/g, '"mode":<mode>');
		return {...all, doctorFacts: facts};
	};
	for (const name of ALL_TREES) {
		const fromRo = answers(path.join(ro, name));
		t.deepEqual(fromRo, answers(path.join(rw, name)), name);
		t.false(Object.values(fromRo).some((text) => /EROFS|EPERM/.test(text)), `${name}: something tried to write`);
	}
	// The CLI in every mode that only reads, on the writable copy: nothing there may change.
	for (const name of ['debian-6.12', 'nvidia-grid', 'broken-unreadable', 'hostile-names']) {
		for (const args of [['--plain'], ['--json'], ['--json', '--probe'], ['--plain', '--probe', '--advice'], ['doctor', '--json']]) {
			const r = await cli([...args, '--root', path.join(rw, name)]);
			t.true(r.code === 0 || (args[0] === 'doctor' && r.code === 1), `${name} ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
		}
	}
	for (const name of ALL_TREES) {
		const after = fingerprint(path.join(rw, name));
		const changed = [...before.get(name)!].filter(([rel, what]) => after.get(rel) !== what).map(([rel]) => rel);
		const added = [...after.keys()].filter((rel) => !before.get(name)!.has(rel));
		t.deepEqual({changed, added}, {changed: [], added: []}, name);
	}
});

// ---- the CLI under strace: what it opens, and that it changes nothing ------------------------------

/** Syscalls that open a file or change one (names as strace prints them on x86_64 and arm64). */
const FILE_CHANGES = [
	'creat', 'mkdir', 'mkdirat', 'rename', 'renameat', 'renameat2', 'unlink', 'unlinkat', 'rmdir',
	'truncate', 'ftruncate', 'chmod', 'fchmod', 'fchmodat', 'chown', 'fchown', 'fchownat', 'lchown',
	'symlink', 'symlinkat', 'link', 'linkat', 'utimensat', 'utimes', 'futimesat', 'mknod', 'mknodat',
	'setxattr', 'lsetxattr', 'fsetxattr', 'removexattr', 'lremovexattr', 'fremovexattr',
];
const OPENS = ['open', 'openat', 'openat2'];
const hasStrace = spawnSync('strace', ['-V']).status === 0;

// Without strace this cannot be checked at all: a failure naming strace, never a pass.
if (!hasStrace) missingTool('the CLI under strace: no file opened for writing, no call that changes a file', 'strace', 'strace');
(hasStrace ? test : test.skip)('the CLI under strace, in every mode that reads: no file opened for writing, no call that changes a file', async (t) => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-strace-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	let n = 0;
	for (const name of ['debian-6.12', 'nvidia-grid', 'hostile-names']) {
		for (const args of [['--plain'], ['--json'], ['--json', '--probe'], ['--plain', '--probe', '--advice'], ['doctor'], ['doctor', '--json']]) {
			const log = path.join(dir, `${n++}.log`);
			const r = await cli([...args, '--root', path.join(trees, name)], {
				wrap: ['strace', '-f', '-qq', '-o', log, '-e', `trace=${[...OPENS, ...FILE_CHANGES].join(',')}`],
			});
			t.true(r.code === 0 || (args[0] === 'doctor' && r.code === 1), `${name} ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
			const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
			const opens = calls.filter((line) => OPENS.some((s) => line.includes(` ${s}(`) || line.startsWith(`${s}(`)));
			t.true(opens.length > 20, `${name} ${args.join(' ')}: strace saw only ${opens.length} opens; is it tracing?`);
			const writes = opens.filter((line) => /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/.test(line));
			const changes = calls.filter((line) => FILE_CHANGES.some((s) => new RegExp(`(^|\\s)${s}\\(`).test(line)));
			t.deepEqual([...writes, ...changes], [], `${name} ${args.join(' ')}`);
		}
	}
});

// ---- the sources: every way to write, in an allow-list that says why --------------------------------

/** The fs functions that only read. Anything else imported from node:fs is a way to write. */
const READ_FS = new Set([
	'readFileSync', 'readdirSync', 'readlinkSync', 'lstatSync', 'statSync', 'fstatSync', 'realpathSync',
	'existsSync', 'openSync', 'readSync', 'closeSync', 'accessSync', 'opendirSync', 'constants', 'Stats', 'Dirent',
	// node:fs/promises
	'readFile', 'readdir', 'readlink', 'lstat', 'stat', 'realpath', 'access', 'opendir',
]);

const ALLOWED: Record<string, string> = {
	'src/probe/engine.ts O_RDWR':
		'the VFIO container and group nodes (/dev/vfio/vfio, /dev/vfio/<group>) are opened read-write because VFIO_GROUP_SET_CONTAINER and VFIO_SET_IOMMU need it (Documentation/driver-api/vfio.rst); only there, only in the probe child',
	'src/ffi/libc.ts O_RDWR': 'the constant itself (include/uapi/asm-generic/fcntl.h), for the engine above',
	'src/probe/child.ts fs.writeSync': "the probe child's JSON lines to its own stdout (fd 1), the pipe the runner reads",
	'src/probe/borrow.ts libc.syscall':
		'pidfd_open + pidfd_getfd (Linux 5.6): a duplicate of a running VM\'s VFIO device fd, only for --probe-held / B, asked read-only questions and closed at once; the VM keeps its own fd',
	'src/components/hooks/clipboard.ts child_process.spawnSync':
		"`tmux show-options -gv set-clipboard`, only when y is pressed under tmux: reads tmux's option to say whether tmux takes the OSC 52; changes nothing",
	'src/probe/runner.ts child_process.spawn': 'starts the probe child (src/probe/child.ts, or dist/probe-child.js); nothing else is ever run',
	'src/features/export.ts fs.mkdirSync': '`mdevscope features export DIR` (issue 11): makes the directory the user named',
	'src/features/export.ts fs.writeFileSync': '`mdevscope features export DIR`: writes its files there (to a temporary name first)',
	'src/features/export.ts fs.renameSync': '`mdevscope features export DIR`: renames its temporary files into place',
	'src/features/export.ts fs.unlinkSync': '`mdevscope features export DIR`: removes files it wrote earlier (its marker file says which)',
	'src/features/export.ts fs.rmdirSync': '`mdevscope features export DIR`: removes directories it made earlier, once empty',
	// The actions (issue 18): only src/actions/apply.ts writes, only a plan the user asked for (start, stop, define, undefine, modify; not with --dry-run or a write lock).
	'src/actions/apply.ts O_WRONLY': "`start`/`stop`: sysfs's create, remove, an instance's attributes and a VF's nvidia/current_vgpu_type, opened without O_CREAT (a missing file fails, none is made); the store's temp file",
	'src/actions/apply.ts O_TRUNC': 'the same sysfs files (truncation is what `echo value > file` does; sysfs ignores it, a tree\'s file is replaced whole)',
	'src/actions/apply.ts O_CREAT': "`define`/`modify`: the store's temp file, next to the definitions in /etc/mdevctl.d, before its rename",
	'src/actions/apply.ts O_EXCL': "`define`/`modify`: the store's temp file is never one that exists",
	'src/actions/apply.ts fs.writeSync': 'the value into a sysfs file, or a definition into its temp file, in one write',
	'src/actions/apply.ts fs.fsyncSync': "the store's temp file and its directory, so a crash leaves the old definition or the new one",
	'src/actions/apply.ts fs.mkdirSync': "`define`: the parent's directory in /etc/mdevctl.d, as mdevctl makes it",
	'src/actions/apply.ts fs.renameSync': "`define`/`modify`: the temp file over the definition (atomic)",
	'src/actions/apply.ts fs.unlinkSync': '`undefine`: the definition file; a temp file of a write that failed',
	'src/actions/apply.ts child_process.spawnSync': "the mdevctl backend: mdevctl's start/stop/define/undefine/modify with their arguments (no shell)",
	// The sample host (`s` on the empty screen, src/snapshot/sample.ts): only inside the temp directory it makes for itself.
	'src/snapshot/sample.ts fs.mkdtempSync': '`s` on the empty-host screen: a private directory under the temp dir (mdevscope-sample-*) for the sample tree',
	'src/snapshot/sample.ts fs.mkdirSync': '`s`: the sample tree\'s directories, inside that private directory (names that leave it are refused)',
	'src/snapshot/sample.ts fs.writeFileSync': '`s`: the sample tree\'s files, inside that private directory, never over an existing file (flag wx)',
	'src/snapshot/sample.ts fs.symlinkSync': '`s`: the sample tree\'s sysfs links, inside that private directory (nothing is unpacked through one)',
	'src/snapshot/sample.ts fs.rmSync': '`s`: removes that private directory again at exit (or when unpacking failed)',
	// The single executable (issue 15): what a file has to be to be loaded, written only into a directory it made for itself.
	'src/release/addons.ts fs.mkdtempSync': 'the single executable: a private directory (mode 0700, checked) per FFI addon, which a shared object needs to be loaded from',
	'src/release/addons.ts fs.writeFileSync': 'the single executable: the addon, checked by SHA-256, into that new directory (flag wx), read back and checked again before dlopen',
	'src/release/addons.ts fs.rmSync': 'the single executable: removes that directory as soon as the addon is loaded (or failed to)',
	'src/release/sea-main.cjs fs.mkdtempSync': 'the single executable: a private directory (mode 0700) for the bundled program, which loads twice as fast from a file as from a data: URL',
	'src/release/sea-main.cjs fs.writeFileSync': 'the single executable: the bundled program into that new directory (flag wx, mode 0400)',
	'src/release/sea-main.cjs fs.rmSync': 'the single executable: removes that directory once the program is loaded, or at exit',
};

/** The VFIO ioctls the probe may issue: each asks, none changes the device (include/uapi/linux/vfio.h). */
const READ_ONLY_IOCTLS: Record<string, string> = {
	VFIO_GET_API_VERSION: 'asks the container which API version it speaks',
	VFIO_CHECK_EXTENSION: 'asks whether an IOMMU backend is there',
	VFIO_GROUP_GET_STATUS: 'asks whether the group is viable',
	VFIO_GROUP_SET_CONTAINER: 'attaches the group to our own container fd; undone when the fd is closed',
	VFIO_SET_IOMMU: 'sets the IOMMU model of our own container; no DMA mapping is ever made',
	VFIO_GROUP_GET_DEVICE_FD: 'opens the device (what QEMU does first); refused with EBUSY when someone holds it',
	VFIO_DEVICE_GET_INFO: 'reads the device flags and counts',
	VFIO_DEVICE_GET_REGION_INFO: 'reads one region description',
	VFIO_DEVICE_GET_IRQ_INFO: 'reads one interrupt description',
	VFIO_DEVICE_QUERY_GFX_PLANE: 'asks about the display plane (PROBE, then a query); never VFIO_DEVICE_GET_GFX_DMABUF',
	VFIO_DEVICE_FEATURE: 'only with VFIO_DEVICE_FEATURE_PROBE or GET (checked below): asks, never sets',
};

/** The code without its comments (a `//` after a quote is kept: it may be in a string). */
const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[\s;{}(),])\/\/.*$/gm, '$1');

const importedNames = (code: string, module: RegExp): string[] => {
	const names: string[] = [];
	// `import {a, b} from 'm'`, and CommonJS's `const {a, b} = require('m')` (src/release/sea-main.cjs)
	const forms = [...code.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g), ...code.matchAll(/()const\s*\{([^}]*)\}\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)/g)];
	for (const m of forms) {
		if (!module.test(m[3]!)) continue;
		if (m[1]) continue; // `import type {...}`: no code
		for (const part of m[2]!.split(',')) {
			if (/^\s*type\s/.test(part)) continue;
			const name = part.trim().split(/\s+as\s+/)[0]!.trim();
			if (name) names.push(name);
		}
	}
	return names;
};

test('source audit: every way to write, every write-mode flag and child process is allow-listed with a reason', (t) => {
	const hits = new Set<string>();
	for (const file of sources(path.join(project, 'src'))) {
		const rel = path.relative(project, file);
		const code = withoutComments(readFileSync(file, 'utf8'));
		const fsModule = /^(node:)?fs(\/promises)?$/;
		for (const name of importedNames(code, fsModule)) if (!READ_FS.has(name)) hits.add(`${rel} fs.${name}`);
		if (/import\s+(\*\s+as\s+)?\w+\s+from\s+['"](node:)?fs(\/promises)?['"]/.test(code) || /(?<!\}\s*=\s*)require\(\s*['"](node:)?fs/.test(code)) {
			hits.add(`${rel} fs (a whole-module import, which this audit cannot see into)`);
		}
		for (const name of importedNames(code, /^(node:)?child_process$/)) hits.add(`${rel} child_process.${name}`);
		// Raw system calls: whatever they do, they are listed with what they are for.
		if (rel !== 'src/ffi/libc.ts' && importedNames(code, /\/ffi\/libc\.js$/).includes('syscall')) hits.add(`${rel} libc.syscall`);
		for (const flag of code.match(/\bO_(WRONLY|RDWR|CREAT|TRUNC|APPEND|EXCL)\b/g) ?? []) hits.add(`${rel} ${flag}`);
		if (/openSync\([^,)]+,\s*['"](?!r['"])/.test(code)) hits.add(`${rel} openSync with a write mode`);
	}
	const unexplained = [...hits].filter((h) => !(h in ALLOWED));
	t.deepEqual(unexplained, [], 'a new way to write: make sure it is only reached when the user asked for a write, then add it to ALLOWED with the reason');
	const stale = Object.keys(ALLOWED).filter((k) => !hits.has(k));
	t.deepEqual(stale, [], 'allow-list entries no longer used: remove them');
	for (const [what, why] of Object.entries(ALLOWED)) t.true(why.length > 20, what);
});

test('source audit: the owner scan, the probe engine and the doctor read the root only through the sysfs Env', (t) => {
	// Everything they read lies under --root (proc/, dev/, run/, sys/): src/sysfs/env.ts confines it.
	// access(2) only checks permissions of a node the Env located; Stats is a type.
	const allowed = new Set(['accessSync', 'constants', 'Stats']);
	const files = [...sources(path.join(project, 'src', 'owners')), ...sources(path.join(project, 'src', 'doctor')), path.join(project, 'src', 'probe', 'engine.ts')];
	t.true(files.length >= 6, files.join(', '));
	for (const file of files) {
		const code = withoutComments(readFileSync(file, 'utf8'));
		const own = importedNames(code, /^(node:)?fs(\/promises)?$/).filter((name) => !allowed.has(name));
		t.deepEqual(own, [], `${path.relative(project, file)} reads files itself`);
	}
	// The live host's own /proc, which no root may replace, is read in one named place only (borrow's LIVE_PROC).
	const borrow = withoutComments(readFileSync(path.join(project, 'src', 'probe', 'borrow.ts'), 'utf8'));
	const literals = [...borrow.matchAll(/[`'"]\/(proc|sys|dev)\/[^`'"]*[`'"]/g)].map((m) => m[0]);
	const table = borrow.slice(borrow.indexOf('const LIVE_PROC = {'), borrow.indexOf('} as const;', borrow.indexOf('const LIVE_PROC = {')));
	t.true(literals.length >= 6, literals.join(' '));
	for (const literal of literals) t.true(table.includes(literal), `${literal} outside LIVE_PROC`);
});

test('source audit: the probe issues only VFIO ioctls that ask, and VFIO_DEVICE_FEATURE only with PROBE or GET', (t) => {
	// Every ioctl request the ffi layer defines (`_IO(...)` and friends, as the kernel's headers do).
	const requests = new Set<string>();
	for (const file of sources(path.join(project, 'src', 'ffi'))) {
		for (const m of readFileSync(file, 'utf8').matchAll(/export const (\w+) = _IO[RW]*\(/g)) requests.add(m[1]!);
	}
	t.true(requests.has('VFIO_DEVICE_RESET') && requests.has('VFIO_DEVICE_FEATURE'), `found the ioctl definitions: ${[...requests].join(', ')}`);
	const used = new Set<string>();
	for (const file of sources(path.join(project, 'src'))) {
		const rel = path.relative(project, file);
		if (rel.startsWith('src/ffi/')) continue; // the definitions themselves
		const code = withoutComments(readFileSync(file, 'utf8'));
		// Only code that has the ffi layer can make a call (others may name an ioctl in a message).
		const ffi = /from\s+['"][./]*ffi\/(vfio|libc)\.js['"]/.test(code);
		if (ffi) for (const name of requests) if (new RegExp(`\\b${name}\\b`).test(code)) used.add(`${rel} ${name}`);
		if (/from\s+['"][./]*ffi\/libc\.js['"]/.test(code)) t.true(rel.startsWith('src/probe/'), `${rel} loads the libc binding`);
		for (const line of code.split('\n')) {
			if (/VFIO_DEVICE_FEATURE_SET\b/.test(line)) t.regex(line, /VFIO_DEVICE_FEATURE_PROBE\b/, `${rel}: a FEATURE SET without PROBE: ${line.trim()}`);
		}
		t.false(/\bmmap\s*\(/.test(code), `${rel} maps memory`);
	}
	t.true(used.size >= 8, `found the probe's ioctls: ${[...used].join(', ')}`);
	for (const call of used) {
		const [file, request] = call.split(' ') as [string, string];
		t.true(file.startsWith('src/probe/'), `ioctls only come from the probe: ${call}`);
		t.true(request in READ_ONLY_IOCTLS, `${call} is not in the read-only list: a reset, interrupts, DMA or a dmabuf would change the device`);
	}
});
