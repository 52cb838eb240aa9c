// Can DEST take the instances of SOURCE when their VMs migrate? A verdict per instance, from two
// host models and their probe results (pure: models in, verdicts out). The criteria are those of
// User problems #9 and #10 (docs/doctor.md): the type exists on DEST and has a free instance (`available_instances`
// > 0), the device supports migration on both ends (VFIO_DEVICE_FEATURE_MIGRATION, asked by the
// probe) with the same flags, and the vendor driver and kernel are the same or compatible.
// Nothing here guesses: what a snapshot does not hold is reported as not measured (risky).
import type {ProbeResult} from '../model/probe.js';
import type {DriverModule, HostModel, Instance, MdevType, Parent} from '../model/types.js';

export type Verdict = 'ok' | 'risky' | 'blocked';

/** What a reason is about. */
export type Check = 'type' | 'capacity' | 'migration' | 'migration-flags' | 'driver' | 'kernel';

export interface Reason {
	check: Check;
	/** What this finding alone makes of the move. */
	verdict: Verdict;
	message: string;
	/** The two values compared, as recorded, where there are two (versions, flags, kernel releases). */
	source?: string | null;
	dest?: string | null;
}

export interface InstanceVerdict {
	uuid: string;
	parent: string | null;
	mdevType: string | null;
	/** The type's name on SOURCE (`GRID T4-2Q`, `Single port serial`). */
	typeName: string | null;
	active: boolean;
	/** Where it would go on DEST: the parent offering the type and its free count; null when DEST has no such type. */
	dest: {parent: string; mdevType: string; availableInstances: number | null} | null;
	/** The worst of the reasons. */
	verdict: Verdict;
	reasons: Reason[];
}

export interface SideSummary {
	/** How the side was given: the snapshot file, or `this host`. */
	name: string;
	kind: HostModel['source']['kind'];
	label: string | null;
	recordedAt: string | null;
	hostname: string | null;
	kernelRelease: string | null;
}

export interface Comparison {
	schemaVersion: 1;
	source: SideSummary;
	dest: SideSummary;
	/** The worst verdict over the instances; ok when there is none. */
	verdict: Verdict;
	counts: Record<Verdict, number>;
	instances: InstanceVerdict[];
}

/** One host as compare sees it. */
export interface Side {
	/** The snapshot file as given, or `this host`. */
	name: string;
	/** Its instances carry their probe results: recorded in the snapshot, or fresh for this host. */
	model: HostModel;
}

const rank: Record<Verdict, number> = {ok: 0, risky: 1, blocked: 2};
export const worst = (verdicts: Iterable<Verdict>): Verdict => {
	let out: Verdict = 'ok';
	for (const v of verdicts) if (rank[v] > rank[out]) out = v;
	return out;
};

/** The exit code automation gates on: 0 all ok, 1 some risky, 2 some blocked. */
export function exitCode(c: Pick<Comparison, 'verdict'>): number {
	return rank[c.verdict];
}

/** The uuids asked for that SOURCE does not have (the CLI refuses them before comparing). */
export function unknownUuids(source: HostModel, uuids: readonly string[]): string[] {
	const known = new Set(source.instances.map((i) => i.uuid.toLowerCase()));
	return uuids.filter((u) => !known.has(u.toLowerCase()));
}

/**
 * Every instance of SOURCE (or those named in `uuids`), with its verdict for DEST. Defined-only
 * instances (mdevctl, not active) have no running VM to migrate: for them only the type, capacity
 * and driver are checked.
 */
export function compareHosts(source: Side, dest: Side, opts: {uuids?: readonly string[]} = {}): Comparison {
	const wanted = opts.uuids && opts.uuids.length > 0 ? new Set(opts.uuids.map((u) => u.toLowerCase())) : null;
	const instances = source.model.instances.filter((i) => wanted === null || wanted.has(i.uuid.toLowerCase())).map((i) => judge(i, source, dest));
	const counts: Record<Verdict, number> = {ok: 0, risky: 0, blocked: 0};
	for (const v of instances) counts[v.verdict]++;
	return {
		schemaVersion: 1,
		source: summary(source),
		dest: summary(dest),
		verdict: worst(instances.map((i) => i.verdict)),
		counts,
		instances,
	};
}

function summary(side: Side): SideSummary {
	const m = side.model;
	return {
		name: side.name,
		kind: m.source.kind,
		label: m.source.label,
		recordedAt: m.source.recordedAt,
		hostname: m.host.hostname,
		kernelRelease: m.host.kernelRelease,
	};
}

