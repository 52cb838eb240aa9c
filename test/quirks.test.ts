// The vendor quirk table against the scanned fixture trees: each quirk matches the fixture of its
// vendor and no other; explainProbe turns a refused device open (the probe engine's own step names
// and errnos) into that vendor's words and leaves other failures alone.
import {readdirSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import type {HostModel, MdevType, Parent} from '../src/model/types.js';
import type {ProbeResult, ProbeStep} from '../src/model/probe.js';
import {scanHost} from '../src/sysfs/scan.js';
import {allQuirks, explainProbe, failedDeviceOpen, quirksFor} from '../src/quirks/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const trees = path.join(here, 'fixtures', 'trees');
// Every tree the fixtures script makes, so a new fixture is checked against the table too.
const FIXTURES = readdirSync(trees).sort();

const models = new Map<string, HostModel>(FIXTURES.map((name) => [name, scanHost(path.join(trees, name))]));

function parentOf(fixture: string, name: string): Parent {
	const p = models.get(fixture)!.parents.find((x) => x.name === name);
	if (!p) throw new Error(`${fixture} has no parent ${name}`);
	return p;
}

function typeOf(parent: Parent, id: string): MdevType {
	const t = parent.types.find((x) => x.id === id);
	if (!t) throw new Error(`${parent.name} has no type ${id}`);
	return t;
}

const NV = () => parentOf('nvidia-grid', '0000:3b:00.0');
const GVT = () => parentOf('intel-gvtg', '0000:00:02.0');
const CCW = () => parentOf('s390', '0.0.0313');
const AP = () => parentOf('s390', 'matrix');
const MTTY = () => parentOf('debian-6.12', 'mtty');

/** Which fixtures each quirk id matched on, over every parent and every type of every fixture. */
function matches(): Map<string, Set<string>> {
	const out = new Map<string, Set<string>>();
	for (const [fixture, model] of models) {
		for (const parent of model.parents) {
			for (const q of [...quirksFor(parent), ...parent.types.flatMap((t) => quirksFor(parent, t))]) {
				if (!out.has(q.id)) out.set(q.id, new Set());
				out.get(q.id)!.add(fixture);
			}
		}
	}
	return out;
}

// The NVIDIA rules hold for SR-IOV vGPUs too (same vGPU manager, same -uuid need, same one-size rule
// unless heterogeneous mode), so the SR-IOV trees match them.
const NVIDIA_TREES = ['broken-sriov', 'mixed-gvtg-sriov', 'nvidia-grid', 'nvidia-sriov', 'two-gpus'];
const EXPECTED: Record<string, string[]> = {
	// mixed-gvtg-sriov holds a real GVT-g parent beside an SR-IOV GPU.
	'gvtg-needs-kvm': ['intel-gvtg', 'mixed-gvtg-sriov'],
	'gvtg-aperture': ['intel-gvtg', 'mixed-gvtg-sriov'],
	'gvtg-no-migration': ['intel-gvtg', 'mixed-gvtg-sriov'],
	'nvidia-needs-vm': NVIDIA_TREES,
	'nvidia-one-type-per-gpu': NVIDIA_TREES,
	'nvidia-no-migration-uapi': NVIDIA_TREES,
	's390-ap-no-display': ['s390'],
	's390-ccw-no-display': ['s390'],
	// The sample drivers: the captured trees and the trees built from mtty.
	'mdev-sample-driver': ['broken-garbage', 'broken-links', 'broken-missing', 'broken-unreadable', 'debian-6.1', 'debian-6.12', 'hostile-names'],
};

test('each quirk matches its vendor fixture and no other', (t) => {
	const found = matches();
	t.deepEqual(
		Object.fromEntries([...found].map(([id, set]) => [id, [...set].sort()])),
		EXPECTED,
	);
	// Every quirk in the table is exercised by some fixture.
	t.deepEqual(allQuirks().map((q) => q.id).sort(), Object.keys(EXPECTED).sort());
});

test('quirksFor a type gives exactly that vendor\'s entries', (t) => {
	const ids = (p: Parent, type?: MdevType) => quirksFor(p, type).map((q) => q.id);
	t.deepEqual(ids(NV(), typeOf(NV(), 'nvidia-231')), ['nvidia-needs-vm', 'nvidia-one-type-per-gpu', 'nvidia-no-migration-uapi']);
	t.deepEqual(ids(GVT(), typeOf(GVT(), 'i915-GVTg_V5_4')), ['gvtg-needs-kvm', 'gvtg-aperture', 'gvtg-no-migration']);
	t.deepEqual(ids(CCW(), typeOf(CCW(), 'vfio_ccw-io')), ['s390-ccw-no-display']);
	t.deepEqual(ids(AP(), typeOf(AP(), 'vfio_ap-passthrough')), ['s390-ap-no-display']);
	t.deepEqual(ids(MTTY(), typeOf(MTTY(), 'mtty-1')), ['mdev-sample-driver']);
	t.deepEqual(ids(parentOf('debian-6.12', 'mbochs'), typeOf(parentOf('debian-6.12', 'mbochs'), 'mbochs-large')), ['mdev-sample-driver']);
	// The keys are the parent's driver and the type id: an nvidia-NNN id on a parent not bound to
	// nvidia is not an NVIDIA vGPU, and an i915 type that is not GVT-g is not GVT-g.
	const fakeNv: MdevType = {...typeOf(NV(), 'nvidia-231')};
	t.deepEqual(ids(MTTY(), fakeNv), []);
	t.deepEqual(ids(GVT(), {...fakeNv, id: 'i915-something'}), []);
});

test('every quirk names its source: a user problem of docs/doctor.md or where it is documented', (t) => {
	for (const q of allQuirks()) {
		t.true(q.fieldNote === null || (Number.isInteger(q.fieldNote) && q.fieldNote >= 1 && q.fieldNote <= 15), q.id);
		t.true(q.seenIn.length > 0, q.id);
		t.true(q.text.length > 40, q.id);
	}
	const byId = new Map(allQuirks().map((q) => [q.id, q]));
	t.is(byId.get('gvtg-needs-kvm')!.fieldNote, 7);
	t.is(byId.get('nvidia-needs-vm')!.fieldNote, 6);
	t.is(byId.get('nvidia-one-type-per-gpu')!.fieldNote, 1);
});

// ---- explainProbe ----

/** A probe that got as far as the device fd and failed there, the way the probe engine records it. */
function refusedOpen(uuid: string, code: string, errno: number): ProbeResult {
	const steps: ProbeStep[] = [
		{step: 'open /dev/vfio/vfio', kind: 'container-open', ok: true},
		{step: 'VFIO_GET_API_VERSION', ok: true},
		{step: 'VFIO_CHECK_EXTENSION(VFIO_TYPE1v2_IOMMU)', ok: true},
		{step: 'open /dev/vfio/1', kind: 'group-open', ok: true},
		{step: 'VFIO_GROUP_GET_STATUS', ok: true},
		{step: 'VFIO_GROUP_SET_CONTAINER', ok: true},
		{step: 'VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU)', ok: true},
		{step: `VFIO_GROUP_GET_DEVICE_FD(${uuid})`, kind: 'device-open', ok: false, errno, code, meaning: `the vendor driver refused to open the device`},
		{step: 'close /dev/vfio/1', ok: true},
		{step: 'close /dev/vfio/vfio', ok: true},
	];
	const notAsked = {supported: null, reason: 'not asked: the device was not opened'};
	return {
		uuid,
		outcome: code === 'EBUSY' ? 'busy' : code === 'ENODEV' ? 'vanished' : 'error',
		summary: `error: the vendor driver refused to open the device`,
		probedAt: '2026-11-24T12:00:00.000Z',
		durationMs: 3,
		via: null,
		steps,
		device: null,
		regions: [],
		irqs: [],
		display: {region: notAsked, dmabuf: notAsked, plane: null, planeNote: 'not asked: the device was not opened'},
		migration: {...notAsked, flags: null, flagNames: []},
		dmaLogging: notAsked,
	};
}

const GVT_UUID = '4e8d2c1a-9b3f-4a6e-b5d7-0c2e4f6a8b1d';
const NV_UUID = '8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21';

test('explainProbe: KVMGT refusing an open outside KVM (ESRCH) is "needs a VM", not unsupported', (t) => {
	const result = refusedOpen(GVT_UUID, 'ESRCH', 3);
	t.is(failedDeviceOpen(result)!.step, `VFIO_GROUP_GET_DEVICE_FD(${GVT_UUID})`);
	const e = explainProbe(result, GVT(), typeOf(GVT(), 'i915-GVTg_V5_4'))!;
	t.is(e.quirkId, 'gvtg-needs-kvm');
	t.is(e.code, 'ESRCH');
	t.is(e.fieldNote, 7);
	t.regex(e.text, /KVMGT refused VFIO_GROUP_GET_DEVICE_FD\(4e8d2c1a-9b3f-4a6e-b5d7-0c2e4f6a8b1d\) with ESRCH/);
	t.regex(e.text, /only inside a KVM guest/);
	t.regex(e.text, /not "unsupported"/);
	// Already attached to a guest.
	t.regex(explainProbe(refusedOpen(GVT_UUID, 'EEXIST', 17), GVT(), null)!.text, /already attached to a KVM guest/);
});

test('explainProbe: an NVIDIA vGPU refusing an open (EIO, ENODEV) names the vGPU manager and -uuid', (t) => {
	for (const [code, errno] of [
		['EIO', 5],
		['ENODEV', 19],
		['EINVAL', 22],
	] as const) {
		const e = explainProbe(refusedOpen(NV_UUID, code, errno), NV(), typeOf(NV(), 'nvidia-231'))!;
		t.is(e.quirkId, 'nvidia-needs-vm', code);
		t.is(e.code, code);
		t.regex(e.text, /nvidia-vgpu-mgr/);
		t.regex(e.text, /-uuid/);
	}
});

test('explainProbe says nothing where no vendor quirk applies', (t) => {
	// Busy and "needs root" have their own outcomes (and the owner scan names the holder).
	t.is(explainProbe(refusedOpen(GVT_UUID, 'EBUSY', 16), GVT(), null), null);
	t.is(explainProbe(refusedOpen(NV_UUID, 'EACCES', 13), NV(), null), null);
	// A sample driver refusing is just the probe's own error.
	t.is(explainProbe(refusedOpen('11111111-1111-1111-1111-111111111111', 'EIO', 5), MTTY(), typeOf(MTTY(), 'mtty-1')), null);
	// No parent known.
	t.is(explainProbe(refusedOpen(NV_UUID, 'EIO', 5), null, null), null);
	// A failure before the device step (the group open) is not a vendor refusal.
	const groupFail = refusedOpen(GVT_UUID, 'ESRCH', 3);
	groupFail.steps = [{step: 'open /dev/vfio/1', kind: 'group-open', ok: false, errno: 2, code: 'ENOENT', meaning: 'gone'}];
	t.is(failedDeviceOpen(groupFail), null);
	t.is(explainProbe(groupFail, GVT(), null), null);
});

test('explainProbe: an s390 device that opened and has no display is explained as by design', (t) => {
	const result = refusedOpen('6dfd3ec5-e8b3-4e18-a6fe-57bc9eceb920', 'EIO', 5);
	result.outcome = 'ok';
	result.steps = result.steps.map((s) => ({step: s.step, ok: true}));
	result.display = {
		region: {supported: false, code: 'ENOTTY'},
		dmabuf: {supported: false, code: 'ENOTTY'},
		plane: null,
		planeNote: 'no display: the device answers neither REGION nor DMABUF plane queries',
	};
	const ccw = explainProbe(result, CCW(), typeOf(CCW(), 'vfio_ccw-io'))!;
	t.is(ccw.quirkId, 's390-ccw-no-display');
	t.is(ccw.step, undefined);
	t.is(explainProbe(result, AP(), typeOf(AP(), 'vfio_ap-passthrough'))!.quirkId, 's390-ap-no-display');
	// The same answers from mtty: no quirk to add (the probe's own "no display" stands).
	t.is(explainProbe(result, MTTY(), typeOf(MTTY(), 'mtty-1')), null);
});
