// NVIDIA SR-IOV vGPU hosts (vGPUs as VFs, not mdevs; user problem #11 in docs/doctor.md): the creatable_vgpu_types
// parser, the scanner on the hand-written trees (run `npm run fixtures` first; `npm test` does)
// compared with whole expected models, the plain and JSON views, the TUI, and the probe runner
// addressing a VF by its PCI address.
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import test from 'ava';
import {expectedTree, scanTree, trees} from './helpers/trees.js';
import React from 'react';
import {render} from 'ink-testing-library';
import type {HostInfo, HostModel, Instance, ItemError, MdevType, Parent} from '../src/model/types.js';
import {renderJson} from '../src/output/json.js';
import {renderPlain} from '../src/output/plain.js';
import {probeInstances} from '../src/probe/runner.js';
import {scanHost} from '../src/sysfs/scan.js';
import {parseCreatableVgpuTypes} from '../src/sysfs/sriov.js';
import {App} from '../src/components/App.js';

const scan = scanTree;
const expected = expectedTree;

const err = (p: string, code: string, message: string): ItemError => ({path: p, code, message});

// ---- the creatable_vgpu_types parser -------------------------------------------------------------

test('creatable_vgpu_types: the header is skipped, padded columns and leading zeros are read as the driver means them', (t) => {
	t.deepEqual(parseCreatableVgpuTypes('ID    : vGPU Name\n1145  : NVIDIA L40S-1B\n1147  : NVIDIA L40S-1Q\n'), {
		types: [
			{id: '1145', name: 'NVIDIA L40S-1B'},
			{id: '1147', name: 'NVIDIA L40S-1Q'},
		],
		bad: [],
	});
	t.deepEqual(parseCreatableVgpuTypes('1414 : NVIDIA H200X-1-18C'), {types: [{id: '1414', name: 'NVIDIA H200X-1-18C'}], bad: []});
	t.deepEqual(parseCreatableVgpuTypes('ID : vGPU Name\r\n0042:NVIDIA A-2Q  \r\n7 :\r\n'), {
		types: [
			{id: '42', name: 'NVIDIA A-2Q'},
			{id: '7', name: null},
		],
		bad: [],
	});
	// A full GPU: the header alone, or nothing at all.
	t.deepEqual(parseCreatableVgpuTypes('ID    : vGPU Name\n'), {types: [], bad: []});
	t.deepEqual(parseCreatableVgpuTypes(''), {types: [], bad: []});
});

test('creatable_vgpu_types: lines that are not "<id> : <name>" come back with their line numbers; the rest still count', (t) => {
	t.deepEqual(parseCreatableVgpuTypes('ID    : vGPU Name\nNVIDIA L40S-1B : 1145\n\n1147  : NVIDIA L40S-1Q\n-3 : minus\nx'), {
		types: [{id: '1147', name: 'NVIDIA L40S-1Q'}],
		bad: [
			{line: 2, text: 'NVIDIA L40S-1B : 1145'},
			{line: 5, text: '-3 : minus'},
			{line: 6, text: 'x'},
		],
	});
});

// ---- the scanner ---------------------------------------------------------------------------------

const sriovHost = (hostname: string, iommuGroups: number, over: Partial<HostInfo> = {}): HostInfo => ({
	kernelRelease: '6.8.0-60-generic',
	hostname,
	modules: {vfio: true, vfio_iommu_type1: true, mdev: false},
	vfioContainer: true,
	iommuGroups,
	mdevBus: false,
	cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.8.0-60-generic root=/dev/mapper/vg0-root ro intel_iommu=on iommu=pt',
	...over,
});

const nvidiaModule = {name: 'nvidia', version: '580.82.07', srcversion: null, via: 'driver-link' as const};

/** The VF addresses of a PF on bus `bus`, VF offset 4 and stride 1 (as the fixtures make them). */
const vfs = (bus: string, count: number) =>
	Array.from({length: count}, (_, i) => `0000:${bus}:${String((4 + i) >> 3).padStart(2, '0')}.${(4 + i) & 7}`);

const sriovType = (id: string, name: string | null, availableInstances: number | null, instances: string[] = [], errors: ItemError[] = []): MdevType => ({
	id,
	name,
	description: null,
	deviceApi: 'vfio-pci',
	availableInstances,
	instances,
	errors,
});

