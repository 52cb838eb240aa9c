// Reads a root into the HostModel: parents from sys/class/mdev_bus, their types, the instances in
// sys/bus/mdev/devices, mdevctl's definitions, and a few host facts. Layout: the kernel's
// Documentation/driver-api/vfio-mediated-device.rst and Documentation/ABI/testing/sysfs-bus-vfio-mdev.
// Synchronous and read-only; a broken tree gives a model with errors on the items, never a throw
// (only a root that is not a directory throws, before anything is read).
import {statSync} from 'node:fs';
import path from 'node:path';
import {SCHEMA_VERSION, UUID_PATTERN} from '../model/types.js';
import {blankInstance, blankParent} from '../model/blank.js';
import type {Definition, DriverModule, HostInfo, HostModel, Instance, ItemError, MdevType, Parent, PciIds} from '../model/types.js';
import {
	byCodeUnit,
	dangling,
	type Env,
	errCode,
	errnoMeaning,
	excerpt,
	itemError,
	listDir,
	makeEnv,
	parseInt10,
	present,
	readAttr,
	readBytes,
	readInt,
	readLinkName,
	readLinkTarget,
	resolveUnderRoot,
} from './env.js';
import {missing, readPciIds, text, type Owner} from './attrs.js';
import {readNvidiaSriov} from './sriov.js';

export interface ScanOptions {
	/** Where the data comes from; default: live for `/`, else a tree labelled with the root as given. */
	source?: HostModel['source'];
	/** Told of every read the scan makes (see Env.onAccess). */
	onAccess?: Env['onAccess'];
}

/**
 * How a scan reads the entries it lists: a full scan reads each one; a rescan (src/sysfs/rescan.ts)
 * reuses what it read last time where nothing says the entry changed.
 */
export interface EntryReaders {
	/** One entry of sys/class/mdev_bus. */
	parent(env: Env, name: string): Parent;
	/**
	 * Once the parents are read: how to read one entry of sys/bus/mdev/devices. `iommuGroups`: the
	 * entries of sys/kernel/iommu_groups (null when it could not be listed).
	 */
	instances(env: Env, parents: readonly Parent[], iommuGroups: readonly string[] | null): (name: string) => Instance;
}

const fullRead: EntryReaders = {
	parent: readParent,
	instances(env, parents) {
		const byPath = parentsByPath(parents);
		return (name) => readSettled(env, name, byPath);
	},
};

export function scanHost(root: string, opts: ScanOptions = {}): HostModel {
	return scanWith(root, opts, fullRead);
}

/** scanHost, with the entries read by `readers`. */
export function scanWith(root: string, opts: ScanOptions, readers: EntryReaders): HostModel {
	const absRoot = path.resolve(root);
	let isDir: boolean;
	try {
		isDir = statSync(absRoot).isDirectory();
	} catch (err) {
		const code = errCode(err);
		throw new Error(`cannot read the root ${root}: ${code}, ${errnoMeaning(code)}. Give a directory (\`/\` for this host).`);
	}
	if (!isDir) throw new Error(`the root ${root} is not a directory. Give a directory (\`/\` for this host).`);

	const env = makeEnv(absRoot, {onAccess: opts.onAccess});
	const errors: ItemError[] = [];
	const listed: {iommuGroups: string[] | null} = {iommuGroups: null};
	const host = readHostInfo(env, errors, listed);
	const mdevParents = readParents(env, errors, readers.parent);
	// NVIDIA SR-IOV vGPUs (src/sysfs/sriov.ts) are VFs, not mdevs: read apart, then merged in.
	const sriov = readNvidiaSriov(env, mdevParents, errors);
	const definitions = readDefinitions(env, errors);
	const mdevInstances = readInstances(env, mdevParents, definitions, errors, readers.instances(env, mdevParents, listed.iommuGroups));
	const parents = [...mdevParents, ...sriov.parents].sort((a, b) => byCodeUnit(a.name, b.name));
	const instances = [...mdevInstances, ...sriov.instances].sort((a, b) => byCodeUnit(a.uuid, b.uuid));
	readDriverModules(env, parents, instances);
	return {
		schemaVersion: SCHEMA_VERSION,
		root: absRoot,
		source: opts.source ?? (absRoot === '/' ? {kind: 'live', label: null, recordedAt: null} : {kind: 'tree', label: root, recordedAt: null}),
		scannedAt: new Date().toISOString(),
		host,
		parents,
		instances,
		errors,
	};
}

