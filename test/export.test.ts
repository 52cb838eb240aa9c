// The export writer: a captured tree (test/fixtures/trees/debian-6.12) scanned for real, plus the
// probe results recorded in the 6.12 test VM (test/fixtures/probes/), written into temporary
// directories; and the command itself (the real CLI, src/cli.tsx) for the exit codes and
// for "nothing written outside DIR", checked on a tmpfs of its own.
import {spawnSync} from 'node:child_process';
import {
	closeSync,
	cpSync,
	existsSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	openSync,
	readdirSync,
	readFileSync,
	readlinkSync,
	readSync,
	rmSync,
	statSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import test from 'ava';
import {
	exportable,
	LOCK_FILE,
	lockExportDir,
	MARKER_FILE,
	planInstance,
	prepareExportDir,
	writeExport,
	type InstanceExport,
} from '../src/features/export.js';
import type {ProbeResult} from '../src/model/probe.js';
import type {HostModel} from '../src/model/types.js';
import {scanHost} from '../src/sysfs/scan.js';
import {withProbes} from '../src/model/instances.js';
import {cliSync} from './helpers/cli.js';
import {missingTool} from './helpers/missing.js';

const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';
const project = new URL('..', import.meta.url).pathname;
const treeOf = (series: '6.1' | '6.12'): string => path.join(project, 'test/fixtures/trees', `debian-${series}`);
const tree = treeOf('6.12');

type Case = 'free' | 'busy' | 'nonroot' | 'timeout' | 'vanished';
const recorded = (series: '6.1' | '6.12'): Record<Case, ProbeResult[]> =>
	(JSON.parse(readFileSync(path.join(project, `test/fixtures/probes/debian-${series}.json`), 'utf8')) as {cases: Record<Case, ProbeResult[]>}).cases;
const rec = recorded('6.12');
const result = (c: Case, uuid: string): ProbeResult => rec[c].find((r) => r.uuid === uuid)!;

const base = mkdtempSync(path.join(tmpdir(), 'mdevscope-export-'));
test.after.always(() => rmSync(base, {recursive: true, force: true}));
let counter = 0;
const freshDir = (): string => {
	const dir = path.join(base, `out-${++counter}`);
	const prepared = prepareExportDir(dir);
	if (!prepared.ok) throw new Error(prepared.error.message);
	return dir;
};

/** The plan for every active instance of a model, given one result per uuid. */
function plan(model: HostModel, results: Record<string, ProbeResult | null>): InstanceExport[] {
	const probed = withProbes(model, Object.values(results).filter((r): r is ProbeResult => r !== null));
	return probed.instances.filter((i) => exportable(i)).map((i) => planInstance(probed, i));
}

/** Every regular file under dir (relative path → content), and the directories, sorted. */
function contents(dir: string): Record<string, string> {
	const out: Record<string, string> = {};
	const walk = (rel: string): void => {
		for (const name of readdirSync(path.join(dir, rel)).sort()) {
			const r = rel ? `${rel}/${name}` : name;
			const st = lstatSync(path.join(dir, r));
			if (st.isDirectory()) {
				out[`${r}/`] = '';
				walk(r);
			} else if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(path.join(dir, r))}`;
			else out[r] = readFileSync(path.join(dir, r), 'utf8');
		}
	};
	walk('');
	return out;
}

const MARKER_TEXT = 'Written by `mdevscope export`; removed when its instance goes away.\n';

function expectedFree(series: '6.1' | '6.12', results: Record<Case, ProbeResult[]>): Record<string, string> {
	const at = (uuid: string) => `${results.free.find((r) => r.uuid === uuid)!.probedAt}\n`;
	return {
		[`${MTTY}/`]: '',
		[`${MTTY}/${MARKER_FILE}`]: MARKER_TEXT,
		[`${MTTY}/available_instances`]: '23\n',
		[`${MTTY}/features/`]: '',
		[`${MTTY}/features/display_dmabuf`]: '0\n',
		[`${MTTY}/features/display_region`]: '0\n',
		[`${MTTY}/features/migration`]: series === '6.12' ? '1\n' : '0\n',
		[`${MTTY}/host_driver`]: 'mtty\n',
		[`${MTTY}/host_driver_version`]: '0.1\n',
		[`${MTTY}/mdev_type`]: 'mtty-1\n',
		[`${MTTY}/parent`]: 'mtty\n',
		[`${MTTY}/probed_at`]: at(MTTY),
		[`${MDPY}/`]: '',
		[`${MDPY}/${MARKER_FILE}`]: MARKER_TEXT,
		[`${MDPY}/available_instances`]: '3\n',
		[`${MDPY}/features/`]: '',
		[`${MDPY}/features/display_dmabuf`]: '0\n',
		[`${MDPY}/features/display_region`]: '1\n',
		[`${MDPY}/features/migration`]: '0\n',
		// mdpy declares no MODULE_VERSION: sys/module/mdpy has neither version nor srcversion.
		[`${MDPY}/host_driver`]: 'mdpy\n',
		[`${MDPY}/mdev_type`]: 'mdpy-hd\n',
		[`${MDPY}/parent`]: 'mdpy\n',
		[`${MDPY}/probed_at`]: at(MDPY),
		[`${MBOCHS}/`]: '',
		[`${MBOCHS}/${MARKER_FILE}`]: MARKER_TEXT,
		[`${MBOCHS}/available_instances`]: '3\n',
		[`${MBOCHS}/features/`]: '',
		[`${MBOCHS}/features/display_dmabuf`]: '1\n',
		[`${MBOCHS}/features/display_region`]: '0\n',
		[`${MBOCHS}/features/migration`]: '0\n',
		[`${MBOCHS}/host_driver`]: 'mbochs\n',
		[`${MBOCHS}/mdev_type`]: 'mbochs-large\n',
		[`${MBOCHS}/parent`]: 'mbochs\n',
		[`${MBOCHS}/probed_at`]: at(MBOCHS),
	};
}

const byUuid = (results: ProbeResult[]): Record<string, ProbeResult> => Object.fromEntries(results.map((r) => [r.uuid, r]));

for (const series of ['6.1', '6.12'] as const) {
	test(`${series}: exact files and contents from the scanned tree and the recorded answers`, (t) => {
		const model = scanHost(treeOf(series));
		const results = recorded(series);
		const dir = freshDir();
		const report = writeExport(dir, plan(model, byUuid(results.free)));
		t.deepEqual(report.errors, []);
		t.deepEqual(report.written, [MTTY, MDPY, MBOCHS]);
		t.deepEqual(contents(dir), expectedFree(series, results));
		// The values are the tree's own: available_instances and the module version as sysfs has them.
		const sys = (p: string) => readFileSync(path.join(treeOf(series), 'sys', p), 'utf8');
		t.is(readFileSync(path.join(dir, MTTY, 'available_instances'), 'utf8'), sys('class/mdev_bus/mtty/mdev_supported_types/mtty-1/available_instances'));
		t.is(readFileSync(path.join(dir, MTTY, 'host_driver_version'), 'utf8'), sys('module/mtty/version'));
		t.false(existsSync(path.join(treeOf(series), 'sys/module/mdpy/version')));
		t.false(existsSync(path.join(treeOf(series), 'sys/module/mdpy/srcversion')));
	});
}

test('a busy instance keeps mdev_type and the rest, and loses its features/ files (unknown: absent)', (t) => {
	const model = scanHost(tree);
	const dir = freshDir();
	writeExport(dir, plan(model, byUuid(rec.free)));
	const report = writeExport(dir, plan(model, byUuid(rec.busy)));
	t.deepEqual(report.errors, []);
	const got = contents(dir);
	const want = expectedFree('6.12', {...rec, free: rec.busy});
	for (const key of Object.keys(want)) if (key.startsWith(`${MDPY}/features/`)) delete want[key];
	t.deepEqual(got, want);
	t.false(existsSync(path.join(dir, MDPY, 'features')));
	t.is(got[`${MDPY}/mdev_type`], 'mdpy-hd\n');
	t.is(got[`${MDPY}/probed_at`], `${result('busy', MDPY).probedAt}\n`);
	// The plan says why.
	const mdpyPlan = plan(model, byUuid(rec.busy)).find((p) => p.uuid === MDPY)!;
	t.is(mdpyPlan.absent[0], `features/* (busy: ${result('busy', MDPY).summary})`);
	// Once free again, the files come back.
	writeExport(dir, plan(model, byUuid(rec.free)));
	t.deepEqual(contents(dir), expectedFree('6.12', rec));
});

test('not probed (a tree): no features/ and no probed_at, the rest as sysfs says', (t) => {
	const model = scanHost(tree);
	const dir = freshDir();
	writeExport(dir, plan(model, {}));
	const want = expectedFree('6.12', rec);
	for (const key of Object.keys(want)) if (key.includes('/features/') || key.endsWith('/probed_at')) delete want[key];
	t.deepEqual(contents(dir), want);
});

test('re-running after an instance vanished removes its directory, and only ours', (t) => {
	const model = scanHost(tree);
	const dir = freshDir();
	writeExport(dir, plan(model, byUuid(rec.free)));
	// Around it: things export must leave alone.
	mkdirSync(path.join(dir, 'keep-me'));
	writeFileSync(path.join(dir, 'keep-me', 'file'), 'x');
	writeFileSync(path.join(dir, '55555555-5555-5555-5555-555555555555'), 'a file named like a uuid');
	mkdirSync(path.join(dir, '66666666-6666-6666-6666-666666666666'));
	writeFileSync(path.join(dir, '66666666-6666-6666-6666-666666666666', 'mdev_type'), 'not ours: no marker');
	const outside = path.join(base, 'outside-target');
	mkdirSync(outside, {recursive: true});
	writeFileSync(path.join(outside, MARKER_FILE), 'looks like ours');
	symlinkSync(outside, path.join(dir, '77777777-7777-7777-7777-777777777777'));
	const before = contents(dir);

	// The probe found mtty gone (the recorded "vanished" answer): its directory goes.
	const results = {...byUuid(rec.free), [MTTY]: result('vanished', MTTY)};
	const report = writeExport(dir, plan(model, results));
	t.deepEqual(report.errors, []);
	t.deepEqual(report.removed, [MTTY]);
	t.deepEqual(report.left, [
		{path: path.join(dir, '66666666-6666-6666-6666-666666666666'), reason: `no ${MARKER_FILE} in it: not written by mdevscope export, left alone`},
	]);
	const after = contents(dir);
	const want = Object.fromEntries(Object.entries(before).filter(([k]) => !k.startsWith(`${MTTY}/`)));
	t.deepEqual(after, want);
	t.deepEqual(contents(outside), {[MARKER_FILE]: 'looks like ours'});

	// A vanished directory of ours with something else in it: left, and said why.
	writeExport(dir, plan(model, byUuid(rec.free)));
	writeFileSync(path.join(dir, MTTY, 'features', 'notes.txt'), 'a consumer wrote this');
	const again = writeExport(dir, plan(model, results));
	t.deepEqual(again.removed, []);
	t.deepEqual(again.left[0], {
		path: path.join(dir, MTTY),
		reason: 'its instance is gone, but it holds what mdevscope export did not write (features/notes.txt): left alone',
	});
	t.is(readFileSync(path.join(dir, MTTY, 'features', 'notes.txt'), 'utf8'), 'a consumer wrote this');
});

test('a symbolic link where an instance directory goes is refused, not followed', (t) => {
	const model = scanHost(tree);
	const dir = freshDir();
	const outside = path.join(base, 'link-target');
	mkdirSync(outside);
	symlinkSync(outside, path.join(dir, MDPY));
	const report = writeExport(dir, plan(model, byUuid(rec.free)));
	t.deepEqual(readdirSync(outside), []);
	t.deepEqual(report.written, [MTTY, MBOCHS]);
	t.is(report.errors.length, 1);
	t.like(report.errors[0], {path: path.join(dir, MDPY), code: 'ELOOP'});
	t.regex(report.errors[0]!.message, /symbolic link, which could lead outside DIR; left alone/);
});

test('atomic: temp file + rename (an open reader keeps the old file whole), nothing left behind, unchanged files untouched', (t) => {
	const model = scanHost(tree);
	const dir = freshDir();
	writeExport(dir, plan(model, byUuid(rec.free)));
	const file = path.join(dir, MDPY, 'features', 'display_region');
	const fd = openSync(file, 'r');
	const inode = statSync(file).ino;
	const untouched = statSync(path.join(dir, MDPY, 'mdev_type'));
	// A stale temp file from an export that was killed mid-write.
	writeFileSync(path.join(dir, MBOCHS, '.mdev_type.tmp-4194305-0badc0de'), 'half');
	try {
		// Now the mdpy group is held: its features go, the rest is rewritten only where it changed.
		const report = writeExport(dir, plan(model, byUuid(rec.busy)));
		t.deepEqual(report.errors, []);
		const buf = Buffer.alloc(16);
		t.is(buf.subarray(0, readSync(fd, buf, 0, 16, 0)).toString(), '1\n');
		t.false(existsSync(file));
		writeExport(dir, plan(model, byUuid(rec.free)));
		t.not(statSync(file).ino, inode, 'a new file was renamed into place');
		const now = statSync(path.join(dir, MDPY, 'mdev_type'));
		t.is(now.ino, untouched.ino);
		t.is(now.mtimeMs, untouched.mtimeMs);
	} finally {
		closeSync(fd);
	}
	const temps = Object.keys(contents(dir)).filter((k) => /\.tmp-\d+-[0-9a-f]{8}$/.test(k));
	t.deepEqual(temps, []);
	// Same input again: nothing to change.
	t.is(writeExport(dir, plan(model, byUuid(rec.free))).changedFiles, 0);
});

test('one writer at a time: a live lock is waited for, a dead one taken over', async (t) => {
	const dir = freshDir();
	writeFileSync(path.join(dir, LOCK_FILE), `${process.pid}\n`); // alive: this very process
	const busy = await lockExportDir(dir, {waitMs: 300});
	t.false(busy.ok);
	if (!busy.ok) t.regex(busy.error.message, new RegExp(`^another export \\(pid ${process.pid}\\) is still writing ${dir}; waited 300 ms`));
	const gone = spawnSync('true');
	writeFileSync(path.join(dir, LOCK_FILE), `${gone.pid}\n`);
	const taken = await lockExportDir(dir, {waitMs: 300});
	t.true(taken.ok);
	t.is(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
	if (taken.ok) taken.release();
	t.false(existsSync(path.join(dir, LOCK_FILE)));
});

// ---- the command ----------------------------------------------------------------------------

const run = (...args: string[]) => cliSync(args);

test('export on a tree: exit 0, files written, a line per instance', (t) => {
	const dir = path.join(base, 'cmd-out');
	const r = run('export', '--root', tree, '--dir', dir);
	t.is(r.status, 0, r.stderr);
	t.is(r.stderr, '');
	t.regex(r.stdout, /^11111111-1111-1111-1111-111111111111 mtty-1: written; absent: features\/\* \(not-live: not probed: this view was read from a tree/m);
	t.regex(r.stdout, /^22222222-2222-2222-2222-222222222222 mdpy-hd: written; absent: .*host_driver_version \(the module mdpy has neither version nor srcversion/m);
	t.regex(r.stdout, new RegExp(`^exported 3 instances to ${dir} \\(\\d+ files changed, 0 removed\\)$`, 'm'));
	t.is(readFileSync(path.join(dir, MBOCHS, 'mdev_type'), 'utf8'), 'mbochs-large\n');
	t.false(existsSync(path.join(dir, LOCK_FILE)));
});

test('a DIR that cannot be created or written: exit 2, a clear message, nothing written', (t) => {
	const file = path.join(base, 'a-regular-file');
	writeFileSync(file, 'x');
	const under = run('export', '--root', tree, '--dir', path.join(file, 'export'));
	t.is(under.status, 2);
	t.is(under.stdout, '');
	t.is(
		under.stderr,
		`mdevscope: cannot create the export directory ${file}/export: ENOTDIR, it (or a directory above it) is not a directory. Give a directory that exists or whose parent exists, and that this user can write (--dir).\n`,
	);
	const isFile = run('export', '--root', tree, '--dir', file);
	t.is(isFile.status, 2);
	t.regex(isFile.stderr, new RegExp(`^mdevscope: cannot use the export directory ${file}: it exists and is not a directory\\.`));
	t.is(readFileSync(file, 'utf8'), 'x');
	const noParent = run('export', '--root', tree, '--dir', path.join(base, 'no-such-parent', 'export'));
	t.is(noParent.status, 2);
	t.regex(noParent.stderr, /ENOENT, its parent directory does not exist \(export creates only DIR itself\)/);
	t.false(existsSync(path.join(base, 'no-such-parent')));
});

test('an instance directory that cannot be written: exit 2, the others still written', (t) => {
	const dir = path.join(base, 'cmd-partial');
	mkdirSync(dir);
	writeFileSync(path.join(dir, MDPY), 'a file where a directory goes');
	const r = run('export', '--root', tree, '--dir', dir);
	t.is(r.status, 2);
	t.regex(r.stderr, new RegExp(`Writing ${MDPY}'s export: ${dir}/${MDPY}: ENOTDIR, it exists and is not a directory; left alone`));
	t.regex(r.stderr, /the export in .* is incomplete \(1 problem above\)/);
	t.is(readFileSync(path.join(dir, MDPY), 'utf8'), 'a file where a directory goes');
	t.is(readFileSync(path.join(dir, MTTY, 'mdev_type'), 'utf8'), 'mtty-1\n');
});

// ---- nothing written outside DIR, on a tmpfs of its own ------------------------------------------

type Entry = {type: string; mode: number; size: number; ino: number; mtimeMs: number; ctimeMs: number; data: string};

/** Everything under root but atime (reading updates that): type, mode, size, inode, times, content. */
function snapshot(root: string): Map<string, Entry> {
	const out = new Map<string, Entry>();
	const walk = (rel: string): void => {
		const full = path.join(root, rel);
		const st = lstatSync(full);
		const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : 'other';
		const data = type === 'file' ? readFileSync(full, 'latin1') : type === 'link' ? readlinkSync(full) : '';
		out.set(rel || '.', {type, mode: st.mode, size: st.size, ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, data});
		if (type === 'dir') for (const name of readdirSync(full)) walk(rel ? `${rel}/${name}` : name);
	};
	walk('');
	return out;
}

function changedOutside(before: Map<string, Entry>, after: Map<string, Entry>, inside: string): string[] {
	const changed: string[] = [];
	for (const key of new Set([...before.keys(), ...after.keys()])) {
		if (key === inside || key.startsWith(`${inside}/`)) continue;
		if (JSON.stringify(before.get(key)) !== JSON.stringify(after.get(key))) changed.push(key);
	}
	return changed.sort();
}

const mountPoint = mkdtempSync(path.join(tmpdir(), 'mdevscope-tmpfs-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32m,mode=0755', 'mdevscope-export-test', mountPoint], {encoding: 'utf8'});
test.after.always(() => {
	if (mounted.status === 0) spawnSync('umount', [mountPoint]);
	rmSync(mountPoint, {recursive: true, force: true});
});

/** The scene: the scanned root, a sibling file, DIR's parent with something else in it. */
function scene(top: string): void {
	cpSync(tree, path.join(top, 'root'), {recursive: true, verbatimSymlinks: true});
	writeFileSync(path.join(top, 'sibling'), 'next to everything');
	mkdirSync(path.join(top, 'parent'));
	writeFileSync(path.join(top, 'parent', 'other'), 'beside DIR');
	mkdirSync(path.join(top, 'parent', 'export'));
	// A vanished instance's directory of ours, so the run removes something too.
	mkdirSync(path.join(top, 'parent', 'export', '44444444-4444-4444-4444-444444444444'));
	writeFileSync(path.join(top, 'parent', 'export', '44444444-4444-4444-4444-444444444444', MARKER_FILE), MARKER_TEXT);
	writeFileSync(path.join(top, 'parent', 'export', '44444444-4444-4444-4444-444444444444', 'mdev_type'), 'mtty-2\n');
	mkdirSync(path.join(top, 'parent2'));
}

function nothingOutside(t: import('ava').ExecutionContext, top: string): void {
	scene(top);
	const before = snapshot(top);
	const r = run('export', '--root', path.join(top, 'root'), '--dir', path.join(top, 'parent', 'export'));
	t.is(r.status, 0, r.stderr);
	t.regex(r.stdout, /^44444444-4444-4444-4444-444444444444: removed \(the instance is gone\)$/m);
	const after = snapshot(top);
	t.deepEqual(changedOutside(before, after, 'parent/export'), []);
	t.deepEqual(readdirSync(path.join(top, 'parent', 'export')).sort(), [MTTY, MDPY, MBOCHS]);

	// A DIR that does not exist yet: its parent gains that one entry (and so a new mtime), nothing else.
	const before2 = snapshot(top);
	const r2 = run('export', '--root', path.join(top, 'root'), '--dir', path.join(top, 'parent2', 'export'));
	t.is(r2.status, 0, r2.stderr);
	t.deepEqual(changedOutside(before2, snapshot(top), 'parent2/export'), ['parent2']);
	t.deepEqual(readdirSync(path.join(top, 'parent2')), ['export']);
}

if (mounted.status === 0) {
	test.serial('nothing is written outside DIR: a whole tmpfs compared before and after', (t) => {
		t.is(readFileSync('/proc/self/mounts', 'utf8').split('\n').find((l) => l.split(' ')[1] === mountPoint)?.split(' ')[2], 'tmpfs');
		nothingOutside(t, mountPoint);
	});
} else {
	test.skip(`nothing is written outside DIR on a tmpfs: mount -t tmpfs failed (${(mounted.stderr || mounted.error?.message || '').trim()})`, () => {});
	test('nothing is written outside DIR: a fresh temporary directory compared before and after (no tmpfs here)', (t) => {
		const top = path.join(base, 'scene');
		mkdirSync(top);
		nothingOutside(t, top);
	});
}

// ---- the systemd unit example (the udev rule is tested in a real udevd: test/vm/features.vm.test.ts) ----

const analyze = spawnSync('systemd-analyze', ['--version'], {encoding: 'utf8'});
if (analyze.status === 0) {
	test('the systemd unit example passes systemd-analyze verify, which does check ExecStart', (t) => {
		// --root: the unit as installed, systemd's own units beside it, and an `mdevscope` on its
		// search path (verify checks that ExecStart resolves to an executable).
		const root = path.join(base, 'unit-root');
		mkdirSync(path.join(root, 'etc/systemd/system'), {recursive: true});
		mkdirSync(path.join(root, 'usr/lib/systemd'), {recursive: true});
		cpSync('/usr/lib/systemd/system', path.join(root, 'usr/lib/systemd/system'), {recursive: true, verbatimSymlinks: true});
		cpSync(path.join(project, 'src/features/examples/mdevscope-export.service'), path.join(root, 'etc/systemd/system/mdevscope-export.service'));
		const verify = () => spawnSync('systemd-analyze', ['verify', `--root=${root}`, 'mdevscope-export.service'], {encoding: 'utf8'});
		const missing = verify();
		t.not(missing.status, 0);
		t.regex(missing.stderr, /mdevscope-export\.service: Command mdevscope is not executable/);
		for (const bin of ['usr/local/bin', 'usr/bin']) {
			mkdirSync(path.join(root, bin), {recursive: true});
			writeFileSync(path.join(root, bin, 'mdevscope'), '#!/bin/sh\n', {mode: 0o755});
			const ok = verify();
			t.is(ok.status, 0, ok.stderr);
			t.is(ok.stderr, '', `systemd-analyze warned about the unit (${bin})`);
			rmSync(path.join(root, bin, 'mdevscope'));
		}
		t.log(`verified with ${analyze.stdout.split('\n')[0]}`);
	});
} else {
	missingTool('the systemd unit example passes systemd-analyze verify', 'systemd-analyze', 'systemd');
}
