// The probe engine against dev trees on this machine (no VFIO here: the VM test covers the
// kernel's real answers). Each case is a real open/ioctl on a real file; the fd table of this
// process is compared before and after.
import test from 'ava';
import {execFileSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {okSummary, probeInstance} from '../src/probe/engine.js';

const base = mkdtempSync(join(tmpdir(), 'mdevscope-engine-'));
test.after.always(() => rmSync(base, {recursive: true, force: true}));

/** A devRoot whose dev/vfio/vfio is made by `make` (nothing when it is undefined). */
function devRoot(name: string, make?: (path: string) => void): string {
	const root = join(base, name);
	mkdirSync(join(root, 'dev/vfio'), {recursive: true});
	make?.(join(root, 'dev/vfio/vfio'));
	return root;
}

const roots = {
	missing: devRoot('missing'),
	regular: devRoot('regular', (p) => writeFileSync(p, '')),
	fifo: devRoot('fifo', (p) => execFileSync('mkfifo', [p])),
	directory: devRoot('directory', (p) => mkdirSync(p)),
	// A link to this machine's /dev/null: followed under the tree (where there is none), never opened.
	hostLink: devRoot('host-link', (p) => symlinkSync('/dev/null', p)),
};

const fdCount = (): number => readdirSync('/proc/self/fd').length;
const req = {uuid: '22222222-2222-2222-2222-222222222222', iommuGroup: 1};

test('no /dev/vfio/vfio: no-vfio, with the open step, ENOENT and what to do', (t) => {
	const r = probeInstance(req, {devRoot: roots.missing});
	t.is(r.outcome, 'no-vfio');
	t.deepEqual(r.steps, [
		{
			step: `open ${roots.missing}/dev/vfio/vfio`,
			kind: 'container-open',
			ok: false,
			errno: 2,
			code: 'ENOENT',
			meaning: `${roots.missing}/dev/vfio/vfio is missing: the vfio module is not loaded (modprobe vfio)`,
		},
	]);
	t.regex(r.summary, /^no VFIO: .*modprobe vfio/);
	t.is(r.via, null);
	t.is(r.device, null);
	t.is(r.display.region.supported, null);
	t.regex(r.display.region.reason ?? '', /not asked/);
	t.is(r.display.region.notAsked, 'device-not-opened');
	t.is(r.uuid, req.uuid);
	t.true(Date.parse(r.probedAt) > 0);
});

for (const kind of ['regular', 'fifo'] as const) {
	test(`a ${kind} file as the container answers ENOTTY: not a VFIO container, and it is closed`, (t) => {
		const r = probeInstance(req, {devRoot: roots[kind]});
		const path = `${roots[kind]}/dev/vfio/vfio`;
		t.is(r.outcome, 'no-vfio');
		t.deepEqual(
			r.steps.map((s) => [s.step, s.ok, s.code]),
			[
				[`open ${path}`, true, undefined],
				['VFIO_GET_API_VERSION', false, 'ENOTTY'],
				[`close ${path}`, true, undefined],
			],
		);
		t.is(r.steps[1]!.meaning, `${path} is not a VFIO container (it does not answer VFIO ioctls)`);
		t.is(r.summary, `no VFIO: ${path} is not a VFIO container (it does not answer VFIO ioctls)`);
	});
}

test('a dev tree\'s link to the host\'s /dev/null is followed under the tree: nothing is opened, the step says where it led', (t) => {
	const path = `${roots.hostLink}/dev/vfio/vfio`;
	const r = probeInstance(req, {devRoot: roots.hostLink});
	t.deepEqual(
		r.steps.map((s) => [s.step, s.ok, s.code]),
		[[`open ${path}`, false, 'ENOENT']],
	);
	t.is(r.steps[0]!.meaning, 'The link /dev/vfio/vfio points to /dev/null, which does not exist (a dangling link; the device may be going away).');
	t.is(r.outcome, 'no-vfio');
});

// mknod needs root; without it this is shown as skipped, never passed.
(process.getuid?.() === 0 ? test : test.skip)('a device node in a dev tree is never opened (as root: mknod)', (t) => {
	const root = devRoot('device-node', (p) => execFileSync('mknod', [p, 'c', '1', '3']));
	const onSteps: string[] = [];
	const r = probeInstance(req, {devRoot: root, onStep: (s) => onSteps.push(s)});
	t.deepEqual(
		r.steps.map((s) => [s.step, s.ok, s.code]),
		[[`open ${root}/dev/vfio/vfio`, false, 'EUNSAFE']],
	);
	t.deepEqual(onSteps, [`open ${root}/dev/vfio/vfio`]);
	t.is(r.outcome, 'error');
	t.regex(r.summary, /^error: Opening \/dev\/vfio\/vfio: it is a device node .* it was not opened/);
});

test('a directory as the container: EISDIR is an error with its meaning', (t) => {
	const r = probeInstance(req, {devRoot: roots.directory});
	t.is(r.outcome, 'error');
	t.is(r.steps[0]!.code, 'EISDIR');
	t.regex(r.summary, /^error: opening .* failed: is a directory/);
});

test('onStep names each call before it is made, in the order of the steps', (t) => {
	const seen: string[] = [];
	const r = probeInstance(req, {devRoot: roots.regular, onStep: (s) => seen.push(s)});
	t.deepEqual(
		seen,
		r.steps.map((s) => s.step),
	);
});

test.serial('no fd is left open, on any path, however often', (t) => {
	const before = fdCount();
	for (let i = 0; i < 25; i++) for (const root of Object.values(roots)) probeInstance(req, {devRoot: root});
	t.is(fdCount(), before);
});

test('the ok summary in words', (t) => {
	const no = {supported: false, code: 'ENOTTY'} as const;
	t.is(
		okSummary({
			display: {
				region: {supported: true},
				dmabuf: {supported: false, code: 'EINVAL'},
				plane: {drmFormat: 'XR24', drmFormatNumber: 0x34325258, drmFormatMod: '0x0', width: 1920, height: 1080, stride: 7680, size: 8294400, xPos: 0, yPos: 0, regionIndex: 16},
				planeNote: null,
			},
			migration: {...no, flags: null, flagNames: []},
			dmaLogging: no,
		}),
		'REGION display (XR24 1920x1080), no migration, no DMA logging',
	);
	t.is(
		okSummary({
			display: {region: no, dmabuf: no, plane: null, planeNote: 'x'},
			migration: {supported: true, flags: 7, flagNames: ['STOP_COPY', 'P2P', 'PRE_COPY']},
			dmaLogging: {supported: null, code: 'EIO'},
		}),
		'no display, migration STOP_COPY|P2P|PRE_COPY, DMA logging unknown (EIO)',
	);
	t.is(
		okSummary({
			display: {region: no, dmabuf: {supported: true}, plane: null, planeNote: 'no plane yet'},
			migration: {...no, flags: null, flagNames: []},
			dmaLogging: no,
		}),
		'DMABUF display (no plane yet), no migration, no DMA logging',
	);
});
