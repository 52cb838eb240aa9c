// The scanner on every fixture tree (run `npm run fixtures` first; `npm test` does), compared
// with the whole expected model. The numbers for the captured trees were read by hand from the
// trees (`cat .../available_instances`), not from the scanner.
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {expectedTree, scanTree, trees} from './helpers/trees.js';
import {blankInstance, blankParent} from '../src/model/blank.js';
import type {DriverModule, HostInfo, HostModel, Instance, ItemError, MdevType, Parent} from '../src/model/types.js';
import {makeEnv} from '../src/sysfs/env.js';
import {readInstance, readParent, scanHost} from '../src/sysfs/scan.js';
import {runModuleAsNobody} from './helpers/nobody.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.join(here, '..');
const scan = scanTree;
const expected = expectedTree;

const type = (
	id: string,
	name: string | null,
	description: string | null,
	deviceApi: string | null,
	availableInstances: number | null,
	instances: string[] = [],
	errors: ItemError[] = [],
): MdevType => ({id, name, description, deviceApi, availableInstances, instances, errors});

const virtualParent = (name: string, types: MdevType[], errors: ItemError[] = [], driverModule: DriverModule | null = null): Parent =>
	blankParent(name, {devicePath: `/sys/devices/virtual/${name}/${name}`, bus: name, driverModule, types, errors});

const active = (uuid: string, parent: string, mdevType: string | null, iommuGroup: number | null, driver: string | null, vfioDev: string | null): Instance =>
	blankInstance(uuid, {parent, mdevType, iommuGroup, driver, vfioDev});

const err = (path: string, code: string, message: string): ItemError => ({path, code, message});

/** A module found by name only (the hand-written trees have sys/module/<name> but no `module` links). */
const moduleByName = (name: string): DriverModule => ({name, version: null, srcversion: null, via: 'name'});

const U1 = '11111111-1111-1111-1111-111111111111';
const U2 = '22222222-2222-2222-2222-222222222222';
const U3 = '33333333-3333-3333-3333-333333333333';

// ---- the trees captured from real Debian kernels -----------------------------------------------

function samplesHost(kernelRelease: string): HostInfo {
	return {
		kernelRelease,
		hostname: null,
		modules: {vfio: true, vfio_iommu_type1: true, mdev: true},
		vfioContainer: false,
		iommuGroups: 3,
		mdevBus: true,
		cmdline: 'console=ttyS0 quiet panic=-1',
	};
}

// Both captures hold the same devices; only the kernel differs, and with it mtty's build (srcversion).
// The modules come from the mdev drivers' `module` links (sys/bus/mdev/drivers/<name>/module): the
// parents are class devices without a driver. Only mtty declares a MODULE_VERSION.
const fromMdevDriver = (name: string, version: string | null = null, srcversion: string | null = null): DriverModule => ({
	name,
	version,
	srcversion,
	via: 'mdev-driver-link',
});
const samplesParents = (mttySrcversion: string): Parent[] => [
	virtualParent('mbochs', [
		type('mbochs-large', 'mbochs-large', 'virtual display, 64 MB video memory', 'vfio-pci', 3, [U3]),
		type('mbochs-medium', 'mbochs-medium', 'virtual display, 16 MB video memory', 'vfio-pci', 12),
		type('mbochs-small', 'mbochs-small', 'virtual display, 4 MB video memory', 'vfio-pci', 48),
	], [], fromMdevDriver('mbochs')),
	virtualParent('mdpy', [
		type('mdpy-hd', 'mdpy-hd', 'virtual display, 1920x1080 framebuffer', 'vfio-pci', 3, [U2]),
		type('mdpy-vga', 'mdpy-vga', 'virtual display, 640x480 framebuffer', 'vfio-pci', 3),
		type('mdpy-xga', 'mdpy-xga', 'virtual display, 1024x768 framebuffer', 'vfio-pci', 3),
	], [], fromMdevDriver('mdpy')),
	// mtty's types have no description file on these kernels: null, and no error.
	virtualParent('mtty', [
		type('mtty-1', 'Single port serial', null, 'vfio-pci', 23, [U1]),
		type('mtty-2', 'Dual port serial', null, 'vfio-pci', 11),
	], [], fromMdevDriver('mtty', '0.1', mttySrcversion)),
];