// ---- host ------------------------------------------------------------------------------------

/** A text file whose absence is normal (null, no error); any other failure is recorded. */
function optionalText(env: Env, file: string, errors: ItemError[]): string | null {
	const read = readAttr(env, file);
	if (!read.ok) {
		if (!read.absent) errors.push(read.error);
		return null;
	}
	if (read.warning) errors.push(read.warning);
	return read.value;
}

/** `listed`, when given, gets the entries of sys/kernel/iommu_groups. */
export function readHostInfo(env: Env, errors: ItemError[], listed?: {iommuGroups: string[] | null}): HostInfo {
	let kernelRelease = optionalText(env, env.procOsrelease, errors);
	if (kernelRelease === null) {
		// `Linux version 6.12.117+deb12-amd64 (...)`: the release is the third word.
		const version = optionalText(env, env.procVersion, errors);
		const words = version?.split(/\s+/) ?? [];
		kernelRelease = words[0] === 'Linux' && words[1] === 'version' && words[2] ? words[2] : null;
	}
	const hostname = optionalText(env, env.procHostname, errors) ?? optionalText(env, env.etcHostname, errors);

	let iommuGroups: number | null = null;
	if (present(env.iommuGroups)) {
		const groups = listDir(env, env.iommuGroups);
		if (groups.ok) {
			iommuGroups = groups.value.length;
			if (listed) listed.iommuGroups = groups.value;
		} else errors.push(groups.error);
	}
	return {
		kernelRelease: kernelRelease || null,
		hostname: hostname || null,
		modules: {
			vfio: present(path.join(env.sysModule, 'vfio')),
			vfio_iommu_type1: present(path.join(env.sysModule, 'vfio_iommu_type1')),
			mdev: present(path.join(env.sysModule, 'mdev')),
		},
		vfioContainer: present(env.devVfioContainer),
		iommuGroups,
		mdevBus: present(env.sysClassMdevBus),
		cmdline: optionalText(env, env.procCmdline, errors),
	};
}

// ---- shared item helpers -----------------------------------------------------------------------

// Items are read by trying their files, not by listing their directories first: a listing per
// type and per instance would double the system calls of a large host, and a missing file is rare.

/**
 * The name a link points to. Absent: null, plus an error when `required`. `mustExist: false` for
 * links whose name is all that matters (`subsystem`, `driver`): a partial capture of sysfs may
 * lack the class or driver directory they point to, and the name is still right.
 */
function link(
	env: Env,
	file: string,
	errors: ItemError[],
	opts: {required?: {what: string; owner: Owner}; mustExist?: boolean} = {},
): string | null {
	const read = readLinkName(env, file, {mustExist: opts.mustExist ?? true});
	if (!read.ok) {
		if (!read.absent) errors.push(read.error);
		else if (opts.required) errors.push(missing(env, file, opts.required.what, opts.required.owner));
		return null;
	}
	if (CONTROL.test(read.value)) {
		errors.push(
			itemError(
				env,
				file,
				'EPARSE',
				`The link ${env.shown(file)} points to a name with control characters (${excerpt(read.value)}), which no kernel object has; views show it with them removed.`,
			),
		);
	}
	return read.value;
}

/**
 * After an item's files were tried: when its directory is not there (any more), the failures that
 * follow are one fact, not many errors. Gone (removed during the scan, link and all), dangling
 * (the link is there, its target is not), or a file where the directory should be.
 */
