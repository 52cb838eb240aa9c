import path from 'node:path';
import {isDeepStrictEqual} from 'node:util';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import type {FeatureAnswer, ProbeOutcome, ProbeResult} from '../src/model/probe.js';
import type {HostModel, Instance} from '../src/model/types.js';
import {renderJson} from '../src/output/json.js';
import {renderPlain} from '../src/output/plain.js';
import {doctorOf} from '../src/doctor/view.js';
import {clean} from '../src/present/text.js';
import {scanHost} from '../src/sysfs/scan.js';
import {joinOwners} from '../src/owners/join.js';
import {withOwners, withProbes} from '../src/model/instances.js';
import type {HolderScan} from '../src/owners/holders.js';

const trees = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'trees');

/** A tree scanned with a short, stable source label, so the text does not depend on where the project lives. */
const scan = (name: string): HostModel => scanHost(path.join(trees, name), {source: {kind: 'tree', label: name, recordedAt: null}});

const lines = (text: string) => text.split('\n');

test('plain: the s390 tree, line by line', (t) => {
	t.deepEqual(lines(renderPlain(scan('s390'))), [
		'Host      s390-host, kernel 6.1.0-27-s390x',
		'Source    tree s390',
		'Modules   vfio yes, vfio_iommu_type1 yes, mdev yes',
		'VFIO      /dev/vfio/vfio present, IOMMU groups 2, /sys/class/mdev_bus present',
		'Found     2 parents, 2 types, 2 active instances, 1 defined, not active',
		'',
		'Parent 0.0.0313',
		'  bus css, driver vfio_ccw',
		'  /sys/devices/css0/0.0.0313',
		'  TYPE         NAME                       API       AVAIL  INSTANCES  DESCRIPTION',
		'  vfio_ccw-io  I/O subchannel (Non-QDIO)  vfio-ccw      0          1  -',
		'  INSTANCE                              TYPE         STATE   GROUP  DRIVER         VFIO-DEV  MDEVCTL',
		'  6dfd3ec5-e8b3-4e18-a6fe-57bc9eceb920  vfio_ccw-io  active      0  vfio_ccw_mdev  vfio0     -',
		'',
		'Parent matrix',
		'  bus matrix, driver vfio_ap',
		'  /sys/devices/vfio_ap/matrix',
		'  TYPE                 NAME                        API      AVAIL  INSTANCES  DESCRIPTION',
		'  vfio_ap-passthrough  VFIO AP Passthrough Device  vfio-ap  65535          1  -',
		'  INSTANCE                              TYPE                 STATE                GROUP  DRIVER        VFIO-DEV  MDEVCTL',
		'  54f5b7a3-6a17-4f62-9e7b-1a4e6d0c9b28  vfio_ap-passthrough  defined, not active      -  -             -         manual',
		'  7e270a25-e163-4922-af60-757fc8ed48c6  vfio_ap-passthrough  active                   1  vfio_ap_mdev  vfio1     autostart',
		'',
	]);
});

test('plain: a PCI parent with names, NUMA node and a multi-line description on one line', (t) => {
	const nvidia = lines(renderPlain(scan('nvidia-grid')));
	t.deepEqual(nvidia.slice(6, 9), [
		'Parent 0000:3b:00.0',
		'  PCI 10de:1eb8 NVIDIA Corporation TU104GL [Tesla T4], subsystem 10de:12a2, bus pci, driver nvidia, NUMA node 0',
		'  /sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0',
	]);
	t.true(nvidia.includes('  f0e1d2c3-b4a5-4968-8776-655443322110  nvidia-231  defined, not active      -  -                 -         autostart'));
	const gvt = lines(renderPlain(scan('intel-gvtg')));
	t.is(gvt[7], '  PCI 8086:3e92, subsystem 1043:8694, bus pci, driver i915, NUMA node none (-1)');
	t.is(
		gvt[10],
		'  i915-GVTg_V5_4  GVTg_V5_4  vfio-pci      1          1  low_gm_size: 128MB; high_gm_size: 512MB; fence: 4; resolution: 1920x1200; weight: 4',
	);
});

