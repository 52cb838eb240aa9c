// The incremental rescan (src/sysfs/rescan.ts) against a full scan: on a tree from the benchmark's
// generator, copied to a temp dir and then changed as a host changes (instances created, removed,
// moved to another type or group, bound to another driver, their vfio devices gone and back, counts
// changed, parents gone and back, drivers rebound, files broken, instances vanishing while the scan
// runs), the rescan of the previous model must equal a full scan of the changed tree, and an
// unchanged tree must cost far fewer reads than a full scan.
import {cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test, {type ExecutionContext} from 'ava';
import {PRESETS, writeTree} from '../bench/gen.mjs';
import type {HostModel} from '../src/model/types.js';
import type {AccessCall} from '../src/sysfs/env.js';
import {rescanHost} from '../src/sysfs/rescan.js';
import {scanHost} from '../src/sysfs/scan.js';

const TREES = fileURLToPath(new URL('fixtures/trees', import.meta.url));
// The small preset's first two GPUs and their first types (bench/gen.mjs: bdf(i), nvidia-<200 + (i % 8) * 64 + t>).
const GPU0 = '0000:10:00.0';
const GPU1 = '0000:10:01.0';

function temp(t: ExecutionContext): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'rescan-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	return dir;
}

function generated(t: ExecutionContext): string {
	const root = path.join(temp(t), 'tree');
	writeTree(root, PRESETS.small, 6);
	return root;
}

const at = (root: string, rel: string) => path.join(root, rel);
const device = (gpu: string) => `sys/devices/pci0000:00/${gpu}`;
const typeDir = (gpu: string, type: string) => `${device(gpu)}/mdev_supported_types/${type}`;

function link(root: string, rel: string, targetRel: string): void {
	mkdirSync(path.dirname(at(root, rel)), {recursive: true});
	symlinkSync(path.relative(path.dirname(rel), targetRel), at(root, rel));
}

/** An mdev as the kernel makes one (and bench/gen.mjs writes one): its directory, links and back links. */
function createInstance(root: string, gpu: string, type: string, uuid: string, group: number): void {
	const dir = `${device(gpu)}/${uuid}`;
	mkdirSync(at(root, `${dir}/vfio-dev/vfio${group}`), {recursive: true});
	mkdirSync(at(root, `sys/kernel/iommu_groups/${group}/devices`), {recursive: true});
	link(root, `${dir}/mdev_type`, typeDir(gpu, type));
	link(root, `${typeDir(gpu, type)}/devices/${uuid}`, dir);
	link(root, `${dir}/iommu_group`, `sys/kernel/iommu_groups/${group}`);
	link(root, `sys/kernel/iommu_groups/${group}/devices/${uuid}`, dir);
	link(root, `${dir}/driver`, 'sys/bus/mdev/drivers/nvidia-vgpu-vfio');
	link(root, `sys/bus/mdev/devices/${uuid}`, dir);
}

/** Removes an mdev in the kernel's order: the type's link first, then the bus entry, then the rest. */
function removeInstance(root: string, uuid: string): void {
	const dir = path.resolve(at(root, 'sys/bus/mdev/devices'), readlinkSync(at(root, `sys/bus/mdev/devices/${uuid}`)));
	const type = path.resolve(dir, readlinkSync(path.join(dir, 'mdev_type')));
	const group = path.resolve(dir, readlinkSync(path.join(dir, 'iommu_group')));
	unlinkSync(path.join(type, 'devices', uuid));
	unlinkSync(at(root, `sys/bus/mdev/devices/${uuid}`));
	rmSync(group, {recursive: true});
	rmSync(dir, {recursive: true});
}

/** The first instance of a type in the generated tree. */
function instanceOf(root: string, gpu: string, type: string): string {
	return readdirSync(at(root, `${typeDir(gpu, type)}/devices`)).sort()[0]!;
}

/** The model without its scan time, the one thing two scans of the same tree always differ in. */
const timeless = (m: HostModel) => ({...m, scannedAt: ''});