// ---- one instance -----------------------------------------------------------------------------

interface Offer {
	parent: Parent;
	type: MdevType;
}

/** NVIDIA numbers its vGPU types per GPU model: the same id on another GPU can be another profile. */
function isNvidia(parent: Parent | undefined, typeId: string): boolean {
	return parent?.pci?.vendorId === '0x10de' || typeId.startsWith('nvidia-');
}

function judge(inst: Instance, source: Side, dest: Side): InstanceVerdict {
	const srcParent = source.model.parents.find((p) => p.name === inst.parent);
	const srcType = inst.mdevType === null ? undefined : srcParent?.types.find((t) => t.id === inst.mdevType);
	const reasons: Reason[] = [];
	const out: InstanceVerdict = {
		uuid: inst.uuid,
		parent: inst.parent,
		mdevType: inst.mdevType,
		typeName: srcType?.name ?? null,
		active: inst.active,
		dest: null,
		verdict: 'ok',
		reasons,
	};
	const finish = (): InstanceVerdict => {
		out.verdict = worst(reasons.map((r) => r.verdict));
		return out;
	};

	if (inst.mdevType === null) {
		reasons.push({
			check: 'type',
			verdict: 'blocked',
			message: `the instance's type is unknown on SOURCE (its mdev_type link could not be read${inst.errors[0] ? `: ${inst.errors[0].message}` : ''}), so there is nothing to look for on DEST`,
		});
		reasons.push(kernelReason(source.model, dest.model));
		return finish();
	}

	const target = placeOnDest(inst, srcParent, srcType, dest.model, reasons);
	if (target) {
		out.dest = {parent: target.parent.name, mdevType: target.type.id, availableInstances: target.type.availableInstances};
	}
	if (inst.active) migrationReasons(inst, source, dest, target, reasons);
	if (target) reasons.push(driverReason(srcParent?.driverModule ?? null, target.parent.driverModule));
	reasons.push(kernelReason(source.model, dest.model));
	return finish();
}