test('plain: errors under their item, control characters stripped, nothing but ASCII', (t) => {
	const text = renderPlain(scan('broken-garbage'));
	const out = lines(text);
	const at = out.indexOf('  mtty-4  Q?uad               vfio-pci      1          0  -');
	t.true(at > 0, 'the name is shown without NUL and the whole ESC [31m, the byte 0xff as ?');
	t.true(out[at + 1]!.startsWith('    ! EPARSE: Reading /sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-4/name: it holds bytes that are not text'));
	t.is(out[out.indexOf('  mtty-2  Dual port serial    vfio-pci      ?          0  -') + 1],
		'    ! EPARSE: Reading /sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/available_instances: -3 is below 0, impossible for a count of instances; not shown.');
	t.is(out[9], '  ! EPARSE: Reading /sys/devices/virtual/mtty/mtty/numa_node: expected a NUMA node number, found "zero".');
	t.regex(text, /^[\n\u0020-\u007e]*$/);
	t.is(clean('a\u0000b\u001b[1mc\u009bd\u00e9e\nf'), 'abcd?e; f');
	t.is(clean('GRID \u001b]0;pwned\u0007T4-2Q\u001b[2J'), 'GRID T4-2Q');
});

test('plain: an unreadable mdevctl definition shows as invalid, not as manual', (t) => {
	const out = lines(renderPlain(scan('broken-unreadable')));
	t.true(out.includes('  11111111-1111-1111-1111-111111111111  mtty-1  active      0  mtty    vfio0     invalid'));
});

test('plain: the empty host says where it looked, what the doctor found missing with the fixes, and what to try', (t) => {
	const root = path.join(trees, 'empty');
	const model = scan('empty');
	t.deepEqual(lines(renderPlain(model, {trySample: true, doctor: doctorOf(model)})), [
		'Host      plain-host, kernel 6.1.0-27-amd64',
		'Source    tree empty',
		'Modules   vfio no, vfio_iommu_type1 no, mdev no',
		'VFIO      /dev/vfio/vfio missing, IOMMU groups missing, /sys/class/mdev_bus missing',
		'Found     0 parents, 0 types, 0 active instances, 0 defined, not active',
		'',
		`No mediated devices (mdev) found under ${root}.`,
		'',
		'What is missing, and the fix (mdevscope doctor):',
		'  mdevscope doctor: 0 ok, 2 warn, 6 fail',
		'  [FAIL] IOMMU: /sys/kernel/iommu_groups is missing; /sys/class/iommu missing; kernel command line sets no IOMMU option. Without IOMMU groups VFIO has nothing to attach.',
		'         fix: use a kernel with IOMMU support (CONFIG_IOMMU_API, VFIO); enable VT-d/AMD-Vi in the firmware; on Intel add intel_iommu=on iommu=pt to the kernel command line (AMD-Vi is on by default once the firmware enables it), then reboot',
		'  [FAIL] vfio module: /sys/module/vfio is missing: the VFIO core (/dev/vfio, groups, device fds) is not loaded.',
		'         fix: modprobe vfio',
		'  [FAIL] vfio_iommu_type1 module: /sys/module/vfio_iommu_type1 is missing: the VFIO container IOMMU backend that maps guest memory (also for mdev) is not loaded.',
		'         fix: modprobe vfio_iommu_type1',
		'  [FAIL] mdev module: /sys/module/mdev is missing: the mediated device core (/sys/class/mdev_bus, /sys/bus/mdev) is not loaded.',
		'         fix: modprobe mdev',
		'  [FAIL] /dev/vfio/vfio: /dev/vfio/vfio is missing because vfio is not loaded.',
		'         fix: modprobe vfio',
		'  [WARN] /dev/kvm: /dev/kvm is missing although kvm_intel is loaded: VMs would run without KVM, and GVT-g/NVIDIA vGPUs only open in KVM guests.',
		'         fix: enable VT-x/AMD-V in the firmware and modprobe kvm_intel (or kvm_amd)',
		'  [WARN] root privileges: not known for a tree: who runs mdevscope is judged on the live host only (this tree is read as data; no probe runs on it).',
		'         fix: run mdevscope doctor on the host itself, as the user that will probe (root)',
		'  [FAIL] mdev parents: /sys/class/mdev_bus is missing: no driver has registered an mdev parent (the mdev core creates it with the first one).',
		'         fix: load a driver with mdev support: the NVIDIA vGPU host driver, i915 with i915.enable_gvt=1 and kvmgt, vfio_ccw/vfio_ap on s390, or the mtty/mdpy/mbochs samples',
		'',
		'To see what mdevscope shows on a host that has mediated devices:',
		'  try: mdevscope --sample (a host recorded on Debian 6.12 with the kernel\'s mdev sample drivers)',
		'',
	]);
	// Without the doctor's answer it says where to get it, and judges nothing itself.
	t.true(renderPlain(model).includes('\nmdevscope doctor says what is missing and the fix.\n'));
	// A recording has nothing here to check: the doctor says so, and that is what is shown.
	const recorded = {...model, source: {kind: 'snapshot' as const, label: 'host-a.json', recordedAt: null}};
	t.regex(renderPlain(recorded, {doctor: doctorOf(recorded)}), /this is a recording \(host-a\.json\), so there is nothing here to check/);
});

