// One uuid can be defined under several parents (mdevctl allows it; only one of them can be active
// at a time), so an instance is named by its parent and uuid together. A probe result describes the
// device behind a uuid, which is the active instance's: a definition that is not active has no
// device, so no probe is its own and nothing holds it. This module is the only place that matches
// probe results and owners to instances; every view reads them from the instance. Pure.
import type {ProbeResult} from './probe.js';
import type {HostModel, Instance, InstanceOwners} from './types.js';

/** The identity of an instance in a model: its parent and its uuid (`0000:3b:00.0/8d4b…`). */
export function instanceKey(instance: Pick<Instance, 'parent' | 'uuid'>): string {
	return `${instance.parent ?? ''}/${instance.uuid}`;
}

/** The model with `change` applied to the instances it returns a new object for (the others, and the model, kept when none). */
function mapInstances(model: HostModel, change: (instance: Instance) => Instance): HostModel {
	let changed = false;
	const instances = model.instances.map((instance) => {
		const next = change(instance);
		changed ||= next !== instance;
		return next;
	});
	return changed ? {...model, instances} : model;
}

/** The model with these probe results given to their instances: each to the active instance of its uuid. */
export function withProbes(model: HostModel, results: Iterable<ProbeResult>): HostModel {
	const byUuid = new Map<string, ProbeResult>();
	for (const result of results) byUuid.set(result.uuid, result);
	if (byUuid.size === 0) return model;
	return mapInstances(model, (instance) => {
		const probe = instance.active ? byUuid.get(instance.uuid) : undefined;
		return probe === undefined || probe === instance.probe ? instance : {...instance, probe};
	});
}

/** The model without the probe results of these uuids (a rescan outdated them, or another host is shown). */
export function withoutProbes(model: HostModel, uuids: Iterable<string>): HostModel {
	const drop = new Set(uuids);
	return mapInstances(model, (instance) => {
		if (instance.probe === undefined || !drop.has(instance.uuid)) return instance;
		const {probe: _dropped, ...rest} = instance;
		return rest;
	});
}

/** The probe results the model's instances carry. */
export function probeResults(model: HostModel): ProbeResult[] {
	return model.instances.flatMap((instance) => (instance.probe ? [instance.probe] : []));
}

/**
 * The model with the owners read for each instance (keyed by instanceKey, as src/owners/join.ts
 * gives them); an instance the read does not cover keeps what it had.
 */
export function withOwners(model: HostModel, read: ReadonlyMap<string, InstanceOwners>): HostModel {
	return mapInstances(model, (instance) => {
		const entry = read.get(instanceKey(instance));
		if (entry === undefined) return instance;
		const {ownersUnknown: _old, ...rest} = instance;
		return {...rest, owners: entry.owners, ...(entry.owners === null ? {ownersUnknown: entry.unknown ?? 'who holds it could not be told'} : {})};
	});
}

/**
 * Who holds the instance, as the views say it: undefined while /proc has not been read yet. A
 * recording's owners are those it recorded (their reasons marked as of then), or unknown when it
 * recorded none. Nothing holds a definition that is not active.
 */
export function instanceOwners(model: Pick<HostModel, 'source'>, instance: Instance): InstanceOwners | undefined {
	const recorded = model.source.kind === 'snapshot';
	if (instance.owners === undefined) {
		if (!recorded) return undefined;
		if (!instance.active) return {owners: [], unknown: null};
		return {owners: null, unknown: 'the snapshot was recorded without owners (an older mdevscope): run mdevscope on that host to see who holds it.'};
	}
	if (instance.owners !== null) return {owners: instance.owners, unknown: null};
	const why = instance.ownersUnknown ?? 'who holds it could not be told';
	return {owners: null, unknown: recorded ? `when recorded: ${why}` : why};
}

/** The other definitions of the same uuid in `instances` (under other parents), the active one first. */
export function sameUuid(instances: readonly Instance[], instance: Instance): Instance[] {
	const others = instances.filter((i) => i !== instance && i.uuid === instance.uuid);
	return [...others.filter((i) => i.active), ...others.filter((i) => !i.active)];
}

/**
 * A model read again (`r`) with what the one before knew that still holds: the probe results of
 * the uuids not in `stale`, and each instance's owners until /proc is read again.
 */
export function carryOver(before: HostModel, after: HostModel, stale: Iterable<string>): HostModel {
	const owners = new Map<string, InstanceOwners>();
	for (const i of before.instances) if (i.owners !== undefined) owners.set(instanceKey(i), {owners: i.owners, unknown: i.ownersUnknown ?? null});
	return withProbes(withOwners(after, owners), probeResults(withoutProbes(before, stale)));
}
