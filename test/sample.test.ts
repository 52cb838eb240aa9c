// The sample host as the package ships it (src/snapshot/sample.ts): the captured archive unpacked
// by the tool itself, with the recorded probe answers; the packed file list holds what it needs; and
// the CLI run from an unpacked package (no test/fixtures/trees there) offers it on the empty screen.
import {execFileSync, spawnSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import anyTest from 'ava';
import {scanHost} from '../src/sysfs/scan.js';
import {extractTar, openSampleHost, SAMPLE_LABEL, sampleFiles} from '../src/snapshot/sample.js';
import {bundle} from './safety/bundle.js';
import {stopTmuxServer, tmuxOn, waitForScreen} from './helpers/tmux.js';

const test = anyTest.serial;
const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.join(here, '..');
const EMPTY = path.join(here, 'fixtures', 'trees', 'empty');
const work = mkdtempSync(path.join(tmpdir(), 'mdevscope-sample-test-'));
const socket = `mdevscope-sample-${process.pid}`;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

anyTest.after.always(async () => {
	if (hasTmux) stopTmuxServer(socket);
	rmSync(work, {recursive: true, force: true});
});

/** A model without what differs between two reads of the same tree in two places. */
const comparable = (root: string) => {
	const {root: _r, source: _s, scannedAt: _t, ...rest} = scanHost(root);
	return JSON.parse(JSON.stringify(rest).split(root).join('<root>')) as unknown;
};

test('the sample unpacks to the tree `tar xzf` makes, and carries the answers recorded in the VM', (t) => {
	const files = sampleFiles(project);
	t.truthy(files);
	const sample = {model: openSampleHost(files!)};
	const byTar = path.join(work, 'by-tar');
	mkdirSync(byTar);
	execFileSync('tar', ['xzf', files!.archive, '-C', byTar]);
	t.deepEqual(comparable(sample.model.root), comparable(byTar));
	t.deepEqual(sample.model.source, {kind: 'tree', label: SAMPLE_LABEL, recordedAt: null});
	t.not(sample.model.root, path.join(project, 'test', 'fixtures', 'trees', 'debian-6.12'), 'its own copy, not the fixture tree');
	const answers = sample.model.instances.map((i) => i.probe!).map((r) => [r.uuid, r.display.region.supported, r.display.dmabuf.supported, r.migration.flagNames.join('|')]);
	t.deepEqual(answers, [
		['11111111-1111-1111-1111-111111111111', false, false, 'STOP_COPY|P2P|PRE_COPY'],
		['22222222-2222-2222-2222-222222222222', true, false, ''],
		['33333333-3333-3333-3333-333333333333', false, true, ''],
	]);
	t.deepEqual(
		sample.model.instances.map((i) => i.probe?.uuid),
		sample.model.instances.map((i) => i.uuid),
		'every instance of the tree has its answer',
	);
});

/** One tar header block (ustar) for a name, a type and a body. */
function tarEntry(name: string, type: string, body = '', link = ''): Buffer {
	const header = Buffer.alloc(512);
	header.write(name, 0);
	header.write('0000644\0', 100);
	header.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
	header.write(type, 156);
	header.write(link, 157);
	header.write('ustar\0', 257);
	const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
	data.write(body);
	return Buffer.concat([header, data]);
}

test('extractTar: refuses names that leave the directory, directly or through a link it unpacked', (t) => {
	const cases: Array<[string, Buffer[]]> = [
		['dotdot', [tarEntry('../evil', '0', 'x')]],
		['absolute', [tarEntry('/tmp/evil', '0', 'x')]],
		['through a link', [tarEntry('out', '2', '', '/tmp'), tarEntry('out/evil', '0', 'x')]],
	];
	for (const [what, entries] of cases) {
		const dest = mkdtempSync(path.join(work, 'x-'));
		t.throws(() => extractTar(Buffer.concat([...entries, Buffer.alloc(1024)]), dest), {message: /leaves the directory|goes through the link/}, what);
		t.false(existsSync(path.join(dest, 'out', 'evil')));
	}
	// And unpacks a plain one (the control).
	const dest = mkdtempSync(path.join(work, 'ok-'));
	extractTar(Buffer.concat([tarEntry('a/b', '0', 'hello'), tarEntry('a/c', '2', '', 'b'), Buffer.alloc(1024)]), dest);
	t.is(execFileSync('cat', [path.join(dest, 'a', 'c')], {encoding: 'utf8'}), 'hello');
});

/** The files `npm pack` would put in the package (no scripts run: prepare would rebuild dist/). */
function packedFiles(): string[] {
	const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	return (JSON.parse(out) as Array<{files: Array<{path: string}>}>)[0]!.files.map((f) => f.path);
}

test('the packed file list holds the sample: the captured archive and the recorded probe answers', (t) => {
	const files = packedFiles();
	for (const needed of ['test/fixtures/captured/sysfs-debian-6.12-mdev-samples.tar.gz', 'test/fixtures/probes/debian-6.12.json', 'package.json']) {
		t.true(files.includes(needed), needed);
	}
	t.false(files.some((f) => f.startsWith('test/fixtures/trees/')), 'the generated trees are not packed (npm drops their symlinks)');
});

(hasTmux ? test : test.skip)('the CLI from an unpacked package (no test/fixtures/trees) offers the sample on the empty screen, with its probe answers', async (t) => {
	// The package as npm would unpack it: the packed files, dist/ from a fresh build, node_modules linked.
	const pkg = path.join(work, 'package');
	for (const file of packedFiles().filter((f) => !f.startsWith('dist/'))) {
		mkdirSync(path.dirname(path.join(pkg, file)), {recursive: true});
		copyFileSync(path.join(project, file), path.join(pkg, file));
	}
	const built = await bundle();
	t.teardown(() => built.remove());
	mkdirSync(path.join(pkg, 'dist'));
	for (const f of readdirSync(path.dirname(built.cli))) copyFileSync(path.join(path.dirname(built.cli), f), path.join(pkg, 'dist', f));
	symlinkSync(path.join(project, 'node_modules'), path.join(pkg, 'node_modules'));
	t.false(existsSync(path.join(pkg, 'test', 'fixtures', 'trees')));

	const tmux = tmuxOn(socket);
	const screen = () => tmux('capture-pane', '-p', '-t', 'pkg');
	const waitFor = (what: string, check: (s: string) => boolean) => waitForScreen(screen, what, check);
	tmux('new-session', '-d', '-s', 'pkg', '-x', '120', '-y', '40', '-c', work, process.execPath, path.join(pkg, 'dist', 'cli.js'), '--root', EMPTY);
	await waitFor('the empty-host screen offering the sample', (s) => s.includes('Press s to open the sample host recorded on Debian 6.12'));
	tmux('send-keys', '-t', 'pkg', 's');
	await waitFor('the sample with its recorded answers', (s) => /DMABUF/.test(s) && s.includes('[*] Parents (3)'));
	t.regex(screen(), /sample: recorded on Debian 6\.12 with the kernel's mdev sample drivers: not this machine/);
	tmux('send-keys', '-t', 'pkg', 'q');
});