function settle(env: Env, dir: string, via: string, errors: ItemError[], what: string): {errors: ItemError[]; gone: boolean; broken: boolean} {
	if (errors.length === 0) return {errors, gone: false, broken: false};
	let isDir: boolean | null;
	try {
		isDir = statSync(dir).isDirectory();
	} catch (err) {
		const code = errCode(err);
		// A loop is a broken tree, not a removal; other failures (EACCES) are already on the item.
		if (code === 'ELOOP') {
			return {errors: [itemError(env, via, 'ELOOP', `Resolving ${env.shown(via)}: the links form a loop; the tree is broken here.`)], gone: false, broken: true};
		}
		if (code !== 'ENOENT') return {errors, gone: false, broken: false};
		isDir = null;
	}
	if (isDir === true) return {errors, gone: false, broken: false};
	// `broken`: nothing of the item can be read; `gone`: because its directory does not exist.
	if (isDir === false) {
		return {
			errors: [itemError(env, dir, 'ENOTDIR', `${env.shown(dir)} is a file where the ${what}'s directory should be; nothing in it can be read.`)],
			gone: false,
			broken: true,
		};
	}
	if (via !== dir && present(via)) {
		const target = readLinkTarget(env, via);
		if (target.ok) return {errors: [dangling(env, via, target.value)], gone: true, broken: true};
	}
	return {errors: [gone(env, via, what)], gone: true, broken: true};
}

// C0 controls, DEL and C1 controls: what a terminal may act on.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A directory name from sysfs that holds control characters: reported, and shown without them. */
function nameErrors(env: Env, entry: string, name: string, what: string): ItemError[] {
	if (!CONTROL.test(name)) return [];
	return [
		itemError(
			env,
			entry,
			'EPARSE',
			`The ${what} name ${excerpt(name)} holds control characters, which no driver puts in a name; views show it with them removed.`,
		),
	];
}

function gone(env: Env, link: string, what: string): ItemError {
	return itemError(
		env,
		link,
		'ENOENT',
		`The ${what} was listed but disappeared while it was being read (removed during the scan); scan again to see the current state.`,
	);
}

// ---- parents and types -----------------------------------------------------------------------------

function readParents(env: Env, errors: ItemError[], read: EntryReaders['parent']): Parent[] {
	if (!present(env.sysClassMdevBus)) return [];
	const names = listDir(env, env.sysClassMdevBus);
	if (!names.ok) {
		errors.push(names.error);
		return [];
	}
	return names.value.map((name) => read(env, name));
}

/** One entry of sys/class/mdev_bus (exported so tests can read an entry that vanished after listing). */
export function readParent(env: Env, name: string): Parent {
	const entry = path.join(env.sysClassMdevBus, name);
	const parent = blankParent(name);
	const named = nameErrors(env, entry, name, 'parent');
	const resolved = resolveUnderRoot(env, entry);
	if (!resolved.ok) {
		parent.errors.push(...named, present(entry) ? resolved.error : gone(env, entry, `parent ${name}`));
		if (resolved.error.code === 'ENOENT') parent.gone = true;
		return parent;
	}
	const dir = resolved.value;
	const errors = parent.errors;
	parent.devicePath = env.shown(dir);
	parent.bus = link(env, path.join(dir, 'subsystem'), errors, {required: {what: 'bus (subsystem link)', owner: 'device'}, mustExist: false});
	parent.driver = link(env, path.join(dir, 'driver'), errors, {mustExist: false});
	if (parent.bus === 'pci') parent.pci = readPciIds(env, dir, errors);
	// -1 is the kernel's "no NUMA node" (drivers/base/core.c prints dev_to_node()); virtual devices have no file.
	const numa = readInt(env, path.join(dir, 'numa_node'), {min: -1, what: 'a NUMA node number'});
	if (numa.ok) parent.numaNode = numa.value;
	else if (!numa.absent) errors.push(numa.error);
	const typesDir = path.join(dir, 'mdev_supported_types');
	const ids = listDir(env, typesDir);
	if (ids.ok) {
		parent.types = ids.value.map((id) => readType(env, path.join(typesDir, id), id));
	} else if (ids.absent) {
		errors.push(
			itemError(
				env,
				typesDir,
				'ENOENT',
				`${env.shown(typesDir)} does not exist although the device is registered in /sys/class/mdev_bus; its types are unknown. The driver or the tree is incomplete.`,
			),
		);
	} else {
		errors.push(ids.error);
	}
	const settled = settle(env, dir, entry, errors, `parent ${name}`);
	parent.errors = [...named, ...settled.errors];
	if (settled.broken) Object.assign(parent, {devicePath: null, bus: null, driver: null, pci: null, numaNode: null, types: []});
	if (settled.gone) parent.gone = true;
	return parent;
}

