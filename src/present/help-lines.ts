// The `?` screen's text, generated from the key table (src/keymap.ts) plus a legend of the screen's
// markers and of the list columns (src/model/columns.ts). Pure; HelpOverlay only frames and scrolls it.

import {helpEntries, type Context} from '../keymap.js';
import {COLUMN_LEGEND, type ColumnMeaning} from '../model/columns.js';
import {seg, type Line} from './line.js';
import {wrap} from './text.js';

const LEGEND: Array<[string, string]> = [
	['[*] ===', 'the focused pane (title marker, = borders)'],
	['>', 'the selected row of each list'],
	['!', 'the item has errors: the detail pane says what was tried and what to do'],
	['vfio+ mdev- ctr+', 'header: module loaded (+) or missing (-); /dev/vfio/vfio (ctr) present (+) or missing (-)'],
	['LIVE TREE RECORDED', 'header: this host now, a sysfs tree on disk, or a recorded snapshot/sample'],
	['REGION DMABUF none', 'display column: how the device exposes its display (VFIO_DEVICE_QUERY_GFX_PLANE)'],
	['- .. ?', 'display column: not probed, probing, not asked (see detail)'],
	['busy root gone', 'display column: group held by another process, needs root, instance vanished'],
	['not-live timeout', 'display column: data is not from this host, the probe did not answer in time'],
];

/** Words of a `where` list (`lists,help,doctor`) packed onto lines of `width`, each but the last ending in `,`. */
function wrapList(list: string, width: number): string[] {
	const words = list.split(',');
	const lines: string[] = [];
	let line = '';
	words.forEach((word, index) => {
		const joined = line === '' ? word : line + ',' + word;
		// A line that another word follows ends in a comma: room for it too.
		if (line === '' || joined.length + (index < words.length - 1 ? 1 : 0) <= width) line = joined;
		else {
			lines.push(line + ',');
			line = word;
		}
	});
	return [...lines, line];
}

/**
 * Entries as aligned columns: keys (or a marker), where (optional) and the text, each wrapped inside
 * its own column, so no line is wider than `width` and nothing is cut.
 */
function columns(entries: Array<{left: string; mid?: string; text: string}>, width: number, leftWidth: number, midWidth: number): Line[] {
	const lines: Line[] = [];
	const textWidth = width - 2 - leftWidth - 1 - (midWidth > 0 ? midWidth + 1 : 0);
	for (const entry of entries) {
		if (textWidth < 16) {
			// Too narrow for columns: keys on their own line, the text under them.
			lines.push([seg('  ' + entry.left, 'key'), seg(entry.mid ? ` [${entry.mid}]` : '', 'dim')]);
			for (const text of wrap(entry.text, width - 4)) lines.push([seg('    ' + text)]);
			continue;
		}
		const lefts = wrap(entry.left, leftWidth);
		const mids = midWidth > 0 ? wrapList(entry.mid ?? '', midWidth) : [];
		const texts = wrap(entry.text, textWidth);
		const rows = Math.max(lefts.length, mids.length, texts.length);
		for (let row = 0; row < rows; row++) {
			lines.push([
				seg('  ' + (lefts[row] ?? '').padEnd(leftWidth) + ' ', 'key'),
				seg(midWidth > 0 ? (mids[row] ?? '').padEnd(midWidth) + ' ' : '', 'dim'),
				seg(texts[row] ?? ''),
			]);
		}
	}
	return lines;
}

export interface HelpScreen {
	/** Only the bindings that work in these contexts (the compare view); default: every binding. */
	contexts?: readonly Context[];
	/** What the screen's markers mean; default: the main screen's. */
	legend?: ReadonlyArray<readonly [string, string]>;
	/** What the `where` words mean. */
	where?: string;
	/** What the list columns mean; default: the main screen's (src/model/columns.ts), [] for none. */
	columns?: ReadonlyArray<ColumnMeaning>;
}

export function helpLines(width: number, screen: HelpScreen = {}): Line[] {
	const entries = helpEntries(screen.contexts);
	const legend = screen.legend ?? LEGEND;
	const keyWidth = Math.min(12, Math.max(...entries.map((e) => e.keys.length)));
	// The where column gives way to the text on a narrow screen (it wraps at its commas).
	const whereWidth = Math.min(width >= 100 ? 24 : 18, Math.max(...entries.map((e) => e.where.length)));
	const lines: Line[] = [[seg('Keys', 'title')]];
	const where = wrap(`where: ${screen.where ?? 'lists = any pane of the main screen; filter = while typing one'}`, width - 2, '  ');
	lines.push(...where.map((text) => [seg('  ' + text, 'dim')]));
	lines.push(
		...columns(
			entries.map((e) => ({left: e.keys, mid: e.where, text: (e.dangerous ? '! ' : '') + e.help})),
			width,
			keyWidth,
			whereWidth,
		),
	);
	lines.push([]);
	lines.push([seg('Screen', 'title')]);
	const legendWidth = Math.max(...legend.map(([left]) => left.length));
	lines.push(...columns(legend.map(([left, text]) => ({left, text})), width, legendWidth, 0));
	const columnLegend = screen.columns ?? COLUMN_LEGEND;
	if (columnLegend.length > 0) {
		lines.push([]);
		lines.push([seg('Columns', 'title')]);
		const nameWidth = Math.max(...columnLegend.map((c) => c.column.length));
		lines.push(...columns(columnLegend.map((c) => ({left: c.column, text: c.means})), width, nameWidth, 0));
	}
	return lines;
}
