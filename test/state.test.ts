// The TUI's navigation reducer, views and layout, on the tree captured from Debian 6.12.
import test from 'ava';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import type {HostModel, Instance} from '../src/model/types.js';
import {scanHost} from '../src/sysfs/scan.js';
import {
	detailSubject,
	initialState,
	layoutOf,
	reducer,
	scrollWindow,
	viewOf,
	type TuiAction,
	type TuiState,
	staleProbes,
} from '../src/state/reducer.js';
import {computeLayout, paneCapacity, statusRoom} from '../src/state/layout.js';
import {parentRows} from '../src/state/views.js';
import {isEmptyHost} from '../src/model/columns.js';

const TREE = fileURLToPath(new URL('fixtures/trees/debian-6.12', import.meta.url));
const EMPTY = fileURLToPath(new URL('fixtures/trees/empty', import.meta.url));

function scan(): HostModel {
	if (!existsSync(TREE)) throw new Error(`${TREE} is missing: run npm run fixtures`);
	return scanHost(TREE);
}

const size = {columns: 80, rows: 24};

function run(state: TuiState, ...actions: TuiAction[]): TuiState {
	return actions.reduce(reducer, state);
}

const down: TuiAction = {type: 'move', by: 'line', dir: 1};
const up: TuiAction = {type: 'move', by: 'line', dir: -1};

/** The 6.12 model with `count` more active mdpy-hd instances (uuids in order after 2222...). */
function withManyInstances(model: HostModel, count: number): HostModel {
	const template = model.instances.find((i) => i.mdevType === 'mdpy-hd')!;
	const extra: Instance[] = Array.from({length: count}, (_, n) => ({
		...template,
		uuid: `22222222-2222-2222-2222-${String(n).padStart(12, '0')}`,
		iommuGroup: 100 + n,
	}));
	return {...model, instances: [...model.instances, ...extra].sort((a, b) => a.uuid.localeCompare(b.uuid))};
}

test('the 6.12 tree gives three parents with their types and instances', (t) => {
	const state = initialState(scan(), size);
	const view = viewOf(state);
	t.deepEqual(
		view.parents.map((p) => p.name),
		['mbochs', 'mdpy', 'mtty'],
	);
	t.deepEqual(
		view.types.map((type) => type.id),
		['mbochs-large', 'mbochs-medium', 'mbochs-small'],
	);
	// Parents pane focused: the instances pane lists the parent's instances.
	t.is(view.instanceScope, 'parent');
	t.deepEqual(
		view.instances.map((i) => i.uuid),
		['33333333-3333-3333-3333-333333333333'],
	);
	t.false(isEmptyHost(state.model));
});

test('j/k move the selection and stop at the ends; a new parent starts its lists at the top', (t) => {
	let state = initialState(scan(), size);
	state = run(state, up);
	t.is(state.selected.parents, 0);
	state = run(state, {type: 'focus', to: 'types'}, down, down);
	t.is(viewOf(state).type?.id, 'mbochs-small');
	state = run(state, {type: 'focus', to: 'parents'}, down);
	t.is(viewOf(state).parent?.name, 'mdpy');
	t.is(state.selected.types, 0);
	t.is(viewOf(state).type?.id, 'mdpy-hd');
	state = run(state, down, down, down);
	t.is(viewOf(state).parent?.name, 'mtty');
	t.is(state.selected.parents, 2);
	state = run(state, {type: 'move', by: 'edge', dir: -1});
	t.is(state.selected.parents, 0);
});

test('Tab wraps around the panes, arrows stop at the edges, Enter drills in', (t) => {
	let state = initialState(scan(), size);
	const focusAfter = (...actions: TuiAction[]) => run(state, ...actions).focus;
	t.is(focusAfter({type: 'focus', to: 'next'}), 'types');
	t.is(focusAfter({type: 'focus', to: 'prev'}), 'detail');
	t.is(focusAfter({type: 'focus', to: 'left'}), 'parents');
	t.is(focusAfter({type: 'focus', to: 'right'}, {type: 'focus', to: 'right'}, {type: 'focus', to: 'right'}, {type: 'focus', to: 'right'}), 'detail');
	state = run(state, down); // mdpy
	state = run(state, {type: 'drill'});
	t.is(state.focus, 'types');
	t.is(detailSubject(state).kind, 'type');
	state = run(state, {type: 'drill'});
	t.is(state.focus, 'instances');
	t.is(viewOf(state).instanceScope, 'type');
	state = run(state, {type: 'drill'});
	t.is(state.focus, 'detail');
	const subject = detailSubject(state);
	t.is(subject.kind, 'instance');
	t.is(subject.kind === 'instance' ? subject.instance.uuid : '', '22222222-2222-2222-2222-222222222222');
});

