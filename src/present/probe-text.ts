// How probe answers read on screen, shared by the instances list and the detail pane. Pure.
// A question the kernel was not asked (supported === null) never reads as "no": it reads as `?` with
// its reason, like nvtop's valid bits.

import {displayKind, type DisplayKind, type FeatureAnswer, type NotAskedWhy, type ProbeOutcome, type ProbeResult} from '../model/probe.js';
import type {Tone} from './line.js';

export interface Cell {
	text: string;
	tone?: Tone;
}

const OUTCOME_WORD: Record<ProbeOutcome, string> = {
	ok: 'ok',
	busy: 'busy',
	'needs-root': 'root',
	vanished: 'gone',
	'not-viable': 'not-viable',
	'no-vfio': 'no-vfio',
	'not-live': 'not-live',
	timeout: 'timeout',
	error: 'error',
};

export function outcomeWord(outcome: ProbeOutcome): string {
	return OUTCOME_WORD[outcome];
}

/** REGION / DMABUF / none, from VFIO_DEVICE_QUERY_GFX_PLANE with VFIO_GFX_PLANE_TYPE_PROBE. */
const DISPLAY_CELL: Record<DisplayKind, Cell> = {
	'region+dmabuf': {text: 'REGION+DMABUF', tone: 'ok'},
	region: {text: 'REGION', tone: 'ok'},
	dmabuf: {text: 'DMABUF', tone: 'ok'},
	none: {text: 'none'},
	unknown: {text: '?', tone: 'dim'},
};

export function displayCell(result: ProbeResult): Cell {
	return DISPLAY_CELL[displayKind(result.display)];
}

/** The probe column of the instances list: the display answer, or what stopped the probe. */
export function probeCell(result: ProbeResult | undefined, running: boolean): Cell {
	if (running) return {text: '..', tone: 'dim'};
	if (!result) return {text: '-', tone: 'dim'};
	if (result.outcome !== 'ok') return {text: outcomeWord(result.outcome), tone: 'warn'};
	return displayCell(result);
}

export function migrationCell(result: ProbeResult | undefined): Cell {
	if (!result) return {text: '-', tone: 'dim'};
	const {supported} = result.migration;
	if (supported === true) return {text: 'yes', tone: 'ok'};
	if (supported === false) return {text: 'no'};
	return {text: '?', tone: 'dim'};
}

/** A question never asked, by why (FeatureAnswer.notAsked): the result's summary says the rest. */
const NOT_ASKED_TEXT: Record<NotAskedWhy, string> = {
	// The probe stopped before asking anything: its outcome and summary, shown above, say why.
	'probe-not-run': 'not asked (probe stopped, see above)',
	'device-not-opened': 'not asked: the device was not opened',
	'borrowed-fd': 'not asked: never through a borrowed fd',
};

/**
 * `supported`, `not supported (ENOTTY)`, `not asked: <reason>`. A question that was never asked
 * reads by why (notAsked); one whose call failed reads `not asked: <what failed>`.
 */
export function answerText(answer: FeatureAnswer): string {
	if (answer.supported === true) return 'supported';
	if (answer.supported === false) {
		const why = [answer.code, answer.reason].filter(Boolean).join(': ');
		return 'not supported' + (why ? ` (${why})` : '');
	}
	if (answer.notAsked) return NOT_ASKED_TEXT[answer.notAsked];
	const reason = answer.reason ?? answer.code;
	return 'not asked' + (reason ? `: ${reason}` : '');
}