/** Rescans `previous` and checks the result against a full scan of the tree as it is now; returns the rescan. */
function same(t: ExecutionContext, previous: HostModel, what: string): HostModel {
	const again = rescanHost(previous);
	t.deepEqual(timeless(again), timeless(scanHost(previous.root)), what);
	return again;
}

function counted(scan: (onAccess: (call: AccessCall, file: string) => void) => HostModel): {model: HostModel; calls: Array<{call: AccessCall; file: string}>; files: string[]} {
	const calls: Array<{call: AccessCall; file: string}> = [];
	const model = scan((call, file) => calls.push({call, file}));
	return {model, calls, files: calls.filter((c) => c.call === 'read').map((c) => c.file)};
}

test('every fixture tree, unchanged: the rescan equals a full scan, errors and all', (t) => {
	for (const name of readdirSync(TREES)) {
		const root = path.join(TREES, name);
		same(t, scanHost(root), name);
	}
});

test('an unchanged tree: no static file is read again, and far fewer calls than a full scan', (t) => {
	const root = generated(t);
	const full = counted((onAccess) => scanHost(root, {onAccess}));
	const again = counted((onAccess) => rescanHost(full.model, {onAccess}));
	t.deepEqual(timeless(again.model), timeless(full.model));
	const statics = /\/(name|description|device_api|vendor|device|subsystem_vendor|subsystem_device|numa_node)$/;
	t.deepEqual(again.files.filter((f) => statics.test(f)), []);
	t.true(full.files.some((f) => statics.test(f)), 'the full scan does read them');
	t.log(`full scan: ${full.calls.length} calls, rescan: ${again.calls.length}`);
	t.true(again.calls.length < full.calls.length * 0.6, `${again.calls.length} calls against ${full.calls.length}`);
	// What a rescan reads of each type: its count and its list of instances.
	const perType = again.files.filter((f) => f.includes('/mdev_supported_types/'));
	t.true(perType.every((f) => f.endsWith('/available_instances')), perType.join('\n'));
	// Of each live instance: its iommu_group and driver links (and an lstat of its vfio device, not reported).
	const live = full.model.instances.filter((i) => i.active && !i.gone);
	const inInstance = again.calls.filter((c) => live.some((i) => c.file.includes(`/${i.uuid}/`))).map((c) => `${c.call} ${path.basename(c.file)}`);
	t.deepEqual(inInstance.sort(), live.flatMap(() => ['readlink driver', 'readlink iommu_group']).sort());
});

test('instances created, removed, and created again in another type or group under the same uuid', (t) => {
	const root = generated(t);
	let model = scanHost(root);
	createInstance(root, GPU0, 'nvidia-200', 'aaaaaaaa-0000-4000-8000-000000000001', 900);
	writeFileSync(at(root, `${typeDir(GPU0, 'nvidia-200')}/available_instances`), '0\n');
	model = same(t, model, 'created');
	t.true(model.instances.some((i) => i.uuid === 'aaaaaaaa-0000-4000-8000-000000000001' && i.iommuGroup === 900));

	const victim = instanceOf(root, GPU1, 'nvidia-265');
	removeInstance(root, victim);
	model = same(t, model, 'removed');
	t.false(model.instances.some((i) => i.uuid === victim && i.active));

	// Removed and created again between two rescans: the same uuid and group number, another type.
	removeInstance(root, 'aaaaaaaa-0000-4000-8000-000000000001');
	createInstance(root, GPU0, 'nvidia-201', 'aaaaaaaa-0000-4000-8000-000000000001', 900);
	model = same(t, model, 'moved to another type');
	t.like(model.instances.find((i) => i.uuid === 'aaaaaaaa-0000-4000-8000-000000000001'), {mdevType: 'nvidia-201', iommuGroup: 900});

	// The same type, another group (the old group number gone).
	removeInstance(root, 'aaaaaaaa-0000-4000-8000-000000000001');
	createInstance(root, GPU0, 'nvidia-201', 'aaaaaaaa-0000-4000-8000-000000000001', 902);
	model = same(t, model, 'created again in the same type');
	t.like(model.instances.find((i) => i.uuid === 'aaaaaaaa-0000-4000-8000-000000000001'), {iommuGroup: 902});

	// The same type, another group, and its old group number taken by another instance meanwhile.
	removeInstance(root, 'aaaaaaaa-0000-4000-8000-000000000001');
	createInstance(root, GPU1, 'nvidia-264', 'aaaaaaaa-0000-4000-8000-000000000002', 902);
	createInstance(root, GPU0, 'nvidia-201', 'aaaaaaaa-0000-4000-8000-000000000001', 904);
	model = same(t, model, 'created again in the same type, its old group number taken');
	t.like(model.instances.find((i) => i.uuid === 'aaaaaaaa-0000-4000-8000-000000000001'), {iommuGroup: 904});
});