const samplesInstances: Instance[] = [
	active(U1, 'mtty', 'mtty-1', 0, 'mtty', 'vfio0'),
	active(U2, 'mdpy', 'mdpy-hd', 1, 'mdpy', 'vfio1'),
	active(U3, 'mbochs', 'mbochs-large', 2, 'mbochs', 'vfio2'),
];

test('captured Debian 6.12 tree: 3 parents, 8 types with their real counts, 3 instances', (t) => {
	const m = scan('debian-6.12');
	t.deepEqual(
		m,
		expected('debian-6.12', m, {
			host: samplesHost('6.12.117+deb12-amd64'),
			parents: samplesParents('0CFBC3668084E605BBD06DA'),
			instances: samplesInstances,
			errors: [],
		}),
	);
	t.is(m.parents.reduce((n, p) => n + p.types.length, 0), 8);
	t.true(Date.now() - Date.parse(m.scannedAt) < 60_000);
});

test('captured Debian 6.1 tree', (t) => {
	const m = scan('debian-6.1');
	t.deepEqual(
		m,
		expected('debian-6.1', m, {host: samplesHost('6.1.0-56-amd64'), parents: samplesParents('43B83662CF2A38CCDEE7D52'), instances: samplesInstances, errors: []}),
	);
});

// ---- hand-written trees in the kernel's layout -------------------------------------------------

const nv = (heads: number, frl: number, fb: number, res: string, max: number) =>
	`num_heads=${heads}, frl_config=${frl}, framebuffer=${fb}M, max_resolution=${res}, max_instance=${max}`;

test('NVIDIA GRID tree: PCI ids and names from the tree\'s pci.ids, one type with room, definitions merged', (t) => {
	const m = scan('nvidia-grid');
	const gpu = '0000:3b:00.0';
	const A = '8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21';
	const B = 'c2f6e1a9-5b7d-4e3a-8f10-2d9c4b6a8e53';
	const D = 'f0e1d2c3-b4a5-4968-8776-655443322110';
	t.deepEqual(
		m,
		expected('nvidia-grid', m, {
			host: {
				kernelRelease: '6.8.0-49-generic',
				hostname: 'vgpu-host',
				modules: {vfio: true, vfio_iommu_type1: true, mdev: true},
				vfioContainer: true,
				iommuGroups: 3,
				mdevBus: true,
				cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.8.0-49-generic root=/dev/mapper/vg0-root ro intel_iommu=on iommu=pt',
			},
			parents: [
				{
					name: gpu,
					kind: 'mdev',
					devicePath: '/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0',
					bus: 'pci',
					driver: 'nvidia',
					driverModule: moduleByName('nvidia'),
					pci: {
						vendorId: '0x10de',
						deviceId: '0x1eb8',
						subsystemVendorId: '0x10de',
						subsystemDeviceId: '0x12a2',
						vendorName: 'NVIDIA Corporation',
						deviceName: 'TU104GL [Tesla T4]',
					},
					numaNode: 0,
					sriov: null,
					types: [
						type('nvidia-222', 'GRID T4-1B', nv(4, 45, 1024, '5120x2880', 16), 'vfio-pci', 0),
						type('nvidia-223', 'GRID T4-2B', nv(4, 45, 2048, '5120x2880', 8), 'vfio-pci', 0),
						type('nvidia-230', 'GRID T4-1Q', nv(4, 60, 1024, '5120x2880', 16), 'vfio-pci', 0),
						type('nvidia-231', 'GRID T4-2Q', nv(4, 60, 2048, '7680x4320', 8), 'vfio-pci', 6, [A, B]),
						type('nvidia-234', 'GRID T4-16Q', nv(4, 60, 16384, '7680x4320', 1), 'vfio-pci', 0),
					],
					errors: [],
				},
			],
			instances: [
				{
					...active(A, gpu, 'nvidia-231', 118, 'nvidia-vgpu-vfio', 'vfio0'),
					definition: {path: `/etc/mdevctl.d/${gpu}/${A}`, mdevType: 'nvidia-231', autostart: true, attrs: []},
				},
				active(B, gpu, 'nvidia-231', 119, 'nvidia-vgpu-vfio', 'vfio1'),
				{
					uuid: D,
					kind: 'mdev',
					parent: gpu,
					mdevType: 'nvidia-231',
					active: false,
					iommuGroup: null,
					driver: null,
					vfioDev: null,
					definition: {path: `/etc/mdevctl.d/${gpu}/${D}`, mdevType: 'nvidia-231', autostart: true, attrs: []},
					errors: [],
				},
			],
			errors: [],
		}),
	);
});

