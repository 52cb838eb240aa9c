// One uuid can be defined under several parents (mdevctl allows it; only one of them can be active
// at a time), so an instance is named by its parent and uuid together. Probe results, owners and
// advice are keyed by uuid alone: they describe the device behind the uuid, which is the active
// instance; a definition that is not active has no device, so none of them is its own. Pure.
import type {Instance} from './types.js';

/** The identity of an instance in a model: its parent and its uuid (`0000:3b:00.0/8d4b…`). */
export function instanceKey(instance: Pick<Instance, 'parent' | 'uuid'>): string {
	return `${instance.parent ?? ''}/${instance.uuid}`;
}

/** The instance's entry of a uuid-keyed map of probe results (or advice): only an active instance has one. */
export function probeOf<T>(byUuid: ReadonlyMap<string, T> | null | undefined, instance: Instance): T | undefined {
	return instance.active ? byUuid?.get(instance.uuid) : undefined;
}

/**
 * The instance's owners from a uuid-keyed map: the active instance's entry, or for a definition
 * that is not active, nobody (when the map knows the uuid at all: a map still being read has no
 * entry yet for any).
 */
export function ownersOf<T extends {owners: readonly unknown[] | null; unknown: string | null}>(
	byUuid: ReadonlyMap<string, T> | null | undefined,
	instance: Instance,
): T | {owners: never[]; unknown: null} | undefined {
	const entry = byUuid?.get(instance.uuid);
	if (entry === undefined || instance.active) return entry;
	// Nothing can hold a definition that is not active (src/owners/join.ts says the same of each).
	return {owners: [], unknown: null};
}

/** The other definitions of the same uuid in `instances` (under other parents), the active one first. */
export function sameUuid(instances: readonly Instance[], instance: Instance): Instance[] {
	const others = instances.filter((i) => i !== instance && i.uuid === instance.uuid);
	return [...others.filter((i) => i.active), ...others.filter((i) => !i.active)];
}