/** One `mdev_supported_types/<id>/` directory. Every file may be missing; what exists is shown. */
export function readType(env: Env, dir: string, id: string): MdevType {
	const type: MdevType = {id, name: null, description: null, deviceApi: null, availableInstances: null, instances: [], errors: []};
	const errors = type.errors;
	const required = (what: string) => ({what, owner: 'mdev type' as const});
	type.name = text(env, path.join(dir, 'name'), errors, required('type name'));
	// Optional: mtty's types have none (6.1, 6.12), nor do vfio_ccw's and vfio_ap's.
	type.description = text(env, path.join(dir, 'description'), errors);
	type.deviceApi = text(env, path.join(dir, 'device_api'), errors, required('device API'));
	readTypeInstances(env, dir, type);
	const settled = settle(env, dir, dir, errors, `type ${id}`);
	const named = nameErrors(env, dir, id, 'type');
	if (settled.broken) {
		const cleared: MdevType = {id, name: null, description: null, deviceApi: null, availableInstances: null, instances: [], errors: [...named, ...settled.errors]};
		return settled.gone ? {...cleared, gone: true} : cleared;
	}
	type.errors = [...named, ...errors];
	return type;
}

/**
 * What changes in a type as instances come and go: `available_instances` and the `devices/` listing,
 * into `type` (its errors included).
 */
export function readTypeInstances(env: Env, dir: string, type: MdevType): void {
	const errors = type.errors;
	const available = text(env, path.join(dir, 'available_instances'), errors, {what: 'number of available instances', owner: 'mdev type'});
	if (available !== null) {
		const n = parseInt10(env, path.join(dir, 'available_instances'), available, {min: 0, what: 'a count of instances'});
		if (n.ok) type.availableInstances = n.value;
		else errors.push(n.error);
	}
	const devices = listDir(env, path.join(dir, 'devices'));
	if (devices.ok) type.instances = devices.value;
	else if (devices.absent) errors.push(missing(env, path.join(dir, 'devices'), 'list of its instances', 'mdev type'));
	else errors.push(devices.error);
}

// ---- vendor driver modules ---------------------------------------------------------------------

/**
 * Fills each parent's `driverModule` (see DriverModule in src/model/types.ts for the order). Runs
 * after the instances are read: a virtual parent (mtty, mdpy, mbochs) has no `driver` link, and
 * the only sysfs link from it to its module is through the mdev driver its instances are bound to.
 */
function readDriverModules(env: Env, parents: Parent[], instances: Instance[]): void {
	for (const parent of parents) {
		if (parent.devicePath === null) continue;
		const found = findDriverModule(env, parent, instances);
		if (found !== null) parent.driverModule = readModule(env, found.name, found.via, parent.errors);
	}
}