test('Intel GVT-g tree: multi-line descriptions kept, NUMA -1 kept, no pci.ids so no names', (t) => {
	const m = scan('intel-gvtg');
	const igd = '0000:00:02.0';
	const V = '4e8d2c1a-9b3f-4a6e-b5d7-0c2e4f6a8b1d';
	t.deepEqual(
		m,
		expected('intel-gvtg', m, {
			host: {
				kernelRelease: '6.1.0-27-amd64',
				hostname: 'gvt-host',
				modules: {vfio: true, vfio_iommu_type1: true, mdev: true},
				vfioContainer: true,
				iommuGroups: 2,
				mdevBus: true,
				cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-27-amd64 root=/dev/sda1 ro intel_iommu=on i915.enable_gvt=1',
			},
			parents: [
				{
					name: igd,
					kind: 'mdev',
					devicePath: '/sys/devices/pci0000:00/0000:00:02.0',
					bus: 'pci',
					driver: 'i915',
					driverModule: moduleByName('i915'),
					pci: {
						vendorId: '0x8086',
						deviceId: '0x3e92',
						subsystemVendorId: '0x1043',
						subsystemDeviceId: '0x8694',
						vendorName: null,
						deviceName: null,
					},
					numaNode: -1,
					sriov: null,
					types: [
						type(
							'i915-GVTg_V5_4',
							'GVTg_V5_4',
							'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4',
							'vfio-pci',
							1,
							[V],
						),
						type('i915-GVTg_V5_8', 'GVTg_V5_8', 'low_gm_size: 64MB\nhigh_gm_size: 384MB\nfence: 4\nresolution: 1024x768\nweight: 2', 'vfio-pci', 3),
					],
					errors: [],
				},
			],
			instances: [
				{
					...active(V, igd, 'i915-GVTg_V5_4', 1, 'intel_vgpu_mdev', 'vfio0'),
					definition: {path: `/etc/mdevctl.d/${igd}/${V}`, mdevType: 'i915-GVTg_V5_4', autostart: false, attrs: []},
				},
			],
			errors: [],
		}),
	);
});

test('s390 tree: vfio_ccw subchannel and vfio_ap matrix parents, attrs from mdevctl', (t) => {
	const m = scan('s390');
	const CCW = '6dfd3ec5-e8b3-4e18-a6fe-57bc9eceb920';
	const AP = '7e270a25-e163-4922-af60-757fc8ed48c6';
	const AP2 = '54f5b7a3-6a17-4f62-9e7b-1a4e6d0c9b28';
	t.deepEqual(
		m,
		expected('s390', m, {
			host: {
				kernelRelease: '6.1.0-27-s390x',
				hostname: 's390-host',
				modules: {vfio: true, vfio_iommu_type1: true, mdev: true},
				vfioContainer: true,
				iommuGroups: 2,
				mdevBus: true,
				cmdline: 'root=/dev/dasda1 ro',
			},
			parents: [
				{
					name: '0.0.0313',
					kind: 'mdev',
					devicePath: '/sys/devices/css0/0.0.0313',
					bus: 'css',
					driver: 'vfio_ccw',
					driverModule: moduleByName('vfio_ccw'),
					pci: null,
					numaNode: null,
					sriov: null,
					types: [type('vfio_ccw-io', 'I/O subchannel (Non-QDIO)', null, 'vfio-ccw', 0, [CCW])],
					errors: [],
				},
				{
					name: 'matrix',
					kind: 'mdev',
					devicePath: '/sys/devices/vfio_ap/matrix',
					bus: 'matrix',
					driver: 'vfio_ap',
					driverModule: moduleByName('vfio_ap'),
					pci: null,
					numaNode: null,
					sriov: null,
					types: [type('vfio_ap-passthrough', 'VFIO AP Passthrough Device', null, 'vfio-ap', 65535, [AP])],
					errors: [],
				},
			],
			instances: [
				{
					uuid: AP2,
					kind: 'mdev',
					parent: 'matrix',
					mdevType: 'vfio_ap-passthrough',
					active: false,
					iommuGroup: null,
					driver: null,
					vfioDev: null,
					definition: {
						path: `/etc/mdevctl.d/matrix/${AP2}`,
						mdevType: 'vfio_ap-passthrough',
						autostart: false,
						attrs: [{assign_adapter: '6'}, {assign_domain: '0x48'}],
					},
					errors: [],
				},
				active(CCW, '0.0.0313', 'vfio_ccw-io', 0, 'vfio_ccw_mdev', 'vfio0'),
				{
					...active(AP, 'matrix', 'vfio_ap-passthrough', 1, 'vfio_ap_mdev', 'vfio1'),
					definition: {
						path: `/etc/mdevctl.d/matrix/${AP}`,
						mdevType: 'vfio_ap-passthrough',
						autostart: true,
						attrs: [{assign_adapter: '5'}, {assign_domain: '0x47'}, {assign_control_domain: '0x47'}],
					},
				},
			],
			errors: [],
		}),
	);
});

