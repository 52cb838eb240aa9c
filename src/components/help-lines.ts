// The `?` screen's text, generated from the key table (src/keymap.ts) plus a legend of the screen's
// markers. Pure; HelpOverlay only frames and scrolls it.

import {helpEntries, type Context} from '../keymap.js';
import {seg, type Line} from './line.js';
import {wrap} from './text.js';

const LEGEND: Array<[string, string]> = [
	['[*] ===', 'the focused pane (title marker, = borders)'],
	['>', 'the selected row of each list'],
	['!', 'the item has errors: the detail pane says what was tried and what to do'],
	['vfio+ mdev- ctr+', 'header: module loaded (+) or missing (-); /dev/vfio/vfio (ctr) present (+) or missing (-)'],
	['LIVE TREE RECORDED', 'header: this host now, a sysfs tree on disk, or a recorded snapshot/sample'],
	['REGION DMABUF none', 'probe column: how the device exposes its display (VFIO_DEVICE_QUERY_GFX_PLANE)'],
	['- .. ?', 'probe column: not probed, probing, not asked (see detail)'],
	['busy root gone', 'probe column: group held by another process, needs root, instance vanished'],
	['not-live timeout', 'probe column: data is not from this host, the probe did not answer in time'],
	['mig yes/no', 'migration (VFIO_DEVICE_FEATURE_MIGRATION); flags in the detail pane'],
];

function columns(entries: Array<{left: string; mid?: string; text: string}>, width: number, leftWidth: number, midWidth: number): Line[] {
	const lines: Line[] = [];
	const textWidth = width - 2 - leftWidth - 1 - (midWidth > 0 ? midWidth + 1 : 0);
	const indent = ' '.repeat(width - textWidth);
	for (const entry of entries) {
		if (textWidth < 16) {
			// Too narrow for columns: keys on their own line, the text under them.
			lines.push([seg('  ' + entry.left, 'key'), seg(entry.mid ? ` [${entry.mid}]` : '', 'dim')]);
			for (const text of wrap(entry.text, width - 4)) lines.push([seg('    ' + text)]);
			continue;
		}
		const texts = wrap(entry.text, textWidth);
		texts.forEach((text, index) => {
			if (index === 0) {
				lines.push([
					seg('  ' + entry.left.padEnd(leftWidth) + ' ', 'key'),
					seg(midWidth > 0 ? (entry.mid ?? '').padEnd(midWidth) + ' ' : '', 'dim'),
					seg(text),
				]);
			} else {
				lines.push([seg(indent + text)]);
			}
		});
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
}

export function helpLines(width: number, screen: HelpScreen = {}): Line[] {
	const entries = helpEntries(screen.contexts);
	const legend = screen.legend ?? LEGEND;
	const keyWidth = Math.min(18, Math.max(...entries.map((e) => e.keys.length)));
	const whereWidth = Math.min(24, Math.max(...entries.map((e) => e.where.length)));
	const lines: Line[] = [
		[seg('Keys', 'title'), seg(`  (where: ${screen.where ?? 'lists = any pane of the main screen; filter = while typing one'})`, 'dim')],
	];
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
	return lines;
}
