// What B (borrow: probe a held device through its VM's fd) asks before it does anything. Pure:
// the holder comes from the owner scan (src/owners/join.ts) or from the last probe's answer.

import {holderName, type HolderRef, type ProbeResult} from '../model/probe.js';
import type {Instance} from '../model/types.js';
import type {InstanceOwners} from '../model/types.js';

/**
 * The confirmation for B on `instance`, naming the process and VM whose fd would be borrowed; or,
 * when there is nothing to borrow from, why (`ask: null`).
 */
export function borrowQuestion(
	instance: Instance,
	result: ProbeResult | undefined,
	owners: InstanceOwners | null | undefined,
): {ask: string; uuid: string} | {ask: null; why: string} {
	if (!instance.active) return {ask: null, why: 'defined, not active: nothing holds it, nothing to borrow'};
	const holders: HolderRef[] = owners?.owners?.length ? owners.owners : (result?.holders ?? (result?.borrowedFrom ? [result.borrowedFrom] : []));
	if (holders.length === 0) {
		const why = owners?.owners === null ? `who holds it is unknown: ${owners.unknown ?? 'no reason given'}` : 'no process holds it (p probes it directly)';
		return {ask: null, why: `B borrows a held device's fd: ${why}`};
	}
	const from = holders.map(holderName).join(' or ');
	return {
		// The answer keys first: a narrow footer cuts the end.
		ask: `Borrow the fd of ${from}? y: yes, other key: no. Read-only questions to ${instance.uuid}; the VM keeps running`,
		uuid: instance.uuid,
	};
}