function findDriverModule(env: Env, parent: Parent, instances: Instance[]): {name: string; via: DriverModule['via']} | null {
	const moduleLink = (driverDir: string): string | null => {
		// A built-in driver has no `module` link; its absence is no error.
		const name = readLinkName(env, path.join(driverDir, 'module'), {mustExist: false});
		return name.ok ? name.value : null;
	};
	if (parent.driver !== null) {
		const driverDir = resolveUnderRoot(env, path.join(env.at(parent.devicePath!), 'driver'));
		const linked = driverDir.ok ? moduleLink(driverDir.value) : null;
		if (linked !== null) return {name: linked, via: 'driver-link'};
	} else {
		for (const inst of instances) {
			if (inst.parent !== parent.name || inst.driver === null) continue;
			const linked = moduleLink(path.join(env.at('sys/bus/mdev/drivers'), inst.driver));
			if (linked !== null) return {name: linked, via: 'mdev-driver-link'};
		}
	}
	// Module names use underscores where driver names may have dashes (kernel/params.c treats them alike).
	const named = (parent.driver ?? parent.name).replace(/-/g, '_');
	return present(path.join(env.sysModule, named)) ? {name: named, via: 'name'} : null;
}

function readModule(env: Env, name: string, via: DriverModule['via'], errors: ItemError[]): DriverModule {
	const dir = path.join(env.sysModule, name);
	// Both are optional: only modules with a MODULE_VERSION have them (mtty has, mdpy and mbochs have not).
	return {name, version: optionalText(env, path.join(dir, 'version'), errors), srcversion: optionalText(env, path.join(dir, 'srcversion'), errors), via};
}

// ---- mdevctl definitions --------------------------------------------------------------------------

export interface DefinitionEntry {
	uuid: string;
	parent: string;
	definition: Definition;
	errors: ItemError[];
}

/** mdevctl's store: `etc/mdevctl.d/<parent>/<uuid>`, JSON `{mdev_type, start, attrs}`. */
export function readDefinitions(env: Env, errors: ItemError[]): DefinitionEntry[] {
	if (!present(env.mdevctlConfig)) return [];
	const parents = listDir(env, env.mdevctlConfig);
	if (!parents.ok) {
		errors.push(parents.error);
		return [];
	}
	const out: DefinitionEntry[] = [];
	for (const parent of parents.value) {
		if (parent === 'scripts.d') continue; // mdevctl's callout/notifier scripts, not definitions
		const dir = path.join(env.mdevctlConfig, parent);
		const files = listDir(env, dir);
		if (!files.ok) {
			if (files.error.code !== 'ENOTDIR') errors.push(files.error);
			continue;
		}
		for (const uuid of files.value) {
			if (!UUID_PATTERN.test(uuid)) continue; // mdevctl only reads files named by a UUID
			out.push(parseDefinition(env, path.join(dir, uuid), uuid, parent));
		}
	}
	return out;
}

function parseDefinition(env: Env, file: string, uuid: string, parent: string): DefinitionEntry {
	const definition: Definition = {path: env.shown(file), mdevType: null, autostart: false, attrs: []};
	const entry: DefinitionEntry = {uuid: uuid.toLowerCase(), parent, definition, errors: []};
	const bad = (what: string) =>
		entry.errors.push(
			itemError(env, file, 'EPARSE', `mdevctl definition ${env.shown(file)}: ${what}. mdevctl cannot use it either; fix it or redefine the device (mdevctl define).`),
		);
	const bytes = readBytes(env, file);
	if (!bytes.ok) {
		entry.errors.push(bytes.error);
		return entry;
	}
	let json: unknown;
	try {
		json = JSON.parse(bytes.value.toString('utf8'));
	} catch (err) {
		bad(`not valid JSON (${(err as Error).message})`);
		return entry;
	}
	if (typeof json !== 'object' || json === null || Array.isArray(json)) {
		bad('not a JSON object');
		return entry;
	}
	const record = json as Record<string, unknown>;
	if (typeof record.mdev_type === 'string') definition.mdevType = record.mdev_type;
	else bad('no "mdev_type" string');
	if (record.start === 'auto' || record.start === 'manual') definition.autostart = record.start === 'auto';
	else bad(`"start" is ${JSON.stringify(record.start) ?? 'missing'}, expected "auto" or "manual"`);
	if (record.attrs !== undefined) {
		if (!Array.isArray(record.attrs)) bad('"attrs" is not a list');
		else {
			for (const attr of record.attrs) {
				if (typeof attr !== 'object' || attr === null || Array.isArray(attr)) {
					bad('an entry of "attrs" is not an object');
					continue;
				}
				const pairs: Record<string, string> = {};
				for (const [key, value] of Object.entries(attr as Record<string, unknown>)) pairs[key] = String(value);
				definition.attrs.push(pairs);
			}
		}
	}
	return entry;
}