test('empty host: an empty, valid answer with what is missing in the host facts', (t) => {
	const m = scan('empty');
	t.deepEqual(
		m,
		expected('empty', m, {
			host: {
				kernelRelease: '6.1.0-27-amd64', // from proc/version: there is no osrelease in this tree
				hostname: 'plain-host', // from etc/hostname
				modules: {vfio: false, vfio_iommu_type1: false, mdev: false},
				vfioContainer: false,
				iommuGroups: null,
				mdevBus: false,
				cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-27-amd64 root=/dev/sda1 ro quiet',
			},
			parents: [],
			instances: [],
			errors: [],
		}),
	);
});

// ---- broken trees: a model with errors on the items, never a throw ------------------------------

const brokenHost = (iommuGroups: number): HostInfo => ({
	kernelRelease: '6.12.117+deb12-amd64',
	hostname: null,
	modules: {vfio: true, vfio_iommu_type1: true, mdev: true},
	vfioContainer: true,
	iommuGroups,
	mdevBus: true,
	cmdline: 'console=ttyS0 quiet panic=-1',
});

const MTTY = '/sys/devices/virtual/mtty/mtty';
const TYPES = `${MTTY}/mdev_supported_types`;
const incomplete = 'the driver or the tree is incomplete.';
const absentFile = (p: string, what: string, owner: string) =>
	err(p, 'ENOENT', `${p} does not exist, so the ${what} is unknown. The kernel creates it for every ${owner} (Documentation/ABI/testing/sysfs-bus-vfio-mdev, sysfs-bus-mdev): ${incomplete}`);

test('broken-missing: missing name/available_instances/device_api, mdev_type link, mdev_supported_types', (t) => {
	const m = scan('broken-missing');
	t.deepEqual(
		m,
		expected('broken-missing', m, {
			host: brokenHost(1),
			parents: [
				virtualParent('mdpy', [], [
					err(
						'/sys/devices/virtual/mdpy/mdpy/mdev_supported_types',
						'ENOENT',
						'/sys/devices/virtual/mdpy/mdpy/mdev_supported_types does not exist although the device is registered in /sys/class/mdev_bus; its types are unknown. The driver or the tree is incomplete.',
					),
				]),
				virtualParent('mtty', [
					type('mtty-1', 'Single port serial', null, 'vfio-pci', 23, [U1]),
					type('mtty-2', null, null, null, null, [], [
						absentFile(`${TYPES}/mtty-2/name`, 'type name', 'mdev type'),
						absentFile(`${TYPES}/mtty-2/device_api`, 'device API', 'mdev type'),
						absentFile(`${TYPES}/mtty-2/available_instances`, 'number of available instances', 'mdev type'),
					]),
				], [], moduleByName('mtty')),
			],
			instances: [
				{
					...active(U1, 'mtty', null, 0, 'mtty', null),
					errors: [absentFile(`${MTTY}/${U1}/mdev_type`, 'mdev type (mdev_type link)', 'mdev')],
				},
			],
			errors: [],
		}),
	);
});

