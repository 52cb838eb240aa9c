// The `--json` view: the HostModel as it is (field names are the schema, see src/model/types.ts),
// with `probe` (a ProbeResult) added to an instance only when it was probed. Control characters in
// sysfs strings are escaped: C0 by JSON itself, and here the ones JSON.stringify leaves raw (DEL,
// C1 such as the 8-bit CSI U+009B, line/paragraph separators, bidi overrides), so the output is
// as harmless on a terminal as it is to a parser.
// With owners (src/owners/join.ts), every instance gets `owners`: the processes holding its
// /dev/vfio group or device ({pid, comm, vmName, vmUuid, libvirtDomain, files}), [] when none
// does, or null when that could not be told, with `ownersUnknown` saying why. An owner's full
// command line (`cmdline`) only with `withCmdline` (--with-cmdline): QEMU's argv can hold
// `-spice password=`, `-object secret,...`, disk paths, and a snapshot travels.
import type {Advice} from '../advice/index.js';
import type {ProbeResult} from '../model/probe.js';
import type {HostModel, Instance} from '../model/types.js';
import type {OwnersByInstance} from '../owners/join.js';
import {ownersOf, probeOf} from '../model/instances.js';

export interface JsonOptions {
	/** Keep each owner's `cmdline` (--with-cmdline); left out by default. */
	withCmdline?: boolean;
}

/** An owner as --json writes it (a scanned one, or one a snapshot recorded): without its argv unless asked for. */
function ownerJson<T>(o: T, withCmdline: boolean): T {
	if (withCmdline || typeof o !== 'object' || o === null || !('cmdline' in o)) return o;
	const {cmdline: _argv, ...rest} = o as T & {cmdline: unknown};
	return rest as T;
}

export function renderJson(
	model: HostModel,
	probes?: ReadonlyMap<string, ProbeResult> | null,
	advice?: ReadonlyMap<string, Advice> | null,
	owners?: OwnersByInstance | null,
	opts: JsonOptions = {},
): string {
	const withCmdline = opts.withCmdline ?? false;
	// A snapshot's model (--from) carries the owners it recorded as a field of its own.
	const recorded = (i: Instance) => (i as Instance & {owners?: unknown}).owners;
	const owned = (i: Instance) => {
		const o = ownersOf(owners, i);
		if (o) return {owners: o.owners?.map((x) => ownerJson(x, withCmdline)) ?? null, ...(o.owners === null ? {ownersUnknown: o.unknown} : {})};
		const kept = recorded(i);
		return Array.isArray(kept) && !withCmdline ? {owners: kept.map((x: unknown) => ownerJson(x, false))} : {};
	};
	const out =
		probes || owners || model.instances.some((i) => Array.isArray(recorded(i)))
			? {
					...model,
					instances: model.instances.map((i) => {
						// Keyed by uuid: the active instance's, never a definition's under another parent.
						const probe = probeOf(probes, i);
						const advised = probeOf(advice, i);
						return {...i, ...owned(i), ...(probe ? {probe, ...(advised ? {advice: advised} : {})} : {})};
					}),
				}
			: model;
	return `${jsonText(out)}\n`;
}

/**
 * JSON.stringify(value, null, 2) with the characters it leaves raw escaped: for every JSON this
 * tool prints (the doctor's, compare's and features' too), so none can act on a terminal.
 */
export function jsonText(value: unknown): string {
	return escapeRaw(JSON.stringify(value, null, 2));
}

// These can only occur inside JSON strings, where `\uXXXX` stands for the same character.
const RAW = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeRaw(json: string): string {
	return json.replace(RAW, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
