// The compare view's text as Lines (src/present/line.ts): the two sides and the result above
// the panes, the reasons of one instance, and the help screen's legend. Pure: the comparison in,
// tone-tagged text out; everything shown is a field of the Comparison, nothing is worked out here.

import {lineLength, seg, type Line, type Tone} from './line.js';
import {sourceKindMarker} from './header-line.js';
import {sanitize, truncateMiddle, wrap} from './text.js';
import {exitCode, type Comparison, type InstanceVerdict, type Reason, type SideSummary, type Verdict} from '../compare/compare.js';
import {onDest, tally, VERDICT_MEANING, where} from '../output/compare.js';

export function verdictTone(verdict: Verdict): Tone {
	return verdict === 'ok' ? 'ok' : verdict === 'risky' ? 'warn' : 'error';
}

/**
 * `SOURCE  RECORDED  kernel 6.12.117+deb12-amd64  recorded 2026-11-24T18:16:24.537Z  host vm612  a.json`:
 * what the side is, its kernel, when it was read, its host name, then the file (cut in the middle).
 * When that is too wide the words `kernel`, `recorded` and `host` go first (the values stay), as
 * the main header shortens its parts.
 */
export function sideLine(role: 'SOURCE' | 'DEST', s: SideSummary, width: number): Line {
	return sideLayout(role, s, width, 0).line;
}

/**
 * SOURCE's and DEST's lines, shortened alike: when one of them has to drop a word, the other drops
 * it too, so the two lines keep their columns.
 */
export function sideLines(source: SideSummary, dest: SideSummary, width: number): [Line, Line] {
	const level = Math.max(sideLayout('SOURCE', source, width, 0).shortened, sideLayout('DEST', dest, width, 0).shortened);
	return [sideLayout('SOURCE', source, width, level).line, sideLayout('DEST', dest, width, level).line];
}

function sideLayout(role: 'SOURCE' | 'DEST', s: SideSummary, width: number, atLeast: number): {line: Line; shortened: number} {
	const kernel = s.kernelRelease ?? 'unknown';
	const when = s.kind === 'live' ? 'this host, probed now' : s.kind === 'tree' ? 'a tree on disk, read now' : s.recordedAt ? `recorded ${s.recordedAt}` : 'recorded, time unknown';
	// Long and short forms in the order shown; `shortFirst` says which are shortened first.
	const parts: Array<{long: string; short: string; shortFirst: number}> = [
		{long: `kernel ${kernel}`, short: kernel, shortFirst: 2},
		{long: when, short: s.kind === 'snapshot' && s.recordedAt ? s.recordedAt : when, shortFirst: 1},
		{long: `host ${s.hostname ?? 'n/a'}`, short: s.hostname ?? '', shortFirst: 0},
	];
	const head: Line = [seg(role.padEnd(7), 'title'), seg(` ${sourceKindMarker(s.kind)} `, 'source')];
	// The file (or --root DIR) the side was read from; `this host` says nothing the marker does not.
	// Shown only with room for 8 columns of it (or all of a shorter one).
	const name = s.kind === 'live' ? '' : sanitize(s.name);
	const nameMin = Math.min(name.length, 8);
	const nameRoom = name === '' ? 0 : nameMin + 2;
	let shortened = atLeast;
	const facts = () => parts.map((p) => (p.shortFirst < shortened ? p.short : p.long)).filter((f) => f !== '');
	const length = () => lineLength(head) + 1 + facts().join('  ').length;
	while (shortened < parts.length && length() + nameRoom > width) shortened++;
	const line: Line = [...head, seg(` ${facts().join('  ')}`)];
	const room = width - length() - 2;
	if (name !== '' && room >= nameMin) line.push(seg('  '), seg(truncateMiddle(name, room), 'dim'));
	return {line, shortened};
}

/** `Result  blocked (exit 2): 3 instances, 0 ok, 0 risky, 3 blocked`, with how many the filter shows. */
export function resultLine(c: Comparison, shown: number): Line {
	const filtered = shown === c.instances.length ? '' : `; the filter shows ${shown}`;
	return [seg('Result'.padEnd(8), 'title'), seg(c.verdict, verdictTone(c.verdict)), seg(` (exit ${exitCode(c)}): ${tally(c)}${filtered}`)];
}

/** The longest check name. */
const CHECK_WIDTH = ('migration-flags' satisfies Reason['check']).length;
const VERDICT_WIDTH = 'blocked'.length;

/** A value as recorded; `-` where the side has none (null). */
const value = (v: string | null | undefined): string => (v === null || v === undefined ? '-' : v);

/**
 * The selected instance: where it is on SOURCE, where it would go on DEST, then every reason in the
 * comparison's order with its verdict, check and message, and the two values compared where the
 * reason has them (driver versions, migration flags, kernel releases, type names).
 */
export function reasonLines(v: InstanceVerdict, width: number): Line[] {
	const lines: Line[] = [
		[seg('uuid     '), seg(v.uuid, 'title'), seg('  '), seg(v.verdict, verdictTone(v.verdict))],
		[seg(`SOURCE   ${where(v)}${v.typeName === null ? '' : ` "${v.typeName}"`}, ${v.active ? 'active' : 'defined, not active (type, capacity, driver and kernel only)'}`)],
		[seg(`DEST     ${v.dest === null ? '- (no place for it: see the type reason)' : onDest(v)}`)],
		[seg(`Reasons (${v.reasons.length}; the verdict is the worst)`, 'title')],
	];
	const left = 2 + VERDICT_WIDTH + 2 + CHECK_WIDTH + 2;
	// Side by side while the message keeps 30 columns; below a narrower width, under the check.
	const beside = width - left >= 30;
	const textWidth = beside ? width - left : width - 4;
	const indent = ' '.repeat(beside ? left : 4);
	for (const r of v.reasons) {
		const head = [seg('  '), seg(r.verdict.padEnd(VERDICT_WIDTH), verdictTone(r.verdict)), seg(`  ${r.check.padEnd(CHECK_WIDTH)}  `, 'key')];
		const text = wrap(r.message, textWidth);
		if (beside) {
			lines.push([...head, seg(text[0] ?? '')]);
			for (const more of text.slice(1)) lines.push([seg(indent + more)]);
		} else {
			lines.push(head);
			for (const more of text) lines.push([seg(indent + more)]);
		}
		if (r.source !== undefined || r.dest !== undefined) {
			for (const more of wrap(`SOURCE ${value(r.source)}  |  DEST ${value(r.dest)}`, textWidth)) lines.push([seg(indent + more, 'dim')]);
		}
	}
	return lines;
}

/** The help screen's legend for the compare view. */
export const COMPARE_LEGEND: ReadonlyArray<readonly [string, string]> = [
	['ok risky blocked', VERDICT_MEANING],
	['>', 'the selected instance; the reasons pane below shows its reasons'],
	['[*] ===', 'the focused pane (Tab moves between the instances and the reasons)'],
	['RECORDED LIVE TREE', 'a side read from a snapshot file, this host scanned and probed now, or a tree on disk'],
	['SOURCE | DEST', 'under a reason: the two values it compared, as recorded (- where a side has none)'],
	['exit 0 1 2', 'after q the report is printed and mdevscope exits 0 all ok, 1 any risky, 2 any blocked'],
];