test('broken-garbage: bad numbers, bytes that are not text, a group that is not a number, a name that is not a UUID', (t) => {
	const m = scan('broken-garbage');
	const avail = (n: number) => `${TYPES}/mtty-${n}/available_instances`;
	t.deepEqual(
		m,
		expected('broken-garbage', m, {
			host: brokenHost(2),
			parents: [
				virtualParent(
					'mtty',
					[
						type('mtty-1', 'Single port serial', null, 'vfio-pci', null, [U1, 'not-a-uuid'], [
							err(avail(1), 'EPARSE', `Reading ${avail(1)}: expected a count of instances, found "abc".`),
						]),
						type('mtty-2', 'Dual port serial', null, 'vfio-pci', null, [], [
							err(avail(2), 'EPARSE', `Reading ${avail(2)}: -3 is below 0, impossible for a count of instances; not shown.`),
						]),
						type('mtty-3', 'Triple port serial', null, 'vfio-pci', null, [], [
							err(avail(3), 'EPARSE', `Reading ${avail(3)}: "99999999999999999999999" is out of range for a count of instances; not shown.`),
						]),
						// The bytes as decoded (0xff is not UTF-8: U+FFFD); the plain view strips them.
						type('mtty-4', 'Q\u0000\ufffd\u001b[31muad', null, 'vfio-pci', 1, [], [
							err(
								`${TYPES}/mtty-4/name`,
								'EPARSE',
								`Reading ${TYPES}/mtty-4/name: it holds bytes that are not text ("Q\\x00\\xff\\x1b[31muad\\x0a"). The driver or the tree wrote something odd here; views show it with control characters removed.`,
							),
						]),
					],
					[err(`${MTTY}/numa_node`, 'EPARSE', `Reading ${MTTY}/numa_node: expected a NUMA node number, found "zero".`)],
					moduleByName('mtty'),
				),
			],
			instances: [
				{
					...active(U1, 'mtty', 'mtty-1', null, 'mtty', null),
					errors: [
						err(
							`${MTTY}/${U1}/iommu_group`,
							'EPARSE',
							`Reading ${MTTY}/${U1}/iommu_group: expected an IOMMU group number (link target name), found "notanumber".`,
						),
					],
				},
				{
					...active('not-a-uuid', 'mtty', 'mtty-1', 1, 'mtty', null),
					errors: [
						err(
							'/sys/bus/mdev/devices/not-a-uuid',
							'EPARSE',
							'/sys/bus/mdev/devices/not-a-uuid: the name "not-a-uuid" is not a UUID, which every mdev\'s name is; shown as found.',
						),
					],
				},
			],
			errors: [],
		}),
	);
});

test('broken-links: dangling mdev_bus entry, a link loop, a dangling iommu_group, a dangling instance', (t) => {
	const m = scan('broken-links');
	const dangling = (link: string, target: string) =>
		err(link, 'ENOENT', `The link ${link} points to ${target}, which does not exist (a dangling link; the device may be going away).`);

	t.deepEqual(
		m,
		expected('broken-links', m, {
			host: brokenHost(0),
			parents: [
				blankParent('ghost', {gone: true, errors: [dangling('/sys/class/mdev_bus/ghost', '/sys/devices/virtual/ghost/ghost')]}),
				blankParent('loop', {errors: [err('/sys/class/mdev_bus/loop', 'ELOOP', 'Resolving /sys/class/mdev_bus/loop: the links form a loop; the tree is broken here.')]}),
				virtualParent('mtty', [type('mtty-1', 'Single port serial', null, 'vfio-pci', 22, [U1])], [], moduleByName('mtty')),
			],
			instances: [
				{
					...active(U1, 'mtty', 'mtty-1', null, 'mtty', 'vfio0'),
					errors: [dangling(`${MTTY}/${U1}/iommu_group`, '/sys/kernel/iommu_groups/7')],
				},
				blankInstance(U2, {gone: true, errors: [dangling(`/sys/bus/mdev/devices/${U2}`, `${MTTY}/${U2}`)]}),
			],
			errors: [],
		}),
	);
});

const runningAsRoot = process.getuid?.() === 0;

