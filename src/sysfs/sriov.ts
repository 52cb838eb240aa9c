// NVIDIA SR-IOV vGPUs, NVIDIA's "vendor-specific VFIO framework" (vGPU 17+ on Ada, Hopper and
// Blackwell GPUs; user problem #11 in docs/doctor.md). There is no mdev here: the GPU is a PCI physical function (PF)
// bound to `nvidia`; `/usr/lib/nvidia/sriov-manage -e <PF>` enables its virtual functions (VFs); each
// VF has `nvidia/creatable_vgpu_types` (a table `ID : vGPU Name`, one `1414 : NVIDIA H200X-1-18C`
// line per type the VF can take now, only the header once the GPU is full) and
// `nvidia/current_vgpu_type` (the type id written to create its vGPU, 0 for none), its own IOMMU
// group and, bound to `nvidia`, a `vfio-dev/vfioN` child. Both files reset on reboot or driver reload.
// This reads them into the mdev model: a parent per PF (kind `nvidia-sriov`), its types the union of
// what its VFs list, an instance per VF that carries a vGPU, named by the VF's PCI address.
// PCI's own files (sriov_totalvfs, sriov_numvfs, virtfnN, physfn): Documentation/ABI/testing/sysfs-bus-pci.
// Reads only, like the rest of sysfs/: a broken tree gives errors on the items, never a throw.
import path from 'node:path';
import {blankInstance, blankParent} from '../model/blank.js';
import type {Instance, ItemError, MdevType, Parent} from '../model/types.js';
import {
	byCodeUnit,
	type Env,
	excerpt,
	itemError,
	listDir,
	parseInt10,
	present,
	readAttr,
	readInt,
	readLinkName,
	readLinkTarget,
	resolveUnderRoot,
} from './env.js';
import {readPciIds} from './attrs.js';

/** One line of `creatable_vgpu_types`: the numeric type id and the name the driver gives it. */
export interface CreatableType {
	id: string;
	name: string | null;
}

const HEADER = /^ID\s*:\s*vGPU Name$/i;
const ENTRY = /^(\d+)\s*:\s*(.*)$/;

/**
 * Parses a VF's `creatable_vgpu_types`: the `ID : vGPU Name` header (skipped), then one
 * `<id> : <name>` line per type (columns padded with blanks). Lines that are neither are returned
 * in `bad` with their 1-based line numbers, for the caller to report; the rest still count.
 */
export function parseCreatableVgpuTypes(text: string): {types: CreatableType[]; bad: Array<{line: number; text: string}>} {
	const types: CreatableType[] = [];
	const bad: Array<{line: number; text: string}> = [];
	text.split('\n').forEach((raw, i) => {
		const line = raw.trim();
		if (line === '' || HEADER.test(line)) return;
		const m = ENTRY.exec(line);
		if (!m) {
			bad.push({line: i + 1, text: line});
			return;
		}
		types.push({id: normalId(m[1]!), name: m[2]!.trim() || null});
	});
	return {types, bad};
}

/** Type ids as `current_vgpu_type` prints them: decimal without leading zeros. */
const normalId = (digits: string) => digits.replace(/^0+(?=\d)/, '');

const VIRTFN = /^virtfn(\d+)$/;
const NVIDIA_VENDOR = '0x10de';

interface Vf {
	bdf: string;
	/** The VF's device directory (absolute, resolved inside the root). */
	dir: string;
}

/**
 * Every NVIDIA SR-IOV vGPU parent and instance under the root. A PF is a parent when one of its
 * VFs has `nvidia/creatable_vgpu_types`, or when it is an NVIDIA function bound to `nvidia` that
 * can have VFs and has none enabled (SR-IOV off: `sriov-manage -e` not run since boot).
 * A device registered in mdev_bus stays an mdev parent (older vGPU releases make some VFs mdev parents).
 */