test('the filter keeps matching parents, types and instances, and keeps the selection by identity', (t) => {
	let state = initialState(scan(), size);
	state = run(state, down, down); // mtty
	state = run(state, {type: 'filter-start'}, ...[...'mdpy'].map((c): TuiAction => ({type: 'filter-input', text: c})));
	let view = viewOf(state);
	t.deepEqual(view.parents.map((p) => p.name), ['mdpy']);
	t.deepEqual(view.types.map((type) => type.id), ['mdpy-hd', 'mdpy-vga', 'mdpy-xga']);
	t.true(state.filter.editing);
	state = run(state, {type: 'filter-keep'});
	t.false(state.filter.editing);
	t.is(state.filter.text, 'mdpy');

	// A uuid fragment finds its instance, its type and its parent only.
	state = run(state, {type: 'filter-clear'}, {type: 'filter-start'}, {type: 'filter-input', text: '3333'});
	view = viewOf(state);
	t.deepEqual(view.parents.map((p) => p.name), ['mbochs']);
	t.deepEqual(view.types.map((type) => type.id), ['mbochs-large']);

	// Clearing brings everything back; a selection that survived the filter stays on its item.
	state = run(state, {type: 'back'});
	t.is(state.filter.text, '');
	t.is(viewOf(state).parents.length, 3);
	state = run(state, {type: 'move', by: 'edge', dir: 1}, {type: 'filter-start'}, {type: 'filter-input', text: 't'});
	t.is(viewOf(state).parent?.name, 'mtty');
	state = run(state, {type: 'filter-erase'});
	t.is(viewOf(state).parent?.name, 'mtty');
	t.is(state.selected.parents, 2);
});

test('a rescan keeps the selection on the same parent, or clamps it when the parent is gone', (t) => {
	const model = scan();
	let state = run(initialState(model, size), down, down); // mtty, index 2
	const withoutMbochs = {...model, parents: model.parents.filter((p) => p.name !== 'mbochs'), instances: model.instances.filter((i) => i.parent !== 'mbochs')};
	state = run(state, {type: 'set-model', model: withoutMbochs});
	t.is(viewOf(state).parent?.name, 'mtty');
	t.is(state.selected.parents, 1);
	const onlyMbochs = {...model, parents: model.parents.filter((p) => p.name === 'mbochs'), instances: []};
	state = run(state, {type: 'set-model', model: onlyMbochs});
	t.is(state.selected.parents, 0);
	t.is(viewOf(state).parent?.name, 'mbochs');
});

test('thousands of instances: paging moves by the visible rows and the window follows the selection', (t) => {
	const model = withManyInstances(scan(), 3000);
	let state = initialState(model, size);
	state = run(state, down, {type: 'drill'}, {type: 'drill'}); // mdpy -> mdpy-hd -> instances
	t.is(viewOf(state).instances.length, 3001);
	const capacity = paneCapacity(layoutOf(state), 'instances');
	t.true(capacity >= 1);
	state = run(state, {type: 'move', by: 'page', dir: 1});
	t.is(state.selected.instances, capacity);
	t.is(state.scroll.instances, 1); // minimal scroll: the selection is the last visible row
	state = run(state, {type: 'move', by: 'edge', dir: 1});
	t.is(state.selected.instances, 3000);
	t.is(state.scroll.instances, 3001 - capacity);
	state = run(state, {type: 'move', by: 'page', dir: -1});
	t.is(state.selected.instances, 3000 - capacity);
	t.is(state.scroll.instances, 3000 - capacity);
});

test('a resize clamps the scroll windows so the selection stays visible', (t) => {
	const model = withManyInstances(scan(), 200);
	let state = initialState(model, {columns: 120, rows: 60});
	state = run(state, down, {type: 'drill'}, {type: 'drill'});
	state = run(state, ...Array.from({length: 30}, () => down));
	t.is(state.selected.instances, 30);
	state = run(state, {type: 'resize', columns: 80, rows: 24});
	const capacity = paneCapacity(layoutOf(state), 'instances');
	t.true(state.scroll.instances <= 30 && 30 < state.scroll.instances + capacity);
	// Shrinking a list below the window pulls the window back.
	state = run(state, {type: 'set-model', model: withManyInstances(scan(), 2)});
	t.is(state.selected.instances, 2);
	t.is(state.scroll.instances, 0);
});

test('the detail pane scrolls within its text and resets for a new selection', (t) => {
	let state = initialState(scan(), size);
	state = run(state, {type: 'focus', to: 'detail'});
	const capacity = paneCapacity(layoutOf(state), 'detail');
	const length = capacity + 5;
	state = run(state, {type: 'move', by: 'edge', dir: 1, contentLength: length});
	t.is(state.scroll.detail, 5);
	state = run(state, {type: 'move', by: 'line', dir: 1, contentLength: length});
	t.is(state.scroll.detail, 5);
	state = run(state, {type: 'move', by: 'line', dir: -1, contentLength: length});
	t.is(state.scroll.detail, 4);
	state = run(state, {type: 'focus', to: 'parents'}, down);
	t.is(state.scroll.detail, 0);
});