test('broken-unreadable: EISDIR and ELOOP fail even as root, ENOTDIR, a definition that is not JSON', (t) => {
	const m = scan('broken-unreadable');
	const mtty2 = runningAsRoot
		? type('mtty-2', 'Dual port serial', null, 'vfio-pci', 11)
		: type('mtty-2', 'Dual port serial', null, 'vfio-pci', null, [], [
				err(
					`${TYPES}/mtty-2/available_instances`,
					'EACCES',
					`Opening ${TYPES}/mtty-2/available_instances: EACCES, permission denied (try again as root).`,
				),
			]);
	t.deepEqual(
		m,
		expected('broken-unreadable', m, {
			host: brokenHost(1),
			parents: [
				virtualParent('mtty', [
					type('mtty-1', null, null, 'vfio-pci', 22, [U1], [
						err(`${TYPES}/mtty-1/name`, 'EISDIR', `Reading ${TYPES}/mtty-1/name: EISDIR, it is a directory where a file was expected.`),
						err(
							`${TYPES}/mtty-1/description`,
							'ELOOP',
							`Opening ${TYPES}/mtty-1/description: ELOOP, too many levels of symbolic links (a link loop).`,
						),
					]),
					mtty2,
					type('mtty-3', null, null, null, null, [], [
						err(`${TYPES}/mtty-3`, 'ENOTDIR', `${TYPES}/mtty-3 is a file where the type mtty-3's directory should be; nothing in it can be read.`),
					]),
				], [], moduleByName('mtty')),
			],
			instances: [
				{
					...active(U1, 'mtty', 'mtty-1', 0, 'mtty', 'vfio0'),
					definition: {path: `/etc/mdevctl.d/mtty/${U1}`, mdevType: null, autostart: false, attrs: []},
					errors: [
						err(
							`/etc/mdevctl.d/mtty/${U1}`,
							'EPARSE',
							`mdevctl definition /etc/mdevctl.d/mtty/${U1}: not valid JSON (Unexpected end of JSON input). mdevctl cannot use it either; fix it or redefine the device (mdevctl define).`,
						),
					],
				},
			],
			errors: [],
		}),
	);
});

// Root reads a mode-000 file anyway; the EACCES branch is checked as an unprivileged user.
test('broken-unreadable as an unprivileged user: the mode-000 attribute gives EACCES on its type', (t) => {
	if (!runningAsRoot) {
		t.pass('already unprivileged: the test above checked EACCES');
		return;
	}
	const script = `import {scanHost} from ${JSON.stringify(path.join(project, 'src/sysfs/scan.ts'))};
const m = scanHost(${JSON.stringify(path.join(trees, 'broken-unreadable'))});
console.log(JSON.stringify(m.parents[0].types.find((x) => x.id === 'mtty-2')));`;
	const r = runModuleAsNobody(script);
	t.is(r.status, 0, r.stderr);
	t.deepEqual(
		JSON.parse(r.stdout),
		type('mtty-2', 'Dual port serial', null, 'vfio-pci', null, [], [
			err(`${TYPES}/mtty-2/available_instances`, 'EACCES', `Opening ${TYPES}/mtty-2/available_instances: EACCES, permission denied (try again as root).`),
		]),
	);
});

// ---- things a tree on disk cannot show by itself ------------------------------------------------

test('an instance or parent listed and then gone is one "gone" error, not an error per file', (t) => {
	const env = makeEnv(path.join(trees, 'debian-6.12'));
	const uuid = '99999999-9999-4999-8999-999999999999';
	t.deepEqual(
		readInstance(env, uuid),
		blankInstance(uuid, {
			gone: true,
			errors: [
				err(
					`/sys/bus/mdev/devices/${uuid}`,
					'ENOENT',
					`The instance ${uuid} was listed but disappeared while it was being read (removed during the scan); scan again to see the current state.`,
				),
			],
		}),
	);
	t.deepEqual(readParent(env, 'vanished'), {
		...blankParent('vanished'),
		gone: true,
		errors: [
			err(
				'/sys/class/mdev_bus/vanished',
				'ENOENT',
				'The parent vanished was listed but disappeared while it was being read (removed during the scan); scan again to see the current state.',
			),
		],
	});
});