/** Finds the parent on DEST that would host the instance, and says whether it can (type and capacity reasons). */
function placeOnDest(inst: Instance, srcParent: Parent | undefined, srcType: MdevType | undefined, dest: HostModel, reasons: Reason[]): Offer | null {
	const typeId = inst.mdevType!;
	const byId: Offer[] = dest.parents.flatMap((parent) => parent.types.filter((t) => t.id === typeId).map((type) => ({parent, type})));
	if (byId.length === 0) {
		const offered = [...new Set(dest.parents.flatMap((p) => p.types.map((t) => t.id)))];
		reasons.push({
			check: 'type',
			verdict: 'blocked',
			message: `type ${typeId} is missing on DEST (${offered.length === 0 ? 'DEST has no mdev types at all' : `DEST offers ${listed(offered)}`})`,
			source: typeId,
			dest: null,
		});
		return null;
	}
	const wantedName = srcType?.name ?? null;
	let offers = byId;
	if (isNvidia(srcParent, typeId)) {
		if (wantedName === null) {
			reasons.push({
				check: 'type',
				verdict: 'risky',
				message: `type ${typeId} exists on DEST, but its name on SOURCE is unknown: NVIDIA numbers types per GPU model, so the same id may be another vGPU profile there`,
				source: null,
				dest: byId[0]!.type.name,
			});
		} else {
			offers = byId.filter((o) => o.type.name === wantedName);
			if (offers.length === 0) {
				const names = [...new Set(byId.map((o) => o.type.name ?? 'unknown'))];
				reasons.push({
					check: 'type',
					verdict: 'blocked',
					message: `type ${typeId} on DEST is ${listed(names.map((n) => JSON.stringify(n)))}, not ${JSON.stringify(wantedName)}: NVIDIA numbers its types per GPU model, so this is another vGPU profile (another GPU)`,
					source: wantedName,
					dest: names.join(', '),
				});
				return null;
			}
		}
	}

	// An instance with this uuid already on DEST (created there ahead of the migration, as libvirt
	// expects) needs no free slot; one of another type is in the way.
	// A uuid may be defined under several parents there: the active one first, else the one offering the type.
	const named = dest.instances.filter((i) => i.uuid.toLowerCase() === inst.uuid.toLowerCase());
	const existing = named.find((i) => i.active) ?? named.find((i) => i.mdevType === typeId && offers.some((o) => o.parent.name === i.parent)) ?? named[0];
	if (existing) {
		const there = offers.find((o) => o.parent.name === existing.parent && o.type.id === existing.mdevType);
		if (existing.mdevType === typeId && there) {
			reasons.push(typeOk(there, wantedName));
			reasons.push({
				check: 'capacity',
				verdict: 'ok',
				message: `DEST already has this instance (same uuid, type ${typeId} on ${there.parent.name}${existing.active ? '' : ', defined, not active'}): no free instance is needed`,
			});
			return there;
		}
		if (existing.mdevType !== typeId) {
			reasons.push(typeOk(offers[0]!, wantedName));
			reasons.push({
				check: 'capacity',
				verdict: 'blocked',
				message: `DEST already has an instance with this uuid, of type ${existing.mdevType ?? 'unknown'}${existing.parent ? ` on ${existing.parent}` : ''}: remove it there (mdevctl stop/undefine -u ${inst.uuid}) or give the VM another uuid`,
				source: typeId,
				dest: existing.mdevType,
			});
			return offers[0]!;
		}
	}

	// The parent with the most room: a known free count first, then an unknown one, then none.
	const room = (o: Offer): number => (o.type.availableInstances === null ? 0.5 : o.type.availableInstances > 0 ? 1 + o.type.availableInstances : 0);
	const best = [...offers].sort((a, b) => room(b) - room(a))[0]!;
	reasons.push(typeOk(best, wantedName));
	const free = best.type.availableInstances;
	const where = `${typeId} on ${best.parent.name}`;
	if (free === null) {
		const why = best.type.errors.find((e) => e.path.endsWith('/available_instances'));
		reasons.push({
			check: 'capacity',
			verdict: 'risky',
			message: `free instances of ${where} on DEST unknown: available_instances could not be read${why ? ` (${why.message})` : ''}`,
			source: null,
			dest: null,
		});
	} else if (free === 0) {
		const taken = best.type.instances.length;
		reasons.push({
			check: 'capacity',
			verdict: 'blocked',
			message: `no free instance of ${where} on DEST: available_instances is 0${offers.length > 1 ? ` on every parent offering it (${offers.map((o) => o.parent.name).join(', ')})` : ''}${
				taken > 0 ? `; ${taken} instance${taken === 1 ? '' : 's'} of this type already there` : ''
			}`,
			source: null,
			dest: '0',
		});
	} else {
		reasons.push({check: 'capacity', verdict: 'ok', message: `${free} free instance${free === 1 ? '' : 's'} of ${where} on DEST`, dest: String(free)});
	}
	return best;
}

function typeOk(offer: Offer, wantedName: string | null): Reason {
	const destName = offer.type.name;
	if (wantedName !== null && destName !== null && destName !== wantedName) {
		return {
			check: 'type',
			verdict: 'risky',
			message: `type ${offer.type.id} exists on DEST (${offer.parent.name}) under another name: ${JSON.stringify(destName)}, on SOURCE ${JSON.stringify(wantedName)}`,
			source: wantedName,
			dest: destName,
		};
	}
	return {check: 'type', verdict: 'ok', message: `type ${offer.type.id}${destName ? ` (${destName})` : ''} exists on DEST (${offer.parent.name})`};
}