test('help opens, scrolls, and Esc closes it before it clears a filter', (t) => {
	let state = initialState(scan(), size);
	state = run(state, {type: 'filter-start'}, {type: 'filter-input', text: 'md'}, {type: 'filter-keep'}, {type: 'help'});
	t.true(state.help.open);
	state = run(state, {type: 'move', by: 'line', dir: 1, contentLength: 100});
	t.is(state.help.scroll, 1);
	t.is(state.selected.parents, 0);
	state = run(state, {type: 'back'});
	t.false(state.help.open);
	t.is(state.filter.text, 'md');
	state = run(state, {type: 'back'});
	t.is(state.filter.text, '');
});

test('instances whose parent is not registered still get a row', (t) => {
	const model = scan();
	const orphan: Instance = {
		...model.instances[0]!,
		uuid: '44444444-4444-4444-4444-444444444444',
		parent: '0000:3b:00.0',
		active: false,
	};
	const rows = parentRows({...model, instances: [...model.instances, orphan]});
	const row = rows.find((r) => r.name === '0000:3b:00.0');
	t.truthy(row);
	t.is(row?.parent, null);
	t.deepEqual(row?.instances.map((i) => i.uuid), [orphan.uuid]);
});

test('an empty host is recognised', (t) => {
	t.true(existsSync(EMPTY), 'run npm run fixtures');
	t.true(isEmptyHost(scanHost(EMPTY)));
});

test('layout: panes fill the terminal exactly, narrow and wide, and small terminals are refused', (t) => {
	for (const [columns, rows] of [
		[80, 24],
		[100, 30],
		[119, 40],
		[120, 24],
		[160, 24],
		[200, 60],
		[40, 16],
	] as const) {
		for (const focus of ['parents', 'detail'] as const) {
			for (const filter of [false, true]) for (const status of [0, 1, 5]) {
				const layout = computeLayout({columns, rows}, focus, filter, status);
				t.false(layout.tooSmall);
				t.is(layout.statusLines, Math.min(status, statusRoom({columns, rows}, filter)));
				t.is(layout.bodyHeight + layout.filterLines + layout.statusLines + 3, rows);
				t.is(layout.bands.reduce((n, band) => n + band[0]!.height, 0), layout.bodyHeight, `${columns}x${rows}`);
				for (const band of layout.bands) {
					t.is(band.reduce((n, pane) => n + pane.width, 0), columns);
					for (const pane of band) t.true(pane.height >= 4, `${pane.id} at ${columns}x${rows}`);
				}
			}
		}
	}
	t.true(computeLayout({columns: 160, rows: 24}, 'parents', false).wide);
	t.false(computeLayout({columns: 159, rows: 24}, 'parents', false).wide);
	t.true(computeLayout({columns: 39, rows: 24}, 'parents', false).tooSmall);
	t.true(computeLayout({columns: 80, rows: 15}, 'parents', false).tooSmall);
	// A status takes up to 3 lines at 80x24, none where the panes have no line to spare.
	t.is(statusRoom({columns: 80, rows: 24}, false), 3);
	t.is(statusRoom({columns: 40, rows: 16}, true), 0);
});

test('scrollWindow keeps the index inside the window and the window inside the list', (t) => {
	t.is(scrollWindow(0, 0, 5, 100), 0);
	t.is(scrollWindow(5, 0, 5, 100), 1);
	t.is(scrollWindow(3, 10, 5, 100), 3);
	t.is(scrollWindow(99, 0, 5, 100), 95);
	t.is(scrollWindow(2, 50, 5, 3), 0);
});

test('a rescan outdates the probe results of instances gone, stopped, or another device under the same uuid', (t) => {
	const before = scan();
	const [a, b, c] = before.instances.filter((i) => i.active);
	const after: HostModel = {
		...before,
		instances: before.instances
			.filter((i) => i.uuid !== a!.uuid)
			.map((i) => (i.uuid === b!.uuid ? {...i, iommuGroup: (i.iommuGroup ?? 0) + 100} : i)),
	};
	t.deepEqual(staleProbes(before, after, [a!.uuid, b!.uuid, c!.uuid, 'not-in-any-scan']), [a!.uuid, b!.uuid, 'not-in-any-scan']);
	const stopped: HostModel = {...before, instances: before.instances.map((i) => (i.uuid === c!.uuid ? {...i, active: false} : i))};
	t.deepEqual(staleProbes(before, stopped, [c!.uuid]), [c!.uuid]);
	t.deepEqual(staleProbes(before, scan(), [a!.uuid, b!.uuid, c!.uuid]), [], 'the same devices keep their results');
});
