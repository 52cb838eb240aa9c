// Issue 17: `/` finds what admins search for, n/N go from one instance it finds to the next across
// parents (less and vim), o/O order the instances list; as the store's update() calls on the bundled
// trees (nvidia-grid's has QEMU holding 8d4b…'s group 118, read from its own /proc).
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {scanHost} from '../src/sysfs/scan.js';
import {readOwners} from '../src/owners/join.js';
import {footerStatus, initialStore, type KeyInput, type Msg, type StoreState} from '../src/state/store.js';
import {send as sendAll} from './helpers/store.js';
import {detailSubject, viewOf} from '../src/state/reducer.js';
import {FilterMatcher} from '../src/state/views.js';
import {rowLine, matchSpans, planColumns, type Column} from '../src/present/table.js';
import {sortLabel} from '../src/components/InstancesPane.js';

const tree = (name: string) => fileURLToPath(new URL(`fixtures/trees/${name}`, import.meta.url));
const HELD = '8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21';
const FREE = 'c2f6e1a9-5b7d-4e3a-8f10-2d9c4b6a8e53';
const DEFINED = 'f0e1d2c3-b4a5-4968-8776-655443322110';
const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';

/** The messages as keys send them (each clears the last status first); the state they leave. */
const send = (state: StoreState, ...msgs: KeyInput[]): StoreState => sendAll(state, ...msgs.map((msg): Msg => ({type: 'key', msg}))).state;
const filtered = (state: StoreState, text: string) => send(state, {type: 'filter-start'}, {type: 'filter-input', text}, {type: 'filter-keep'});
const selectedUuid = (state: StoreState) => {
	const subject = detailSubject(state);
	return subject.kind === 'instance' ? subject.instance.uuid : null;
};
const grid = () => initialStore(readOwners(scanHost(tree('nvidia-grid'))), {columns: 120, rows: 40});
const sixTwelve = () => initialStore(scanHost(tree('debian-6.12')), {columns: 120, rows: 40});

test('/ finds an instance by the VM holding it, its group (whole), the pid holding it, and a type by its device_api', (t) => {
	const m = readOwners(scanHost(tree('nvidia-grid')));
	const held = m.instances.find((i) => i.uuid === HELD)!;
	const free = m.instances.find((i) => i.uuid === FREE)!;
	t.is(held.iommuGroup, 118);
	for (const text of ['win10-vdi', 'FINANCE-042', '118', '/dev/vfio/118', '4242']) {
		t.true(new FilterMatcher(text).instanceSelf(held), text);
		t.false(new FilterMatcher(text).instanceSelf(free), `${text} is not the free one's`);
	}
	// A group or a pid is matched whole: 11 is neither group 118 nor pid 4242.
	for (const text of ['11', '424']) t.false(new FilterMatcher(text).instanceSelf(held), text);
	const type = m.parents[0]!.types[0]!;
	t.true(new FilterMatcher('vfio-pci').typeSelf(type));
	// The filter shows the VM's instance alone, and n goes to it.
	const state = filtered(grid(), 'finance');
	t.deepEqual(viewOf({...state, focus: 'parents'}).instances.map((i) => i.uuid), [HELD]);
	const found = send(state, {type: 'search', dir: 1});
	t.is(selectedUuid(found), HELD);
	t.is(found.focus, 'instances');
	t.is(footerStatus(found)?.text, '/finance: instance 1 of 1');
});

test('n and N go from one instance found to the next across parents, wrapping at the ends, and say where they are', (t) => {
	// `-` is in every uuid: the three instances of the three parents, in screen order.
	let state = filtered(sixTwelve(), '-');
	const seen: Array<string | null> = [];
	const said: string[] = [];
	for (let i = 0; i < 4; i++) {
		state = send(state, {type: 'search', dir: 1});
		seen.push(selectedUuid(state));
		said.push(footerStatus(state)!.text);
	}
	t.deepEqual(seen, [MBOCHS, MDPY, MTTY, MBOCHS]);
	t.deepEqual(said, ['/-: instance 1 of 3', '/-: instance 2 of 3', '/-: instance 3 of 3', '/-: instance 1 of 3, from the top again']);
	state = send(state, {type: 'search', dir: -1});
	t.is(selectedUuid(state), MTTY);
	t.is(footerStatus(state)!.text, '/-: instance 3 of 3, from the bottom again');
	// The selection follows: the parent and type panes show where the instance is.
	const view = viewOf(state);
	t.is(view.parent?.name, 'mtty');
	t.is(view.type?.id, 'mtty-1');
	// Group 2 (whole) and the uuid with 2s: mbochs's and mdpy's, not mtty's.
	state = send(filtered(sixTwelve(), '2'), {type: 'search', dir: 1}, {type: 'search', dir: 1});
	t.is(selectedUuid(state), MDPY);
	t.is(footerStatus(state)!.text, '/2: instance 2 of 2');
});

