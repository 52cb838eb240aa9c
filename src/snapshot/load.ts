// Reads a snapshot: the output of `mdevscope --json --probe` saved to a file (src/snapshot/SCHEMA.md).
// The file is checked field by field against the model (src/model/types.ts, src/model/probe.ts), so
// an old, foreign or damaged file is refused with the field that is wrong and what was expected,
// instead of surfacing later as a view that shows nonsense. Fields this version does not know are
// kept as they are (a newer mdevscope may add fields without a new schema version).
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {NOT_ASKED_WHYS, STEP_KINDS} from '../model/probe.js';
import {SCHEMA_VERSION, type HostModel, type Instance, type ItemError} from '../model/types.js';
import {errCode, errnoMeaning} from '../sysfs/env.js';

export interface Snapshot {
	/** The file as given. */
	file: string;
	/** The recorded observation: `source.kind` is 'snapshot', instances keep their recorded probe and owners. */
	model: HostModel;
}

/** Why a snapshot cannot be read. `field` is the JSON path (`parents[0].types[1].availableInstances`), null for the file as a whole. */
export class SnapshotError extends Error {
	constructor(
		readonly file: string,
		readonly field: string | null,
		readonly problem: string,
	) {
		super(`snapshot ${file}: ${field === null ? '' : `${field}: `}${problem}`);
		this.name = 'SnapshotError';
	}
}

const TAKE_AGAIN = 'A snapshot is what `mdevscope --json --probe > FILE` writes; take it again with this version.';

/** Reads and checks a snapshot file; throws SnapshotError naming the problem. */
export function loadSnapshot(file: string): Snapshot {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (err) {
		const code = errCode(err);
		throw new SnapshotError(file, null, `cannot read it: ${code}, ${errnoMeaning(code)}.`);
	}
	return parseSnapshot(text, file);
}

/** Checks the text of a snapshot (`file` only names it in messages and in the label fallback). */
export function parseSnapshot(text: string, file: string): Snapshot {
	if (text.trim() === '') throw new SnapshotError(file, null, `the file is empty. ${TAKE_AGAIN}`);
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (err) {
		throw new SnapshotError(file, null, `not JSON (${(err as Error).message}). ${TAKE_AGAIN}`);
	}
	if (!isRecord(json)) {
		throw new SnapshotError(file, null, `expected a JSON object (a host model), found ${describe(json)}. ${TAKE_AGAIN}`);
	}
	checkSchemaVersion(json, file);
	if ('verdict' in json && 'counts' in json && !('parents' in json)) {
		throw new SnapshotError(file, null, `this is a \`compare --json\` report, not a snapshot. ${TAKE_AGAIN}`);
	}
	const warnings: ItemError[] = [];
	try {
		hostModel(json, '', warnings, file);
	} catch (err) {
		if (err instanceof Bad) throw new SnapshotError(file, err.at, `expected ${err.expected}, found ${err.found}. The file is damaged or was not written by mdevscope.`);
		throw err;
	}
	const stored = json as unknown as HostModel;
	// Advice is derived from the probe (src/advice) and is worked out again when asked for.
	const instances: Instance[] = (stored.instances as Array<Instance & {advice?: unknown}>).map(({advice: _derived, ...inst}) => inst);
	const model: HostModel = {
		...stored,
		source: {kind: 'snapshot', label: snapshotLabel(stored, file), recordedAt: recordedAt(stored)},
		instances,
		errors: [...stored.errors, ...warnings],
	};
	return {file, model};
}

function checkSchemaVersion(json: Record<string, unknown>, file: string): void {
	const v = json.schemaVersion;
	if (v === undefined) {
		throw new SnapshotError(
			file,
			'schemaVersion',
			`missing: this JSON is not an mdevscope host model (\`mdevscope doctor --json\` output is a report, not a snapshot). ${TAKE_AGAIN}`,
		);
	}
	if (typeof v !== 'number' || !Number.isInteger(v)) throw new SnapshotError(file, 'schemaVersion', `expected the number ${SCHEMA_VERSION}, found ${describe(v)}. ${TAKE_AGAIN}`);
	if (v < SCHEMA_VERSION) {
		throw new SnapshotError(file, 'schemaVersion', `${v}: written by an older mdevscope; this one reads schema ${SCHEMA_VERSION}. ${TAKE_AGAIN}`);
	}
	if (v > SCHEMA_VERSION) {
		throw new SnapshotError(file, 'schemaVersion', `${v}: written by a newer mdevscope; this one reads schema ${SCHEMA_VERSION}. Read it with that version, or update mdevscope.`);
	}
}

/**
 * The snapshot's name in views: a snapshot of a snapshot keeps its label; else the recorded
 * hostname, unless it is unknown or the kernel's "(none)" (the nodename of a host that never set
 * one, include/linux/uts.h); then the file's name.
 */