export function readNvidiaSriov(env: Env, mdevParents: readonly Parent[], hostErrors: ItemError[]): {parents: Parent[]; instances: Instance[]} {
	const none = {parents: [], instances: []};
	if (!present(env.sysBusPciDevices)) return none;
	const list = listDir(env, env.sysBusPciDevices);
	if (!list.ok) {
		hostErrors.push(list.error);
		return none;
	}
	const mdevNames = new Set(mdevParents.map((p) => p.name));
	// Two lstat(2)s per PCI function find both ends: VFs by their nvidia/ files, PFs by sriov_totalvfs.
	const vfsOf = new Map<string, Vf[]>();
	const pfDirs = new Map<string, string>();
	for (const name of list.value) {
		const entry = path.join(env.sysBusPciDevices, name);
		const dir = deviceDir(env, entry);
		if (dir === null) continue; // a dangling PCI link says nothing about vGPUs
		if (present(path.join(dir, 'nvidia', 'creatable_vgpu_types'))) {
			const physfn = readLinkName(env, path.join(dir, 'physfn'), {mustExist: false});
			if (!physfn.ok) {
				hostErrors.push(
					itemError(
						env,
						path.join(dir, 'physfn'),
						physfn.error.code,
						`${name} has nvidia/creatable_vgpu_types, which only NVIDIA's SR-IOV VFs have, but its physfn link cannot be read (${physfn.error.code}), so its GPU is unknown and it is not shown. The tree is incomplete or the VF is going away.`,
					),
				);
				continue;
			}
			const vfs = vfsOf.get(physfn.value) ?? [];
			vfs.push({bdf: name, dir});
			vfsOf.set(physfn.value, vfs);
		} else if (present(path.join(dir, 'sriov_totalvfs'))) {
			pfDirs.set(name, dir);
		}
	}

	const parents: Parent[] = [];
	const instances: Instance[] = [];
	const names = new Set([...vfsOf.keys(), ...pfDirs.keys()]);
	for (const pf of [...names].sort(byCodeUnit)) {
		if (mdevNames.has(pf)) continue;
		const found = vfsOf.get(pf) ?? [];
		if (found.some((vf) => mdevNames.has(vf.bdf))) continue;
		let dir = pfDirs.get(pf) ?? null;
		if (dir === null) {
			const resolved = resolveUnderRoot(env, path.join(env.sysBusPciDevices, pf));
			if (!resolved.ok) {
				hostErrors.push(
					itemError(
						env,
						path.join(env.sysBusPciDevices, pf),
						resolved.error.code,
						`The VFs ${found.map((vf) => vf.bdf).join(', ')} name ${pf} as their GPU (physfn), but ${env.shown(path.join(env.sysBusPciDevices, pf))} cannot be read: ${resolved.error.message} They are not shown.`,
					),
				);
				continue;
			}
			dir = resolved.value;
		}
		if (found.length === 0 && !sriovOff(env, dir)) continue;
		const read = readPf(env, pf, dir, found);
		parents.push(read.parent);
		instances.push(...read.instances);
	}
	return {parents, instances};
}

/** A `sys/bus/pci/devices` entry's device directory: the link's own relative target, else resolved under the root. */
function deviceDir(env: Env, entry: string): string | null {
	const target = readLinkTarget(env, entry);
	if (!target.ok) return target.error.code === 'EINVAL' ? entry : null; // EINVAL: a plain directory (a hand-made tree)
	const dir = path.resolve(path.dirname(entry), target.value);
	if (!target.value.startsWith('/') && env.inside(dir)) return dir;
	const resolved = resolveUnderRoot(env, entry);
	return resolved.ok ? resolved.value : null;
}

