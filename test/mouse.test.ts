// Issue 17's mouse (optional, off by default): the reports taken out of what the terminal sends, the
// pane under a point, and what the store does with a wheel step or a click, on the bundled trees.
// test/terminal.test.ts has it in a real terminal (tmux's mouse flags, bytes as a terminal sends them).
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {scanHost} from '../src/sysfs/scan.js';
import {initialStore, MOUSE_WORDS, startupEffects, type KeyInput, type Msg, type StoreState} from '../src/state/store.js';
import {send as sendAll} from './helpers/store.js';
import {layoutOf, viewOf} from '../src/state/reducer.js';
import {listRowAt, paneAt, type Layout} from '../src/state/layout.js';
import {takeMouseReports, MOUSE_OFF, MOUSE_ON, type MouseReport} from '../src/state/mouse.js';
import {resolveKey} from '../src/keymap.js';

const tree = (name: string) => fileURLToPath(new URL(`fixtures/trees/${name}`, import.meta.url));
const send = (state: StoreState, ...msgs: KeyInput[]) => sendAll(state, ...msgs.map((msg): Msg => ({type: 'key', msg})));
const pointer = (report: MouseReport, contentLength?: number): KeyInput => ({type: 'pointer', report, ...(contentLength === undefined ? {} : {contentLength})});
const sixTwelve = (columns = 80, rows = 24, mouse = true) => initialStore(scanHost(tree('debian-6.12')), {columns, rows}, {mouse});

/** The screen line (from 0) of a pane's first line, found by walking the bands as they are drawn: the header first. */
function paneTop(layout: Layout, id: string): {x: number; y: number} {
	let y = 1;
	for (const band of layout.bands) {
		let x = 0;
		for (const pane of band) {
			if (pane.id === id) return {x, y};
			x += pane.width;
		}
		y += band[0]!.height;
	}
	throw new Error(`no pane ${id}`);
}

test('SGR reports are taken out of the input: a left press is a click, buttons 64/65 the wheel, releases and other buttons nothing', (t) => {
	const {text, reports, held} = takeMouseReports('a\x1b[<0;10;5Mb\x1b[<0;10;5m\x1b[<64;3;4M\x1b[<65;3;4M\x1b[<2;1;1M\x1b[<4;7;8Mc');
	t.is(text, 'abc', 'the keys around them are kept, in order');
	t.deepEqual(reports, [
		{kind: 'click', x: 9, y: 4},
		{kind: 'wheel', dir: -1, x: 2, y: 3},
		{kind: 'wheel', dir: 1, x: 2, y: 3},
		{kind: 'click', x: 6, y: 7},
	]);
	t.is(held, '');
});

test('a report split across reads waits for its end; a lone Esc or an arrow is not held', (t) => {
	const first = takeMouseReports('j\x1b[<65;12');
	t.deepEqual(first, {text: 'j', reports: [], held: '\x1b[<65;12'});
	const second = takeMouseReports(first.held + ';9Mk');
	t.deepEqual(second, {text: 'k', reports: [{kind: 'wheel', dir: 1, x: 11, y: 8}], held: ''});
	t.deepEqual(takeMouseReports('\x1b'), {text: '\x1b', reports: [], held: ''}, 'Esc is left to Ink');
	t.deepEqual(takeMouseReports('\x1b[A\x1b['), {text: '\x1b[A\x1b[', reports: [], held: ''}, 'an arrow, and the start of another key');
});

test('the X10 encoding of a terminal without SGR (CSI M and three bytes) is read too', (t) => {
	const byte = (n: number) => String.fromCharCode(n + 32);
	// Left press at column 5, line 3 (from 1); a release (button 3); wheel down.
	const {text, reports} = takeMouseReports(`\x1b[M${byte(0)}${byte(5)}${byte(3)}\x1b[M${byte(3)}${byte(5)}${byte(3)}\x1b[M${byte(65)}${byte(2)}${byte(2)}q`);
	t.is(text, 'q');
	t.deepEqual(reports, [
		{kind: 'click', x: 4, y: 2},
		{kind: 'wheel', dir: 1, x: 1, y: 1},
	]);
});

test('the pane under a point, at 80x24 and 200x50: the header and footer are no pane; a list row is below its title and column header', (t) => {
	for (const [columns, rows] of [[80, 24], [200, 50]] as const) {
		const layout = layoutOf(sixTwelve(columns, rows));
		t.is(paneAt(layout, 0, 0), null, 'the header');
		t.is(paneAt(layout, 0, rows - 1), null, 'the footer');
		for (const band of layout.bands) {
			for (const box of band) {
				const {x, y} = paneTop(layout, box.id);
				t.deepEqual(paneAt(layout, x, y), {id: box.id, line: 0}, `${box.id}'s title line`);
				t.deepEqual(paneAt(layout, x + box.width - 1, y + box.height - 1), {id: box.id, line: box.height - 1}, `${box.id}'s last corner`);
				if (box.id === 'detail') continue;
				t.is(listRowAt(layout, {id: box.id, line: 1}), null, 'the column header');
				t.is(listRowAt(layout, {id: box.id, line: 2}), 0, 'the first row');
				t.is(listRowAt(layout, {id: box.id, line: box.height - 1}), null, 'the bottom border');
			}
		}
	}
});