function snapshotLabel(m: HostModel, file: string): string {
	if (m.source.kind === 'snapshot' && m.source.label) return m.source.label;
	const hostname = m.host.hostname;
	if (hostname && hostname !== '(none)') return hostname;
	return path.basename(file);
}

/** When the host was read: the scan's own time (kept from the first recording when re-saved). */
function recordedAt(m: HostModel): string {
	return m.source.kind === 'snapshot' && m.source.recordedAt ? m.source.recordedAt : m.scannedAt;
}

// ---- the shape check --------------------------------------------------------------------------

/** A value that does not fit: where, what was expected, what was there. */
class Bad extends Error {
	constructor(
		readonly at: string,
		readonly expected: string,
		readonly found: string,
	) {
		super(`${at}: expected ${expected}, found ${found}`);
	}
}

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
	if (v === undefined) return 'nothing (the field is missing)';
	if (v === null) return 'null';
	if (Array.isArray(v)) return 'a list';
	if (typeof v === 'object') return 'an object';
	const text = JSON.stringify(v);
	return `${typeof v === 'string' ? 'the text' : `the ${typeof v}`} ${text.length > 40 ? `${text.slice(0, 40)}...` : text}`;
}

type Check = (v: unknown, at: string) => void;

const join = (at: string, key: string | number): string => (typeof key === 'number' ? `${at}[${key}]` : at === '' ? key : `${at}.${key}`);

function expect(ok: boolean, v: unknown, at: string, expected: string): void {
	if (!ok) throw new Bad(at, expected, describe(v));
}

