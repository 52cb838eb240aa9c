// The compare report as plain text (a header per side, then one row per instance with its reasons
// under it) and as JSON (the Comparison as is, plus the exit code). Pure: comparison in, text out.
import path from 'node:path';
import {clean} from '../present/text.js';
import {exitCode, type Comparison, type InstanceVerdict, type SideSummary, type Verdict} from '../compare/compare.js';
import {jsonText} from './json.js';

function side(s: SideSummary): string {
	const what =
		s.kind === 'snapshot'
			? `${clean(s.name)}: snapshot${s.label && s.label !== path.basename(s.name) ? ` of ${clean(s.label)}` : ''}${s.recordedAt ? `, recorded ${clean(s.recordedAt)}` : ''}`
			: s.kind === 'tree'
				? `${clean(s.name)}: the tree ${clean(s.label ?? '')}`
				: `${clean(s.name)}${s.hostname ? ` (${clean(s.hostname)})` : ''}`;
	return `${what}, kernel ${s.kernelRelease === null ? 'unknown' : clean(s.kernelRelease)}`;
}

/** `parent/type` on SOURCE. */
export const where = (v: InstanceVerdict): string => `${clean(v.parent ?? '?')}/${clean(v.mdevType ?? '?')}`;

/** Where it would go on DEST: `parent/type (N free)`, or `-` when DEST has no such type. */
export function onDest(v: InstanceVerdict): string {
	if (v.dest === null) return '-';
	const free = v.dest.availableInstances === null ? '? free' : `${v.dest.availableInstances} free`;
	return `${clean(v.dest.parent)}/${clean(v.dest.mdevType)} (${free})`;
}

/** `3 instances, 0 ok, 1 risky, 2 blocked`, or that there is nothing to compare. */
export function tally(c: Comparison): string {
	const n = c.instances.length;
	if (n === 0) return 'SOURCE has no mdev instance to compare';
	return `${n} instance${n === 1 ? '' : 's'}, ${VERDICTS.map((v) => `${c.counts[v]} ${v}`).join(', ')}`;
}

export const VERDICTS: readonly Verdict[] = ['ok', 'risky', 'blocked'];

/** What the verdicts mean, as the plain report's footer says it. */
export const VERDICT_MEANING = 'ok: nothing found against it. risky: it may work; check what is named. blocked: it cannot work as recorded.';

export function renderComparePlain(c: Comparison): string {
	const out = [`SOURCE  ${side(c.source)}`, `DEST    ${side(c.dest)}`];
	const n = c.instances.length;
	out.push(`Result  ${c.verdict} (exit ${exitCode(c)}): ${tally(c)}`);
	if (n > 0) {
		out.push('');
		const header = ['INSTANCE', 'TYPE', 'STATE', 'ON DEST', 'VERDICT'];
		const rows = c.instances.map((v) => [clean(v.uuid), where(v), v.active ? 'active' : 'defined', onDest(v), v.verdict]);
		const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
		const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
		out.push(line(header));
		const checkWidth = Math.max(...c.instances.flatMap((v) => v.reasons.map((r) => r.check.length)));
		c.instances.forEach((v, i) => {
			out.push(line(rows[i]!));
			for (const r of v.reasons) out.push(`    ${r.verdict.padEnd(7)}  ${r.check.padEnd(checkWidth)}  ${clean(r.message)}`);
		});
	}
	out.push(
		'',
		VERDICT_MEANING,
		'Exit 0 when all are ok, 1 when any is risky, 2 when any is blocked.',
	);
	return `${out.join('\n')}\n`;
}

export function renderCompareJson(c: Comparison): string {
	return `${jsonText({...c, exitCode: exitCode(c)})}\n`;
}