// ---- probe results --------------------------------------------------------------------------------

const yes: FeatureAnswer = {supported: true};
const no = (code: string): FeatureAnswer => ({supported: false, code});

function probeResult(uuid: string, outcome: ProbeOutcome, summary: string, region: FeatureAnswer, dmabuf: FeatureAnswer, migration: FeatureAnswer): ProbeResult {
	return {
		uuid,
		outcome,
		summary,
		probedAt: '2026-11-24T00:00:00.000Z',
		durationMs: 12,
		via: outcome === 'ok' ? 'direct' : null,
		steps: [],
		device: null,
		regions: [],
		irqs: [],
		display: {region, dmabuf, plane: null, planeNote: null},
		migration: {...migration, flags: null, flagNames: []},
		dmaLogging: {supported: null, reason: 'not asked'},
	};
}

const notAsked: FeatureAnswer = {supported: null, reason: 'group busy'};
const probes = new Map<string, ProbeResult>([
	['11111111-1111-1111-1111-111111111111', probeResult('11111111-1111-1111-1111-111111111111', 'busy', 'in use by pid 4242 (qemu-system-x86_64)', notAsked, notAsked, notAsked)],
	['22222222-2222-2222-2222-222222222222', probeResult('22222222-2222-2222-2222-222222222222', 'ok', 'display: region; no migration', yes, no('EINVAL'), no('ENOTTY'))],
	['33333333-3333-3333-3333-333333333333', probeResult('33333333-3333-3333-3333-333333333333', 'ok', 'display: dmabuf; no migration', no('EINVAL'), yes, no('ENOTTY'))],
]);

test('plain --probe: a column per feature, the summary under each instance, a summary at the end', (t) => {
	const out = lines(renderPlain(withProbes(scan('debian-6.12'), probes.values()), {probed: true}));
	const header = '  INSTANCE                              TYPE          STATE   GROUP  DRIVER  VFIO-DEV  MDEVCTL  REGION  DMABUF  MIGRATION';
	const at = out.indexOf(header);
	t.true(at > 0);
	t.deepEqual(out.slice(at + 1, at + 3), [
		'  33333333-3333-3333-3333-333333333333  mbochs-large  active      2  mbochs  vfio2     -        no      yes     no',
		'    probe: display: dmabuf; no migration',
	]);
	t.true(out.includes('  22222222-2222-2222-2222-222222222222  mdpy-hd  active      1  mdpy    vfio1     -        yes     no      no'));
	t.true(out.includes('  11111111-1111-1111-1111-111111111111  mtty-1  active      0  mtty    vfio0     -        busy    busy    busy'));
	t.true(out.includes('    probe: in use by pid 4242 (qemu-system-x86_64)'));
	t.deepEqual(out.slice(-4), [
		'Probes    3 instances: 1 busy, 2 ok',
		'          REGION/DMABUF: display via a region or a dmabuf (VFIO_DEVICE_QUERY_GFX_PLANE); MIGRATION: VFIO_DEVICE_FEATURE_MIGRATION.',
		'          yes/no: the kernel answered; ?: not asked; other words: the probe could not open the device.',
		'',
	]);
});

