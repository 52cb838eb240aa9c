// The `--json` view: the HostModel as it is (field names are the schema, see src/model/types.ts),
// a function of the value alone: an instance has `probe` (a ProbeResult) only when it was probed. Control characters in
// sysfs strings are escaped: C0 by JSON itself, and here the ones JSON.stringify leaves raw (DEL,
// C1 such as the 8-bit CSI U+009B, line/paragraph separators, bidi overrides), so the output is
// as harmless on a terminal as it is to a parser.
// Once /proc was read (src/owners/join.ts), every instance has `owners`: the processes holding its
// /dev/vfio group or device ({pid, comm, vmName, vmUuid, libvirtDomain, files}), [] when none
// does, or null when that could not be told, with `ownersUnknown` saying why. An owner's full
// command line (`cmdline`) only with `withCmdline` (--with-cmdline): QEMU's argv can hold
// `-spice password=`, `-object secret,...`, disk paths, and a snapshot travels.
import {adviceOf} from '../advice/index.js';
import type {HostModel, Instance} from '../model/types.js';

export interface JsonOptions {
	/** Add each probed instance's `advice` (--advice), worked out from its probe. */
	advice?: boolean;
	/** Keep each owner's `cmdline` (--with-cmdline); left out by default. */
	withCmdline?: boolean;
}

/** An instance as --json writes it: its fields, then its owners, probe and advice, owners without their argv unless asked for. */
function instanceJson(model: HostModel, instance: Instance, opts: JsonOptions): object {
	const {owners, ownersUnknown, probe, ...fields} = instance;
	const advice = opts.advice && probe ? adviceOf(model, instance) : undefined;
	return {
		...fields,
		...(owners === undefined ? {} : {owners: owners?.map(({cmdline, ...rest}) => (opts.withCmdline && cmdline !== undefined ? {...rest, cmdline} : rest)) ?? null}),
		...(owners === null ? {ownersUnknown} : {}),
		...(probe ? {probe} : {}),
		...(advice ? {advice} : {}),
	};
}

/** The `--json` text of an observation: the model as it is. */
export function renderJson(model: HostModel, opts: JsonOptions = {}): string {
	return `${jsonText({...model, instances: model.instances.map((i) => instanceJson(model, i, opts))})}\n`;
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