function gpu(
	name: string,
	root: string,
	ids: {deviceId: string; subsystemDeviceId: string; deviceName: string | null},
	numaNode: number,
	sriov: Parent['sriov'],
	types: MdevType[],
	errors: ItemError[] = [],
): Parent {
	return {
		name,
		kind: 'nvidia-sriov',
		devicePath: `${root}/${name}`,
		bus: 'pci',
		driver: 'nvidia',
		driverModule: nvidiaModule,
		pci: {
			vendorId: '0x10de',
			deviceId: ids.deviceId,
			subsystemVendorId: '0x10de',
			subsystemDeviceId: ids.subsystemDeviceId,
			vendorName: ids.deviceName === null ? null : 'NVIDIA Corporation',
			deviceName: ids.deviceName,
		},
		numaNode,
		sriov,
		types,
		errors,
	};
}

const vgpu = (uuid: string, parent: string, mdevType: string, iommuGroup: number | null, vfioDev: string, errors: ItemError[] = []): Instance => ({
	uuid,
	kind: 'nvidia-sriov',
	parent,
	mdevType,
	active: true,
	iommuGroup,
	driver: 'nvidia',
	vfioDev,
	definition: null,
	errors,
});

const L40S = {deviceId: '0x26b9', subsystemDeviceId: '0x1851', deviceName: 'AD102GL [L40S]'};
const H200 = {deviceId: '0x2335', subsystemDeviceId: '0x18be', deviceName: 'GH100 [H200 SXM 141GB]'};
const ROOT_41 = '/sys/devices/pci0000:40/0000:40:01.1';

test('nvidia-sriov: a parent per GPU with its types and free-VF counts, the VFs that carry a vGPU as instances, the NIC left out', (t) => {
	const m = scan('nvidia-sriov');
	const a = vfs('41', 16);
	const c = vfs('c1', 16);
	t.deepEqual(
		m,
		expected('nvidia-sriov', m, {
			host: sriovHost('sriov-host', 38),
			parents: [
				// 3 VFs carry L40S-8Q; the 13 free ones each list the two 8 GB types.
				gpu('0000:41:00.0', ROOT_41, L40S, 0, {totalVfs: 16, numVfs: 16, vfs: a}, [
					sriovType('1155', 'NVIDIA L40S-8Q', 13, a.slice(0, 3)),
					sriovType('1156', 'NVIDIA L40S-8C', 13),
				]),
				// SR-IOV off: no VF, so no type; the GPU is still shown (the doctor says how to turn it on).
				gpu('0000:81:00.0', '/sys/devices/pci0000:80/0000:80:01.1', L40S, 1, {totalVfs: 16, numVfs: 0, vfs: []}, []),
				// Full: 7 VFs carry 1414, the other 9 list nothing, so nothing names the type: null, not guessed.
				gpu('0000:c1:00.0', '/sys/devices/pci0000:c0/0000:c0:01.1', H200, 1, {totalVfs: 16, numVfs: 16, vfs: c}, [
					sriovType('1414', null, 0, c.slice(0, 7)),
				]),
			],
			instances: [
				...a.slice(0, 3).map((bdf, i) => vgpu(bdf, '0000:41:00.0', '1155', 100 + i, `vfio${i}`)),
				...c.slice(0, 7).map((bdf, i) => vgpu(bdf, '0000:c1:00.0', '1414', 200 + i, `vfio${16 + i}`)),
			],
			errors: [],
		}),
	);
});

test('mixed-gvtg-sriov: an mdev parent and an SR-IOV GPU on one host, each of its kind', (t) => {
	const m = scan('mixed-gvtg-sriov');
	const GVT = '4e8d2c1a-9b3f-4a6e-b5d7-0c2e4f6a8b1d';
	const a = vfs('41', 2);
	t.deepEqual(
		m,
		expected('mixed-gvtg-sriov', m, {
			host: sriovHost('mixed-host', 4, {
				modules: {vfio: true, vfio_iommu_type1: true, mdev: true},
				mdevBus: true,
				cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.8.0-60-generic root=/dev/mapper/vg0-root ro intel_iommu=on iommu=pt i915.enable_gvt=1',
			}),
			parents: [
				{
					name: '0000:00:02.0',
					kind: 'mdev',
					devicePath: '/sys/devices/pci0000:00/0000:00:02.0',
					bus: 'pci',
					driver: 'i915',
					driverModule: {name: 'i915', version: null, srcversion: null, via: 'name'},
					pci: {
						vendorId: '0x8086',
						deviceId: '0x3e92',
						subsystemVendorId: '0x1043',
						subsystemDeviceId: '0x8694',
						vendorName: 'Intel Corporation',
						deviceName: null,
					},
					numaNode: -1,
					sriov: null,
					types: [
						{
							id: 'i915-GVTg_V5_4',
							name: 'GVTg_V5_4',
							description: 'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4',
							deviceApi: 'vfio-pci',
							availableInstances: 1,
							instances: [GVT],
							errors: [],
						},
					],
					errors: [],
				},
				gpu('0000:41:00.0', ROOT_41, L40S, 0, {totalVfs: 16, numVfs: 2, vfs: a}, [
					sriovType('1155', 'NVIDIA L40S-8Q', 1),
					sriovType('1156', 'NVIDIA L40S-8C', 1, [a[0]!]),
				]),
			],
			instances: [
				vgpu(a[0]!, '0000:41:00.0', '1156', 100, 'vfio1'),
				{
					uuid: GVT,
					kind: 'mdev',
					parent: '0000:00:02.0',
					mdevType: 'i915-GVTg_V5_4',
					active: true,
					iommuGroup: 1,
					driver: 'intel_vgpu_mdev',
					vfioDev: 'vfio0',
					definition: null,
					errors: [],
				},
			],
			errors: [],
		}),
	);
});