// ---- JSON -------------------------------------------------------------------------------------

test('json: the model as it is, two-space indented, parseable back to the same model', (t) => {
	const m = scan('debian-6.12');
	const text = renderJson(m);
	t.is(text, `${JSON.stringify(m, null, 2)}\n`);
	t.deepEqual(JSON.parse(text), m);
	t.false(text.includes('"probe"'));
});

test('json --probe: `probe` is added to probed instances only', (t) => {
	const m = scan('nvidia-grid');
	const A = '8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21';
	const r = probeResult(A, 'ok', 'display: none', no('ENOTTY'), no('ENOTTY'), no('ENOTTY'));
	const out = JSON.parse(renderJson(withProbes(m, [r]))) as Omit<HostModel, 'instances'> & {instances: Array<Instance & {probe?: ProbeResult}>};
	t.deepEqual(out.instances.find((i) => i.uuid === A)!.probe, r);
	t.deepEqual(out.instances.filter((i) => i.probe !== undefined).map((i) => i.uuid), [A]);
	t.deepEqual({...out, instances: out.instances.map(({probe: _probe, ...i}) => i)}, m);
});

test('json: control characters from sysfs are escaped, not written raw', (t) => {
	const text = renderJson(scan('broken-garbage'));
	t.true(text.includes('"name": "Q\\u0000\ufffd\\u001b[31muad"'));
	t.false(/[\u0000-\u0009\u000b-\u001f]/.test(text));
});

// ---- owners -------------------------------------------------------------------------------------

/** A holder scan as src/owners/holders.ts returns it: QEMU holding group 2, pid 900 unreadable. */
const heldScan = (unreadable: boolean): HolderScan => ({
	holders: [
		{
			pid: 4242,
			comm: 'qemu-system-x86',
			cmdline: ['/usr/bin/qemu-system-x86_64', '-name', 'guest=vdi-42,debug-threads=on', '-uuid', 'c0ffee00-0000-4000-8000-000000000042'],
			qemu: {name: 'vdi-42', uuid: 'c0ffee00-0000-4000-8000-000000000042'},
			files: [{fd: 22, path: '/dev/vfio/2'}],
			deviceFds: 1,
		},
	],
	unknown: unreadable ? [{pid: 900, code: 'EACCES'}] : [],
	scanned: 12,
	error: null,
});

test('plain with owners: an OWNER column last (holder, - nobody, ? unknown) and why it is unknown', (t) => {
	const m = scan('debian-6.12');
	const out = lines(renderPlain(withOwners(m, joinOwners(m, heldScan(false), '/proc')), {owners: true}));
	t.true(out.includes('  INSTANCE                              TYPE          STATE   GROUP  DRIVER  VFIO-DEV  MDEVCTL  OWNER'));
	t.true(out.includes('  33333333-3333-3333-3333-333333333333  mbochs-large  active      2  mbochs  vfio2     -        qemu pid 4242 vm=vdi-42'));
	t.true(out.includes('  22222222-2222-2222-2222-222222222222  mdpy-hd  active      1  mdpy    vfio1     -        -'));
	t.false(out.some((l) => l.startsWith('Owners')));
	const hidden = lines(renderPlain(withOwners(withProbes(m, probes.values()), joinOwners(m, heldScan(true), '/proc')), {probed: true, owners: true}));
	t.true(hidden.includes('  INSTANCE                              TYPE    STATE   GROUP  DRIVER  VFIO-DEV  MDEVCTL  REGION  DMABUF  MIGRATION  OWNER'));
	t.true(hidden.includes('  11111111-1111-1111-1111-111111111111  mtty-1  active      0  mtty    vfio0     -        busy    busy    busy       ?'));
	t.true(hidden.includes("Owners    ?: 1 process's open files could not be read (EACCES: another user's, or /proc mounted with hidepid); run as root to see every holder."));
});