/** An NVIDIA function bound to `nvidia` that can have VFs and has none: an SR-IOV GPU waiting for sriov-manage -e. */
function sriovOff(env: Env, dir: string): boolean {
	const vendor = readAttr(env, path.join(dir, 'vendor'));
	if (!vendor.ok || vendor.value.toLowerCase() !== NVIDIA_VENDOR) return false;
	const driver = readLinkName(env, path.join(dir, 'driver'), {mustExist: false});
	if (!driver.ok || driver.value !== 'nvidia') return false;
	const total = readInt(env, path.join(dir, 'sriov_totalvfs'), {min: 0});
	const num = readInt(env, path.join(dir, 'sriov_numvfs'), {min: 0});
	return total.ok && total.value > 0 && num.ok && num.value === 0;
}

function missingFile(env: Env, file: string, what: string, why: string): ItemError {
	return itemError(env, file, 'ENOENT', `${env.shown(file)} does not exist, so the ${what} is unknown. ${why}`);
}

/** One PF: the parent, its types from its VFs, and an instance per VF that carries a vGPU. */
function readPf(env: Env, name: string, dir: string, foundVfs: readonly Vf[]): {parent: Parent; instances: Instance[]} {
	const errors: ItemError[] = [];
	const parent = blankParent(name, {kind: 'nvidia-sriov', devicePath: env.shown(dir), errors});
	const subsystem = readLinkName(env, path.join(dir, 'subsystem'), {mustExist: false});
	if (subsystem.ok) parent.bus = subsystem.value;
	else errors.push(subsystem.absent ? missingFile(env, path.join(dir, 'subsystem'), 'bus (subsystem link)', 'Every device has one: the tree is incomplete.') : subsystem.error);
	const driver = readLinkName(env, path.join(dir, 'driver'), {mustExist: false});
	if (driver.ok) parent.driver = driver.value;
	else if (!driver.absent) errors.push(driver.error);
	if (parent.bus === 'pci') parent.pci = readPciIds(env, dir, errors);
	// -1 is the kernel's "no NUMA node" (drivers/base/core.c prints dev_to_node()).
	const numa = readInt(env, path.join(dir, 'numa_node'), {min: -1, what: 'a NUMA node number'});
	if (numa.ok) parent.numaNode = numa.value;
	else if (!numa.absent) errors.push(numa.error);

	const count = (file: string, what: string): number | null => {
		const n = readInt(env, path.join(dir, file), {min: 0, what});
		if (n.ok) return n.value;
		errors.push(
			n.absent
				? missingFile(env, path.join(dir, file), what, 'The kernel creates it for every PCI device that can have SR-IOV VFs (sysfs-bus-pci): the tree is incomplete.')
				: n.error,
		);
		return null;
	};
	const totalVfs = count('sriov_totalvfs', 'number of VFs the device supports (sriov_totalvfs)');
	const numVfs = count('sriov_numvfs', 'number of enabled VFs (sriov_numvfs)');

	// The VFs in virtfnN order, then any that name this PF (physfn) without a virtfn link here.
	const vfs: Vf[] = [];
	const entries = listDir(env, dir);
	if (entries.ok) {
		const links = entries.value
			.map((e) => ({e, n: VIRTFN.exec(e)}))
			.filter((x) => x.n !== null)
			.sort((a, b) => Number(a.n![1]) - Number(b.n![1]));
		for (const {e} of links) {
			const link = path.join(dir, e);
			const resolved = resolveUnderRoot(env, link);
			if (!resolved.ok) {
				errors.push(resolved.error);
				continue;
			}
			vfs.push({bdf: path.basename(resolved.value), dir: resolved.value});
		}
	} else errors.push(entries.error);
	for (const vf of foundVfs) if (!vfs.some((v) => v.bdf === vf.bdf)) vfs.push(vf);
	parent.sriov = {totalVfs, numVfs, vfs: vfs.map((v) => v.bdf)};

	// Each VF: what it carries, what it could take.
	const listed = new Map<string, {name: string | null; from: string}>();
	const nameConflicts = new Map<string, ItemError[]>();
	const available = new Map<string, number>();
	const carriers = new Map<string, string[]>();
	const instances: Instance[] = [];
	let unknownFree = 0;
	for (const vf of vfs) {
		const nvidiaDir = path.join(vf.dir, 'nvidia');
		const creatableFile = path.join(nvidiaDir, 'creatable_vgpu_types');
		const currentFile = path.join(nvidiaDir, 'current_vgpu_type');
		if (!present(nvidiaDir)) {
			errors.push(
				missingFile(
					env,
					nvidiaDir,
					`vGPU state of the VF ${vf.bdf}`,
					"NVIDIA's vGPU host driver creates it on every VF of an SR-IOV vGPU GPU: the VF is bound to another driver, or the tree is incomplete.",
				),
			);
			unknownFree++;
			continue;
		}
		let creatable: CreatableType[] | null = null;
		const text = readAttr(env, creatableFile);
		if (text.ok) {
			if (text.warning) errors.push(text.warning);
			const parsed = parseCreatableVgpuTypes(text.value);
			creatable = parsed.types;
			for (const b of parsed.bad) {
				errors.push(
					itemError(
						env,
						creatableFile,
						'EPARSE',
						`Reading ${env.shown(creatableFile)}: line ${b.line} ${excerpt(b.text)} is not "<type id> : <name>" as the NVIDIA driver prints it; that line was skipped.`,
					),
				);
			}
			for (const t of creatable) {
				const seen = listed.get(t.id);
				if (!seen) listed.set(t.id, {name: t.name, from: vf.bdf});
				else if (seen.name === null) listed.set(t.id, {name: t.name, from: vf.bdf});
				else if (t.name !== null && t.name !== seen.name) {
					const list = nameConflicts.get(t.id) ?? [];
					list.push(
						itemError(
							env,
							creatableFile,
							'EPARSE',
							`${env.shown(creatableFile)} names type ${t.id} ${excerpt(t.name)}, but the VF ${seen.from} names it ${excerpt(seen.name)}; the first is shown. The driver should give one name per type id.`,
						),
					);
					nameConflicts.set(t.id, list);
				}
			}
		} else {
			errors.push(text.absent ? missingFile(env, creatableFile, `list of types the VF ${vf.bdf} can take`, 'The NVIDIA driver creates it on every VF: the tree is incomplete.') : text.error);
		}
		const current = readInt(env, currentFile, {min: 0, what: 'a vGPU type id (current_vgpu_type)'});
		if (!current.ok) {
			errors.push(current.absent ? missingFile(env, currentFile, `vGPU type of the VF ${vf.bdf}`, 'The NVIDIA driver creates it on every VF: the tree is incomplete.') : current.error);
			unknownFree++;
			continue;
		}
		if (current.value === 0) {
			if (creatable === null) unknownFree++;
			else for (const t of creatable) available.set(t.id, (available.get(t.id) ?? 0) + 1);
			continue;
		}
		const typeId = String(current.value);
		carriers.set(typeId, [...(carriers.get(typeId) ?? []), vf.bdf]);
		instances.push(readVfInstance(env, vf, name, typeId));
	}

	// Counts over free VFs are only exact when every VF's state was read; else they are unknown.
	const ids = new Set([...listed.keys(), ...carriers.keys()]);
	parent.types = [...ids].sort(byCodeUnit).map(
		(id): MdevType => ({
			id,
			name: listed.get(id)?.name ?? null,
			description: null,
			// A VF is a PCI function; VFIO hands PCI functions out through the vfio-pci device API
			// (include/uapi/linux/vfio.h VFIO_DEVICE_FLAGS_PCI). The driver has no device_api file here.
			deviceApi: parent.bus === 'pci' ? 'vfio-pci' : null,
			availableInstances: unknownFree > 0 ? null : (available.get(id) ?? 0),
			instances: [...(carriers.get(id) ?? [])].sort(byCodeUnit),
			errors: nameConflicts.get(id) ?? [],
		}),
	);
	if (unknownFree > 0 && parent.types.length > 0) {
		errors.push(
			itemError(
				env,
				dir,
				'ENODATA',
				`The state of ${unknownFree === 1 ? '1 VF' : `${unknownFree} VFs`} of ${name} could not be read (the reason is among this GPU's errors), so how many VFs can still take each type is not known; shown as unknown.`,
			),
		);
	}
	return {parent, instances};
}