const str: Check = (v, at) => expect(typeof v === 'string', v, at, 'a string');
const nstr: Check = (v, at) => expect(v === null || typeof v === 'string', v, at, 'a string or null');
const bool: Check = (v, at) => expect(typeof v === 'boolean', v, at, 'true or false');
const nbool: Check = (v, at) => expect(v === null || typeof v === 'boolean', v, at, 'true, false or null');
const num: Check = (v, at) => expect(typeof v === 'number' && Number.isFinite(v), v, at, 'a number');
const nnum: Check = (v, at) => expect(v === null || (typeof v === 'number' && Number.isFinite(v)), v, at, 'a number or null');
const nint = (min: number): Check => (v, at) => expect(v === null || (Number.isInteger(v) && (v as number) >= min), v, at, `a whole number from ${min}, or null`);
const oneOf = (values: readonly (string | null)[]): Check => (v, at) =>
	expect(values.includes(v as string), v, at, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
const list = (item: Check): Check => (v, at) => {
	expect(Array.isArray(v), v, at, 'a list');
	(v as unknown[]).forEach((x, i) => item(x, join(at, i)));
};
const optional = (check: Check): Check => (v, at) => {
	if (v !== undefined) check(v, at);
};
const orNull = (check: Check): Check => (v, at) => {
	if (v !== null) check(v, at);
};
/** An object with these fields (others are allowed and kept). */
const object = (fields: Record<string, Check>, what = 'an object'): Check => (v, at) => {
	expect(isRecord(v), v, at, what);
	for (const [key, check] of Object.entries(fields)) check((v as Record<string, unknown>)[key], join(at, key));
};
const stringMap: Check = (v, at) => {
	expect(isRecord(v), v, at, 'an object of strings');
	for (const [key, value] of Object.entries(v as Record<string, unknown>)) str(value, join(at, key));
};

const itemError = object({path: str, code: str, message: str}, 'an error ({path, code, message})');
const errors = list(itemError);

const hostInfo = object({
	kernelRelease: nstr,
	hostname: nstr,
	modules: object({vfio: bool, vfio_iommu_type1: bool, mdev: bool}),
	vfioContainer: bool,
	iommuGroups: nint(0),
	mdevBus: bool,
	cmdline: nstr,
});

const pciIds = object({vendorId: nstr, deviceId: nstr, subsystemVendorId: nstr, subsystemDeviceId: nstr, vendorName: nstr, deviceName: nstr});

const driverModule = object({name: str, version: nstr, srcversion: nstr, via: oneOf(['driver-link', 'mdev-driver-link', 'name'])});

const mdevType = object({
	id: str,
	name: nstr,
	description: nstr,
	deviceApi: nstr,
	availableInstances: nint(0),
	instances: list(str),
	gone: optional(bool),
	errors,
});

const parentFields = {
	name: str,
	devicePath: nstr,
	bus: nstr,
	driver: nstr,
	pci: orNull(pciIds),
	numaNode: nint(-1),
	types: list(mdevType),
	gone: optional(bool),
	errors,
};

const definition = object({path: str, mdevType: nstr, autostart: bool, attrs: list(stringMap)});

const notAsked = optional(oneOf(NOT_ASKED_WHYS));
const feature = {supported: nbool, code: optional(str), reason: optional(str), notAsked};
const featureAnswer = object(feature);

const probeResult = object({
	uuid: str,
	// Any word: compare reads only 'ok' as an answer, and outcomes may be added without a new schema.
	outcome: str,
	summary: str,
	probedAt: str,
	durationMs: num,
	via: nstr,
	steps: list(object({step: str, kind: optional(oneOf(STEP_KINDS)), ok: bool, errno: optional(num), code: optional(str), meaning: optional(str)})),
	device: orNull(object({flags: num, flagNames: list(str), numRegions: num, numIrqs: num})),
	regions: list(object({index: num, name: nstr, flags: num, flagNames: list(str), size: num, offset: num, caps: list(object({id: num, name: str}))})),
	irqs: list(object({index: num, name: nstr, flags: num, flagNames: list(str), count: num})),
	display: object({region: featureAnswer, dmabuf: featureAnswer, plane: orNull(object({drmFormat: str, width: num, height: num})), planeNote: nstr, planeNotAsked: notAsked}),
	migration: object({...feature, flags: nnum, flagNames: list(str)}),
	dmaLogging: featureAnswer,
});

const instanceFields = {
	uuid: str,
	parent: nstr,
	mdevType: nstr,
	active: bool,
	iommuGroup: nint(0),
	driver: nstr,
	vfioDev: nstr,
	definition: orNull(definition),
	gone: optional(bool),
	errors,
	// Owners were recorded from 0.1 on; their libvirtDomain and vmUuid came later.
	owners: optional(
		orNull(list(object({pid: num, comm: nstr, cmdline: optional(orNull(list(str))), vmName: nstr, vmUuid: optional(nstr), libvirtDomain: optional(nstr), files: list(str)}, 'an owner ({pid, comm, vmName, files, ...})'))),
	),
	ownersUnknown: optional(str),
	probe: optional(probeResult),
};

function hostModel(v: Record<string, unknown>, at: string, warnings: ItemError[], file: string): void {
	object({
		root: str,
		source: object({kind: oneOf(['live', 'tree', 'snapshot']), label: nstr, recordedAt: nstr}),
		scannedAt: str,
		host: hostInfo,
		parents: list(object(parentFields)),
		instances: list(object(instanceFields)),
		errors,
	})(v, at);
	expect(!Number.isNaN(Date.parse(v.scannedAt as string)), v.scannedAt, 'scannedAt', 'a date and time (ISO 8601)');
	// Fields that came without a new schema version: a file from before them is read with their
	// "nothing known" value. Before SR-IOV parents, every parent and instance was an mdev one.
	const parents = v.parents as Array<Record<string, unknown>>;
	const kind = oneOf(['mdev', 'nvidia-sriov']);
	const sriov = orNull(object({totalVfs: nint(0), numVfs: nint(0), vfs: list(str)}));
	parents.forEach((p, i) => {
		if (p.kind === undefined) p.kind = 'mdev';
		else kind(p.kind, join(join('parents', i), 'kind'));
		if (p.sriov === undefined) p.sriov = null;
		else sriov(p.sriov, join(join('parents', i), 'sriov'));
	});
	(v.instances as Array<Record<string, unknown>>).forEach((inst, i) => {
		if (inst.kind === undefined) inst.kind = 'mdev';
		else kind(inst.kind, join(join('instances', i), 'kind'));
	});
	// Before driver modules were recorded: read with the versions unknown, and say so once.
	let old = 0;
	parents.forEach((p, i) => {
		if (p.driverModule === undefined) {
			p.driverModule = null;
			old++;
		} else orNull(driverModule)(p.driverModule, join(join('parents', i), 'driverModule'));
	});
	if (old > 0) {
		warnings.push({
			path: file,
			code: 'ESNAPSHOT',
			message: `The snapshot ${file} has no driverModule on ${old === parents.length ? 'its parents' : `${old} of its parents`}: it was taken by an older mdevscope, so the vendor driver versions are unknown (compare reports them as risky). Take it again to record them.`,
		});
	}
	(v.instances as Array<Record<string, unknown>>).forEach((inst, i) => {
		const probe = inst.probe as Record<string, unknown> | undefined;
		if (probe && probe.uuid !== inst.uuid) {
			throw new Bad(`instances[${i}].probe.uuid`, `the instance's own uuid ${JSON.stringify(inst.uuid)}`, describe(probe.uuid));
		}
	});
}

/**
 * Where `value` does not have a ProbeResult's shape (as a snapshot's `instances[].probe` must), or
 * null when it has: the sample host's recorded answers (src/snapshot/sample.ts) are checked with it.
 */
export function probeResultProblem(value: unknown, at: string): string | null {
	try {
		probeResult(value, at);
		return null;
	} catch (err) {
		if (err instanceof Bad) return err.message;
		throw err;
	}
}