test('json with owners: `owners` on every instance, `ownersUnknown` only where they are null', (t) => {
	const m = scan('debian-6.12');
	const held = withOwners(m, joinOwners(m, heldScan(true), '/proc'));
	const out = JSON.parse(renderJson(held)) as {
		instances: Array<Instance & {owners: unknown; ownersUnknown?: string}>;
	};
	// The argv stays out unless asked for (it may hold passwords); pid, comm and the VM's name and uuid stay.
	const vdi42 = {
		pid: 4242,
		comm: 'qemu-system-x86',
		vmName: 'vdi-42',
		vmUuid: 'c0ffee00-0000-4000-8000-000000000042',
		libvirtDomain: null,
		files: ['/dev/vfio/2'],
	};
	t.deepEqual(out.instances.find((i) => i.uuid === '33333333-3333-3333-3333-333333333333')!.owners, [vdi42]);
	const argv = ['/usr/bin/qemu-system-x86_64', '-name', 'guest=vdi-42,debug-threads=on', '-uuid', 'c0ffee00-0000-4000-8000-000000000042'];
	const withCmdline = JSON.parse(renderJson(held, {withCmdline: true})) as typeof out;
	t.deepEqual(withCmdline.instances.find((i) => i.uuid === '33333333-3333-3333-3333-333333333333')!.owners, [{...vdi42, cmdline: argv}]);
	const mtty = out.instances.find((i) => i.uuid === '11111111-1111-1111-1111-111111111111')!;
	t.is(mtty.owners, null);
	t.regex(mtty.ownersUnknown ?? '', /run as root/);
	t.false('ownersUnknown' in out.instances.find((i) => i.uuid === '33333333-3333-3333-3333-333333333333')!);
	// Nothing else changes: without the two fields it is the model.
	t.deepEqual({...out, instances: out.instances.map(({owners: _o, ownersUnknown: _u, ...i}) => i)}, m);
});

test('json of a snapshot\'s model (--from): recorded owners lose their argv unless --with-cmdline; without one they are as recorded', (t) => {
	const m = scan('debian-6.12');
	const recorded = {pid: 4242, comm: 'qemu-system-x86', cmdline: ['qemu-system-x86_64', '-spice', 'port=5900,password=hunter2'], vmName: 'vm', vmUuid: null, libvirtDomain: null, files: ['/dev/vfio/2']};
	const {cmdline: _argv, ...kept} = recorded;
	const snapshot = {...m, instances: m.instances.map((i) => (i.uuid.startsWith('3333') ? {...i, owners: [recorded]} : {...i, owners: [kept]}))} as HostModel;
	const out = renderJson(snapshot);
	t.false(out.includes('hunter2'));
	const parsed = JSON.parse(out) as {instances: Array<{owners: unknown}>};
	t.true(parsed.instances.every((i) => isDeepStrictEqual(i.owners, [kept])));
	t.true(renderJson(snapshot, {withCmdline: true}).includes('password=hunter2'));
});

test('plain: an instance that vanished while it was read says gone, once, and is not counted as active', (t) => {
	const m = scan('debian-6.12');
	const uuid = '11111111-1111-1111-1111-111111111111';
	const error = {path: `/sys/bus/mdev/devices/${uuid}`, code: 'ENOENT', message: `The instance ${uuid} was listed but disappeared while it was being read (removed during the scan); scan again to see the current state.`};
	const vanished: HostModel = {
		...m,
		instances: m.instances.map((i) => (i.uuid === uuid ? {...i, iommuGroup: null, driver: null, vfioDev: null, gone: true, errors: [error]} : i)),
	};
	const out = lines(renderPlain(vanished));
	t.is(out[4], 'Found     3 parents, 8 types, 2 active instances, 0 defined, not active, 1 gone while read');
	const at = out.indexOf(`  ${uuid}  mtty-1  gone       -  -       -         -`);
	t.true(at > 0, out.join('\n'));
	t.deepEqual(out.slice(at + 1, at + 3), [`    ! ENOENT: ${error.path}: ${error.message}`, '']);
});