test('a live instance unbound from its mdev driver, bound to another, its vfio device gone, back and renumbered', (t) => {
	const root = generated(t);
	const uuid = instanceOf(root, GPU0, 'nvidia-200');
	const dir = at(root, `${device(GPU0)}/${uuid}`);
	const instance = (m: HostModel) => m.instances.find((i) => i.uuid === uuid);
	let model = scanHost(root);
	t.like(instance(model), {driver: 'nvidia-vgpu-vfio'});
	t.not(instance(model)!.vfioDev, null);

	unlinkSync(path.join(dir, 'driver'));
	model = same(t, model, 'driver unbound');
	t.like(instance(model), {driver: null});
	link(root, `${device(GPU0)}/${uuid}/driver`, 'sys/bus/mdev/drivers/vfio_mdev');
	model = same(t, model, 'bound to another driver');
	t.like(instance(model), {driver: 'vfio_mdev'});

	rmSync(path.join(dir, 'vfio-dev'), {recursive: true});
	model = same(t, model, 'vfio device gone');
	t.like(instance(model), {vfioDev: null});
	mkdirSync(path.join(dir, 'vfio-dev/vfio77'), {recursive: true});
	model = same(t, model, 'vfio device back');
	t.like(instance(model), {vfioDev: 'vfio77'});
	rmSync(path.join(dir, 'vfio-dev/vfio77'), {recursive: true});
	mkdirSync(path.join(dir, 'vfio-dev/vfio78'));
	model = same(t, model, 'vfio device renumbered');
	t.like(instance(model), {vfioDev: 'vfio78'});
});

test('available_instances changed, made unreadable, and readable again', (t) => {
	const root = generated(t);
	const file = at(root, `${typeDir(GPU1, 'nvidia-264')}/available_instances`);
	let model = scanHost(root);
	writeFileSync(file, '7\n');
	model = same(t, model, 'changed');
	rmSync(file);
	mkdirSync(file); // EISDIR, even as root
	model = same(t, model, 'unreadable');
	t.true(model.parents.find((p) => p.name === GPU1)!.types.find((ty) => ty.id === 'nvidia-264')!.errors.some((e) => e.code === 'EISDIR'));
	rmSync(file, {recursive: true});
	writeFileSync(file, 'many\n');
	model = same(t, model, 'not a number');
	writeFileSync(file, '3\n');
	same(t, model, 'readable again');
});

test('a parent removed and registered again, its driver unbound and rebound elsewhere, its module reloaded', (t) => {
	const root = generated(t);
	let model = scanHost(root);
	unlinkSync(at(root, `sys/class/mdev_bus/${GPU1}`));
	model = same(t, model, 'parent removed');
	t.false(model.parents.some((p) => p.name === GPU1));
	link(root, `sys/class/mdev_bus/${GPU1}`, device(GPU1));
	model = same(t, model, 'parent back');

	const driver = at(root, `${device(GPU0)}/driver`);
	unlinkSync(driver);
	model = same(t, model, 'driver unbound');
	t.is(model.parents.find((p) => p.name === GPU0)!.driver, null);
	link(root, `${device(GPU0)}/driver`, 'sys/bus/pci/drivers/vfio-pci');
	model = same(t, model, 'bound to another driver');
	t.is(model.parents.find((p) => p.name === GPU0)!.driver, 'vfio-pci');

	// A new driver version may rename the types: a parent whose module changed is read whole.
	writeFileSync(at(root, 'sys/module/nvidia/version'), '550.54.10\n');
	writeFileSync(at(root, `${typeDir(GPU1, 'nvidia-264')}/name`), 'GRID renamed\n');
	model = same(t, model, 'module upgraded');
	t.is(model.parents.find((p) => p.name === GPU1)!.types.find((ty) => ty.id === 'nvidia-264')!.name, 'GRID renamed');

	// A type directory added: the parent's identity changed.
	cpSync(at(root, typeDir(GPU1, 'nvidia-264')), at(root, typeDir(GPU1, 'nvidia-299')), {recursive: true, verbatimSymlinks: true});
	for (const uuid of readdirSync(at(root, `${typeDir(GPU1, 'nvidia-299')}/devices`))) unlinkSync(at(root, `${typeDir(GPU1, 'nvidia-299')}/devices/${uuid}`));
	same(t, model, 'type added');
});

