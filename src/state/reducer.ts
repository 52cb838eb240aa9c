// Navigation state of the TUI as a reducer (like ink-ui's select state): focus, the selection of each
// list, scroll windows, the filter and the help screen. No React, no Ink: tested directly.
//
// Lists only render their visible window (`scroll` .. `scroll + capacity`), so thousands of instances
// cost no more to draw than ten. Selections are kept by identity (parent name, type id, parent and uuid) across
// rescans, filter edits and focus changes; when the item is gone the index is clamped to the new list.
// Probe results are on the model's instances; `staleProbes` says which of them a rescan outdates.

import type {HostModel, Instance, MdevType} from '../model/types.js';
import {PANES, type PaneId, type Panel} from './panes.js';
import {computeLayout, helpCapacity, listRowAt, paneAt, paneCapacity, type Layout, type Viewport} from './layout.js';
import type {MouseReport} from './mouse.js';
import {clampIndex, deriveView, FilterMatcher, nextSort, SCAN_ORDER, visibleInstances, visibleTypes, type ListPane, type ParentRow, type Sort, type View} from './views.js';
import {instanceKey} from '../model/instances.js';

export interface TuiState {
	model: HostModel;
	viewport: Viewport;
	focus: PaneId;
	/** The list pane focused last: the detail pane shows its selection. */
	lastList: ListPane;
	selected: Record<ListPane, number>;
	/** First visible row of each pane (detail: first visible line). */
	scroll: Record<PaneId, number>;
	filter: {text: string; editing: boolean};
	/** The instances list's order (`o`, `O`). */
	sort: Sort;
	help: {open: boolean; scroll: number};
	/** The doctor or advice view over the panes (like help), with its scroll (`left`: sideways); null when closed. */
	panel: {kind: Panel; scroll: number; left: number} | null;
	/** Lines a status message takes above the footer (the panes are shorter by as many). */
	statusLines: number;
}

export type TuiAction =
	/** Line, page or edge (top/bottom) move. `contentLength`: lines of the detail/help text being scrolled. */
	| {type: 'move'; by: 'line' | 'page' | 'edge'; dir: 1 | -1; contentLength?: number}
	| {type: 'focus'; to: 'next' | 'prev' | 'left' | 'right' | PaneId}
	| {type: 'drill'}
	| {type: 'filter-start'}
	| {type: 'filter-input'; text: string}
	| {type: 'filter-erase'}
	| {type: 'filter-keep'}
	| {type: 'filter-clear'}
	/** `o`: the next sort key; `O`: the other direction. */
	| {type: 'sort'; change: 'next' | 'reverse'}
	| {type: 'help'; open?: boolean}
	/** Opens the doctor or advice view, or closes it when it is open (or `open` says so). */
	| {type: 'panel'; kind: Panel; open?: boolean}
	/** Scrolls the doctor or advice view sideways; `overflow`: how many columns its widest line is wider than the view. */
	| {type: 'sideways'; dir: 1 | -1; overflow: number}
	| {type: 'back'}
	| {type: 'set-model'; model: HostModel}
	| {type: 'resize'; columns: number; rows: number}
	| {type: 'status-lines'; lines: number}
	/** A mouse report (when the mouse is on): the wheel moves the list under the pointer, a click focuses and selects. `contentLength`: as for move. */
	| {type: 'pointer'; report: MouseReport; contentLength?: number};

/** What a probe result describes: the device behind a uuid, in its parent, of its type, in its group. */
function probedIdentity(instance: Instance): string {
	return JSON.stringify([instance.kind, instance.parent, instance.mdevType, instance.iommuGroup]);
}

/**
 * The probed uuids whose results no longer describe a device of the rescanned model: the instance
 * is gone, no longer active, or is another device under the same uuid (removed and created again in
 * another parent, type or IOMMU group). The others' results are kept, with their time.
 */
export function staleProbes(before: HostModel, after: HostModel, probed: Iterable<string>): string[] {
	const live = (model: HostModel) => new Map(model.instances.filter((i) => i.active && !i.gone).map((i) => [i.uuid, probedIdentity(i)]));
	const was = live(before);
	const now = live(after);
	return [...probed].filter((uuid) => now.get(uuid) === undefined || now.get(uuid) !== was.get(uuid));
}