// ---- instances --------------------------------------------------------------------------------

/** Parent names by their device path (as shown under the root). */
export function parentsByPath(parents: readonly Parent[]): Map<string, string> {
	const byPath = new Map<string, string>();
	for (const p of parents) if (p.devicePath !== null) byPath.set(p.devicePath, p.name);
	return byPath;
}

function readInstances(env: Env, parents: Parent[], definitions: DefinitionEntry[], errors: ItemError[], read: (name: string) => Instance): Instance[] {
	const instances: Instance[] = [];
	if (present(env.sysBusMdevDevices)) {
		const names = listDir(env, env.sysBusMdevDevices);
		if (names.ok) for (const name of names.value) instances.push(read(name));
		else errors.push(names.error);
	}

	const byUuid = new Map<string, Instance>();
	for (const inst of instances) byUuid.set(inst.uuid.toLowerCase(), inst);
	for (const inst of listedByTypesOnly(env, parents, byUuid)) {
		instances.push(inst);
		byUuid.set(inst.uuid.toLowerCase(), inst);
	}
	// mdevctl keeps a definition per parent: one uuid may be defined under several parents (only one
	// can be active at a time), so a definition joins the instance of its uuid and parent, and each
	// other one is an instance of its own, defined, not active.
	const definedOnly = new Map<string, Instance>();
	for (const def of definitions) {
		const known = byUuid.get(def.uuid);
		const here = known && (known.parent === def.parent || (known.parent === null && known.definition === null)) ? known : definedOnly.get(`${def.parent}/${def.uuid}`);
		if (here) {
			if (here.definition !== null) {
				here.errors.push(
					itemError(
						env,
						env.at(def.definition.path),
						'EEXIST',
						`${def.uuid} is defined twice in mdevctl's store (${here.definition.path} and ${def.definition.path}); mdevctl will use only one. Remove one of them.`,
					),
				);
				continue;
			}
			here.definition = def.definition;
			here.errors.push(...def.errors);
			continue;
		}
		const inst = blankInstance(def.uuid, {parent: def.parent, mdevType: def.definition.mdevType, active: false, definition: def.definition, errors: def.errors});
		instances.push(inst);
		definedOnly.set(`${def.parent}/${def.uuid}`, inst);
	}
	return instances.sort((a, b) => byCodeUnit(a.uuid, b.uuid) || byCodeUnit(a.parent ?? '', b.parent ?? ''));
}

/**
 * Instances a type's `devices/` listed that sys/bus/mdev/devices, read after it, does not have.
 * Removing an mdev drops the type's link before the bus entry (mdev core: the sysfs files go
 * before device_del()), so when the type's link is gone too, the instance was removed between the
 * two listings: it is kept, marked gone, so every uuid a type lists is in the model's instances.
 * When the type's link is still there, the tree itself disagrees: that is an error on the type.
 */
function listedByTypesOnly(env: Env, parents: Parent[], known: Map<string, Instance>): Instance[] {
	const out: Instance[] = [];
	for (const parent of parents) {
		if (parent.devicePath === null) continue;
		for (const type of parent.types) {
			for (const uuid of type.instances) {
				if (known.has(uuid.toLowerCase())) continue;
				const link = path.join(env.at(parent.devicePath), 'mdev_supported_types', type.id, 'devices', uuid);
				if (present(link)) {
					type.errors.push(
						itemError(
							env,
							link,
							'ENOENT',
							`${env.shown(link)} lists the instance ${uuid}, but ${env.shown(env.sysBusMdevDevices)} has no such entry; the tree is inconsistent (a partial capture?). Scan again; if it stays, the driver left a stale link.`,
						),
					);
					continue;
				}
				out.push(blankInstance(uuid, {parent: parent.name, mdevType: type.id, gone: true, errors: [gone(env, link, `instance ${uuid}`)]}));
			}
		}
	}
	return out;
}

