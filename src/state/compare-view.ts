// State and geometry of the compare view (`mdevscope compare SOURCE DEST` on a terminal): a list of
// SOURCE's instances with their verdicts above the reasons of the selected one. Pure, like
// src/state/reducer.ts and layout.ts for the main screen: no React, no Ink, tested directly.
// The selection is kept by uuid while the filter changes the list.

import {MIN_COLUMNS, MIN_ROWS, type Viewport} from './layout.js';
import {scrollText, scrollWindow, type SharedAction} from './reducer.js';
import {clampIndex} from './views.js';
import type {InstanceVerdict} from '../compare/compare.js';

export type ComparePane = 'instances' | 'reasons';

export interface CompareViewState {
	/** SOURCE's instances with their verdicts, in the comparison's order. */
	all: readonly InstanceVerdict[];
	viewport: Viewport;
	focus: ComparePane;
	/** Index into the filtered list, and the first row shown. */
	selected: number;
	scroll: number;
	/** First line of the reasons pane shown. */
	reasonsScroll: number;
	filter: {text: string; editing: boolean};
	help: {open: boolean; scroll: number};
}

/** The main screen's navigation (src/state/reducer.ts sharedAction), and a resize. */
export type CompareViewAction = SharedAction | {type: 'resize'; columns: number; rows: number};

/** Lines above the body: SOURCE, DEST and the result. */
export const COMPARE_HEADER_LINES = 3;

export interface CompareLayout {
	columns: number;
	rows: number;
	tooSmall: boolean;
	filterLines: number;
	bodyHeight: number;
	/** Heights of the two framed panes (full width), top to bottom; they add up to bodyHeight. */
	listHeight: number;
	reasonsHeight: number;
}

/** The smallest pane: title line, column header, one row, bottom border. */
const MIN_PANE = 4;

/**
 * The list takes what its rows need up to half the body (a third while the reasons have focus); the
 * reasons pane the rest. The frame is one line shorter than the terminal, as the main screen's.
 */
export function compareLayout(viewport: Viewport, focus: ComparePane, filterShown: boolean, listLength: number): CompareLayout {
	const columns = Math.max(1, Math.floor(viewport.columns));
	const rows = Math.max(1, Math.floor(viewport.rows));
	const filterLines = filterShown ? 1 : 0;
	// header + footer + the spare last line
	const bodyHeight = rows - COMPARE_HEADER_LINES - 2 - filterLines;
	const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
	const share = Math.floor(bodyHeight * (focus === 'reasons' ? 0.34 : 0.5));
	const listHeight = Math.max(MIN_PANE, Math.min(Math.max(1, listLength) + 3, share));
	return {columns, rows, tooSmall, filterLines, bodyHeight, listHeight, reasonsHeight: Math.max(0, bodyHeight - listHeight)};
}

/** Rows of the list shown at once (title, column header and bottom border take three lines). */
export const listCapacity = (layout: CompareLayout): number => Math.max(1, layout.listHeight - 3);
/** Lines of reasons shown at once (title and bottom border). */
export const reasonsCapacity = (layout: CompareLayout): number => Math.max(1, layout.reasonsHeight - 2);
/** Lines of the help screen shown at once (it takes the body, framed). */
export const compareHelpCapacity = (layout: CompareLayout): number => Math.max(1, layout.bodyHeight - 2);

/** Case-insensitive substring of the uuid, SOURCE's parent, type id or name, DEST's parent, or the verdict. */
export function visibleVerdicts(all: readonly InstanceVerdict[], filterText: string): readonly InstanceVerdict[] {
	const needle = filterText.trim().toLowerCase();
	if (needle === '') return all;
	return all.filter((v) =>
		[v.uuid, v.parent, v.mdevType, v.typeName, v.dest?.parent, v.verdict].some((s) => s != null && s.toLowerCase().includes(needle)),
	);
}

export function compareLayoutOf(state: CompareViewState): CompareLayout {
	return compareLayout(state.viewport, state.focus, state.filter.editing || state.filter.text !== '', visibleVerdicts(state.all, state.filter.text).length);
}

/** The selected instance (null when the filter leaves none). */
export function selectedVerdict(state: CompareViewState): InstanceVerdict | null {
	const rows = visibleVerdicts(state.all, state.filter.text);
	return rows[clampIndex(state.selected, rows.length)] ?? null;
}

export function initialCompareState(all: readonly InstanceVerdict[], viewport: Viewport): CompareViewState {
	return {all, viewport, focus: 'instances', selected: 0, scroll: 0, reasonsScroll: 0, filter: {text: '', editing: false}, help: {open: false, scroll: 0}};
}

/** Clamp the selection to the list and the list's window to the selection. */
function normalize(state: CompareViewState): CompareViewState {
	const length = visibleVerdicts(state.all, state.filter.text).length;
	const selected = clampIndex(state.selected, length);
	const scroll = scrollWindow(selected, state.scroll, listCapacity(compareLayoutOf(state)), length);
	return selected === state.selected && scroll === state.scroll ? state : {...state, selected, scroll};
}

/** A new filter text, with the selection still on the same instance when it is still listed. */
function refilter(state: CompareViewState, text: string, editing: boolean): CompareViewState {
	const before = selectedVerdict(state);
	const rows = visibleVerdicts(state.all, text);
	const found = before ? rows.indexOf(before) : -1;
	const next = {...state, filter: {text, editing}, selected: found >= 0 ? found : state.selected};
	return normalize(selectedVerdict(next) === before ? next : {...next, reasonsScroll: 0});
}

const PRINTABLE = /[^\x20-\x7e]/g;

export function compareReducer(state: CompareViewState, action: CompareViewAction): CompareViewState {
	switch (action.type) {
		case 'move': {
			const layout = compareLayoutOf(state);
			if (state.help.open) return {...state, help: {...state.help, scroll: scrollText(state.help.scroll, action, compareHelpCapacity(layout))}};
			if (state.focus === 'reasons') return {...state, reasonsScroll: scrollText(state.reasonsScroll, action, reasonsCapacity(layout))};
			const length = visibleVerdicts(state.all, state.filter.text).length;
			const capacity = listCapacity(layout);
			const target = action.by === 'edge' ? (action.dir < 0 ? 0 : length - 1) : state.selected + action.dir * (action.by === 'page' ? capacity : 1);
			const selected = clampIndex(target, length);
			if (selected === state.selected) return state;
			return normalize({...state, selected, reasonsScroll: 0});
		}
		case 'focus':
			// Two panes: next and previous are the other one.
			return normalize({...state, focus: state.focus === 'instances' ? 'reasons' : 'instances'});
		case 'filter-start':
			return normalize({...state, filter: {...state.filter, editing: true}});
		case 'filter-input': {
			const text = action.text.replace(PRINTABLE, '');
			return text === '' ? state : refilter(state, state.filter.text + text, state.filter.editing);
		}
		case 'filter-erase':
			return refilter(state, state.filter.text.slice(0, -1), state.filter.editing);
		case 'filter-keep':
			return normalize({...state, filter: {...state.filter, editing: false}});
		case 'filter-clear':
			return refilter(state, '', false);
		case 'help':
			return {...state, help: {open: !state.help.open, scroll: 0}};
		case 'back':
			if (state.help.open) return {...state, help: {open: false, scroll: 0}};
			if (state.filter.text !== '' || state.filter.editing) return refilter(state, '', false);
			return state;
		case 'resize':
			if (action.columns === state.viewport.columns && action.rows === state.viewport.rows) return state;
			return normalize({...state, viewport: {columns: action.columns, rows: action.rows}});
	}
}