test('M turns the mouse on and off, saying how, and asks for the terminal modes; --mouse asks at start', (t) => {
	const off = sixTwelve(80, 24, false);
	t.false(startupEffects(off).some((e) => e.type === 'mouse'));
	t.deepEqual(startupEffects(sixTwelve()).filter((e) => e.type === 'mouse'), [{type: 'mouse', on: true}]);
	const binding = resolveKey(['parents', 'lists', 'global'], 'M', {shift: true});
	t.deepEqual(binding?.message, {type: 'mouse'});
	const on = send(off, binding!.message as KeyInput);
	t.true(on.state.mouse);
	t.deepEqual(on.effects, [{type: 'mouse', on: true}]);
	t.is(on.state.status?.text, MOUSE_WORDS.on);
	const again = send(on.state, {type: 'mouse'});
	t.false(again.state.mouse);
	t.deepEqual(again.effects, [{type: 'mouse', on: false}]);
	t.is(again.state.status?.text, MOUSE_WORDS.off);
	t.is(MOUSE_ON, '\x1b[?1000h\x1b[?1006h');
	t.is(MOUSE_OFF, '\x1b[?1006l\x1b[?1000l');
});

test('a click focuses the pane under it and selects the row; off, or while B asks, a click does nothing', (t) => {
	const start = sixTwelve();
	const layout = layoutOf(start);
	const parents = paneTop(layout, 'parents');
	// The third parent's row: title, column header, rows 0, 1, 2.
	const third = send(start, pointer({kind: 'click', x: parents.x + 3, y: parents.y + 4})).state;
	t.is(third.focus, 'parents');
	t.is(third.selected.parents, 2);
	t.is(viewOf(third).parent?.key, viewOf(start).parents[2]!.key);
	const instances = paneTop(layout, 'instances');
	const focused = send(third, pointer({kind: 'click', x: instances.x + 10, y: instances.y})).state;
	t.is(focused.focus, 'instances', 'the title line focuses');
	t.is(focused.selected.parents, 2, 'and selects nothing');
	// Below the last row: focus only.
	const below = send(third, pointer({kind: 'click', x: parents.x + 3, y: parents.y + 2 + viewOf(third).parents.length})).state;
	t.is(below.selected.parents, 2);
	const off = send(sixTwelve(80, 24, false), pointer({kind: 'click', x: parents.x + 3, y: parents.y + 4})).state;
	t.is(off.selected.parents, 0, 'mouse off: nothing');
	const asking = {...start, confirm: {uuid: 'x', ask: 'borrow?'}};
	t.is(send(asking, pointer({kind: 'click', x: parents.x + 3, y: parents.y + 4})).state.selected.parents, 0, 'a question waits for its keys');
});

test('the wheel moves the list under the pointer by 3 without taking the focus, scrolls the detail and the help', (t) => {
	const start = send(sixTwelve(), {type: 'focus', to: 'detail'}).state;
	const layout = layoutOf(start);
	const parents = paneTop(layout, 'parents');
	const count = viewOf(start).parents.length;
	const down = send(start, pointer({kind: 'wheel', dir: 1, x: parents.x + 1, y: parents.y + 3})).state;
	t.is(down.selected.parents, Math.min(3, count - 1));
	t.is(down.focus, 'detail', 'the focus stays');
	t.is(send(down, pointer({kind: 'wheel', dir: -1, x: parents.x + 1, y: parents.y + 3})).state.selected.parents, 0);
	const detail = paneTop(layoutOf(start), 'detail');
	const scrolled = send(start, pointer({kind: 'wheel', dir: 1, x: detail.x + 5, y: detail.y + 2}, 100)).state;
	t.is(scrolled.scroll.detail, 3);
	const help = send(start, {type: 'help'}, pointer({kind: 'wheel', dir: 1, x: 0, y: 5}, 100)).state;
	t.is(help.help.scroll, 3, 'the help scrolls wherever the pointer is');
	const typing = send(start, {type: 'filter-start'}, pointer({kind: 'wheel', dir: 1, x: parents.x + 1, y: parents.y + 3})).state;
	t.is(typing.selected.parents, 0, 'while a filter is typed, nothing');
});
