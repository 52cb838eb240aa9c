// `mdevscope features`: one line per instance, or a JSON document (src/features/SCHEMA.md). Pure.
import type {HostModel, Instance} from '../model/types.js';
import {clean} from '../present/text.js';
import {FEATURES, type FeatureBits, type FeatureName, hexBits, setNames} from '../features/bits.js';
import {jsonText} from './json.js';

/**
 * `22222222-… mdpy-hd bits=0x1 known=0x7 display_region`, then what is unknown and why:
 * `unknown: busy (in use by qemu pid 123 …)` when the probe stopped, else per question.
 */
export function featuresLine(instance: Pick<Instance, 'uuid' | 'mdevType'>, fb: FeatureBits): string {
	const set = setNames(fb);
	const parts = [clean(instance.uuid), clean(instance.mdevType ?? '-'), `bits=${hexBits(fb.bits)}`, `known=${hexBits(fb.known)}`];
	// "none" only when something was answered: with nothing known, the unknown part says it all.
	if (set.length > 0) parts.push(set.join(','));
	else if (fb.known !== 0) parts.push('none');
	const unknown = unknownText(fb);
	if (unknown) parts.push(unknown);
	if (fb.answeredThrough === 'borrowed') parts.push('(answered through a borrowed fd)');
	return parts.join(' ');
}

/** `unknown: busy (…)`, `unknown: migration (…)`; empty when every bit is known. */
export function unknownText(fb: FeatureBits): string {
	const unknown = FEATURES.filter((f) => fb.features[f.name].value === null);
	if (unknown.length === 0) return '';
	if (fb.outcome === null) return 'unknown: not probed';
	if (fb.outcome !== 'ok' && fb.known === 0) return `unknown: ${fb.outcome} (${clean(fb.summary ?? '')})`;
	// Questions that share a reason are named together.
	const byReason = new Map<string, FeatureName[]>();
	for (const f of unknown) {
		const reason = fb.features[f.name].reason ?? 'not answered';
		byReason.set(reason, [...(byReason.get(reason) ?? []), f.name]);
	}
	return `unknown: ${[...byReason].map(([reason, names]) => `${names.join(',')} (${clean(reason)})`).join('; ')}`;
}

export function renderFeaturesPlain(rows: Array<{instance: Instance; bits: FeatureBits}>): string {
	return rows.map((r) => `${featuresLine(r.instance, r.bits)}\n`).join('');
}

/** The JSON document of `mdevscope features --json` (shape: src/features/SCHEMA.md). */
export interface FeaturesJson {
	schemaVersion: 1;
	root: string;
	source: HostModel['source'];
	scannedAt: string;
	/** Bit value of each feature name: the seed's VFIO_DEVICE_FEATURE_* values. */
	featureBits: Record<FeatureName, number>;
	instances: Array<
		{
			uuid: string;
			parent: string | null;
			mdevType: string | null;
			/** The set bits' names, in bit order. */
			set: FeatureName[];
		} & FeatureBits
	>;
}

export function featuresJson(model: HostModel, rows: Array<{instance: Instance; bits: FeatureBits}>): FeaturesJson {
	return {
		schemaVersion: 1,
		root: model.root,
		source: model.source,
		scannedAt: model.scannedAt,
		featureBits: Object.fromEntries(FEATURES.map((f) => [f.name, f.bit])) as Record<FeatureName, number>,
		instances: rows.map(({instance, bits}) => ({
			...bits,
			parent: instance.parent,
			mdevType: instance.mdevType,
			set: setNames(bits),
		})),
	};
}

export function renderFeaturesJson(model: HostModel, rows: Array<{instance: Instance; bits: FeatureBits}>): string {
	// jsonText escapes what JSON.stringify leaves raw (DEL, C1 controls, bidi), harmless on a terminal.
	return `${jsonText(featuresJson(model, rows))}\n`;
}