test('broken-sriov: a garbage line, a name conflict, an unreadable current_vgpu_type (counts unknown), a VF without its group, a VF without physfn', (t) => {
	const m = scan('broken-sriov');
	const a = vfs('41', 4);
	const nv = (bdf: string, file: string) => `${ROOT_41}/${bdf}/nvidia/${file}`;
	t.deepEqual(
		m,
		expected('broken-sriov', m, {
			host: sriovHost('broken-sriov-host', 6),
			parents: [
				gpu(
					'0000:41:00.0',
					ROOT_41,
					L40S,
					0,
					{totalVfs: 16, numVfs: 4, vfs: a},
					[
						sriovType('1155', 'NVIDIA L40S-8Q', null, [a[0]!]),
						sriovType('1156', 'NVIDIA L40S-8C', null, [], [
							err(
								nv(a[2]!, 'creatable_vgpu_types'),
								'EPARSE',
								`${nv(a[2]!, 'creatable_vgpu_types')} names type 1156 "NVIDIA L40S-8X", but the VF ${a[1]} names it "NVIDIA L40S-8C"; the first is shown. The driver should give one name per type id.`,
							),
						]),
						sriovType('1157', 'NVIDIA L40S-8B', null),
					],
					[
						err(
							nv(a[1]!, 'creatable_vgpu_types'),
							'EPARSE',
							`Reading ${nv(a[1]!, 'creatable_vgpu_types')}: line 4 "garbage: line" is not "<type id> : <name>" as the NVIDIA driver prints it; that line was skipped.`,
						),
						err(
							nv(a[3]!, 'current_vgpu_type'),
							'EPARSE',
							`Reading ${nv(a[3]!, 'current_vgpu_type')}: expected a vGPU type id (current_vgpu_type), found "none".`,
						),
						err(
							`${ROOT_41}/0000:41:00.0`,
							'ENODATA',
							"The state of 1 VF of 0000:41:00.0 could not be read (the reason is among this GPU's errors), so how many VFs can still take each type is not known; shown as unknown.",
						),
					],
				),
			],
			instances: [
				vgpu(a[0]!, '0000:41:00.0', '1155', null, 'vfio0', [
					err(
						`${ROOT_41}/${a[0]}/iommu_group`,
						'ENOENT',
						`${ROOT_41}/${a[0]}/iommu_group does not exist, so the IOMMU group is unknown. A PCI function has one only while the IOMMU is on: enable it (intel_iommu=on or amd_iommu=on, VT-d/AMD-Vi in the firmware); without it VFIO cannot hand the VF to a VM.`,
					),
				]),
			],
			errors: [
				err(
					`${ROOT_41}/0000:41:02.0/physfn`,
					'ENOENT',
					"0000:41:02.0 has nvidia/creatable_vgpu_types, which only NVIDIA's SR-IOV VFs have, but its physfn link cannot be read (ENOENT), so its GPU is unknown and it is not shown. The tree is incomplete or the VF is going away.",
				),
			],
		}),
	);
});

