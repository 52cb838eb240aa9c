// Screen geometry as a pure function of the terminal size and focus, shared by the reducer (how many
// rows a list shows, for scroll windows and paging) and the components (how wide to draw).
//
// The frame is one line shorter than the terminal: Ink repaints a frame that fills the whole terminal
// by clearing the screen on every update, which flickers; rows - 1 lines keep it on its diffing path.

import type {PaneId} from './panes.js';

export const MIN_COLUMNS = 40;
export const MIN_ROWS = 16;
/** From this width on, parents, types and instances sit side by side above the detail pane. */
export const WIDE_COLUMNS = 160;

export interface PaneBox {
	id: PaneId;
	width: number;
	height: number;
}

export interface Layout {
	columns: number;
	rows: number;
	tooSmall: boolean;
	wide: boolean;
	/** Lines of the filter bar (0 or 1). */
	filterLines: number;
	/** Lines of a status message above the footer (0 when there is none or it shares the footer's line). */
	statusLines: number;
	/** Lines between the header and the footer (and filter bar and status). */
	bodyHeight: number;
	/** Horizontal bands, top to bottom; the widths of a band's panes add up to `columns`. */
	bands: PaneBox[][];
}

export interface Viewport {
	columns: number;
	rows: number;
}

function clamp(value: number, low: number, high: number): number {
	return Math.max(low, Math.min(high, value));
}

/** The smallest pane: title line, column header, one row, bottom border. */
const MIN_PANE = 4;
/** A status message longer than this many lines is cut: the panes keep the rest of the screen. */
export const MAX_STATUS_LINES = 3;

/**
 * How many lines a status message may take above the footer: what the panes can give up and still
 * be MIN_PANE high (three bands when narrow, two when wide), at most MAX_STATUS_LINES.
 */
export function statusRoom(viewport: Viewport, filterShown: boolean): number {
	const columns = Math.max(1, Math.floor(viewport.columns));
	const body = Math.max(1, Math.floor(viewport.rows)) - 3 - (filterShown ? 1 : 0);
	const needed = columns >= WIDE_COLUMNS ? 2 * MIN_PANE + 2 : 3 * MIN_PANE;
	return Math.max(0, Math.min(MAX_STATUS_LINES, body - needed));
}

export function computeLayout(viewport: Viewport, focus: PaneId, filterShown: boolean, statusShown = 0): Layout {
	const columns = Math.max(1, Math.floor(viewport.columns));
	const rows = Math.max(1, Math.floor(viewport.rows));
	const filterLines = filterShown ? 1 : 0;
	const statusLines = Math.min(Math.max(0, Math.floor(statusShown)), statusRoom(viewport, filterShown));
	// header + footer + the spare last line
	const bodyHeight = rows - 3 - filterLines - statusLines;
	const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
	const wide = columns >= WIDE_COLUMNS;
	const base = {columns, rows, tooSmall, wide, filterLines, statusLines, bodyHeight};
	if (tooSmall) return {...base, bands: []};

	if (wide) {
		const top = clamp(Math.round(bodyHeight * (focus === 'detail' ? 0.3 : 0.45)), MIN_PANE + 2, bodyHeight - MIN_PANE);
		const parentsWidth = clamp(Math.round(columns * 0.2), 18, 32);
		// Room for a whole uuid with the type, VM, display and migration beside it (issue 17).
		const instancesWidth = clamp(Math.round(columns * 0.45), 68, 140);
		return {
			...base,
			bands: [
				[
					{id: 'parents', width: parentsWidth, height: top},
					{id: 'types', width: columns - parentsWidth - instancesWidth, height: top},
					{id: 'instances', width: instancesWidth, height: top},
				],
				[{id: 'detail', width: columns, height: bodyHeight - top}],
			],
		};
	}

	// Narrow: parents | types, then instances, then detail. The detail pane grows while it has focus.
	let top: number;
	let middle: number;
	if (focus === 'detail' && bodyHeight - 2 * (MIN_PANE + 1) >= 2 * MIN_PANE) {
		top = MIN_PANE + 1;
		middle = MIN_PANE + 1;
	} else {
		const detail = Math.max(MIN_PANE, Math.floor(bodyHeight * 0.34));
		top = Math.max(MIN_PANE, Math.ceil((bodyHeight - detail) / 2));
		middle = Math.max(MIN_PANE, bodyHeight - detail - top);
	}
	const bottom = bodyHeight - top - middle;
	const parentsWidth = clamp(Math.round(columns * 0.3), 14, 30);
	return {
		...base,
		bands: [
			[
				{id: 'parents', width: parentsWidth, height: top},
				{id: 'types', width: columns - parentsWidth, height: top},
			],
			[{id: 'instances', width: columns, height: middle}],
			[{id: 'detail', width: columns, height: bottom}],
		],
	};
}

export function paneBox(layout: Layout, id: PaneId): PaneBox | null {
	for (const band of layout.bands) {
		for (const pane of band) if (pane.id === id) return pane;
	}
	return null;
}

/** Rows of data a pane shows: its height minus the title line, the bottom border and (lists) the column header. */
export function paneCapacity(layout: Layout, id: PaneId): number {
	const box = paneBox(layout, id);
	if (!box) return 1;
	return Math.max(1, box.height - 2 - (id === 'detail' ? 0 : 1));
}

/** Lines of text the help screen shows (it takes the body, framed). */
export function helpCapacity(layout: Layout): number {
	return Math.max(1, layout.bodyHeight - 2);
}

/** Width inside a pane's borders. */
export function innerWidth(box: {width: number}): number {
	return Math.max(0, box.width - 2);
}

/** Where a point of the screen (x, y from 0) falls: a pane, and the line inside it (0: its title line). */
export interface PanePoint {
	id: PaneId;
	line: number;
}

/** The pane under a point of the screen; null for the header, the footer and what is outside every pane. */
export function paneAt(layout: Layout, x: number, y: number): PanePoint | null {
	// The header is the first line; the bands follow it, top to bottom.
	let top = 1;
	for (const band of layout.bands) {
		const height = band[0]?.height ?? 0;
		if (y >= top && y < top + height) {
			let left = 0;
			for (const pane of band) {
				if (x >= left && x < left + pane.width) return {id: pane.id, line: y - top};
				left += pane.width;
			}
			return null;
		}
		top += height;
	}
	return null;
}

/** The row of a list a pane's line shows, counted from its first visible row; null for its title, header and bottom border. */
export function listRowAt(layout: Layout, point: PanePoint): number | null {
	const box = paneBox(layout, point.id);
	// Title line, then the column header; the last line is the bottom border.
	const row = point.line - 2;
	return box && row >= 0 && row < paneCapacity(layout, point.id) ? row : null;
}