/** A VF that carries a vGPU, as an instance: its type, IOMMU group, driver and vfio device. */
function readVfInstance(env: Env, vf: Vf, parent: string, typeId: string): Instance {
	const errors: ItemError[] = [];
	const inst = blankInstance(vf.bdf, {kind: 'nvidia-sriov', parent, mdevType: typeId, errors});
	const groupLink = path.join(vf.dir, 'iommu_group');
	const group = readLinkName(env, groupLink);
	if (group.ok) {
		const n = parseInt10(env, groupLink, group.value, {min: 0, what: 'an IOMMU group number (link target name)'});
		if (n.ok) inst.iommuGroup = n.value;
		else errors.push(n.error);
	} else {
		errors.push(
			group.absent
				? missingFile(
						env,
						groupLink,
						'IOMMU group',
						'A PCI function has one only while the IOMMU is on: enable it (intel_iommu=on or amd_iommu=on, VT-d/AMD-Vi in the firmware); without it VFIO cannot hand the VF to a VM.',
					)
				: group.error,
		);
	}
	const driver = readLinkName(env, path.join(vf.dir, 'driver'), {mustExist: false});
	if (driver.ok) inst.driver = driver.value;
	else if (!driver.absent) errors.push(driver.error);
	// The vfio device's class dir (`vfio-dev/vfioN`, also its /dev/vfio/devices node), made when the
	// driver registers the VF with VFIO.
	const vfioDev = listDir(env, path.join(vf.dir, 'vfio-dev'));
	if (vfioDev.ok) inst.vfioDev = vfioDev.value[0] ?? null;
	else if (!vfioDev.absent) errors.push(vfioDev.error);
	return inst;
}