test('a VF found only through its physfn (no virtfn link on the GPU) still counts; a GPU that is an mdev parent is not read twice', (t) => {
	const root = mkdtempSync(path.join(tmpdir(), 'mdevscope-sriov-'));
	t.teardown(() => rmSync(root, {recursive: true, force: true}));
	const w = (rel: string, content: string) => {
		mkdirSync(path.dirname(path.join(root, rel)), {recursive: true});
		writeFileSync(path.join(root, rel), content);
	};
	// Plain directories in sys/bus/pci/devices (no links at all), with absolute physfn links.
	const pf = 'sys/bus/pci/devices/0000:05:00.0';
	const vf = 'sys/bus/pci/devices/0000:05:00.4';
	for (const [file, value] of Object.entries({vendor: '0x10de', device: '0x26b9', subsystem_vendor: '0x10de', subsystem_device: '0x1851', sriov_totalvfs: '16', sriov_numvfs: '1'})) {
		w(`${pf}/${file}`, `${value}\n`);
	}
	w(`${vf}/nvidia/creatable_vgpu_types`, 'ID    : vGPU Name\n');
	w(`${vf}/nvidia/current_vgpu_type`, '1155\n');
	mkdirSync(path.join(root, 'sys/kernel/iommu_groups/9'), {recursive: true});
	symlinkSync('/sys/bus/pci/devices/0000:05:00.0', path.join(root, vf, 'physfn'));
	symlinkSync('/sys/kernel/iommu_groups/9', path.join(root, vf, 'iommu_group'));
	symlinkSync('/sys/bus/pci', path.join(root, pf, 'subsystem'));
	const m = scanHost(root);
	t.deepEqual(
		m.parents.map((p) => [p.name, p.kind, p.sriov, p.types.map((x) => [x.id, x.availableInstances, x.instances])]),
		[['0000:05:00.0', 'nvidia-sriov', {totalVfs: 16, numVfs: 1, vfs: ['0000:05:00.4']}, [['1155', 0, ['0000:05:00.4']]]]],
	);
	t.deepEqual(m.instances, [{...vgpu('0000:05:00.4', '0000:05:00.0', '1155', 9, ''), driver: null, vfioDev: null}]);

	// The same GPU registered in mdev_bus (an mdev-mode driver): it is an mdev parent, nothing else.
	mkdirSync(path.join(root, 'sys/class/mdev_bus'), {recursive: true});
	symlinkSync('/sys/bus/pci/devices/0000:05:00.0', path.join(root, 'sys/class/mdev_bus/0000:05:00.0'));
	mkdirSync(path.join(root, pf, 'mdev_supported_types'));
	const again = scanHost(root);
	t.deepEqual(
		again.parents.map((p) => [p.name, p.kind]),
		[['0000:05:00.0', 'mdev']],
	);
	t.deepEqual(again.instances, []);
});

// ---- the views ---------------------------------------------------------------------------------

test('JSON carries the kind on every parent and instance, and the PF\'s SR-IOV state', (t) => {
	const json = JSON.parse(renderJson(scan('mixed-gvtg-sriov')));
	t.deepEqual(
		json.parents.map((p: Parent) => [p.name, p.kind, p.sriov?.numVfs ?? null]),
		[
			['0000:00:02.0', 'mdev', null],
			['0000:41:00.0', 'nvidia-sriov', 2],
		],
	);
	t.deepEqual(
		json.instances.map((i: Instance) => [i.uuid, i.kind]),
		[
			['0000:41:00.4', 'nvidia-sriov'],
			['4e8d2c1a-9b3f-4a6e-b5d7-0c2e4f6a8b1d', 'mdev'],
		],
	);
});

test('plain: an SR-IOV GPU says what it is, how many VFs are on and used, or that SR-IOV is off and the fix', (t) => {
	const text = renderPlain(scan('nvidia-sriov'));
	const lines = text.split('\n');
	const at = (start: string, count: number) => lines.slice(lines.indexOf(start), lines.indexOf(start) + count);
	t.deepEqual(at('Parent 0000:41:00.0  (NVIDIA SR-IOV vGPU: vGPUs are VFs, not mdevs)', 10), [
		'Parent 0000:41:00.0  (NVIDIA SR-IOV vGPU: vGPUs are VFs, not mdevs)',
		'  PCI 10de:26b9 NVIDIA Corporation AD102GL [L40S], subsystem 10de:1851, bus pci, driver nvidia, NUMA node 0',
		`  ${ROOT_41}/0000:41:00.0`,
		'  SR-IOV 16 of 16 VFs enabled, 3 with a vGPU (nvidia/current_vgpu_type), 13 free',
		'  TYPE  NAME            API       AVAIL  INSTANCES  DESCRIPTION',
		'  1155  NVIDIA L40S-8Q  vfio-pci     13          3  -',
		'  1156  NVIDIA L40S-8C  vfio-pci     13          0  -',
		'  INSTANCE      TYPE  STATE   GROUP  DRIVER  VFIO-DEV  MDEVCTL',
		'  0000:41:00.4  1155  active    100  nvidia  vfio0     -',
		'  0000:41:00.5  1155  active    101  nvidia  vfio1     -',
	]);
	t.true(lines.includes('  SR-IOV off: 0 of 16 VFs enabled, so no vGPU can be created (/usr/lib/nvidia/sriov-manage -e 0000:81:00.0)'));
	t.true(lines.includes('  1414  ?     vfio-pci      0          7  -'));
	t.true(lines.includes('Found     3 parents, 3 types, 10 active instances, 0 defined, not active'));
	// mdev parents print as before: no kind marker.
	t.true(renderPlain(scan('mixed-gvtg-sriov')).split('\n').includes('Parent 0000:00:02.0'));
});