export function initialState(model: HostModel, viewport: Viewport): TuiState {
	return normalize({
		model,
		viewport,
		focus: 'parents',
		lastList: 'parents',
		selected: {parents: 0, types: 0, instances: 0},
		scroll: {parents: 0, types: 0, instances: 0, detail: 0},
		filter: {text: '', editing: false},
		sort: SCAN_ORDER,
		help: {open: false, scroll: 0},
		panel: null,
		statusLines: 0,
	});
}

export function layoutOf(state: TuiState): Layout {
	return computeLayout(state.viewport, state.focus, state.filter.editing || state.filter.text !== '', state.statusLines);
}

export function viewOf(state: TuiState, selected: TuiState['selected'] = state.selected): View {
	return deriveView(state.model, state.filter.text, selected, state.focus === 'detail' ? 'detail' : state.focus, state.sort);
}

export type Subject =
	| {kind: 'parent'; row: ParentRow}
	| {kind: 'type'; row: ParentRow; type: MdevType}
	| {kind: 'instance'; row: ParentRow; instance: Instance}
	| {kind: 'none'};

/** What the detail pane describes: the selection of the list focused last, else the nearest one above it. */
export function detailSubject(state: TuiState, view: View = viewOf(state)): Subject {
	const {parent, type, instance} = view;
	if (!parent) return {kind: 'none'};
	if (state.lastList === 'instances' && instance) return {kind: 'instance', row: parent, instance};
	if (state.lastList !== 'parents' && type) return {kind: 'type', row: parent, type};
	return {kind: 'parent', row: parent};
}

/**
 * The instances `P` probes: what the instances pane lists (filtered like it); from the parents pane,
 * those of every parent listed (the whole host when there is no filter).
 */
export function shownInstances(state: TuiState, view: View = viewOf(state)): Instance[] {
	if (state.focus !== 'parents') return view.instances;
	const f = new FilterMatcher(state.filter.text);
	return view.parents.flatMap((row) => visibleInstances(row, null, f, state.sort));
}

/** Where `n`/`N` went: the state with the instance selected, which of the instances found it is, of how many; wrapped past an end. */
export interface SearchStep {
	state: TuiState;
	at: number;
	total: number;
	wrapped: boolean;
}

interface SearchHit {
	p: number;
	row: ParentRow;
	instance: Instance;
}

/** The last search's hits: n pressed again on the same model, filter and order does not look through every instance again. */
let lastSearch: {model: HostModel; text: string; sort: Sort; hits: SearchHit[]} | null = null;

/** Every instance the filter finds itself, in screen order across the parents listed. */
function searchHits(state: TuiState, view: View, f: FilterMatcher): SearchHit[] {
	const {model, sort} = state;
	const text = state.filter.text;
	if (lastSearch && lastSearch.model === model && lastSearch.text === text && lastSearch.sort.by === sort.by && lastSearch.sort.reverse === sort.reverse) return lastSearch.hits;
	const hits = view.parents.flatMap((row, p) => visibleInstances(row, null, f, sort).filter((i) => f.instanceSelf(i)).map((instance) => ({p, row, instance})));
	lastSearch = {model, text, sort, hits};
	return hits;
}

/**
 * `n` (dir 1) and `N` (-1), as in less and vim: the next or previous instance the filter's text
 * finds itself (not one listed because its parent or type matches), in screen order across every
 * parent listed, from the selection on, wrapping at the ends; null when none does.
 */
