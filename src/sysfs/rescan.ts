// Reads a root again (`r` in the TUI) re-reading only what can have changed since the last scan.
// What does change while a host runs: the lists (sys/class/mdev_bus, sys/bus/mdev/devices, each
// type's devices/, sys/kernel/iommu_groups, mdevctl's store), every type's available_instances
// (creating or removing an instance on one type changes the others' counts), the host facts and the
// SR-IOV VFs' state (both small, read again whole), and mdevctl's definitions (`mdevctl modify`
// rewrites a file in place, so each is read again; they are small files outside sysfs).
// What does not change while a device stays registered: a parent's bus, PCI ids and NUMA node, a
// type's name, description and device API, and an instance's mdev_type and iommu_group links. What
// does: an instance's binding (unbound from its mdev driver or bound to another, its `driver` link
// and `vfio-dev/vfioN` change), and a uuid removed and created again in the same type may come back
// in another IOMMU group. So each instance's iommu_group and driver links are read again (two
// readlinks) and its vfio device looked for (one lstat).
// So a parent is read whole only when it is new, had errors, or its identity moved (its link now
// resolves elsewhere, its driver link changed, its type directories changed, or its driver module's
// version did); an instance only when it is new, had errors, its type's devices/ no longer puts it
// under the same parent and type, or its group, driver or vfio device is not the one read last time.
// The result equals a full scan of the same tree (test/rescan.test.ts). What it does not see: a
// change inside a registered device that the kernel does not make (a type renamed without its
// driver module changing, an mdev's directory moved out of its parent's), and a second vfio device
// next to an mdev's first (the kernel makes one).
import path from 'node:path';
import type {DriverModule, HostModel, Instance, MdevType, Parent} from '../model/types.js';
import {type Env, listDir, present, readLinkName, resolveUnderRoot} from './env.js';
import {type EntryReaders, parentsByPath, readParent, readSettled, readType, readTypeInstances, scanWith, type ScanOptions} from './scan.js';

export type RescanOptions = Pick<ScanOptions, 'onAccess'>;

/** A scan of `previous.root` that reuses from `previous` what cannot have changed; same source marker. */
export function rescanHost(previous: HostModel, opts: RescanOptions = {}): HostModel {
	const before = new Map(previous.parents.filter((p) => p.kind === 'mdev').map((p) => [p.name, p]));
	const active = new Map(previous.instances.filter((i) => i.kind === 'mdev' && i.active).map((i) => [i.uuid, i]));
	// A parent whose driver module changed (reloaded, upgraded) may name its types anew: read whole.
	const whole = new Set<string>();
	for (;;) {
		const reused = new Set<string>();
		const model = scanWith(previous.root, {...opts, source: previous.source}, readers(before, active, whole, reused));
		const moved = model.parents.filter((p) => reused.has(p.name) && !sameModule(p.driverModule, before.get(p.name)!.driverModule));
		if (moved.length === 0) return model;
		for (const p of moved) whole.add(p.name);
	}
}

function readers(before: Map<string, Parent>, active: Map<string, Instance>, whole: Set<string>, reused: Set<string>): EntryReaders {
	return {
		parent(env, name) {
			const prev = before.get(name);
			if (!prev || whole.has(name) || !clean(prev)) return readParent(env, name);
			const again = reuseParent(env, name, prev);
			if (again === null) return readParent(env, name);
			reused.add(name);
			return again;
		},
		instances(env, parents, iommuGroups) {
			const byPath = parentsByPath(parents);
			// Where the type listings just read put each uuid.
			const placed = new Map<string, {parent: Parent; type: string}>();
			for (const p of parents) {
				if (p.devicePath === null) continue;
				for (const t of p.types) for (const uuid of t.instances) placed.set(uuid, {parent: p, type: t.id});
			}
			const groups = iommuGroups === null ? null : new Set(iommuGroups);
			return (name) => {
				const prev = active.get(name);
				const where = placed.get(name);
				const same =
					prev !== undefined &&
					clean(prev) &&
					where !== undefined &&
					prev.parent === where.parent.name &&
					prev.mdevType === where.type &&
					// An mdev's directory sits in its parent's device directory (mdev core: mdev->dev.parent).
					sameLinks(env, path.join(env.at(where.parent.devicePath!), name), prev, groups);
				// Its definition is joined afresh.
				return same ? {...prev, definition: null, errors: []} : readSettled(env, name, byPath);
			};
		},
	};
}

/** Read last time without an error (errors may have been passing: read such an item whole). */
const clean = (item: Parent | Instance | MdevType) => !item.gone && item.errors.length === 0;

/**
 * The parent from what is still true of it, when its link resolves to the same device directory,
 * its driver link names the same driver and it lists the same types; else null (read it whole).
 * Each type's counts and instances are read again; a type with errors now or last time is read whole.
 */
function reuseParent(env: Env, name: string, prev: Parent): Parent | null {
	const resolved = resolveUnderRoot(env, path.join(env.sysClassMdevBus, name));
	if (!resolved.ok || env.shown(resolved.value) !== prev.devicePath) return null;
	const dir = resolved.value;
	if (!sameDriver(env, dir, prev.driver)) return null;
	const typesDir = path.join(dir, 'mdev_supported_types');
	const ids = listDir(env, typesDir);
	if (!ids.ok || !sameList(ids.value, prev.types)) return null;
	const types = prev.types.map((t) => reuseType(env, path.join(typesDir, t.id), t));
	return {...prev, driverModule: null, types, errors: []};
}

function reuseType(env: Env, dir: string, prev: MdevType): MdevType {
	if (!clean(prev)) return readType(env, dir, prev.id);
	const type: MdevType = {...prev, availableInstances: null, instances: [], errors: []};
	readTypeInstances(env, dir, type);
	return type.errors.length === 0 ? type : readType(env, dir, prev.id);
}

/**
 * Whether an instance's own links say what they said: its IOMMU group (removed and created again
 * under the same uuid, parent and type, it may have another, its old number taken by another device
 * meanwhile), and its binding: unbound from its mdev driver or bound to another, its `driver` link
 * changes and its `vfio-dev/vfioN` goes or comes. `groups`: the entries of sys/kernel/iommu_groups.
 */
function sameLinks(env: Env, dir: string, prev: Instance, groups: ReadonlySet<string> | null): boolean {
	// Listed, the group exists; not listed (no iommu_groups), the link is followed to see that it does.
	const group = readLinkName(env, path.join(dir, 'iommu_group'), {mustExist: groups === null});
	if (!group.ok || group.value !== String(prev.iommuGroup) || (groups !== null && !groups.has(group.value))) return false;
	if (!sameDriver(env, dir, prev.driver)) return false;
	// An mdev has one vfio device at most: its vfio-dev/vfioN there as before, or no vfio-dev/ as before.
	return prev.vfioDev === null ? !present(path.join(dir, 'vfio-dev')) : present(path.join(dir, 'vfio-dev', prev.vfioDev));
}

/** Whether `dir`'s `driver` link names `driver` (null: no link), as a scan reads it. */
function sameDriver(env: Env, dir: string, driver: string | null): boolean {
	const read = readLinkName(env, path.join(dir, 'driver'), {mustExist: false});
	return read.ok ? read.value === driver : read.absent === true && driver === null;
}

function sameList(ids: readonly string[], types: readonly MdevType[]): boolean {
	return ids.length === types.length && ids.every((id, i) => types[i]!.id === id);
}

function sameModule(a: DriverModule | null, b: DriverModule | null): boolean {
	return a?.name === b?.name && a?.version === b?.version && a?.srcversion === b?.srcversion;
}