const listed = (xs: string[], max = 8): string => (xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`);

// ---- migration support (the probe's VFIO_DEVICE_FEATURE_MIGRATION answer) ---------------------------

interface Evidence {
	/** The probe that answered; null when none did (see why). */
	probe: ProbeResult | null;
	/** Whose probe it is, for the message: `this instance`, `instance <uuid> of the same type`. */
	whose: string;
	/** Why there is no answer. */
	why: string;
}

/**
 * The migration answer for a type on one side: the instance's own probe when it answered, else
 * another instance of the same type on that side (a running VM's device is busy and cannot be
 * probed, but its sibling can). The feature is the vendor driver's, per type.
 */
function evidence(side: Side, uuid: string, typeId: string, preferParent: string | null, sideName: 'SOURCE' | 'DEST'): Evidence {
	const sameType = side.model.instances.filter((i) => i.mdevType === typeId && i.active);
	const ordered = [
		...sameType.filter((i) => i.uuid === uuid),
		...sameType.filter((i) => i.uuid !== uuid && i.parent === preferParent),
		...sameType.filter((i) => i.uuid !== uuid && i.parent !== preferParent),
	];
	const tried: string[] = [];
	for (const i of ordered) {
		const probe = i.probe;
		if (!probe) continue;
		if (probe.outcome === 'ok') return {probe, whose: i.uuid === uuid ? 'this instance' : `instance ${i.uuid} of the same type`, why: ''};
		tried.push(`${i.uuid === uuid ? 'this instance' : i.uuid}: ${probe.outcome} (${probe.summary})`);
	}
	let why: string;
	if (tried.length > 0) why = `the probe could not open ${tried.length === 1 ? 'the device' : 'any device'} of type ${typeId}: ${tried.join('; ')}`;
	else if (ordered.length === 0) why = `${sideName} has no active instance of type ${typeId} to probe (create one and probe it)`;
	else if (!side.model.instances.some((x) => x.probe)) why = `${sideName} was recorded without --probe (take it again with \`mdevscope --json --probe\`)`;
	else why = `no probe result for the instances of type ${typeId} on ${sideName}`;
	return {probe: null, whose: '', why};
}

const migrationWords = (p: ProbeResult): string => (p.migration.flagNames.length > 0 ? p.migration.flagNames.join('|') : flagsHex(p.migration.flags));
const flagsHex = (flags: number | null): string => (flags === null ? 'flags unknown' : `flags 0x${flags.toString(16)}`);

function migrationReasons(inst: Instance, source: Side, dest: Side, target: Offer | null, reasons: Reason[]): void {
	const typeId = inst.mdevType!;
	const sides: Array<['SOURCE' | 'DEST', Evidence | null]> = [
		['SOURCE', evidence(source, inst.uuid, typeId, inst.parent, 'SOURCE')],
		// Without the type on DEST there is no device to ask there (the type reason already blocks).
		['DEST', target ? evidence(dest, inst.uuid, typeId, target.parent.name, 'DEST') : null],
	];
	const supported: ProbeResult[] = [];
	for (const [name, ev] of sides) {
		if (ev === null) continue;
		if (ev.probe === null) {
			reasons.push({check: 'migration', verdict: 'risky', message: `${name}: migration support not measured: ${ev.why}`});
			continue;
		}
		const m = ev.probe.migration;
		const asked = `VFIO_DEVICE_FEATURE_MIGRATION, asked of ${ev.whose}`;
		if (m.supported === false) {
			reasons.push({
				check: 'migration',
				verdict: 'blocked',
				message: `${name}: the device does not support migration (${asked}: ${m.code ?? 'no'})`,
			});
		} else if (m.supported === null) {
			reasons.push({
				check: 'migration',
				verdict: 'risky',
				message: `${name}: migration support not measured (${asked}: ${m.reason ?? m.code ?? 'no answer'})`,
			});
		} else {
			reasons.push({check: 'migration', verdict: 'ok', message: `${name}: migration supported, ${migrationWords(ev.probe)} (${asked})`});
			supported.push(ev.probe);
		}
	}
	if (supported.length === 2) reasons.push(flagsReason(supported[0]!, supported[1]!));
}

/** DEST must offer what SOURCE does (e.g. PRE_COPY, P2P); an extra flag on DEST is harmless. */
function flagsReason(src: ProbeResult, dst: ProbeResult): Reason {
	const a = src.migration;
	const b = dst.migration;
	const shown = {source: migrationWords(src), dest: migrationWords(dst)};
	if (a.flags === null || b.flags === null) {
		return {check: 'migration-flags', verdict: 'risky', message: `migration flags not recorded on ${a.flags === null ? 'SOURCE' : 'DEST'}`, ...shown};
	}
	const missingBits = a.flags & ~b.flags;
	if (missingBits === 0) {
		return {check: 'migration-flags', verdict: 'ok', message: a.flags === b.flags ? `same migration flags (${shown.source})` : `DEST offers every migration flag SOURCE has (${shown.source} on SOURCE, ${shown.dest} on DEST)`, ...shown};
	}
	const names = a.flagNames.filter((n) => !b.flagNames.includes(n));
	const missing = names.length > 0 ? names.join(', ') : flagsHex(missingBits);
	return {
		check: 'migration-flags',
		verdict: 'risky',
		message: `DEST lacks ${missing} (${shown.source} on SOURCE, ${shown.dest} on DEST): QEMU can only use what both ends support, so the migration may fall back or fail`,
		...shown,
	};
}

// ---- vendor driver and kernel -------------------------------------------------------------------

/**
 * Version schemes we know: NVIDIA's vGPU manager and its vfio module are `major.minor[.patch]`
 * (`535.129.03`), and a driver branch is its major number.
 */
const KNOWN_SCHEMES: Record<string, {what: string; pattern: RegExp}> = {
	nvidia: {what: "NVIDIA's major.minor.patch (a branch is the major number)", pattern: /^(\d+)\.(\d+)(?:\.(\d+))?$/},
	nvidia_vgpu_vfio: {what: "NVIDIA's major.minor.patch (a branch is the major number)", pattern: /^(\d+)\.(\d+)(?:\.(\d+))?$/},
};

function driverReason(src: DriverModule | null, dst: DriverModule | null): Reason {
	const show = (m: DriverModule | null): string | null => (m === null ? null : `${m.name} ${m.version ?? (m.srcversion ? `srcversion ${m.srcversion}` : '(no version)')}`);
	const values = {source: show(src), dest: show(dst)};
	if (src === null || dst === null) {
		return {
			check: 'driver',
			verdict: 'risky',
			message: `vendor driver module unknown on ${src === null && dst === null ? 'both sides' : src === null ? 'SOURCE' : 'DEST'}: its version cannot be compared`,
			...values,
		};
	}
	if (src.name !== dst.name) {
		return {check: 'driver', verdict: 'risky', message: `different vendor driver modules: ${src.name} on SOURCE, ${dst.name} on DEST`, ...values};
	}
	const name = src.name;
	if (src.version === null || dst.version === null) {
		if (src.version !== dst.version) {
			return {check: 'driver', verdict: 'risky', message: `${name}: version ${src.version ?? 'not declared'} on SOURCE, ${dst.version ?? 'not declared'} on DEST`, ...values};
		}
		if (src.srcversion !== null && src.srcversion === dst.srcversion) {
			return {check: 'driver', verdict: 'ok', message: `${name}: no version declared, same build on both (srcversion ${src.srcversion})`, ...values};
		}
		if (src.srcversion !== null && dst.srcversion !== null) {
			return {check: 'driver', verdict: 'risky', message: `${name}: no version declared, different builds (srcversion ${src.srcversion} on SOURCE, ${dst.srcversion} on DEST)`, ...values};
		}
		return {check: 'driver', verdict: 'risky', message: `${name} declares no version (no sys/module/${name}/version or srcversion): compatibility cannot be checked`, ...values};
	}
	if (src.version === dst.version) {
		if (src.srcversion !== null && dst.srcversion !== null && src.srcversion !== dst.srcversion) {
			return {
				check: 'driver',
				verdict: 'risky',
				message: `${name} ${src.version} on both, but different builds (srcversion ${src.srcversion} on SOURCE, ${dst.srcversion} on DEST)`,
				...values,
			};
		}
		return {check: 'driver', verdict: 'ok', message: `${name} ${src.version} on both`, ...values};
	}
	const scheme = KNOWN_SCHEMES[name];
	const a = scheme?.pattern.exec(src.version);
	const b = scheme?.pattern.exec(dst.version);
	if (!scheme || !a || !b) {
		return {
			check: 'driver',
			verdict: 'risky',
			message: `${name} ${src.version} on SOURCE, ${dst.version} on DEST: ${scheme ? `not in ${scheme.what} form` : 'no known version scheme'}, so how far apart they are is unknown`,
			...values,
		};
	}
	if (a[1] === b[1]) {
		return {check: 'driver', verdict: 'risky', message: `${name} ${src.version} on SOURCE, ${dst.version} on DEST: same major version (${a[1]}), different release`, ...values};
	}
	return {check: 'driver', verdict: 'blocked', message: `${name} ${src.version} on SOURCE, ${dst.version} on DEST: different major versions (${a[1]} and ${b[1]})`, ...values};
}

function kernelReason(src: HostModel, dst: HostModel): Reason {
	const a = src.host.kernelRelease;
	const b = dst.host.kernelRelease;
	const values = {source: a, dest: b};
	if (a === null || b === null) return {check: 'kernel', verdict: 'risky', message: `kernel release unknown on ${a === null && b === null ? 'both sides' : a === null ? 'SOURCE' : 'DEST'}`, ...values};
	if (a === b) return {check: 'kernel', verdict: 'ok', message: `same kernel ${a}`, ...values};
	return {check: 'kernel', verdict: 'risky', message: `kernels differ: ${a} on SOURCE, ${b} on DEST`, ...values};
}