export function searchStep(state: TuiState, dir: 1 | -1): SearchStep | null {
	const f = new FilterMatcher(state.filter.text);
	if (!f.active) return null;
	const view = viewOf(state);
	const hits = searchHits(state, view, f);
	if (hits.length === 0) return null;
	const subject = detailSubject(state, view);
	const here = subject.kind === 'instance' ? hits.findIndex((h) => h.p === state.selected.parents && instanceKey(h.instance) === instanceKey(subject.instance)) : -1;
	let next: number;
	if (here >= 0) next = here + dir;
	else if (dir > 0) {
		// From a parent or a type: its own instances first.
		next = hits.findIndex((h) => h.p >= state.selected.parents);
		if (next < 0) next = hits.length;
	} else next = hits.filter((h) => h.p < state.selected.parents).length - 1;
	const wrapped = next < 0 || next >= hits.length;
	next = (next + hits.length) % hits.length;
	const {p, row, instance} = hits[next]!;
	// The instance in its type's list (the instances pane, focused), or, for one of no listed type, in its parent's.
	const typeIndex = visibleTypes(row, f).findIndex((t) => t.id === instance.mdevType);
	const focus: ListPane = typeIndex >= 0 ? 'instances' : 'parents';
	const placed = {...state, focus, lastList: focus, selected: {parents: p, types: Math.max(0, typeIndex), instances: 0}};
	const index = viewOf(placed).instances.findIndex((i) => instanceKey(i) === instanceKey(instance));
	const moved = normalize({...placed, selected: {...placed.selected, instances: Math.max(0, index)}, scroll: {...state.scroll, detail: 0}});
	return {state: moved, at: next + 1, total: hits.length, wrapped};
}

function subjectKey(subject: Subject): string {
	switch (subject.kind) {
		case 'parent':
			return 'p ' + subject.row.key;
		case 'type':
			return 't ' + subject.row.key + ' ' + subject.type.id;
		case 'instance':
			return 'i ' + instanceKey(subject.instance);
		case 'none':
			return '';
	}
}

function listLength(view: View, pane: ListPane): number {
	return pane === 'parents' ? view.parents.length : pane === 'types' ? view.types.length : view.instances.length;
}

interface SelectionKeys {
	parent: string | null;
	type: string | null;
	instance: string | null;
}

function selectionKeys(state: TuiState): SelectionKeys {
	const view = viewOf(state);
	return {parent: view.parent?.key ?? null, type: view.type?.id ?? null, instance: view.instance ? instanceKey(view.instance) : null};
}

/** Point the selections at the same items as before (by identity) in the lists of `state`, else clamp. */
function reselect(state: TuiState, keys: SelectionKeys): TuiState {
	const selected = {...state.selected};
	let view = viewOf(state, selected);
	const p = view.parents.findIndex((row) => row.key === keys.parent);
	selected.parents = p >= 0 ? p : clampIndex(selected.parents, view.parents.length);
	view = viewOf(state, selected);
	const sameParent = view.parent?.key === keys.parent;
	const t = sameParent ? view.types.findIndex((type) => type.id === keys.type) : -1;
	selected.types = t >= 0 ? t : sameParent ? clampIndex(selected.types, view.types.length) : 0;
	view = viewOf(state, selected);
	const i = view.instances.findIndex((instance) => instanceKey(instance) === keys.instance);
	selected.instances = i >= 0 ? i : sameParent ? clampIndex(selected.instances, view.instances.length) : 0;
	return {...state, selected};
}

/** Keep a window [scroll, scroll + capacity) over a list of `length` rows containing `index`. */
export function scrollWindow(index: number, scroll: number, capacity: number, length: number): number {
	let top = scroll;
	if (index < top) top = index;
	if (index >= top + capacity) top = index - capacity + 1;
	return Math.max(0, Math.min(top, Math.max(0, length - capacity)));
}

/** Clamp every selection to its list and every scroll window to its selection and pane size. */
function normalize(state: TuiState): TuiState {
	const view = viewOf(state);
	const layout = layoutOf(state);
	const selected = {...state.selected};
	const scroll = {...state.scroll};
	for (const pane of ['parents', 'types', 'instances'] as const) {
		const length = listLength(view, pane);
		selected[pane] = clampIndex(selected[pane], length);
		scroll[pane] = scrollWindow(selected[pane], scroll[pane], paneCapacity(layout, pane), length);
	}
	scroll.detail = Math.max(0, scroll.detail);
	return {...state, selected, scroll};
}

/** Apply a change that may alter the lists, then put the selections back on the same items. */
function keepSelection(state: TuiState, change: (s: TuiState) => TuiState): TuiState {
	const keys = selectionKeys(state);
	const before = subjectKey(detailSubject(state));
	let next = normalize(reselect(change(state), keys));
	if (subjectKey(detailSubject(next)) !== before) next = {...next, scroll: {...next.scroll, detail: 0}};
	return next;
}

