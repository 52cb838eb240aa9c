// Column planning for the list panes: each column has a priority; when the pane is too narrow the
// least important columns go first, then the rest shrink towards their minimum (cut with `~`).
// Pure functions, no Ink.

import {seg, type Line, type Tone} from './line.js';
import {sanitize, truncate} from './text.js';

export interface Column<T> {
	key: string;
	title: string;
	/** 1 = most important; dropped last. */
	priority: number;
	min: number;
	/** Keeps its natural width up to this many columns before less important columns are dropped. */
	want?: number;
	max?: number;
	/** Takes the width left over once every column has its natural width. */
	grow?: boolean;
	align?: 'left' | 'right';
	value: (row: T) => string;
	tone?: (row: T) => Tone | undefined;
}

export interface PlannedColumn<T> {
	column: Column<T>;
	width: number;
}

const GAP = 1;

export function planColumns<T>(columns: Column<T>[], rows: readonly T[], width: number): PlannedColumn<T>[] {
	const natural = new Map<Column<T>, number>();
	for (const column of columns) {
		let longest = column.title.length;
		for (const row of rows) longest = Math.max(longest, sanitize(column.value(row)).length);
		natural.set(column, Math.max(column.min, Math.min(longest, column.max ?? longest)));
	}
	// The width a column holds on to before others are dropped: its minimum, or up to `want` of its natural width.
	const floor = (c: Column<T>) => Math.max(c.min, Math.min(natural.get(c)!, c.want ?? c.min));
	let kept = [...columns];
	const needed = (list: Column<T>[]) => list.reduce((n, c) => n + floor(c), 0) + GAP * Math.max(0, list.length - 1);
	while (kept.length > 1 && needed(kept) > width) {
		const least = kept.reduce((a, b) => (b.priority > a.priority ? b : a));
		kept = kept.filter((c) => c !== least);
	}
	const widths = new Map<Column<T>, number>(kept.map((c) => [c, Math.min(floor(c), width)]));
	let spare = width - needed(kept);
	// Natural widths, most important column first.
	for (const column of [...kept].sort((a, b) => a.priority - b.priority)) {
		const add = Math.max(0, Math.min(spare, natural.get(column)! - widths.get(column)!));
		widths.set(column, widths.get(column)! + add);
		spare -= add;
	}
	const grower = kept.find((c) => c.grow) ?? kept[kept.length - 1];
	if (grower && spare > 0) widths.set(grower, widths.get(grower)! + spare);
	if (kept.length === 1) widths.set(kept[0]!, Math.max(0, width));
	return kept.map((column) => ({column, width: widths.get(column)!}));
}

function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	const cut = truncate(sanitize(text), width);
	const pad = ' '.repeat(Math.max(0, width - cut.length));
	return align === 'right' ? pad + cut : cut + pad;
}

export function headerLine<T>(plan: PlannedColumn<T>[]): Line {
	return [seg(plan.map((p) => cell(p.column.title, p.width, p.column.align)).join(' '.repeat(GAP)), 'title')];
}

export function rowLine<T>(plan: PlannedColumn<T>[], row: T): Line {
	const line: Line = [];
	plan.forEach((p, index) => {
		if (index > 0) line.push(seg(' '.repeat(GAP)));
		line.push(seg(cell(p.column.value(row), p.width, p.column.align), p.column.tone?.(row)));
	});
	return line;
}