test('absolute link targets are resolved inside the root, never on the host', (t) => {
	const root = mkdtempSync(path.join(tmpdir(), 'mdevscope-abs-'));
	t.teardown(() => rmSync(root, {recursive: true, force: true}));
	const dev = path.join(root, 'sys/devices/virtual/mtty/mtty');
	mkdirSync(path.join(dev, 'mdev_supported_types/mtty-1/devices'), {recursive: true});
	writeFileSync(path.join(dev, 'mdev_supported_types/mtty-1/name'), 'Single port serial\n');
	writeFileSync(path.join(dev, 'mdev_supported_types/mtty-1/device_api'), 'vfio-pci\n');
	writeFileSync(path.join(dev, 'mdev_supported_types/mtty-1/available_instances'), '24\n');
	symlinkSync('/sys/class/mtty', path.join(dev, 'subsystem'));
	mkdirSync(path.join(root, 'sys/class/mdev_bus'), {recursive: true});
	// As a host would have it: an absolute target, which under --root must mean <root>/sys/...
	symlinkSync('/sys/devices/virtual/mtty/mtty', path.join(root, 'sys/class/mdev_bus/mtty'));
	// And an instance whose links are absolute too.
	const inst = path.join(dev, U1);
	mkdirSync(path.join(inst, 'vfio-dev/vfio0'), {recursive: true});
	mkdirSync(path.join(root, 'sys/kernel/iommu_groups/5'), {recursive: true});
	mkdirSync(path.join(root, 'sys/bus/mdev/devices'), {recursive: true});
	symlinkSync(`/sys/devices/virtual/mtty/mtty/${U1}`, path.join(root, 'sys/bus/mdev/devices', U1));
	symlinkSync('/sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1', path.join(inst, 'mdev_type'));
	symlinkSync('/sys/kernel/iommu_groups/5', path.join(inst, 'iommu_group'));
	symlinkSync(`/sys/devices/virtual/mtty/mtty/${U1}`, path.join(dev, 'mdev_supported_types/mtty-1/devices', U1));
	const m = scanHost(root);
	t.deepEqual(m.parents, [virtualParent('mtty', [type('mtty-1', 'Single port serial', null, 'vfio-pci', 24, [U1])])]);
	t.deepEqual(m.instances, [active(U1, 'mtty', 'mtty-1', 5, null, 'vfio0')]);
	t.deepEqual(m.errors, []);
});

test('a root that is missing or not a directory throws a clear error before reading anything', (t) => {
	t.throws(() => scanHost('/nonexistent/mdevscope-root'), {
		message: 'cannot read the root /nonexistent/mdevscope-root: ENOENT, it does not exist. Give a directory (`/` for this host).',
	});
	const file = path.join(project, 'package.json');
	t.throws(() => scanHost(file), {message: `the root ${file} is not a directory. Give a directory (\`/\` for this host).`});
});