/** A VF's vGPU state as its two nvidia/ files say now: what `start`/`stop` on a VF check before they write. */
export interface VfState {
	bdf: string;
	/** The PF's address (the VF's `physfn`); null when unreadable. */
	pf: string | null;
	/** `nvidia/current_vgpu_type` (absolute, under the root): the file a vGPU is assigned and released through. */
	currentFile: string;
	/** Its value: 0 for a free VF; null when unreadable (then `error` says why). */
	currentType: number | null;
	/** `nvidia/creatable_vgpu_types`: the types the VF can take now; null when unreadable. */
	creatable: CreatableType[] | null;
	error: ItemError | null;
}

/** Reads one VF (`sys/bus/pci/devices/<bdf>`); null when no such PCI function has NVIDIA's vGPU files. */
export function readVfState(env: Env, bdf: string): VfState | null {
	const entry = path.join(env.sysBusPciDevices, bdf);
	const dir = deviceDir(env, entry);
	if (dir === null || !present(path.join(dir, 'nvidia', 'current_vgpu_type'))) return null;
	const physfn = readLinkName(env, path.join(dir, 'physfn'), {mustExist: false});
	const currentFile = path.join(dir, 'nvidia', 'current_vgpu_type');
	const current = readInt(env, currentFile, {min: 0, what: 'a vGPU type id (current_vgpu_type)'});
	const text = readAttr(env, path.join(dir, 'nvidia', 'creatable_vgpu_types'));
	return {
		bdf,
		pf: physfn.ok ? physfn.value : null,
		currentFile,
		currentType: current.ok ? current.value : null,
		creatable: text.ok ? parseCreatableVgpuTypes(text.value).types : null,
		error: !current.ok ? current.error : !text.ok ? text.error : null,
	};
}