function moveList(state: TuiState, pane: ListPane, action: Extract<TuiAction, {type: 'move'}> & {to?: number}): TuiState {
	const view = viewOf(state);
	const length = listLength(view, pane);
	const capacity = paneCapacity(layoutOf(state), pane);
	const current = state.selected[pane];
	const target =
		action.to !== undefined ? action.to : action.by === 'edge' ? (action.dir < 0 ? 0 : length - 1) : current + action.dir * (action.by === 'page' ? capacity : 1);
	const index = clampIndex(target, length);
	if (index === current) return state;
	const selected = {...state.selected, [pane]: index};
	const scroll = {...state.scroll, detail: 0};
	// A new parent shows other types and instances; a new type other instances: start those at the top.
	if (pane === 'parents') {
		selected.types = 0;
		selected.instances = 0;
		scroll.types = 0;
		scroll.instances = 0;
	} else if (pane === 'types') {
		selected.instances = 0;
		scroll.instances = 0;
	}
	return normalize({...state, selected, scroll});
}

function scrollDetail(state: TuiState, action: Extract<TuiAction, {type: 'move'}>): TuiState {
	const scroll = scrollText(state.scroll.detail, action, paneCapacity(layoutOf(state), 'detail'));
	return scroll === state.scroll.detail ? state : {...state, scroll: {...state.scroll, detail: scroll}};
}

/** Scroll a text of `length` lines shown `capacity` at a time. */
export function scrollText(current: number, action: Extract<TuiAction, {type: 'move'}>, capacity: number): number {
	const max = action.contentLength === undefined ? Number.POSITIVE_INFINITY : Math.max(0, action.contentLength - capacity);
	const from = Math.min(current, max);
	const target =
		action.by === 'edge' ? (action.dir < 0 ? 0 : max) : from + action.dir * (action.by === 'page' ? capacity : 1);
	return Math.max(0, Math.min(target, max));
}

function focusTarget(current: PaneId, to: Extract<TuiAction, {type: 'focus'}>['to']): PaneId {
	const index = PANES.indexOf(current);
	switch (to) {
		case 'next':
			return PANES[(index + 1) % PANES.length]!;
		case 'prev':
			return PANES[(index + PANES.length - 1) % PANES.length]!;
		case 'right':
			return PANES[Math.min(index + 1, PANES.length - 1)]!;
		case 'left':
			return PANES[Math.max(index - 1, 0)]!;
		default:
			return to;
	}
}

function setFocus(state: TuiState, focus: PaneId): TuiState {
	if (focus === state.focus) return state;
	return keepSelection(state, (s) => ({...s, focus, lastList: focus === 'detail' ? s.lastList : focus}));
}

const PRINTABLE = /[^\x20-\x7e]/g;
/** Columns one sideways key moves the doctor or advice view. */
export const SIDEWAYS_STEP = 20;

/** The navigation's reducer; a state with more fields (src/state/store.ts) keeps them. */
export function reducer<S extends TuiState>(state: S, action: TuiAction): S {
	return navigate(state, action) as S;
}