/**
 * readInstance, and on this host (root `/`) once more when that found problems: the kernel makes
 * an mdev's directory before its mdev_type and iommu_group links and removes the links first, so
 * a scan can meet one halfway. The second read is the later truth (often clean, or gone); a tree
 * on disk does not change, so there the first read stands.
 */
export function readSettled(env: Env, name: string, parentByPath: Map<string, string>): Instance {
	const first = readInstance(env, name, parentByPath);
	if (env.root !== '/' || first.gone || first.errors.length === 0) return first;
	return readInstance(env, name, parentByPath);
}

/** One entry of sys/bus/mdev/devices (exported so tests can read an entry that vanished after listing). */
export function readInstance(env: Env, name: string, parentByPath: Map<string, string> = new Map()): Instance {
	const entry = path.join(env.sysBusMdevDevices, name);
	const inst = blankInstance(name);
	const errors = inst.errors;
	const nameError = UUID_PATTERN.test(name)
		? []
		: [itemError(env, entry, 'EPARSE', `${env.shown(entry)}: the name ${JSON.stringify(name)} is not a UUID, which every mdev's name is; shown as found.`)];
	// The link's own (relative) target is the device's canonical path; resolve it without a
	// realpath per instance, and only walk the path when it is absolute or leaves the root.
	const target = readLinkTarget(env, entry);
	if (!target.ok) {
		inst.errors = [...nameError, target.absent ? gone(env, entry, `instance ${name}`) : target.error];
		if (target.absent) inst.gone = true;
		return inst;
	}
	let dir = path.resolve(path.dirname(entry), target.value);
	if (target.value.startsWith('/') || !env.inside(dir)) {
		const resolved = resolveUnderRoot(env, entry);
		if (!resolved.ok) {
			inst.errors = [...nameError, resolved.error];
			if (resolved.error.code === 'ENOENT') inst.gone = true;
			return inst;
		}
		dir = resolved.value;
	}
	const parentDir = env.shown(path.dirname(dir));
	// An mdev's directory sits in its parent's device directory (mdev core: mdev->dev.parent).
	inst.parent = parentByPath.get(parentDir) ?? path.basename(parentDir);
	inst.mdevType = link(env, path.join(dir, 'mdev_type'), errors, {required: {what: 'mdev type (mdev_type link)', owner: 'mdev'}});
	const group = link(env, path.join(dir, 'iommu_group'), errors, {required: {what: 'IOMMU group (iommu_group link)', owner: 'mdev'}});
	if (group !== null) {
		const n = parseInt10(env, path.join(dir, 'iommu_group'), group, {min: 0, what: 'an IOMMU group number (link target name)'});
		if (n.ok) inst.iommuGroup = n.value;
		else errors.push(n.error);
	}
	inst.driver = link(env, path.join(dir, 'driver'), errors, {mustExist: false});
	// The vfio device's class dir (`vfio-dev/vfioN`, also the name of its /dev/vfio/devices node);
	// kernels before 6.1 have none.
	const vfioDev = listDir(env, path.join(dir, 'vfio-dev'));
	if (vfioDev.ok) inst.vfioDev = vfioDev.value[0] ?? null;
	else if (!vfioDev.absent) errors.push(vfioDev.error);
	const settled = settle(env, dir, entry, errors, `instance ${name}`);
	if (settled.broken) {
		const cleared: Instance = {...inst, parent: null, mdevType: null, iommuGroup: null, driver: null, vfioDev: null, errors: [...nameError, ...settled.errors]};
		return settled.gone ? {...cleared, gone: true} : cleared;
	}
	inst.errors = [...nameError, ...errors];
	return inst;
}