test('TUI: the GPUs, their types with availability and the VFs that carry a vGPU', async (t) => {
	const root = path.join(trees, 'nvidia-sriov');
	const model = scanHost(root);
	const {lastFrame, stdin, unmount} = render(React.createElement(App, {model, rescan: () => scanHost(root), color: false}));
	t.teardown(unmount);
	const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
	// Key handling and redraws take a while on a busy machine: wait for the frame, not a fixed time.
	const waitFor = async (pattern: RegExp) => {
		for (const end = Date.now() + 50_000; !pattern.test(lastFrame() ?? ''); await delay(20)) {
			if (Date.now() > end) throw new Error(`no frame matched ${pattern}:\n${lastFrame()}`);
		}
		return lastFrame() ?? '';
	};
	let frame = await waitFor(/Types of 0000:41:00\.0/);
	for (const pf of ['0000:41:00.0', '0000:81:00.0', '0000:c1:00.0']) t.true(frame.includes(pf), pf);
	t.regex(frame, /Types of 0000:41:00\.0 \(2\)/);
	t.regex(frame, /1155\s+NVIDIA L40S-8Q\s+vfio-pci\s+13\s+3/);
	t.regex(frame, /1156\s+NVIDIA L40S-8C\s+vfio-pci\s+13\s+0/);
	for (const vf of ['0000:41:00.4', '0000:41:00.5', '0000:41:00.6']) t.true(frame.includes(vf), vf);
	t.regex(frame, /NVIDIA vGPU on SR-IOV virtual functions \(no mdev\)/);

	// Down twice: the full H200, its one type with 0 available and its 7 VFs.
	stdin.write('j');
	await waitFor(/Types of 0000:81:00\.0/);
	stdin.write('j');
	frame = await waitFor(/Types of 0000:c1:00\.0 \(1\)/);
	t.regex(frame, /1414\s.*vfio-pci\s+0\s+7/);
	t.regex(frame, /Instances of 0000:c1:00\.0, all types \((1-\d\/)?7\)/);
	t.true(frame.includes('0000:c1:00.4'));
});

// ---- probes address a VF by its PCI address -------------------------------------------------------

test('probe runner: an SR-IOV instance goes to the child under its PCI address, the device name VFIO_GROUP_GET_DEVICE_FD takes', async (t) => {
	const dev = mkdtempSync(path.join(tmpdir(), 'mdevscope-sriov-probe-'));
	t.teardown(() => rmSync(dev, {recursive: true, force: true}));
	// A container that is a plain file: the child opens it and VFIO_GET_API_VERSION answers ENOTTY.
	mkdirSync(path.join(dev, 'dev/vfio'), {recursive: true});
	writeFileSync(path.join(dev, 'dev/vfio/vfio'), '');
	const scanned = scan('nvidia-sriov');
	const live: HostModel = {...scanned, root: '/', source: {kind: 'live', label: null, recordedAt: null}};
	const [result] = await probeInstances(live, ['0000:41:00.4'], {devRoot: dev, concurrency: 1});
	t.is(result!.uuid, '0000:41:00.4');
	t.is(result!.outcome, 'no-vfio');
	t.is(result!.steps[0]!.step, `open ${path.join(dev, 'dev/vfio/vfio')}`);
	// Read from a tree: nothing is spawned, the VF is named by its address in the answer.
	const [fromTree] = await probeInstances(scanned, ['0000:c1:00.4']);
	t.is(fromTree!.uuid, '0000:c1:00.4');
	t.is(fromTree!.outcome, 'not-live');
});