test('every fixture tree scans without throwing and sorts parents, types and instances', (t) => {
	for (const name of [
		'debian-6.1',
		'debian-6.12',
		'nvidia-grid',
		'intel-gvtg',
		's390',
		'empty',
		'broken-missing',
		'broken-garbage',
		'broken-links',
		'broken-unreadable',
		'hostile-names',
		'nvidia-sriov',
		'mixed-gvtg-sriov',
		'broken-sriov',
	]) {
		const m = scan(name);
		const sorted = (xs: string[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
		t.deepEqual(m.parents.map((p) => p.name), sorted(m.parents.map((p) => p.name)), name);
		for (const p of m.parents) t.deepEqual(p.types.map((x) => x.id), sorted(p.types.map((x) => x.id)), `${name} ${p.name}`);
		t.deepEqual(m.instances.map((i) => i.uuid), sorted(m.instances.map((i) => i.uuid)), name);
	}
});

test('driverModule: the parent driver\'s module link with its version and srcversion; a built-in driver without sys/module: null', (t) => {
	const root = mkdtempSync(path.join(tmpdir(), 'mdevscope-module-'));
	t.teardown(() => rmSync(root, {recursive: true, force: true}));
	// An NVIDIA-like PCI parent bound to `nvidia`, whose driver directory links its module, as on a real host.
	const gpu = path.join(root, 'sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0');
	mkdirSync(path.join(gpu, 'mdev_supported_types'), {recursive: true});
	for (const [file, value] of Object.entries({vendor: '0x10de', device: '0x1eb8', subsystem_vendor: '0x10de', subsystem_device: '0x12a2'})) {
		writeFileSync(path.join(gpu, file), `${value}\n`);
	}
	mkdirSync(path.join(root, 'sys/bus/pci/drivers/nvidia'), {recursive: true});
	mkdirSync(path.join(root, 'sys/module/nvidia'), {recursive: true});
	writeFileSync(path.join(root, 'sys/module/nvidia/version'), '535.129.03\n');
	writeFileSync(path.join(root, 'sys/module/nvidia/srcversion'), '6D9E2C35F5B0D5F1A0E7C14\n');
	symlinkSync('../../../../module/nvidia', path.join(root, 'sys/bus/pci/drivers/nvidia/module'));
	symlinkSync('../../../../bus/pci/drivers/nvidia', path.join(gpu, 'driver'));
	symlinkSync('../../../../bus/pci', path.join(gpu, 'subsystem'));
	// A second parent whose driver is built in: no `module` link, no sys/module directory.
	const ccw = path.join(root, 'sys/devices/css0/0.0.0313');
	mkdirSync(path.join(ccw, 'mdev_supported_types'), {recursive: true});
	mkdirSync(path.join(root, 'sys/bus/css/drivers/vfio_ccw'), {recursive: true});
	symlinkSync('../../../bus/css/drivers/vfio_ccw', path.join(ccw, 'driver'));
	symlinkSync('../../../bus/css', path.join(ccw, 'subsystem'));
	mkdirSync(path.join(root, 'sys/class/mdev_bus'), {recursive: true});
	symlinkSync('../../devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0', path.join(root, 'sys/class/mdev_bus/0000:3b:00.0'));
	symlinkSync('../../devices/css0/0.0.0313', path.join(root, 'sys/class/mdev_bus/0.0.0313'));
	const m = scanHost(root);
	t.deepEqual(
		m.parents.map((p) => [p.name, p.driver, p.driverModule, p.errors]),
		[
			['0.0.0313', 'vfio_ccw', null, []],
			['0000:3b:00.0', 'nvidia', {name: 'nvidia', version: '535.129.03', srcversion: '6D9E2C35F5B0D5F1A0E7C14', via: 'driver-link'}, []],
		],
	);
});

// (An instance removed between the type's listing and the bus's is kept and marked gone: a race a
// tree on disk cannot show; test/vm/races.vm.test.ts meets it on a live kernel.)
test('a uuid a type lists but sys/bus/mdev/devices does not is an error on the type; gone from both, it is simply not there', (t) => {
	const base = mkdtempSync(path.join(tmpdir(), 'mdevscope-listed-'));
	t.teardown(() => rmSync(base, {recursive: true, force: true}));
	const root = path.join(base, 'tree');
	t.is(spawnSync('cp', ['-a', path.join(trees, 'debian-6.12'), root]).status, 0);
	const typeLink = (uuid: string, type: string, parent: string) =>
		path.join(root, `sys/devices/virtual/${parent}/${parent}/mdev_supported_types/${type}/devices/${uuid}`);
	// mtty's instance: removed, both links (the kernel drops the type's link first, then the bus entry).
	rmSync(path.join(root, 'sys/bus/mdev/devices', U1));
	rmSync(typeLink(U1, 'mtty-1', 'mtty'));
	// mdpy's: the type's link is still there, the bus has no entry: the tree disagrees with itself.
	rmSync(path.join(root, 'sys/bus/mdev/devices', U2));
	const m = scanHost(root);
	const mtty1 = m.parents.find((p) => p.name === 'mtty')!.types.find((x) => x.id === 'mtty-1')!;
	t.deepEqual(mtty1.instances, []);
	t.deepEqual(mtty1.errors, []);
	t.false(m.instances.some((i) => i.uuid === U1), 'no longer listed anywhere: simply not there');
	const link = `/sys/devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-hd/devices/${U2}`;
	t.deepEqual(m.parents.find((p) => p.name === 'mdpy')!.types.find((x) => x.id === 'mdpy-hd')!.errors, [
		err(
			link,
			'ENOENT',
			`${link} lists the instance ${U2}, but /sys/bus/mdev/devices has no such entry; the tree is inconsistent (a partial capture?). Scan again; if it stays, the driver left a stale link.`,
		),
	]);
	t.false(m.instances.some((i) => i.uuid === U2));
});
