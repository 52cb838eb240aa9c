#!/usr/bin/env node
// Regenerates test/fixtures/trees/ from nothing: the two sysfs trees captured from real Debian
// kernels (unpacked with links as they are), and hand-written trees that follow the kernel's
// documented layout (Documentation/driver-api/vfio-mediated-device.rst,
// Documentation/ABI/testing/sysfs-bus-vfio-mdev) for hosts we cannot capture here: an NVIDIA GRID
// GPU, Intel GVT-g, s390 vfio_ccw/vfio_ap, NVIDIA SR-IOV vGPU GPUs (vGPUs as VFs, no mdev), a host
// with nothing set up, and broken trees.
// Git cannot keep empty directories, symlinks to nowhere or mode 000 files, so they live here.
// Plain Node, no dependencies; safe to run any number of times.
import {execFileSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const trees = path.join(project, 'test', 'fixtures', 'trees');
const captured = path.join(project, 'test', 'fixtures', 'captured');

class Tree {
	constructor(name) {
		this.root = path.join(trees, name);
		mkdirSync(this.root, {recursive: true});
	}

	abs(rel) {
		return path.join(this.root, rel);
	}

	dir(rel) {
		mkdirSync(this.abs(rel), {recursive: true});
	}

	/** A file with exactly these bytes. */
	file(rel, content = '') {
		mkdirSync(path.dirname(this.abs(rel)), {recursive: true});
		writeFileSync(this.abs(rel), content);
	}

	/** A sysfs attribute: the kernel ends what it prints with a newline. */
	attr(rel, value) {
		this.file(rel, `${value}\n`);
	}

	/** A relative link, as sysfs makes them, from `rel` to `targetRel` (both under the root). */
	link(rel, targetRel) {
		const from = this.abs(rel);
		mkdirSync(path.dirname(from), {recursive: true});
		symlinkSync(path.relative(path.dirname(from), this.abs(targetRel)), from);
	}

	/** A link with a target taken literally (loops, odd targets). */
	rawLink(rel, target) {
		mkdirSync(path.dirname(this.abs(rel)), {recursive: true});
		symlinkSync(target, this.abs(rel));
	}
}

// ---- building blocks in the kernel's layout -----------------------------------------------------

function host(t, {release, hostname, cmdline, version}) {
	if (release) t.attr('proc/sys/kernel/osrelease', release);
	if (hostname) t.attr('proc/sys/kernel/hostname', hostname);
	if (version) t.attr('proc/version', version);
	if (cmdline) t.attr('proc/cmdline', cmdline);
}

function modules(t, names) {
	for (const name of names) t.attr(`sys/module/${name}/initstate`, 'live');
}

/** An IOMMU group; mdev groups are the emulated ones vfio creates (named `vfio-noiommu`, as captured). */
function iommuGroup(t, number, {emulated = true} = {}) {
	const dir = `sys/kernel/iommu_groups/${number}`;
	t.dir(`${dir}/devices`);
	if (emulated) {
		t.attr(`${dir}/name`, 'vfio-noiommu');
		t.attr(`${dir}/type`, 'unknown');
	} else {
		t.attr(`${dir}/type`, 'DMA');
	}
	t.file(`${dir}/reserved_regions`);
	t.file(`dev/vfio/${number}`); // stands for the character device /dev/vfio/<group>
}

/**
 * A device registered as an mdev parent: its directory, `subsystem` and `driver` links, the
 * `sys/class/mdev_bus/<name>` link, and `mdev_supported_types/<id>/` per type. A type field left
 * undefined is not written (a missing file); `create` is write-only, so it is empty here.
 */
function parent(t, {name, dev, subsystem, driver, attrs = {}, types = []}) {
	t.dir(dev);
	for (const [file, value] of Object.entries(attrs)) t.attr(`${dev}/${file}`, value);
	t.file(`${dev}/uevent`, driver ? `DRIVER=${path.basename(driver)}\n` : '');
	if (subsystem) t.link(`${dev}/subsystem`, subsystem);
	if (driver) {
		t.link(`${dev}/driver`, driver);
		t.link(`${driver}/${name}`, dev);
	}
	t.link(`sys/class/mdev_bus/${name}`, dev);
	for (const type of types) {
		const dir = `${dev}/mdev_supported_types/${type.id}`;
		t.dir(`${dir}/devices`);
		t.file(`${dir}/create`);
		for (const [file, value] of [
			['name', type.name],
			['description', type.description],
			['device_api', type.deviceApi],
			['available_instances', type.available],
		]) {
			if (value !== undefined) t.attr(`${dir}/${file}`, value);
		}
	}
}

/** An active mdev: its directory in the parent's, and every link the kernel makes to and from it. */
function instance(t, {uuid, dev, type, group, driver, vfioDev}) {
	const dir = `${dev}/${uuid}`;
	t.dir(`${dir}/power`);
	t.file(`${dir}/remove`);
	t.file(`${dir}/uevent`, driver ? `DRIVER=${driver}\n` : '');
	t.link(`${dir}/subsystem`, 'sys/bus/mdev');
	if (type) {
		t.link(`${dir}/mdev_type`, `${dev}/mdev_supported_types/${type}`);
		t.link(`${dev}/mdev_supported_types/${type}/devices/${uuid}`, dir);
	}
	if (group !== undefined) {
		t.link(`${dir}/iommu_group`, `sys/kernel/iommu_groups/${group}`);
		t.link(`sys/kernel/iommu_groups/${group}/devices/${uuid}`, dir);
	}
	if (driver) {
		t.link(`${dir}/driver`, `sys/bus/mdev/drivers/${driver}`);
		t.link(`sys/bus/mdev/drivers/${driver}/${uuid}`, dir);
	}
	if (vfioDev) {
		t.file(`${dir}/vfio-dev/${vfioDev}/uevent`);
		t.link(`${dir}/vfio-dev/${vfioDev}/device`, dir);
		t.link(`${dir}/vfio-dev/${vfioDev}/subsystem`, 'sys/class/vfio-dev');
	}
	t.link(`sys/bus/mdev/devices/${uuid}`, dir);
}

/** mdevctl's store, formatted the way mdevctl writes it. */
function definition(t, parentName, uuid, {type, start, attrs = []}) {
	t.file(`etc/mdevctl.d/${parentName}/${uuid}`, `${JSON.stringify({mdev_type: type, start, attrs}, null, 2)}\n`);
}

function mdevBus(t) {
	t.dir('sys/class/mdev_bus');
	t.dir('sys/bus/mdev/devices');
	t.attr('sys/bus/mdev/drivers_autoprobe', 1);
	t.dir('dev/vfio');
	t.file('dev/vfio/vfio'); // stands for the character device /dev/vfio/vfio
}

// ---- the trees --------------------------------------------------------------------------------

function captures() {
	for (const series of ['6.1', '6.12']) {
		const dest = path.join(trees, `debian-${series}`);
		mkdirSync(dest, {recursive: true});
		execFileSync('tar', ['xzf', path.join(captured, `sysfs-debian-${series}-mdev-samples.tar.gz`), '-C', dest]);
	}
}

// NVIDIA vGPU (time-sliced, pre-SR-IOV) on a Tesla T4: type ids, names and descriptions as the
// vGPU manager publishes them for this board. Time-sliced vGPUs on one GPU must all be of one type,
// so with two T4-2Q instances only nvidia-231 has room left (6 of 8); every other type shows 0.
function nvidiaGrid() {
	const t = new Tree('nvidia-grid');
	host(t, {
		release: '6.8.0-49-generic',
		hostname: 'vgpu-host',
		cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.8.0-49-generic root=/dev/mapper/vg0-root ro intel_iommu=on iommu=pt',
	});
	modules(t, ['vfio', 'vfio_iommu_type1', 'mdev', 'kvm', 'nvidia', 'nvidia_vgpu_vfio']);
	mdevBus(t);
	const gpu = 'sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0';
	t.link('sys/bus/pci/devices/0000:3b:00.0', gpu);
	const nv = (heads, frl, fb, res, max) =>
		`num_heads=${heads}, frl_config=${frl}, framebuffer=${fb}M, max_resolution=${res}, max_instance=${max}`;
	parent(t, {
		name: '0000:3b:00.0',
		dev: gpu,
		subsystem: 'sys/bus/pci',
		driver: 'sys/bus/pci/drivers/nvidia',
		attrs: {
			vendor: '0x10de',
			device: '0x1eb8',
			subsystem_vendor: '0x10de',
			subsystem_device: '0x12a2',
			class: '0x030200',
			numa_node: '0',
		},
		types: [
			{id: 'nvidia-222', name: 'GRID T4-1B', description: nv(4, 45, 1024, '5120x2880', 16), deviceApi: 'vfio-pci', available: 0},
			{id: 'nvidia-223', name: 'GRID T4-2B', description: nv(4, 45, 2048, '5120x2880', 8), deviceApi: 'vfio-pci', available: 0},
			{id: 'nvidia-230', name: 'GRID T4-1Q', description: nv(4, 60, 1024, '5120x2880', 16), deviceApi: 'vfio-pci', available: 0},
			{id: 'nvidia-231', name: 'GRID T4-2Q', description: nv(4, 60, 2048, '7680x4320', 8), deviceApi: 'vfio-pci', available: 6},
			{id: 'nvidia-234', name: 'GRID T4-16Q', description: nv(4, 60, 16384, '7680x4320', 1), deviceApi: 'vfio-pci', available: 0},
		],
	});
	iommuGroup(t, 44, {emulated: false});
	t.link(`${gpu}/iommu_group`, 'sys/kernel/iommu_groups/44');
	t.link('sys/kernel/iommu_groups/44/devices/0000:3b:00.0', gpu);
	iommuGroup(t, 118);
	iommuGroup(t, 119);
	const vgpu = {dev: gpu, type: 'nvidia-231', driver: 'nvidia-vgpu-vfio'};
	instance(t, {...vgpu, uuid: '8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21', group: 118, vfioDev: 'vfio0'});
	instance(t, {...vgpu, uuid: 'c2f6e1a9-5b7d-4e3a-8f10-2d9c4b6a8e53', group: 119, vfioDev: 'vfio1'});
	definition(t, '0000:3b:00.0', '8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21', {type: 'nvidia-231', start: 'auto'});
	definition(t, '0000:3b:00.0', 'f0e1d2c3-b4a5-4968-8776-655443322110', {type: 'nvidia-231', start: 'auto'});
	t.dir('etc/mdevctl.d/scripts.d/callouts');
	// The VM that holds 8d4b…'s group, as libvirt starts QEMU (a long name: the list shortens it in
	// the middle, the detail has it whole); c2f6… is free.
	t.attr('proc/1/comm', 'systemd');
	t.file('proc/1/cmdline', '/sbin/init\0');
	// The vGPU manager that runs wherever an NVIDIA vGPU VM does (the doctor looks for it).
	t.attr('proc/2121/comm', 'nvidia-vgpu-mgr');
	t.file('proc/2121/cmdline', '/usr/bin/nvidia-vgpu-mgr\0');
	t.attr('proc/4242/comm', 'qemu-system-x86');
	t.file(
		'proc/4242/cmdline',
		['/usr/bin/qemu-system-x86_64', '-name', 'guest=win10-vdi-finance-042,debug-threads=on', '-uuid', 'c0ffee00-0000-4000-8000-000000000042', '-device', 'vfio-pci,sysfsdev=/sys/bus/mdev/devices/8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21'].join('\0') + '\0',
	);
	t.rawLink('proc/4242/fd/21', '/dev/vfio/vfio');
	t.rawLink('proc/4242/fd/22', '/dev/vfio/118');
	// A few lines of pci.ids, in its format, so names resolve in this tree (and only in this one).
	t.file(
		'usr/share/misc/pci.ids',
		[
			'#',
			'#\tList of PCI ID\'s (excerpt for a test tree)',
			'#',
			'10de  NVIDIA Corporation',
			'\t1eb8  TU104GL [Tesla T4]',
			'\t1eb9  TU104GL',
			'15b3  Mellanox Technologies',
			'\t101b  MT28908 Family [ConnectX-6]',
			'',
			'# List of known device classes, subclasses and programming interfaces',
			'C 03  Display controller',
			'\t02  3D controller',
			'',
		].join('\n'),
	);
}

// Two Tesla T4s and mdevctl definitions of one uuid under both GPUs, as mdevctl allows (its own
// tests define one uuid under two parents; only one of them can be active at a time): the VM's vGPU
// may be started on either board. `5f3e…` is defined on both and active on the first; `9a1c…` is
// defined on both and active on neither; `0b7d…` is active on the second, with no definition.
const TWO_GPUS = {
	shared: '5f3e9c2a-1b4d-4e6f-8a7b-9c0d1e2f3a4b',
	idle: '9a1c3e5f-7b9d-4f1a-8c3e-5a7b9c1d3e5f',
	other: '0b7d9f1a-3c5e-4a7b-9d1f-3a5c7e9b1d3f',
};
function twoGpus() {
	const t = new Tree('two-gpus');
	host(t, {release: '6.8.0-49-generic', hostname: 'vgpu-pair', cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.8.0-49-generic ro intel_iommu=on iommu=pt'});
	modules(t, ['vfio', 'vfio_iommu_type1', 'mdev', 'nvidia', 'nvidia_vgpu_vfio']);
	mdevBus(t);
	const gpus = [
		{name: '0000:3b:00.0', dev: 'sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0', group: 44},
		{name: '0000:5e:00.0', dev: 'sys/devices/pci0000:5d/0000:5d:00.0/0000:5e:00.0', group: 45},
	];
	for (const gpu of gpus) {
		t.link(`sys/bus/pci/devices/${gpu.name}`, gpu.dev);
		parent(t, {
			name: gpu.name,
			dev: gpu.dev,
			subsystem: 'sys/bus/pci',
			driver: 'sys/bus/pci/drivers/nvidia',
			attrs: {vendor: '0x10de', device: '0x1eb8', subsystem_vendor: '0x10de', subsystem_device: '0x12a2', class: '0x030200', numa_node: '0'},
			// One active instance on each board, so 7 of 8 are left on each.
			types: [{id: 'nvidia-231', name: 'GRID T4-2Q', description: 'num_heads=4, frl_config=60, framebuffer=2048M, max_resolution=7680x4320, max_instance=8', deviceApi: 'vfio-pci', available: 7}],
		});
		iommuGroup(t, gpu.group, {emulated: false});
		t.link(`${gpu.dev}/iommu_group`, `sys/kernel/iommu_groups/${gpu.group}`);
		t.link(`sys/kernel/iommu_groups/${gpu.group}/devices/${gpu.name}`, gpu.dev);
	}
	iommuGroup(t, 120);
	iommuGroup(t, 121);
	const vgpu = {type: 'nvidia-231', driver: 'nvidia-vgpu-vfio'};
	instance(t, {...vgpu, dev: gpus[0].dev, uuid: TWO_GPUS.shared, group: 120, vfioDev: 'vfio0'});
	instance(t, {...vgpu, dev: gpus[1].dev, uuid: TWO_GPUS.other, group: 121, vfioDev: 'vfio1'});
	for (const gpu of gpus) {
		definition(t, gpu.name, TWO_GPUS.shared, {type: 'nvidia-231', start: gpu === gpus[0] ? 'auto' : 'manual'});
		definition(t, gpu.name, TWO_GPUS.idle, {type: 'nvidia-231', start: 'manual'});
	}
}

// Intel GVT-g on a Coffee Lake iGPU (i915 with enable_gvt=1 and kvmgt). Type names and
// descriptions in the shape kvmgt prints them (drivers/gpu/drm/i915/gvt/kvmgt.c, vgpu.c).
function intelGvtg() {
	const t = new Tree('intel-gvtg');
	host(t, {
		release: '6.1.0-27-amd64',
		hostname: 'gvt-host',
		cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-27-amd64 root=/dev/sda1 ro intel_iommu=on i915.enable_gvt=1',
	});
	modules(t, ['vfio', 'vfio_iommu_type1', 'mdev', 'kvm', 'kvmgt', 'i915']);
	mdevBus(t);
	const igd = 'sys/devices/pci0000:00/0000:00:02.0';
	t.link('sys/bus/pci/devices/0000:00:02.0', igd);
	const gvt = (low, high, fence, res, weight) =>
		`low_gm_size: ${low}MB\nhigh_gm_size: ${high}MB\nfence: ${fence}\nresolution: ${res}\nweight: ${weight}`;
	parent(t, {
		name: '0000:00:02.0',
		dev: igd,
		subsystem: 'sys/bus/pci',
		driver: 'sys/bus/pci/drivers/i915',
		attrs: {
			vendor: '0x8086',
			device: '0x3e92',
			subsystem_vendor: '0x1043',
			subsystem_device: '0x8694',
			class: '0x030000',
			numa_node: '-1',
		},
		types: [
			{id: 'i915-GVTg_V5_4', name: 'GVTg_V5_4', description: gvt(128, 512, 4, '1920x1200', 4), deviceApi: 'vfio-pci', available: 1},
			{id: 'i915-GVTg_V5_8', name: 'GVTg_V5_8', description: gvt(64, 384, 4, '1024x768', 2), deviceApi: 'vfio-pci', available: 3},
		],
	});
	iommuGroup(t, 0, {emulated: false});
	t.link(`${igd}/iommu_group`, 'sys/kernel/iommu_groups/0');
	t.link('sys/kernel/iommu_groups/0/devices/0000:00:02.0', igd);
	iommuGroup(t, 1);
	instance(t, {uuid: '4e8d2c1a-9b3f-4a6e-b5d7-0c2e4f6a8b1d', dev: igd, type: 'i915-GVTg_V5_4', group: 1, driver: 'intel_vgpu_mdev', vfioDev: 'vfio0'});
	definition(t, '0000:00:02.0', '4e8d2c1a-9b3f-4a6e-b5d7-0c2e4f6a8b1d', {type: 'i915-GVTg_V5_4', start: 'manual'});
}

// s390: a vfio_ccw I/O subchannel (parent: the subchannel on the css bus; one `io` type, at most
// one instance) and the vfio_ap `matrix` device (bus `matrix`, driver vfio_ap; up to 256x256
// instances). Names and device_api values as drivers/s390/cio/vfio_ccw_drv.c and
// drivers/s390/crypto/vfio_ap_ops.c register them; neither has a description.
function s390() {
	const t = new Tree('s390');
	host(t, {release: '6.1.0-27-s390x', hostname: 's390-host', cmdline: 'root=/dev/dasda1 ro'});
	modules(t, ['vfio', 'vfio_iommu_type1', 'mdev', 'vfio_ccw', 'vfio_ap']);
	mdevBus(t);
	const sch = 'sys/devices/css0/0.0.0313';
	t.link('sys/bus/css/devices/0.0.0313', sch);
	parent(t, {
		name: '0.0.0313',
		dev: sch,
		subsystem: 'sys/bus/css',
		driver: 'sys/bus/css/drivers/vfio_ccw',
		types: [{id: 'vfio_ccw-io', name: 'I/O subchannel (Non-QDIO)', deviceApi: 'vfio-ccw', available: 0}],
	});
	const matrix = 'sys/devices/vfio_ap/matrix';
	t.link('sys/bus/matrix/devices/matrix', matrix);
	parent(t, {
		name: 'matrix',
		dev: matrix,
		subsystem: 'sys/bus/matrix',
		driver: 'sys/bus/matrix/drivers/vfio_ap',
		types: [{id: 'vfio_ap-passthrough', name: 'VFIO AP Passthrough Device', deviceApi: 'vfio-ap', available: 65535}],
	});
	iommuGroup(t, 0);
	iommuGroup(t, 1);
	instance(t, {uuid: '6dfd3ec5-e8b3-4e18-a6fe-57bc9eceb920', dev: sch, type: 'vfio_ccw-io', group: 0, driver: 'vfio_ccw_mdev', vfioDev: 'vfio0'});
	instance(t, {uuid: '7e270a25-e163-4922-af60-757fc8ed48c6', dev: matrix, type: 'vfio_ap-passthrough', group: 1, driver: 'vfio_ap_mdev', vfioDev: 'vfio1'});
	definition(t, 'matrix', '7e270a25-e163-4922-af60-757fc8ed48c6', {
		type: 'vfio_ap-passthrough',
		start: 'auto',
		attrs: [{assign_adapter: '5'}, {assign_domain: '0x47'}, {assign_control_domain: '0x47'}],
	});
	definition(t, 'matrix', '54f5b7a3-6a17-4f62-9e7b-1a4e6d0c9b28', {
		type: 'vfio_ap-passthrough',
		start: 'manual',
		attrs: [{assign_adapter: '6'}, {assign_domain: '0x48'}],
	});
}

// A host where nothing is set up: no mdev_bus, no vfio modules, no /dev/vfio, no IOMMU groups;
// the kernel release only in proc/version.
function empty() {
	const t = new Tree('empty');
	host(t, {
		version:
			'Linux version 6.1.0-27-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)',
		cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-27-amd64 root=/dev/sda1 ro quiet',
	});
	t.attr('etc/hostname', 'plain-host');
	modules(t, ['kvm', 'kvm_intel']);
	t.dir('sys/class/net');
	t.dir('sys/bus/pci/devices');
	t.dir('sys/kernel');
	t.dir('dev');
}

/** The start of a sample-driver host (mtty), shared by the broken trees. */
function brokenBase(name) {
	const t = new Tree(name);
	host(t, {release: '6.12.117+deb12-amd64', cmdline: 'console=ttyS0 quiet panic=-1'});
	modules(t, ['vfio', 'vfio_iommu_type1', 'mdev', 'mtty']);
	mdevBus(t);
	return t;
}

const MTTY = 'sys/devices/virtual/mtty/mtty';
const UUID1 = '11111111-1111-1111-1111-111111111111';
const UUID2 = '22222222-2222-2222-2222-222222222222';

// Missing files: a type without name/available_instances/device_api, an instance without its
// mdev_type link, and a registered parent without mdev_supported_types.
function brokenMissing() {
	const t = brokenBase('broken-missing');
	parent(t, {
		name: 'mtty',
		dev: MTTY,
		subsystem: 'sys/class/mtty',
		types: [
			{id: 'mtty-1', name: 'Single port serial', deviceApi: 'vfio-pci', available: 23},
			{id: 'mtty-2'},
		],
	});
	parent(t, {name: 'mdpy', dev: 'sys/devices/virtual/mdpy/mdpy', subsystem: 'sys/class/mdpy'});
	iommuGroup(t, 0);
	instance(t, {uuid: UUID1, dev: MTTY, group: 0, driver: 'mtty'});
	// The type still lists it: only the instance's own link is missing.
	t.link(`${MTTY}/mdev_supported_types/mtty-1/devices/${UUID1}`, `${MTTY}/${UUID1}`);
}

// Garbage values: counts that are not numbers, negative or huge, bytes that are not text, an
// iommu_group link to a directory whose name is not a number, an instance not named by a UUID.
function brokenGarbage() {
	const t = brokenBase('broken-garbage');
	parent(t, {
		name: 'mtty',
		dev: MTTY,
		subsystem: 'sys/class/mtty',
		attrs: {numa_node: 'zero'},
		types: [
			{id: 'mtty-1', name: 'Single port serial', deviceApi: 'vfio-pci', available: 'abc'},
			{id: 'mtty-2', name: 'Dual port serial', deviceApi: 'vfio-pci', available: '-3'},
			{id: 'mtty-3', name: 'Triple port serial', deviceApi: 'vfio-pci', available: '99999999999999999999999'},
			{id: 'mtty-4', deviceApi: 'vfio-pci', available: 1},
		],
	});
	t.file(`${MTTY}/mdev_supported_types/mtty-4/name`, Buffer.from([0x51, 0x00, 0xff, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x75, 0x61, 0x64, 0x0a]));
	t.dir('sys/kernel/iommu_groups/notanumber/devices');
	iommuGroup(t, 1);
	instance(t, {uuid: UUID1, dev: MTTY, type: 'mtty-1', driver: 'mtty'});
	t.link(`${MTTY}/${UUID1}/iommu_group`, 'sys/kernel/iommu_groups/notanumber');
	instance(t, {uuid: 'not-a-uuid', dev: MTTY, type: 'mtty-1', group: 1, driver: 'mtty'});
}

// Links to nowhere: an mdev_bus entry whose device is gone, an mdev_bus entry that loops onto
// itself, an instance whose iommu_group is gone, and an instance link whose directory is gone.
function brokenLinks() {
	const t = brokenBase('broken-links');
	parent(t, {
		name: 'mtty',
		dev: MTTY,
		subsystem: 'sys/class/mtty',
		types: [{id: 'mtty-1', name: 'Single port serial', deviceApi: 'vfio-pci', available: 22}],
	});
	t.link('sys/class/mdev_bus/ghost', 'sys/devices/virtual/ghost/ghost');
	t.rawLink('sys/class/mdev_bus/loop', 'loop');
	instance(t, {uuid: UUID1, dev: MTTY, type: 'mtty-1', driver: 'mtty', vfioDev: 'vfio0'});
	t.link(`${MTTY}/${UUID1}/iommu_group`, 'sys/kernel/iommu_groups/7');
	t.dir('sys/kernel/iommu_groups');
	t.link(`sys/bus/mdev/devices/${UUID2}`, `${MTTY}/${UUID2}`);
}

// Unreadable files: a directory where an attribute should be (EISDIR), an attribute that is a
// link loop (ELOOP), a mode-000 attribute (EACCES, except for root, who reads it anyway), a file
// where a type directory should be (ENOTDIR), and an mdevctl definition that is not JSON.
function brokenUnreadable() {
	const t = brokenBase('broken-unreadable');
	parent(t, {
		name: 'mtty',
		dev: MTTY,
		subsystem: 'sys/class/mtty',
		types: [
			{id: 'mtty-1', deviceApi: 'vfio-pci', available: 22},
			{id: 'mtty-2', name: 'Dual port serial', deviceApi: 'vfio-pci', available: 11},
		],
	});
	const types = `${MTTY}/mdev_supported_types`;
	t.dir(`${types}/mtty-1/name`);
	t.rawLink(`${types}/mtty-1/description`, 'description');
	chmodSync(t.abs(`${types}/mtty-2/available_instances`), 0o000);
	t.file(`${types}/mtty-3`, 'not a directory\n');
	iommuGroup(t, 0);
	instance(t, {uuid: UUID1, dev: MTTY, type: 'mtty-1', group: 0, driver: 'mtty', vfioDev: 'vfio0'});
	t.file(`etc/mdevctl.d/mtty/${UUID1}`, '{"mdev_type": "mtty-1", "start": "auto", "attrs": [\n');
}

// Names and values with terminal escape sequences: an OSC that sets the window title
// (ESC ] 0;pwned BEL), a CSI that clears the screen (ESC [2J), colours, an 8-bit CSI (U+009B), in a
// type's name and description, a type's directory name, the hostname, a driver's name and an
// mdevctl definition. Views must draw them harmless, JSON must escape them, the scan must say so.
function hostileNames() {
	const t = brokenBase('hostile-names');
	t.attr('proc/sys/kernel/hostname', 'evil\x1b]0;pwned\x07host');
	parent(t, {
		name: 'mtty',
		dev: MTTY,
		subsystem: 'sys/class/mtty',
		types: [
			{
				id: 'mtty-1',
				name: 'GRID \x1b]0;pwned\x07T4-2Q\x1b[2J',
				description: 'red \x1b[31malert\x1b[0m, \u009b2J eight-bit CSI',
				deviceApi: 'vfio-pci',
				available: 1,
			},
			{id: 'mtty-\x1b[2J', name: 'Dual port serial', deviceApi: 'vfio-pci', available: 2},
		],
	});
	iommuGroup(t, 0);
	instance(t, {uuid: UUID1, dev: MTTY, type: 'mtty-1', group: 0, driver: 'mtty\x1b]0;pwned\x07', vfioDev: 'vfio0'});
	definition(t, 'mtty', UUID1, {type: 'mtty-1', start: 'auto', attrs: [{'\x1b[2Jkey': 'value\x07'}]});
}

// ---- NVIDIA SR-IOV vGPU (vendor-specific VFIO framework, vGPU 17+; user problem #11 in docs/doctor.md) -------------
// Hand-written from the layout NVIDIA's driver shows (public reports: NVIDIA/gpu-operator#2594,
// kubevirt/kubevirt#17642, bigstack-oss/cubecos#312, kernel/hypeman#327): the GPU (PF) bound to
// `nvidia`, `virtfnN` links to its VFs, each VF with `physfn`, its own IOMMU group, `vfio-dev/vfioN`,
// the `nvidia` driver, and `nvidia/{creatable_vgpu_types, current_vgpu_type, vgpu_params,
// warm_update}` (the driver has gpu_instance_id and placement_id too; nothing here reads them). `creatable_vgpu_types` is a table with an `ID : vGPU Name`
// header; once the GPU is full a VF prints the header alone. The type ids and VF counts are chosen
// for the tests, the names follow NVIDIA's `<board>-<framebuffer><series>` pattern; 1414 is the line
// the issue quotes. VFs that carry a vGPU print only the header here (what the driver prints on them
// is not documented; the scanner names a carried type from the free VFs' lists only).

const CREATABLE_HEADER = 'ID    : vGPU Name';

/** A PCI function: its directory, ids, `subsystem`/`driver` links, and the sys/bus/pci/devices link. */
function pciFunction(t, {bdf, dev, vendor, device, subVendor = vendor, subDevice = '0x0000', cls, driver, numa = '0', group, attrs = {}}) {
	for (const [file, value] of Object.entries({vendor, device, subsystem_vendor: subVendor, subsystem_device: subDevice, class: cls, numa_node: numa, ...attrs})) {
		t.attr(`${dev}/${file}`, value);
	}
	t.file(`${dev}/uevent`, driver ? `DRIVER=${driver}\nPCI_SLOT_NAME=${bdf}\n` : `PCI_SLOT_NAME=${bdf}\n`);
	t.link(`${dev}/subsystem`, 'sys/bus/pci');
	t.link(`sys/bus/pci/devices/${bdf}`, dev);
	if (driver) {
		t.link(`${dev}/driver`, `sys/bus/pci/drivers/${driver}`);
		t.link(`sys/bus/pci/drivers/${driver}/${bdf}`, dev);
	}
	if (group !== undefined) {
		if (!existsSync(t.abs(`sys/kernel/iommu_groups/${group}`))) iommuGroup(t, group, {emulated: false});
		t.link(`${dev}/iommu_group`, `sys/kernel/iommu_groups/${group}`);
		t.link(`sys/kernel/iommu_groups/${group}/devices/${bdf}`, dev);
	}
}

/** The `nvidia` PCI driver with its `module` link, and sys/module/nvidia with a version. */
function nvidiaDriver(t, version) {
	t.attr('sys/module/nvidia/initstate', 'live');
	t.attr('sys/module/nvidia/version', version);
	t.link('sys/bus/pci/drivers/nvidia/module', 'sys/module/nvidia');
}

/** A VF's address: the PF's bus, devfn = first + index (VF offset and stride 1, as sriov_vf_offset/stride give). */
function vfAddress(pf, first, index) {
	const devfn = first + index;
	const [domain, bus] = pf.split(':');
	return `${domain}:${bus}:${String(devfn >> 3).padStart(2, '0')}.${devfn & 7}`;
}

/**
 * An NVIDIA SR-IOV GPU: the PF (`sriov_totalvfs`, `sriov_numvfs`), and `vfs` VFs from function
 * `first` on. `vf(i)` gives VF i's `{current, creatable: [[id, name], ...]}`; VF i gets IOMMU group
 * `groupBase + i` and `vfio<vfioBase + i>`. Returns the VF addresses.
 */
function sriovGpu(t, {bdf, root, device, subDevice, numa = '0', group, totalVfs, vfs, first = 4, groupBase, vfioBase, vf}) {
	const dev = `${root}/${bdf}`;
	pciFunction(t, {bdf, dev, vendor: '0x10de', device, subDevice, cls: '0x030200', driver: 'nvidia', numa, group, attrs: {sriov_totalvfs: totalVfs, sriov_numvfs: vfs, sriov_offset: first, sriov_stride: 1}});
	const addresses = [];
	for (let i = 0; i < vfs; i++) {
		const vfBdf = vfAddress(bdf, first, i);
		const vfDev = `${root}/${vfBdf}`;
		addresses.push(vfBdf);
		pciFunction(t, {bdf: vfBdf, dev: vfDev, vendor: '0x10de', device, subDevice, cls: '0x030200', driver: 'nvidia', numa, group: groupBase + i});
		t.link(`${dev}/virtfn${i}`, vfDev);
		t.link(`${vfDev}/physfn`, dev);
		const vfio = `vfio${vfioBase + i}`;
		t.file(`${vfDev}/vfio-dev/${vfio}/uevent`);
		t.link(`${vfDev}/vfio-dev/${vfio}/device`, vfDev);
		t.link(`${vfDev}/vfio-dev/${vfio}/subsystem`, 'sys/class/vfio-dev');
		t.file(`dev/vfio/${groupBase + i}`); // stands for the group's character device
		const {current, creatable} = vf(i);
		const table = [CREATABLE_HEADER, ...creatable.map(([id, name]) => `${String(id).padEnd(6)}: ${name}`)];
		t.file(`${vfDev}/nvidia/creatable_vgpu_types`, `${table.join('\n')}\n`);
		t.attr(`${vfDev}/nvidia/current_vgpu_type`, current);
		t.file(`${vfDev}/nvidia/vgpu_params`, '\n');
		t.attr(`${vfDev}/nvidia/warm_update`, 0);
	}
	return addresses;
}

function sriovHost(t, hostname) {
	host(t, {
		release: '6.8.0-60-generic',
		hostname,
		cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.8.0-60-generic root=/dev/mapper/vg0-root ro intel_iommu=on iommu=pt',
	});
	// No mdev: the vendor-specific VFIO framework does not use it.
	modules(t, ['vfio', 'vfio_iommu_type1', 'vfio_pci_core', 'iommufd', 'kvm', 'kvm_intel']);
	nvidiaDriver(t, '580.82.07');
	t.dir('sys/class/iommu/dmar0');
	t.dir('sys/class/iommu/dmar1');
	t.dir('dev/vfio');
	t.file('dev/vfio/vfio');
	t.file('dev/kvm');
	t.attr('proc/1/comm', 'systemd');
	t.attr('proc/2202/comm', 'nvidia-vgpu-mgr');
	t.attr('proc/2210/comm', 'nvidia-vgpud');
	t.file(
		'usr/share/misc/pci.ids',
		[
			'#',
			"#\tList of PCI ID's (excerpt for a test tree)",
			'#',
			'10de  NVIDIA Corporation',
			'\t2335  GH100 [H200 SXM 141GB]',
			'\t26b9  AD102GL [L40S]',
			'8086  Intel Corporation',
			'\t1572  Ethernet Controller X710 for 10GbE SFP+',
			'\t154c  Ethernet Virtual Function 700 Series',
			'',
		].join('\n'),
	);
}

/** The L40S every SR-IOV tree has at 0000:41:00.0 (its VFs from 0000:41:00.4, IOMMU groups from 100). */
const L40S_AT_41 = {bdf: '0000:41:00.0', root: 'sys/devices/pci0000:40/0000:40:01.1', device: '0x26b9', subDevice: '0x1851', group: 40, totalVfs: 16, groupBase: 100};

const L40S_8 = [
	[1155, 'NVIDIA L40S-8Q'],
	[1156, 'NVIDIA L40S-8C'],
];

// Three GPUs: an L40S with 16 VFs, 3 of them carrying L40S-8Q, the other 13 offering the 8 GB types
// (same size as what is there: heterogeneous mode is off); an H200 whose 7 MIG slices are all used
// (7 VFs carry H200X-1-18C, the other 9 list nothing); an L40S with SR-IOV off (16 VFs possible,
// none enabled). And an Intel X710 NIC with 2 VFs: SR-IOV, but nothing to do with vGPUs.
function nvidiaSriov() {
	const t = new Tree('nvidia-sriov');
	sriovHost(t, 'sriov-host');
	sriovGpu(t, {
		...L40S_AT_41,
		vfs: 16,
		vfioBase: 0,
		vf: (i) => (i < 3 ? {current: 1155, creatable: []} : {current: 0, creatable: L40S_8}),
	});
	sriovGpu(t, {
		bdf: '0000:c1:00.0',
		root: 'sys/devices/pci0000:c0/0000:c0:01.1',
		device: '0x2335',
		subDevice: '0x18be',
		numa: '1',
		group: 60,
		totalVfs: 16,
		vfs: 16,
		groupBase: 200,
		vfioBase: 16,
		vf: (i) => (i < 7 ? {current: 1414, creatable: []} : {current: 0, creatable: []}),
	});
	pciFunction(t, {
		bdf: '0000:81:00.0',
		dev: 'sys/devices/pci0000:80/0000:80:01.1/0000:81:00.0',
		vendor: '0x10de',
		device: '0x26b9',
		subDevice: '0x1851',
		cls: '0x030200',
		driver: 'nvidia',
		numa: '1',
		group: 80,
		attrs: {sriov_totalvfs: 16, sriov_numvfs: 0, sriov_offset: 4, sriov_stride: 1},
	});
	const nic = 'sys/devices/pci0000:17/0000:17:02.0/0000:18:00.0';
	pciFunction(t, {bdf: '0000:18:00.0', dev: nic, vendor: '0x8086', device: '0x1572', subVendor: '0x8086', subDevice: '0x0000', cls: '0x020000', driver: 'i40e', group: 30, attrs: {sriov_totalvfs: 64, sriov_numvfs: 2}});
	for (const [i, vfBdf] of ['0000:18:02.0', '0000:18:02.1'].entries()) {
		const vfDev = `sys/devices/pci0000:17/0000:17:02.0/${vfBdf}`;
		pciFunction(t, {bdf: vfBdf, dev: vfDev, vendor: '0x8086', device: '0x154c', subVendor: '0x8086', cls: '0x020000', driver: 'iavf', group: 31 + i});
		t.link(`${nic}/virtfn${i}`, vfDev);
		t.link(`${vfDev}/physfn`, nic);
	}
}

// A host with both kinds: Intel GVT-g on the iGPU (mdev) and an L40S with SR-IOV vGPUs (2 VFs, one used).
function mixedSriovMdev() {
	const t = new Tree('mixed-gvtg-sriov');
	sriovHost(t, 'mixed-host');
	t.attr('proc/cmdline', 'BOOT_IMAGE=/boot/vmlinuz-6.8.0-60-generic root=/dev/mapper/vg0-root ro intel_iommu=on iommu=pt i915.enable_gvt=1');
	modules(t, ['mdev', 'kvmgt', 'i915']);
	mdevBus(t);
	const igd = 'sys/devices/pci0000:00/0000:00:02.0';
	t.link('sys/bus/pci/devices/0000:00:02.0', igd);
	parent(t, {
		name: '0000:00:02.0',
		dev: igd,
		subsystem: 'sys/bus/pci',
		driver: 'sys/bus/pci/drivers/i915',
		attrs: {vendor: '0x8086', device: '0x3e92', subsystem_vendor: '0x1043', subsystem_device: '0x8694', class: '0x030000', numa_node: '-1'},
		types: [{id: 'i915-GVTg_V5_4', name: 'GVTg_V5_4', description: 'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4', deviceApi: 'vfio-pci', available: 1}],
	});
	iommuGroup(t, 1);
	instance(t, {uuid: '4e8d2c1a-9b3f-4a6e-b5d7-0c2e4f6a8b1d', dev: igd, type: 'i915-GVTg_V5_4', group: 1, driver: 'intel_vgpu_mdev', vfioDev: 'vfio0'});
	sriovGpu(t, {
		...L40S_AT_41,
		vfs: 2,
		vfioBase: 1,
		vf: (i) => (i === 0 ? {current: 1156, creatable: []} : {current: 0, creatable: L40S_8}),
	});
}

// A broken SR-IOV GPU: a vGPU VF without an iommu_group link, a VF whose creatable_vgpu_types has a
// line that is not `<id> : <name>` and names a type differently from another VF, a VF whose
// current_vgpu_type is not a number, and a device with nvidia/creatable_vgpu_types but no physfn.
function brokenSriov() {
	const t = new Tree('broken-sriov');
	sriovHost(t, 'broken-sriov-host');
	const {root} = L40S_AT_41;
	const vfs = sriovGpu(t, {
		...L40S_AT_41,
		vfs: 4,
		vfioBase: 0,
		vf: (i) =>
			[
				{current: 1155, creatable: []},
				{current: 0, creatable: [...L40S_8, ['garbage', 'line'], [1157, 'NVIDIA L40S-8B']]},
				{current: 0, creatable: [[1156, 'NVIDIA L40S-8X']]},
				{current: 0, creatable: L40S_8},
			][i],
	});
	rmSync(t.abs(`${root}/${vfs[0]}/iommu_group`));
	t.attr(`${root}/${vfs[3]}/nvidia/current_vgpu_type`, 'none');
	const stray = `${root}/0000:41:02.0`;
	pciFunction(t, {bdf: '0000:41:02.0', dev: stray, vendor: '0x10de', device: '0x26b9', subDevice: '0x1851', cls: '0x030200', driver: 'nvidia', group: 120});
	t.file(`${stray}/nvidia/creatable_vgpu_types`, `${CREATABLE_HEADER}\n`);
}

rmSync(trees, {recursive: true, force: true});
mkdirSync(trees, {recursive: true});
captures();
nvidiaGrid();
twoGpus();
intelGvtg();
s390();
empty();
brokenMissing();
brokenGarbage();
brokenLinks();
brokenUnreadable();
nvidiaSriov();
mixedSriovMdev();
brokenSriov();
hostileNames();
