// The doctor on the scanned fixture trees (run `npm run fixtures` first; `npm test` does). Where a
// check needs a host state no fixture has (no enable_gvt, nvidia-vgpu-mgr running or not, a plain
// NVIDIA driver), a copy of the fixture tree is changed in exactly that one place and scanned again.
import {cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import type {HostModel} from '../src/model/types.js';
import {scanHost} from '../src/sysfs/scan.js';
import {
	doctorExitCode,
	doctorReport,
	readDoctorEnv,
	readDoctorFacts,
	runDoctor,
	type DoctorCheck,
	type DoctorEnv,
} from '../src/doctor/index.js';
import {formatDoctor} from '../src/output/doctor.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const trees = path.join(here, 'fixtures', 'trees');

const NV_GPU = '0000:3b:00.0';
const NV_UUIDS = ['8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21', 'c2f6e1a9-5b7d-4e3a-8f10-2d9c4b6a8e53'];
const GVT_UUID = '4e8d2c1a-9b3f-4a6e-b5d7-0c2e4f6a8b1d';

interface Run {
	model: HostModel;
	env: DoctorEnv;
	checks: DoctorCheck[];
}

function doctor(root: string, opts: {isRoot?: boolean | null; source?: HostModel['source']} = {}): Run {
	const model = scanHost(root, opts.source ? {source: opts.source} : {});
	const env: DoctorEnv = {...readDoctorFacts(root), isRoot: opts.isRoot === undefined ? true : opts.isRoot};
	return {model, env, checks: runDoctor(model, env)};
}

const fixture = (name: string, opts?: {isRoot?: boolean}) => doctor(path.join(trees, name), opts);

function byId(run: Run, id: string): DoctorCheck {
	const c = run.checks.find((x) => x.id === id);
	if (!c) throw new Error(`no check ${id}; have ${run.checks.map((x) => x.id).join(', ')}`);
	return c;
}

const ids = (run: Run) => run.checks.map((c) => c.id);

/** A private copy of a fixture tree (links kept as they are), removed when the test ends. */
function copyTree(t: {teardown(fn: () => void): void}, name: string): string {
	const dir = mkdtempSync(path.join(tmpdir(), `mdevscope-doctor-${name}-`));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const root = path.join(dir, name);
	cpSync(path.join(trees, name), root, {recursive: true, verbatimSymlinks: true});
	return root;
}

const write = (root: string, rel: string, content: string) => {
	mkdirSync(path.dirname(path.join(root, rel)), {recursive: true});
	writeFileSync(path.join(root, rel), content);
};

// ---- debian-6.12: the captured tree of a working sample-driver host ----

test('debian-6.12: modules, IOMMU groups and parents pass; what the tree lacks (/dev) is a warning that says what to expect', (t) => {
	const run = fixture('debian-6.12');
	for (const id of ['iommu', 'module-vfio', 'module-vfio_iommu_type1', 'module-mdev', 'mdev-parents']) {
		t.is(byId(run, id).verdict, 'ok', id);
	}
	// Who runs mdevscope is the host's to know, not the tree's.
	t.is(byId(run, 'root').verdict, 'warn');
	t.regex(byId(run, 'iommu').seen, /3 IOMMU groups/);
	// No hardware IOMMU in that VM and nothing on its command line: the groups are the mdev core's own.
	t.regex(byId(run, 'iommu').seen, /no hardware IOMMU registered/);
	t.regex(byId(run, 'iommu').seen, /belong to mdev instances/);
	t.regex(byId(run, 'mdev-parents').seen, /3 parents .*mbochs .*mdpy .*mtty/);

	const container = byId(run, 'dev-vfio-container');
	t.is(container.verdict, 'warn');
	t.regex(container.seen, /tree has no \/dev/);
	t.regex(container.seen, /expect crw-rw-rw- root root 10, 196/);
	const groups = byId(run, 'dev-vfio-groups');
	t.is(groups.verdict, 'warn');
	t.regex(groups.seen, /\/dev\/vfio\/0, \/dev\/vfio\/1, \/dev\/vfio\/2/);
	t.deepEqual(groups.instances, [
		'11111111-1111-1111-1111-111111111111',
		'22222222-2222-2222-2222-222222222222',
		'33333333-3333-3333-3333-333333333333',
	]);
	t.is(byId(run, 'dev-kvm').verdict, 'warn');

	t.false(run.checks.some((c) => c.verdict === 'fail'));
	t.is(doctorExitCode(run.checks), 0);
	// Nothing vendor-specific applies to sample drivers, and no type is full.
	t.false(ids(run).some((id) => /^(gvtg|nvidia|type-available|parent-types)/.test(id)));
});

test('the root check reports who runs the doctor on the live host, its title agreeing with the finding', (t) => {
	const live: HostModel['source'] = {kind: 'live', label: null, recordedAt: null};
	const asRoot = byId(doctor(path.join(trees, 'debian-6.12'), {isRoot: true, source: live}), 'root');
	t.like(asRoot, {title: 'root privileges', verdict: 'ok', fix: null});
	t.regex(asRoot.seen, /^root \(effective uid 0\)/);
	const notRoot = byId(doctor(path.join(trees, 'debian-6.12'), {isRoot: false, source: live}), 'root');
	t.like(notRoot, {title: 'root privileges', verdict: 'warn'});
	t.regex(notRoot.seen, /^not root: /);
	t.regex(notRoot.fix!, /run as root/);
	t.deepEqual(formatDoctor([notRoot])[1]!.split(':')[0], '[WARN] root privileges');
});

test('on a tree the root check does not use this machine\'s uid: who runs mdevscope there is not known', (t) => {
	// readDoctorEnv (what the CLI uses) leaves it unknown for a tree, whoever runs the tests.
	t.is(readDoctorEnv(path.join(trees, 'debian-6.12')).isRoot, null);
	t.is(typeof readDoctorEnv('/').isRoot, 'boolean');
	for (const isRoot of [true, false, null]) {
		const c = byId(doctor(path.join(trees, 'debian-6.12'), {isRoot}), 'root');
		t.like(c, {title: 'root privileges', verdict: 'warn'}, String(isRoot));
		t.regex(c.seen, /^not known for a tree: who runs mdevscope is judged on the live host only/, String(isRoot));
		t.notRegex(c.seen, /uid 0|^not root/, String(isRoot));
	}
});

// ---- empty: nothing set up ----

test('empty: fails with the fixes (modprobe vfio, vfio_iommu_type1, mdev; IOMMU on the kernel command line)', (t) => {
	const run = fixture('empty');
	const iommu = byId(run, 'iommu');
	t.is(iommu.verdict, 'fail');
	t.regex(iommu.seen, /\/sys\/kernel\/iommu_groups is missing/);
	t.regex(iommu.fix!, /intel_iommu=on/);
	t.regex(iommu.fix!, /AMD-Vi/);
	for (const name of ['vfio', 'vfio_iommu_type1', 'mdev']) {
		const c = byId(run, `module-${name}`);
		t.is(c.verdict, 'fail', name);
		t.is(c.fix, `modprobe ${name}`);
	}
	const container = byId(run, 'dev-vfio-container');
	t.is(container.verdict, 'fail'); // the tree has /dev, and no vfio in it because vfio is not loaded
	t.is(container.fix, 'modprobe vfio');
	const parents = byId(run, 'mdev-parents');
	t.is(parents.verdict, 'fail');
	t.regex(parents.seen, /\/sys\/class\/mdev_bus is missing/);
	t.is(parents.fieldNote, 3);
	// kvm_intel is loaded but the tree's /dev has no kvm node.
	t.regex(byId(run, 'dev-kvm').seen, /missing although kvm_intel is loaded/);
	t.false(ids(run).includes('dev-vfio-groups')); // no instance, no group node expected

	t.is(doctorExitCode(run.checks), 1);
	const text = formatDoctor(run.checks).join('\n');
	for (const fix of ['fix: modprobe vfio', 'fix: modprobe vfio_iommu_type1', 'fix: modprobe mdev', 'intel_iommu=on']) {
		t.true(text.includes(fix), fix);
	}
	t.regex(text, /^mdevscope doctor: 0 ok, 2 warn, 6 fail$/m);
});

// ---- nvidia-grid ----

test('nvidia-grid: every type with 0 available names the nvidia-231 instances that block it (one type per GPU)', (t) => {
	const run = fixture('nvidia-grid');
	for (const type of ['nvidia-222', 'nvidia-223', 'nvidia-230', 'nvidia-234']) {
		const c = byId(run, `type-available:${NV_GPU}/${type}`);
		t.is(c.verdict, 'warn', type);
		t.is(c.parent, NV_GPU);
		t.is(c.mdevType, type);
		t.deepEqual(c.instances, NV_UUIDS);
		t.regex(c.seen, new RegExp(`nvidia-231: ${NV_UUIDS.join(', ')}`));
		t.regex(c.seen, /same type unless the card runs in heterogeneous mode/);
		t.true(c.quirks!.includes('nvidia-one-type-per-gpu'));
		t.is(c.fieldNote, 1);
		t.regex(c.fix!, /create nvidia-231 instances here/);
	}
	// nvidia-231 has 6 left: no check for it.
	t.false(ids(run).includes(`type-available:${NV_GPU}/nvidia-231`));
	t.is(byId(run, 'module-nvidia_vgpu_vfio').verdict, 'ok');
	// The IOMMU options on the kernel command line are noted.
	t.regex(byId(run, 'iommu').seen, /kernel command line has intel_iommu=on iommu=pt/);
	// The tree's process list has the manager, beside the QEMU of the VM that holds 8d4b….
	const mgr = byId(run, 'nvidia-vgpu-mgr');
	t.is(mgr.verdict, 'ok');
	t.regex(mgr.seen, /pid 2121/);
	// An autostart definition that is not active.
	const defined = byId(run, 'defined-not-active');
	t.deepEqual(defined.instances, ['f0e1d2c3-b4a5-4968-8776-655443322110']);
	t.regex(defined.seen, /autostart/);
	t.is(doctorExitCode(run.checks), 0);
	t.false(ids(run).some((id) => id.startsWith('gvtg')));
});

test('nvidia-grid: nvidia-vgpu-mgr seen running in /proc passes; a process list without it fails with the fix', (t) => {
	const running = copyTree(t, 'nvidia-grid');
	const ok = byId(doctor(running), 'nvidia-vgpu-mgr');
	t.is(ok.verdict, 'ok');
	t.regex(ok.seen, /pid 2121/);

	// The manager gone, its pid file left behind: init and the QEMU are the processes left.
	const stopped = copyTree(t, 'nvidia-grid');
	rmSync(path.join(stopped, 'proc/2121'), {recursive: true});
	write(stopped, 'run/nvidia-vgpu-mgr/nvidia-vgpu-mgr.pid', '2121\n');
	const run = doctor(stopped);
	const fail = byId(run, 'nvidia-vgpu-mgr');
	t.is(fail.verdict, 'fail');
	t.regex(fail.seen, /no nvidia-vgpu-mgr among 2 processes/);
	t.regex(fail.seen, /left over/);
	t.regex(fail.fix!, /systemctl enable --now nvidia-vgpu-mgr/);
	t.is(doctorExitCode(run.checks), 1);

	// Not root: other users' processes may be hidden, so "not seen" is not proof.
	const asUser = byId(doctor(stopped, {isRoot: false}), 'nvidia-vgpu-mgr');
	t.is(asUser.verdict, 'warn');
	t.regex(asUser.seen, /may be hidden/);
});

test('nvidia-grid: a full type with no instance on the GPU blames the stopped vGPU manager', (t) => {
	const root = copyTree(t, 'nvidia-grid');
	rmSync(path.join(root, 'proc/2121'), {recursive: true});
	// Remove the two instances from the type's devices/ and the bus, so nothing on the GPU explains the 0s.
	for (const uuid of NV_UUIDS) {
		rmSync(path.join(root, 'sys/bus/mdev/devices', uuid));
		rmSync(path.join(root, 'sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/mdev_supported_types/nvidia-231/devices', uuid));
	}
	const c = byId(doctor(root), `type-available:${NV_GPU}/nvidia-222`);
	t.is(c.verdict, 'fail');
	t.regex(c.seen, /no instance sits on this GPU; no nvidia-vgpu-mgr/);
	t.regex(c.fix!, /nvidia-vgpu-mgr/);
});

test('an NVIDIA parent without mdev_supported_types is the plain driver, not the vGPU host driver', (t) => {
	const root = copyTree(t, 'nvidia-grid');
	rmSync(path.join(root, 'sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/mdev_supported_types'), {recursive: true});
	const c = byId(doctor(root), `parent-types:${NV_GPU}`);
	t.is(c.verdict, 'fail');
	t.regex(c.seen, /plain driver/);
	t.regex(c.fix!, /vGPU host driver/);
	t.is(c.fieldNote, 2);
});

test('an NVIDIA GPU that is not an mdev parent: plain driver (warn) or SR-IOV vGPU (row 11)', (t) => {
	const root = copyTree(t, 'nvidia-grid');
	const gpu = (addr: string, extra: Record<string, string>) => {
		const dev = `sys/devices/pci0000:af/${addr}`;
		for (const [file, value] of Object.entries({vendor: '0x10de', class: '0x030200', ...extra})) write(root, `${dev}/${file}`, `${value}\n`);
		mkdirSync(path.join(root, 'sys/bus/pci/drivers/nvidia'), {recursive: true});
		symlinkSync(path.relative(path.join(root, dev), path.join(root, 'sys/bus/pci/drivers/nvidia')), path.join(root, dev, 'driver'));
		symlinkSync(path.relative(path.join(root, 'sys/bus/pci/devices'), path.join(root, dev)), path.join(root, 'sys/bus/pci/devices', addr));
	};
	gpu('0000:af:00.0', {});
	gpu('0000:b0:00.0', {sriov_totalvfs: '16'});
	gpu('0000:b0:00.4', {'nvidia/creatable_vgpu_types': 'ID    : vGPU Name\n'});
	const run = doctor(root);
	const plain = byId(run, 'nvidia-gpu:0000:af:00.0');
	t.is(plain.verdict, 'warn');
	t.regex(plain.seen, /plain driver/);
	t.is(plain.fieldNote, 2);
	for (const addr of ['0000:b0:00.0', '0000:b0:00.4']) {
		const c = byId(run, `nvidia-gpu:${addr}`);
		t.is(c.verdict, 'ok', addr);
		t.regex(c.seen, /SR-IOV vGPU device/);
		t.is(c.fieldNote, 11);
	}
	// The GPU that is a parent gets no such check.
	t.false(ids(run).includes(`nvidia-gpu:${NV_GPU}`));
});

// ---- intel-gvtg ----

test('intel-gvtg: i915.enable_gvt=1 on the command line and kvmgt loaded pass', (t) => {
	const run = fixture('intel-gvtg');
	t.is(byId(run, 'gvtg-enable_gvt').verdict, 'ok');
	t.regex(byId(run, 'gvtg-enable_gvt').seen, /i915\.enable_gvt=1/);
	t.is(byId(run, 'gvtg-kvmgt').verdict, 'ok');
	t.is(doctorExitCode(run.checks), 0);
	t.false(ids(run).some((id) => id.startsWith('nvidia')));
});

test('intel-gvtg without enable_gvt on the command line fails with the fix', (t) => {
	const root = copyTree(t, 'intel-gvtg');
	write(root, 'proc/cmdline', 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-27-amd64 root=/dev/sda1 ro intel_iommu=on\n');
	const run = doctor(root);
	const c = byId(run, 'gvtg-enable_gvt');
	t.is(c.verdict, 'fail');
	t.regex(c.seen, /no i915\.enable_gvt=1/);
	t.regex(c.fix!, /add i915\.enable_gvt=1 to the kernel command line/);
	t.is(doctorExitCode(run.checks), 1);

	// Set through module options instead (the parameter reads Y): that is enabled too.
	write(root, 'sys/module/i915/parameters/enable_gvt', 'Y\n');
	t.is(byId(doctor(root), 'gvtg-enable_gvt').verdict, 'ok');
	// Explicitly off on the command line.
	write(root, 'proc/cmdline', 'ro i915.enable_gvt=0\n');
	t.is(byId(doctor(root), 'gvtg-enable_gvt').verdict, 'fail');
});

test('intel-gvtg without kvmgt fails with modprobe kvmgt', (t) => {
	const root = copyTree(t, 'intel-gvtg');
	rmSync(path.join(root, 'sys/module/kvmgt'), {recursive: true});
	const c = byId(doctor(root), 'gvtg-kvmgt');
	t.is(c.verdict, 'fail');
	t.regex(c.fix!, /^modprobe kvmgt/);
});

test('intel-gvtg: a full GVT-g type names the instance holding the aperture', (t) => {
	const root = copyTree(t, 'intel-gvtg');
	write(root, 'sys/devices/pci0000:00/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_8/available_instances', '0\n');
	const c = byId(doctor(root), 'type-available:0000:00:02.0/i915-GVTg_V5_8');
	t.is(c.verdict, 'warn');
	t.regex(c.seen, /aperture/);
	t.regex(c.seen, new RegExp(`i915-GVTg_V5_4: ${GVT_UUID}`));
	t.deepEqual(c.instances, [GVT_UUID]);
	t.true(c.quirks!.includes('gvtg-aperture'));
});

// ---- s390, broken trees ----

test('s390: the vfio_ccw type is full because its one instance exists; a defined matrix device is not started', (t) => {
	const run = fixture('s390');
	const c = byId(run, 'type-available:0.0.0313/vfio_ccw-io');
	t.is(c.verdict, 'warn');
	t.regex(c.seen, /1 instance of vfio_ccw-io already exists here \(6dfd3ec5-e8b3-4e18-a6fe-57bc9eceb920\)/);
	t.deepEqual(c.instances, ['6dfd3ec5-e8b3-4e18-a6fe-57bc9eceb920']);
	t.deepEqual(byId(run, 'defined-not-active').instances, ['54f5b7a3-6a17-4f62-9e7b-1a4e6d0c9b28']);
	t.is(byId(run, 'iommu').verdict, 'ok');
});

test('broken-links: unreadable parents and read errors are reported, not thrown', (t) => {
	const run = fixture('broken-links');
	const ghost = byId(run, 'parent-types:ghost');
	t.is(ghost.verdict, 'warn');
	t.regex(ghost.seen, /could not be read: The link \/sys\/class\/mdev_bus\/ghost points to/);
	const errors = byId(run, 'read-errors');
	t.is(errors.verdict, 'warn');
	t.is(errors.fieldNote, 4);
	// An empty iommu_groups directory: no group yet, the fix says how to enable the IOMMU.
	t.is(byId(run, 'iommu').verdict, 'warn');
	t.regex(byId(run, 'iommu').fix!, /intel_iommu=on/);
});

// ---- live semantics, device nodes ----

test('on a live host a plain file where /dev/vfio/vfio belongs fails, and so does a link to the host\'s /dev/null (not followed out of the tree)', (t) => {
	const live = {kind: 'live', label: null, recordedAt: null} as const;
	const root = copyTree(t, 'debian-6.1');
	write(root, 'dev/vfio/vfio', '');
	const file = byId(doctor(root, {source: live}), 'dev-vfio-container');
	t.is(file.verdict, 'fail');
	t.regex(file.seen, /is a file, not a character device/);

	// A link to the host's /dev/null leads nowhere: in a tree it is followed under the tree, never
	// to this machine's /dev (issue 14), so the node is missing.
	rmSync(path.join(root, 'dev/vfio/vfio'));
	symlinkSync('/dev/null', path.join(root, 'dev/vfio/vfio'));
	const linked = byId(doctor(root, {source: live}), 'dev-vfio-container');
	t.is(linked.verdict, 'fail');
	t.regex(linked.seen, /^\/dev\/vfio\/vfio is missing/);
});

// mknod needs root; without it this is shown as skipped, never passed.
(process.getuid?.() === 0 ? test : test.skip)('a char device with the wrong numbers where /dev/vfio/vfio belongs warns (as root: mknod)', (t) => {
	const live = {kind: 'live', label: null, recordedAt: null} as const;
	const root = copyTree(t, 'debian-6.1');
	// /dev/null's numbers (1:3), 0666: stat sees the node; nothing opens it.
	mkdirSync(path.join(root, 'dev/vfio'), {recursive: true});
	t.is(spawnSync('mknod', ['-m', '666', path.join(root, 'dev/vfio/vfio'), 'c', '1', '3']).status, 0);
	const run = doctor(root, {source: live});
	const chr = byId(run, 'dev-vfio-container');
	t.is(chr.verdict, 'warn');
	t.regex(chr.seen, /\/dev\/vfio\/vfio crw-rw-rw- uid 0 gid 0 1, 3/);
	t.regex(chr.seen, /device 1, 3 is not 10, 196/);
	// The instances' group nodes are missing on this "live" host.
	const groups = byId(run, 'dev-vfio-groups');
	t.is(groups.verdict, 'fail');
	t.regex(groups.seen, /missing: \/dev\/vfio\/0 \(instances 11111111-1111-1111-1111-111111111111\)/);
});

// ---- output ----

test('formatDoctor: one line per check, the fix below, ASCII only: escape sequences dropped whole, a newline as "; "', (t) => {
	for (const name of ['debian-6.12', 'empty', 'nvidia-grid', 'intel-gvtg', 's390', 'broken-garbage', 'broken-unreadable']) {
		const lines = formatDoctor(fixture(name).checks);
		for (const line of lines) t.regex(line, /^[\x20-\x7e]*$/, `${name}: ${line}`);
	}
	const lines = formatDoctor([
		{id: 'x', title: 'odd \x1b[31mtitle', verdict: 'warn', seen: 'tab\there, é, bell\x07', fix: 'do\nthis', fieldNote: null},
		{id: 'y', title: 'fine', verdict: 'ok', seen: 'all good', fix: null, fieldNote: null},
	]);
	t.deepEqual(lines, [
		'mdevscope doctor: 1 ok, 1 warn, 0 fail',
		// (asciiSafe, before issue 16, kept the `[31m` of an escape sequence after dropping its ESC)
		'[WARN] odd title: tab here, ?, bell',
		'       fix: do; this',
		'[ OK ] fine: all good',
	]);
});

test('doctorReport: the JSON shape carries its schema version, the summary, the exit code and every check', (t) => {
	const run = fixture('empty');
	const report = JSON.parse(JSON.stringify(doctorReport(run.checks)));
	t.deepEqual(Object.keys(report), ['schemaVersion', 'summary', 'exitCode', 'checks']);
	t.is(report.schemaVersion, 1);
	// The warnings: the root check (not known for a tree) and one more.
	t.deepEqual(report.summary, {ok: 0, warn: 2, fail: 6});
	t.is(report.exitCode, 1);
	t.deepEqual(report.checks, JSON.parse(JSON.stringify(run.checks)));
	t.is(doctorReport(fixture('debian-6.12').checks).exitCode, 0);
});

// ---- NVIDIA SR-IOV vGPU hosts (vGPUs as VFs; user problem #11 in docs/doctor.md) ----

const SRIOV_GPU = '0000:41:00.0';
const SRIOV_OFF = '0000:81:00.0';
const SRIOV_FULL = '0000:c1:00.0';

test('nvidia-sriov: the SR-IOV-off GPU fails with sriov-manage -e; mdev is not needed; no mdev checks on the GPUs or their VFs', (t) => {
	const run = fixture('nvidia-sriov');
	const off = byId(run, `sriov-vfs:${SRIOV_OFF}`);
	t.is(off.verdict, 'fail');
	t.regex(off.seen, /SR-IOV is off on 0000:81:00\.0 .*sriov_numvfs is 0 of sriov_totalvfs 16/);
	t.is(off.fix, `/usr/lib/nvidia/sriov-manage -e ${SRIOV_OFF} (as root, from NVIDIA's vGPU host driver; again after every boot, e.g. from a systemd unit before the VMs start)`);
	t.is(off.fieldNote, 11);
	t.is(off.parent, SRIOV_OFF);
	for (const pf of [SRIOV_GPU, SRIOV_FULL]) {
		const c = byId(run, `sriov-vfs:${pf}`);
		t.is(c.verdict, 'ok', pf);
		t.regex(c.seen, /16 of 16 VFs enabled/);
	}
	t.regex(byId(run, `sriov-vfs:${SRIOV_FULL}`).seen, /7 with a vGPU/);
	for (const id of ['module-mdev', 'mdev-parents', 'nvidia-vgpu-mgr', 'iommu']) t.is(byId(run, id).verdict, 'ok', id);
	t.regex(byId(run, 'mdev-parents').seen, /none is needed here: 3 NVIDIA SR-IOV GPUs/);
	// The mdev-side checks do not apply: no nvidia_vgpu_vfio, no mdev_supported_types, no per-VF "GPU without mdev".
	t.false(ids(run).some((id) => id === 'module-nvidia_vgpu_vfio' || id.startsWith('parent-types:') || id.startsWith('type-available:') || id.startsWith('nvidia-gpu:')));
	t.is(doctorExitCode(run.checks), 1);
});

test('nvidia-sriov: free VFs that offer only the size in use explain heterogeneous mode; a GPU whose free VFs offer nothing is full', (t) => {
	const run = fixture('nvidia-sriov');
	const mixed = byId(run, `sriov-types:${SRIOV_GPU}`);
	t.is(mixed.verdict, 'warn');
	t.is(mixed.title, `mixed vGPU sizes on ${SRIOV_GPU}`);
	t.regex(mixed.seen, /carries 1155 \(NVIDIA L40S-8Q\) on 0000:41:00\.4, 0000:41:00\.5, 0000:41:00\.6; its 13 free VFs offer only 1155 \(NVIDIA L40S-8Q\) on 13 VFs, 1156 \(NVIDIA L40S-8C\) on 13 VFs/);
	t.regex(mixed.seen, /sysfs does not say which mode is on/);
	t.regex(mixed.fix!, /sriov-manage -e 0000:41:00\.0, then nvidia-smi vgpu -i 00000000:41:00\.0 -shm 1/);
	t.deepEqual(mixed.instances, ['0000:41:00.4', '0000:41:00.5', '0000:41:00.6']);

	const full = byId(run, `sriov-types:${SRIOV_FULL}`);
	t.is(full.verdict, 'warn');
	t.regex(full.seen, /the 9 free VFs of 0000:c1:00\.0 list no type .*1414 on 0000:c1:00\.4, .*0000:c1:01\.2\)/);
	t.regex(full.fix!, /echo 0 > \/sys\/bus\/pci\/devices\/<VF>\/nvidia\/current_vgpu_type/);
	t.is(full.instances?.length, 7);
	t.false(ids(run).includes(`sriov-types:${SRIOV_OFF}`));
});

test('nvidia-sriov: a stopped vGPU manager fails, and a GPU with no vGPU and nothing creatable blames it', (t) => {
	const root = copyTree(t, 'nvidia-sriov');
	rmSync(path.join(root, 'proc/2202'), {recursive: true});
	// Nothing on the H200 any more, and nothing its VFs could take.
	for (let i = 0; i < 7; i++) {
		const vf = `0000:c1:0${(4 + i) >> 3}.${(4 + i) & 7}`;
		write(root, `sys/bus/pci/devices/${vf}/nvidia/current_vgpu_type`, '0\n');
	}
	const run = doctor(root);
	const mgr = byId(run, 'nvidia-vgpu-mgr');
	t.is(mgr.verdict, 'fail');
	t.regex(mgr.seen, /no nvidia-vgpu-mgr among 2 processes/);
	t.regex(mgr.fix!, /systemctl enable --now nvidia-vgpu-mgr/);
	const c = byId(run, `sriov-types:${SRIOV_FULL}`);
	t.is(c.verdict, 'fail');
	t.regex(c.seen, /none of the 16 VFs of 0000:c1:00\.0 carries a vGPU, and none lists a type .*no nvidia-vgpu-mgr/);
	t.is(c.fix, 'systemctl enable --now nvidia-vgpu-mgr');
	t.is(c.fieldNote, 6);
});

test('mixed-gvtg-sriov: mdev parents and SR-IOV GPUs are both counted; the mdev module is needed again', (t) => {
	const run = fixture('mixed-gvtg-sriov');
	const parents = byId(run, 'mdev-parents');
	t.is(parents.verdict, 'ok');
	t.regex(parents.seen, /1 parent in \/sys\/class\/mdev_bus: 0000:00:02\.0 \(i915, 1 type\); also 1 NVIDIA SR-IOV GPU with vGPUs as VFs, not mdevs \(0000:41:00\.0\)/);
	t.regex(byId(run, 'module-mdev').seen, /present/);
	t.is(byId(run, `sriov-vfs:${SRIOV_GPU}`).verdict, 'ok');
	t.is(byId(run, 'gvtg-enable_gvt').verdict, 'ok');
});
