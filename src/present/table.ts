// Column planning for the list panes: each column has a priority; when the pane is too narrow the
// least important columns are dropped whole (the pane says how many). A column's values are never
// cut, except a name's (`shorten: 'middle'`, the whole value is in the detail) or free text's
// (`shorten: 'end'`): a UUID, an IOMMU group or a PCI address on screen is always the whole value.
// Pure functions, no Ink.

import {seg, type Line, type Tone} from './line.js';
import {sanitize, truncate, truncateMiddle} from './text.js';

export interface Column<T> {
	key: string;
	title: string;
	/** 1 = most important; dropped last. */
	priority: number;
	/** The narrowest a shortened column gets before it is dropped (a whole column is as wide as its longest value). */
	min: number;
	/** A shortened column keeps up to this much of its natural width before less important columns are dropped. */
	want?: number;
	/** A shortened column is never wider than this. */
	max?: number;
	/** How a value may be cut: a name in the middle, free text at the end; absent: never (the column is dropped whole). */
	shorten?: 'middle' | 'end';
	align?: 'left' | 'right';
	value: (row: T) => string;
	tone?: (row: T) => Tone | undefined;
}

export interface PlannedColumn<T> {
	column: Column<T>;
	width: number;
}

export interface Table<T> {
	plan: PlannedColumn<T>[];
	/** The columns that did not fit, most important first. */
	hidden: Column<T>[];
}

const GAP = 1;

export function planTable<T>(columns: Column<T>[], rows: readonly T[], width: number): Table<T> {
	const natural = new Map<Column<T>, number>();
	for (const column of columns) {
		let longest = column.title.length;
		for (const row of rows) longest = Math.max(longest, sanitize(column.value(row)).length);
		natural.set(column, column.shorten ? Math.max(column.min, Math.min(longest, column.max ?? longest)) : longest);
	}
	// The width a column holds on to before others are dropped: a whole column all of it; a shortened one its minimum, or up to `want`.
	const floor = (c: Column<T>) => (c.shorten ? Math.max(c.min, Math.min(natural.get(c)!, c.want ?? c.min)) : natural.get(c)!);
	let kept = [...columns];
	const needed = (list: Column<T>[]) => list.reduce((n, c) => n + floor(c), 0) + GAP * Math.max(0, list.length - 1);
	while (kept.length > 1 && needed(kept) > width) {
		const least = kept.reduce((a, b) => (b.priority > a.priority ? b : a));
		kept = kept.filter((c) => c !== least);
	}
	const widths = new Map<Column<T>, number>(kept.map((c) => [c, Math.min(floor(c), width)]));
	let spare = width - needed(kept);
	// What is left goes to the shortened columns, most important first, up to their natural width; not to padding.
	for (const column of [...kept].sort((a, b) => a.priority - b.priority)) {
		const add = Math.max(0, Math.min(spare, natural.get(column)! - widths.get(column)!));
		widths.set(column, widths.get(column)! + add);
		spare -= add;
	}
	if (kept.length === 1) widths.set(kept[0]!, Math.max(0, Math.min(width, natural.get(kept[0]!)!)));
	const hidden = columns.filter((c) => !kept.includes(c)).sort((a, b) => a.priority - b.priority);
	return {plan: kept.map((column) => ({column, width: widths.get(column)!})), hidden};
}

export function planColumns<T>(columns: Column<T>[], rows: readonly T[], width: number): PlannedColumn<T>[] {
	return planTable(columns, rows, width).plan;
}

/**
 * The note of a list pane whose columns did not all fit, as `room` allows: `+3 columns: wider
 * terminal or Enter`, `+3 columns`, or `+3`; '' when they all fit (or not even `+3` does).
 */
export function hiddenNote(count: number, room: number): string {
	if (count === 0) return '';
	const columns = `+${count} column${count === 1 ? '' : 's'}`;
	return [`${columns}: wider terminal or Enter`, columns, `+${count}`].find((text) => text.length <= room) ?? '';
}

function cell(text: string, width: number, align: 'left' | 'right' = 'left', shorten?: 'middle' | 'end'): string {
	const clean = sanitize(text);
	const cut = shorten === 'middle' ? truncateMiddle(clean, width) : truncate(clean, width);
	const pad = ' '.repeat(Math.max(0, width - cut.length));
	return align === 'right' ? pad + cut : cut + pad;
}

export function headerLine<T>(plan: PlannedColumn<T>[]): Line {
	return [seg(plan.map((p) => cell(p.column.title, p.width, p.column.align, 'end')).join(' '.repeat(GAP)), 'title')];
}

/** A row's cells; where `mark` (the filter's text) occurs in a cell as shown, that part has the `match` tone. */
export function rowLine<T>(plan: PlannedColumn<T>[], row: T, mark = ''): Line {
	const line: Line = [];
	plan.forEach((p, index) => {
		if (index > 0) line.push(seg(' '.repeat(GAP)));
		const text = cell(p.column.value(row), p.width, p.column.align, p.column.shorten);
		const tone = p.column.tone?.(row);
		let at = 0;
		for (const [start, end] of matchSpans(text, mark)) {
			if (start > at) line.push(seg(text.slice(at, start), tone));
			line.push(seg(text.slice(start, end), 'match'));
			at = end;
		}
		if (at < text.length || at === 0) line.push(seg(text.slice(at), tone));
	});
	return line;
}

/**
 * Where `needle` (case-insensitive, trimmed) occurs in `text`, as [start, end) spans that do not
 * overlap; none for an empty needle.
 */
export function matchSpans(text: string, needle: string): Array<[number, number]> {
	const want = needle.trim().toLowerCase();
	if (want === '') return [];
	const lower = text.toLowerCase();
	const spans: Array<[number, number]> = [];
	for (let at = lower.indexOf(want); at >= 0; at = lower.indexOf(want, at + want.length)) spans.push([at, at + want.length]);
	return spans;
}