test("mdevctl's store: a definition modified in place, added and removed", (t) => {
	const root = generated(t);
	let model = scanHost(root);
	const dir = at(root, `etc/mdevctl.d/${GPU0}`);
	const file = path.join(dir, readdirSync(dir).sort()[0]!);
	const json = JSON.parse(readFileSync(file, 'utf8')) as {start: string};
	writeFileSync(file, JSON.stringify({...json, start: json.start === 'auto' ? 'manual' : 'auto'}));
	model = same(t, model, 'modified');
	writeFileSync(path.join(dir, 'bbbbbbbb-0000-4000-8000-000000000002'), JSON.stringify({mdev_type: 'nvidia-200', start: 'auto', attrs: []}));
	model = same(t, model, 'added');
	rmSync(file);
	model = same(t, model, 'removed');
	writeFileSync(path.join(dir, 'bbbbbbbb-0000-4000-8000-000000000002'), '{');
	same(t, model, 'broken');
});

test('instances vanishing while the scan runs: the rescan sees what a full scan sees', (t) => {
	const root = generated(t);
	const model = scanHost(root);
	const copy = (name: string) => {
		const dir = path.join(path.dirname(root), name);
		cpSync(root, dir, {recursive: true, verbatimSymlinks: true});
		return dir;
	};
	// Both scans of one copy each, with the same removal at the same point of the scan.
	const compare = (what: string, change: (r: string) => void, when: (r: string, call: AccessCall, file: string) => boolean, undo: (r: string) => void) => {
		const results = (['rescan', 'full'] as const).map((kind) => {
			const r = copy(`${what.replace(/\W+/g, '-')}-${kind}`);
			change(r);
			let done = false;
			const onAccess = (call: AccessCall, file: string) => {
				if (!done && when(r, call, file)) {
					done = true;
					undo(r);
				}
			};
			const scanned = kind === 'rescan' ? rescanHost({...model, root: r}, {onAccess}) : scanHost(r, {onAccess, source: model.source});
			t.true(done, `${what}: the removal happened during the ${kind}`);
			return timeless({...scanned, root: '', ...relocate(scanned, r, root)});
		});
		t.deepEqual(results[0], results[1], what);
	};

	// An instance known to the last scan, removed after its type listed it, before the bus is listed.
	const known = instanceOf(root, GPU0, 'nvidia-200');
	compare(
		'known instance removed between the listings',
		() => {},
		(r, call, file) => call === 'list' && file === at(r, 'sys/bus/mdev/devices'),
		(r) => removeInstance(r, known),
	);
	// A new instance, removed after the bus listed it, before its links are read.
	const fresh = 'cccccccc-0000-4000-8000-000000000003';
	compare(
		'new instance removed while it is read',
		(r) => createInstance(r, GPU1, 'nvidia-266', fresh, 903),
		(r, call, file) => call === 'readlink' && file === at(r, `sys/bus/mdev/devices/${fresh}`),
		(r) => removeInstance(r, fresh),
	);
});

/** A model read from a copy, with the copy's paths in messages put back to the original root's. */
function relocate(m: HostModel, from: string, to: string): Partial<HostModel> {
	return JSON.parse(JSON.stringify({parents: m.parents, instances: m.instances, errors: m.errors, source: m.source}).split(from).join(to)) as Partial<HostModel>;
}