function navigate(state: TuiState, action: TuiAction): TuiState {
	switch (action.type) {
		case 'move': {
			if (state.help.open) {
				const scroll = scrollText(state.help.scroll, action, helpCapacity(layoutOf(state)));
				return scroll === state.help.scroll ? state : {...state, help: {...state.help, scroll}};
			}
			if (state.panel) {
				// The same frame as the help screen, so the same capacity.
				const scroll = scrollText(state.panel.scroll, action, helpCapacity(layoutOf(state)));
				return scroll === state.panel.scroll ? state : {...state, panel: {...state.panel, scroll}};
			}
			return state.focus === 'detail' ? scrollDetail(state, action) : moveList(state, state.focus, action);
		}
		case 'focus':
			return setFocus(state, focusTarget(state.focus, action.to));
		case 'drill': {
			const next: Record<PaneId, PaneId> = {parents: 'types', types: 'instances', instances: 'detail', detail: 'detail'};
			return setFocus(state, next[state.focus]);
		}
		case 'filter-start':
			return normalize({...state, filter: {...state.filter, editing: true}});
		case 'filter-input': {
			const text = action.text.replace(PRINTABLE, '');
			if (text === '') return state;
			return keepSelection(state, (s) => ({...s, filter: {...s.filter, text: s.filter.text + text}}));
		}
		case 'filter-erase':
			return keepSelection(state, (s) => ({...s, filter: {...s.filter, text: s.filter.text.slice(0, -1)}}));
		case 'filter-keep':
			return normalize({...state, filter: {...state.filter, editing: false}});
		case 'filter-clear':
			return keepSelection(state, (s) => ({...s, filter: {text: '', editing: false}}));
		case 'sort':
			return keepSelection(state, (s) => ({...s, sort: action.change === 'next' ? nextSort(s.sort) : {...s.sort, reverse: !s.sort.reverse}}));
		case 'help': {
			const open = action.open ?? !state.help.open;
			return {...state, help: {open, scroll: 0}};
		}
		case 'panel': {
			const open = action.open ?? state.panel?.kind !== action.kind;
			return {...state, help: {open: false, scroll: 0}, panel: open ? {kind: action.kind, scroll: 0, left: 0} : null};
		}
		case 'sideways': {
			if (!state.panel) return state;
			const left = Math.max(0, Math.min(state.panel.left + action.dir * SIDEWAYS_STEP, action.overflow));
			return left === state.panel.left ? state : {...state, panel: {...state.panel, left}};
		}
		case 'back':
			if (state.help.open) return {...state, help: {open: false, scroll: 0}};
			if (state.panel) return {...state, panel: null};
			if (state.filter.text !== '' || state.filter.editing) return navigate(state, {type: 'filter-clear'});
			return state;
		case 'set-model':
			return keepSelection(state, (s) => ({...s, model: action.model}));
		case 'resize':
			if (action.columns === state.viewport.columns && action.rows === state.viewport.rows) return state;
			return normalize({...state, viewport: {columns: action.columns, rows: action.rows}});
		case 'status-lines':
			return action.lines === state.statusLines ? state : normalize({...state, statusLines: action.lines});
		case 'pointer':
			return point(state, action.report, action.contentLength);
	}
}

/** Lines one wheel step moves (as xterm and less scroll). */
export const WHEEL_LINES = 3;

/**
 * A mouse report on the main screen. The wheel moves the help, the doctor or advice view, or the
 * pane under the pointer (a list's selection, as htop's wheel does; the detail's text) without
 * moving the focus; a click focuses the pane under it and, on a list's row, selects that row.
 * While a filter is typed the mouse does nothing (the keys go to the filter).
 */
function point(state: TuiState, report: MouseReport, contentLength: number | undefined): TuiState {
	if (state.filter.editing) return state;
	const layout = layoutOf(state);
	const wheel = (s: TuiState, move: (s: TuiState, step: Extract<TuiAction, {type: 'move'}>) => TuiState) => {
		if (report.kind !== 'wheel') return s;
		const step = {type: 'move', by: 'line', dir: report.dir, contentLength} as const;
		for (let i = 0; i < WHEEL_LINES; i++) s = move(s, step);
		return s;
	};
	if (state.help.open || state.panel) return wheel(state, navigate);
	const at = paneAt(layout, report.x, report.y);
	if (!at) return state;
	const id = at.id;
	if (report.kind === 'wheel') return wheel(state, id === 'detail' ? scrollDetail : (s, step) => moveList(s, id, step));
	const focused = setFocus(state, id);
	if (id === 'detail') return focused;
	// The row clicked on the screen as it was (the focus may resize the panes and move their windows).
	const row = listRowAt(layout, at);
	if (row === null) return focused;
	const index = state.scroll[id] + row;
	const current = focused.selected[id];
	if (index >= listLength(viewOf(state), id) || index === current) return focused;
	return moveList(focused, id, {type: 'move', by: 'line', dir: index > current ? 1 : -1, to: index});
}

/** The navigation both views share: moving, the next or previous pane, the filter, help and Esc. */
export type SharedAction =
	| Extract<TuiAction, {type: 'move'}>
	| {type: 'focus'; to: 'next' | 'prev'}
	| {type: 'filter-start'}
	| {type: 'filter-input'; text: string}
	| {type: 'filter-erase'}
	| {type: 'filter-keep'}
	| {type: 'filter-clear'}
	| {type: 'help'}
	| {type: 'back'};
