// Feature bits per mediated device, as the seed thread proposed the kernel should publish them
// (never merged upstream), computed here only from what the probe asked the kernel:
// `bits` = what the kernel said yes to, `known` = what the probe could answer at all. A question
// that was not asked (busy, needs root, vanished, timeout, not live, a device the vendor driver
// would not open) leaves its bit out of `known`: unknown, never 0.
import type {FeatureAnswer, ProbeOutcome, ProbeResult} from '../model/probe.js';

/**
 * The seed's names and values. Not the uapi's: include/uapi/linux/vfio.h's own
 * VFIO_DEVICE_FEATURE_MIGRATION is feature *number* 1 of the VFIO_DEVICE_FEATURE ioctl, so these
 * live in their own namespace and never meet src/ffi/vfio.ts.
 */
export const SEED_FEATURE_BITS = {
	VFIO_DEVICE_FEATURE_DISPLAY_REGION: 1 << 0,
	VFIO_DEVICE_FEATURE_DISPLAY_DMABUF: 1 << 1,
	VFIO_DEVICE_FEATURE_MIGRATION: 1 << 2,
} as const;

/** The export's file names (`DIR/<uuid>/features/<name>`), also the names shown for set bits. */
export type FeatureName = 'display_region' | 'display_dmabuf' | 'migration';

export interface FeatureDef {
	name: FeatureName;
	seedName: keyof typeof SEED_FEATURE_BITS;
	bit: number;
	/** The kernel question that answers it. */
	question: string;
}

export const FEATURES: readonly FeatureDef[] = [
	{
		name: 'display_region',
		seedName: 'VFIO_DEVICE_FEATURE_DISPLAY_REGION',
		bit: SEED_FEATURE_BITS.VFIO_DEVICE_FEATURE_DISPLAY_REGION,
		question: 'VFIO_DEVICE_QUERY_GFX_PLANE with VFIO_GFX_PLANE_TYPE_PROBE|VFIO_GFX_PLANE_TYPE_REGION',
	},
	{
		name: 'display_dmabuf',
		seedName: 'VFIO_DEVICE_FEATURE_DISPLAY_DMABUF',
		bit: SEED_FEATURE_BITS.VFIO_DEVICE_FEATURE_DISPLAY_DMABUF,
		question: 'VFIO_DEVICE_QUERY_GFX_PLANE with VFIO_GFX_PLANE_TYPE_PROBE|VFIO_GFX_PLANE_TYPE_DMABUF',
	},
	{
		name: 'migration',
		seedName: 'VFIO_DEVICE_FEATURE_MIGRATION',
		bit: SEED_FEATURE_BITS.VFIO_DEVICE_FEATURE_MIGRATION,
		question: 'VFIO_DEVICE_FEATURE with VFIO_DEVICE_FEATURE_PROBE|GET of VFIO_DEVICE_FEATURE_MIGRATION',
	},
];

/** All the bits there are (0x7). */
export const ALL_FEATURE_BITS = FEATURES.reduce((all, f) => all | f.bit, 0);

/** One feature: the kernel said yes (true), no (false), or it could not be asked (null, with why). */
export interface FeatureValue {
	value: boolean | null;
	/** errno name behind a no (ENOTTY, EINVAL) or behind an unanswered question. */
	code?: string;
	/** Why it is unknown (only when value is null). */
	reason?: string;
}

/** How the answers were obtained: the probe's own fd (`direct`, `cdev`), a holder's fd (`borrowed`), or none. */
export type AnsweredThrough = 'direct' | 'cdev' | 'borrowed' | null;

export interface FeatureBits {
	uuid: string;
	bits: number;
	known: number;
	features: Record<FeatureName, FeatureValue>;
	answeredThrough: AnsweredThrough;
	/** The probe's outcome and summary; null when the instance was not probed at all. */
	outcome: ProbeOutcome | null;
	summary: string | null;
	/** When the kernel was asked; null when it was not (not probed, or read from a tree or snapshot). */
	probedAt: string | null;
}

/**
 * Whether the answers came through a file descriptor borrowed from the process that holds the
 * device (`--probe-held`: via `borrowed`, with `borrowedFrom` naming the holder). A loose
 * `borrowed` field (true, or a description of the lender) counts too.
 */
export function isBorrowed(result: ProbeResult): boolean {
	const loose = (result as ProbeResult & {borrowed?: unknown}).borrowed;
	if (result.via === 'borrowed' || (result.borrowedFrom !== undefined && result.borrowedFrom !== null)) return true;
	return loose !== undefined && loose !== null && loose !== false;
}

function answerOf(result: ProbeResult, name: FeatureName): FeatureAnswer {
	if (name === 'display_region') return result.display.region;
	if (name === 'display_dmabuf') return result.display.dmabuf;
	return result.migration;
}

/** The bits of one instance from its probe result (`null`: never probed: everything unknown). */
export function featureBits(uuid: string, result: ProbeResult | null | undefined): FeatureBits {
	const features = {} as Record<FeatureName, FeatureValue>;
	let bits = 0;
	let known = 0;
	for (const f of FEATURES) {
		if (!result) {
			features[f.name] = {value: null, reason: 'not probed'};
			continue;
		}
		const answer = answerOf(result, f.name);
		if (answer.supported === true) {
			bits |= f.bit;
			known |= f.bit;
			features[f.name] = {value: true};
		} else if (answer.supported === false) {
			known |= f.bit;
			features[f.name] = answer.code ? {value: false, code: answer.code} : {value: false};
		} else {
			// A probe that stopped early leaves every question "not asked: <generic>"; its summary says why.
			const reason = result.outcome === 'ok' ? (answer.reason ?? 'not answered') : `${result.outcome}: ${result.summary}`;
			features[f.name] = answer.code ? {value: null, code: answer.code, reason} : {value: null, reason};
		}
	}
	let answeredThrough: AnsweredThrough = null;
	if (result && known !== 0) answeredThrough = isBorrowed(result) ? 'borrowed' : result.via;
	return {
		uuid,
		bits,
		known,
		features,
		answeredThrough,
		outcome: result?.outcome ?? null,
		summary: result?.summary ?? null,
		probedAt: result && result.outcome !== 'not-live' ? result.probedAt : null,
	};
}

/** Names of the set bits, in bit order. */
export function setNames(fb: FeatureBits): FeatureName[] {
	return FEATURES.filter((f) => (fb.bits & f.bit) !== 0).map((f) => f.name);
}

/** `0x1`. */
export function hexBits(n: number): string {
	return `0x${n.toString(16)}`;
}