test('n without a filter, or with one no instance matches, says so and moves nothing', (t) => {
	const plain = send(sixTwelve(), {type: 'search', dir: 1});
	t.regex(footerStatus(plain)!.text, /type \/ and a uuid, VM, group or pid first/);
	t.is(plain.focus, 'parents');
	// mdpy-vga is a type: the lists show it, but no instance is found.
	const none = send(filtered(sixTwelve(), 'mdpy-vga'), {type: 'search', dir: 1});
	t.regex(footerStatus(none)!.text, /^\/mdpy-vga: no instance matches/);
	t.is(none.focus, 'parents');
});

test('o orders the instances list by each column in turn, O reverses it; the selection stays on the same instance', (t) => {
	// nvidia-231, the fourth type, then its instances.
	const down = {type: 'move', by: 'line', dir: 1} as const;
	let state = send(grid(), {type: 'focus', to: 'types'}, down, down, down, {type: 'focus', to: 'instances'});
	t.is(viewOf(state).type?.id, 'nvidia-231');
	// nvidia-231's three: two active, one only defined, as scanned.
	const order = (s: StoreState) => viewOf(s).instances.map((i) => i.uuid);
	t.deepEqual(order(state), [HELD, FREE, DEFINED]);
	state = send(state, {type: 'move', by: 'line', dir: 1});
	t.is(selectedUuid(state), FREE);
	const by: Record<string, string[]> = {};
	for (let i = 0; i < 8; i++) {
		state = send(state, {type: 'sort', change: 'next'});
		by[state.sort.by ?? 'scan'] ??= order(state);
		t.is(selectedUuid(state), FREE, `the selection kept (${state.sort.by})`);
	}
	t.deepEqual(by['uuid'], [HELD, FREE, DEFINED]);
	// Only 8d4b… is held: it comes first, the others (no VM) after it in the scan's order.
	t.deepEqual(by['vm'], [HELD, FREE, DEFINED]);
	// The defined one has no group: last.
	t.is(by['group']!.at(-1), DEFINED);
	t.deepEqual(by['state'], [HELD, FREE, DEFINED]);
	t.deepEqual(by['scan'], [HELD, FREE, DEFINED]);
	t.is(state.sort.by, 'uuid', 'around again after the scan order');
	state = send(state, {type: 'sort', change: 'reverse'});
	t.deepEqual(order(state), [DEFINED, FREE, HELD]);
	t.is(selectedUuid(state), FREE);
	t.is(sortLabel(state.sort), ' by uuid, reversed');
	t.is(sortLabel({by: 'vm', reverse: false}), ' by VM');
	t.is(sortLabel({by: null, reverse: false}), '');
	// A missing value stays last in either direction.
	state = send(state, {type: 'sort', change: 'next'}, {type: 'sort', change: 'next'}, {type: 'sort', change: 'next'});
	t.is(state.sort.by, 'group');
	t.is(order(state).at(-1), DEFINED);
});

test('the part of a cell the filter matched is marked, case-insensitively, and the text is unchanged', (t) => {
	t.deepEqual(matchSpans('win10-vdi-finance-042', 'FIN'), [[10, 13]]);
	t.deepEqual(matchSpans('aaaa', 'aa'), [[0, 2], [2, 4]]);
	t.deepEqual(matchSpans('abc', '  '), []);
	const columns: Column<{a: string; b: string}>[] = [
		{key: 'a', title: 'a', priority: 1, min: 1, value: (r) => r.a},
		{key: 'b', title: 'b', priority: 2, min: 1, value: (r) => r.b, tone: () => 'dim'},
	];
	const row = {a: 'vdi-42', b: 'qemu 42'};
	const line = rowLine(planColumns(columns, [row], 40), row, '42');
	t.is(line.map((s) => s.text).join(''), 'vdi-42 qemu 42');
	t.deepEqual(line.filter((s) => s.tone === 'match').map((s) => s.text), ['42', '42']);
	t.deepEqual(line.find((s) => s.text === 'qemu ')?.tone, 'dim', "the rest keeps the column's tone");
	t.false(rowLine(planColumns(columns, [row], 40), row).some((s) => s.tone === 'match'));
});

test('a key that only moves the selection gets the same lists back (the panes measure their columns once per list)', (t) => {
	const down = {type: 'move', by: 'line', dir: 1} as const;
	const state = send(grid(), {type: 'focus', to: 'types'}, down, down, down, {type: 'focus', to: 'instances'});
	const first = viewOf(state);
	t.is(first.instances.length, 3);
	const moved = viewOf(send(state, down));
	t.not(moved.instance, first.instance, 'the selection moved');
	t.is(moved.parents, first.parents);
	t.is(moved.instances, first.instances, 'the same array while only the selection moved');
	// A new order is a new list, of the same instances.
	const ordered = viewOf(send(state, {type: 'sort', change: 'next'}));
	t.not(ordered.instances, first.instances);
	t.deepEqual(new Set(ordered.instances), new Set(first.instances));
	// So is a filter.
	t.not(viewOf(send(state, {type: 'filter-start'}, {type: 'filter-input', text: 'c2f6'}, {type: 'filter-keep'})).instances, first.instances);
});
