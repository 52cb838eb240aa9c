// The one key table: dispatch, footer and help all come from it.
import test from 'ava';
import {
	BINDINGS,
	activeContexts,
	compareContexts,
	footerHints,
	helpEntries,
	keyMatches,
	keyName,
	keysLabel,
	MAIN_CONTEXTS,
	resolveKey,
	separateLoneEscapes,
	splitKeys,
	type Action,
	type Context,
	type KeyPress,
	type KeySpec,
} from '../src/keymap.js';

const none: KeyPress = {};
const lists = (pane: 'parents' | 'types' | 'instances' | 'detail'): Context[] =>
	activeContexts({empty: false, help: false, filterEditing: false, focus: pane});
const filtering = activeContexts({empty: false, help: false, filterEditing: true, focus: 'parents'});

const actionFor = (contexts: Context[], input: string, key: KeyPress = none) => resolveKey(contexts, input, key)?.action;

/** A key event that matches `spec`, as Ink would report it. */
function pressFor(spec: KeySpec): [string, KeyPress] {
	switch (spec.kind) {
		case 'char':
			return [spec.char, /[A-Z]/.test(spec.char) ? {shift: true} : {}];
		case 'ctrl':
			return [spec.char, {ctrl: true}];
		case 'text':
		case 'any':
			return ['x', {}];
		case 'special': {
			const flag = {
				up: 'upArrow',
				down: 'downArrow',
				left: 'leftArrow',
				right: 'rightArrow',
				pageUp: 'pageUp',
				pageDown: 'pageDown',
				home: 'home',
				end: 'end',
				return: 'return',
				escape: 'escape',
				tab: 'tab',
				backspace: 'backspace',
			}[spec.name] as keyof KeyPress;
			return ['', {[flag]: true, shift: !!spec.shift}];
		}
	}
}

test('every binding resolves to itself where it is in scope: no key is taken twice in one context', (t) => {
	const contexts: Context[][] = [
		lists('parents'),
		lists('types'),
		lists('instances'),
		lists('detail'),
		filtering,
		activeContexts({empty: false, help: true, filterEditing: false, focus: 'parents'}),
		activeContexts({empty: true, sampleAvailable: true, help: false, filterEditing: false, focus: 'parents'}),
		compareContexts({help: false, filterEditing: false}),
	];
	for (const binding of BINDINGS) {
		for (const spec of binding.keys) {
			const [input, key] = pressFor(spec);
			for (const context of contexts) {
				if (!binding.scope.some((s) => context.includes(s))) continue;
				t.is(resolveKey(context, input, key), binding, `${keyName(spec)} in ${context.join('/')}`);
			}
		}
	}
});

test('movement, panes and drilling in the lists', (t) => {
	t.is(actionFor(lists('parents'), 'j'), 'down');
	t.is(actionFor(lists('parents'), 'k'), 'up');
	t.is(actionFor(lists('types'), '', {downArrow: true}), 'down');
	t.is(actionFor(lists('types'), 'g'), 'top');
	t.is(actionFor(lists('types'), 'G', {shift: true}), 'bottom');
	t.is(actionFor(lists('types'), '', {pageDown: true}), 'pageDown');
	t.is(actionFor(lists('parents'), '', {tab: true}), 'nextPane');
	t.is(actionFor(lists('parents'), '', {tab: true, shift: true}), 'prevPane');
	t.is(actionFor(lists('parents'), '', {rightArrow: true}), 'paneRight');
	t.is(actionFor(lists('parents'), '', {return: true}), 'drill');
	// Nothing to drill into from the detail pane.
	t.is(actionFor(lists('detail'), '', {return: true}), undefined);
});

test('p probes only where an instance is selected; P everywhere in the lists', (t) => {
	t.is(actionFor(lists('parents'), 'p'), undefined);
	t.is(actionFor(lists('types'), 'p'), undefined);
	t.is(actionFor(lists('instances'), 'p'), 'probe');
	t.is(actionFor(lists('detail'), 'p'), 'probe');
	t.is(actionFor(lists('parents'), 'P', {shift: true}), 'probeAll');
});

test('while typing a filter, letters are text, Enter keeps, Esc clears, and only Ctrl-C quits', (t) => {
	t.is(actionFor(filtering, 'q'), 'filterText');
	t.is(actionFor(filtering, 'j'), 'filterText');
	t.is(actionFor(filtering, '?'), 'filterText');
	t.is(actionFor(filtering, '', {return: true}), 'filterKeep');
	t.is(actionFor(filtering, '', {escape: true, meta: true}), 'filterClear');
	// Ink reports the DEL byte most terminals send for Backspace as `delete`.
	t.is(actionFor(filtering, '', {delete: true}), 'filterErase');
	t.is(actionFor(filtering, 'c', {ctrl: true}), 'quit');
	t.is(actionFor(filtering, '', {upArrow: true}), undefined);
});

test('q and Ctrl-C quit from the lists, help and the empty screen; s works only there with a sample', (t) => {
	const help = activeContexts({empty: false, help: true, filterEditing: false, focus: 'types'});
	const empty = activeContexts({empty: true, help: false, filterEditing: false, focus: 'parents'});
	const emptyWithSample = activeContexts({empty: true, sampleAvailable: true, help: false, filterEditing: false, focus: 'parents'});
	for (const contexts of [lists('parents'), help, empty]) {
		t.is(actionFor(contexts, 'q'), 'quit');
		t.is(actionFor(contexts, 'c', {ctrl: true}), 'quit');
	}
	t.is(actionFor(emptyWithSample, 's'), 'sample');
	t.is(actionFor(empty, 's'), undefined);
	t.is(actionFor(lists('parents'), 's'), undefined);
	t.is(actionFor(empty, 'r'), 'refresh');
	t.is(actionFor(empty, 'j'), undefined);
	t.is(actionFor(help, '', {escape: true}), 'back');
	t.is(actionFor(help, '?'), 'help');
	t.is(actionFor(help, 'p'), undefined);
});

test('a plain letter never matches with Ctrl or Meta held', (t) => {
	t.false(keyMatches({kind: 'char', char: 'q'}, 'q', {ctrl: true}));
	t.false(keyMatches({kind: 'char', char: 'q'}, 'q', {meta: true}));
	t.false(keyMatches({kind: 'text'}, '', {}));
	t.true(keyMatches({kind: 'text'}, 'mdpy', {}));
});

test('the footer lists what works in the focused pane, from the table', (t) => {
	const labels = (contexts: Context[]) => footerHints(contexts).map((h) => `${h.keys} ${h.label}`);
	const parents = labels(lists('parents'));
	const instances = labels(lists('instances'));
	const detail = labels(lists('detail'));
	t.false(parents.includes('p probe'));
	t.true(instances.includes('p probe'));
	t.true(parents.includes('Enter open'));
	t.false(detail.includes('Enter open'));
	t.deepEqual(labels(filtering), ['Enter keep', 'Esc clear', 'Backspace erase']);
	for (const hints of [parents, instances, detail]) {
		t.true(hints.includes('? help'));
		t.true(hints.includes('q quit'));
		t.true(hints.includes('j/k move'));
	}
	// Every hint belongs to a binding that is active there.
	for (const hint of footerHints(lists('types'))) {
		t.true(BINDINGS.some((b) => b.footer?.label === hint.label && b.scope.some((s) => lists('types').includes(s))));
	}
});

test('help lists every binding once with its keys, written in ASCII', (t) => {
	const entries = helpEntries();
	t.is(entries.length, BINDINGS.length);
	for (const [index, binding] of BINDINGS.entries()) {
		t.is(entries[index]!.help, binding.help);
		t.true(binding.help.length > 0);
		t.true(binding.keys.length > 0);
		for (const spec of binding.keys) t.true(entries[index]!.keys.includes(keyName(spec)));
		t.regex(entries[index]!.keys + entries[index]!.help + entries[index]!.where, /^[\x20-\x7e]*$/);
	}
	t.is(keyName({kind: 'special', name: 'tab', shift: true}), 'S-Tab');
	t.is(keyName({kind: 'ctrl', char: 'c'}), 'C-c');
});

test('keys that arrive in one read are split into single presses', (t) => {
	t.deepEqual(splitKeys('/mdpy', {}), [
		{input: '/', key: {}},
		{input: 'm', key: {}},
		{input: 'd', key: {}},
		{input: 'p', key: {}},
		{input: 'y', key: {}},
	]);
	t.deepEqual(splitKeys('\r\tG\x7f\x03', {}), [
		{input: '', key: {return: true}},
		{input: '', key: {tab: true}},
		{input: 'G', key: {shift: true}},
		{input: '', key: {backspace: true}},
		{input: 'c', key: {ctrl: true}},
	]);
	// Single keys and Ink's parsed special keys pass through.
	t.deepEqual(splitKeys('j', {}), [{input: 'j', key: {}}]);
	t.deepEqual(splitKeys('', {upArrow: true}), [{input: '', key: {upArrow: true}}]);
	t.is(resolveKey(lists('parents'), splitKeys('\x03q', {})[0]!.input, splitKeys('\x03q', {})[0]!.key)?.action, 'quit');
});

test('the compare view: moving, Tab, filter, help and quit from the one table; nothing of the main screen', (t) => {
	const compare = compareContexts({help: false, filterEditing: false});
	for (const [input, key, action] of [
		['j', {}, 'down'],
		['k', {}, 'up'],
		['', {pageDown: true}, 'pageDown'],
		['G', {shift: true}, 'bottom'],
		['g', {}, 'top'],
		['', {tab: true}, 'nextPane'],
		['/', {}, 'filter'],
		['?', {}, 'help'],
		['', {escape: true}, 'back'],
		['q', {}, 'quit'],
		['c', {ctrl: true}, 'quit'],
	] as Array<[string, KeyPress, Action]>) {
		t.is(actionFor(compare, input, key), action, `${input} ${JSON.stringify(key)}`);
	}
	for (const input of ['p', 'P', 'd', 'x', 'B', 'r', 's']) t.is(actionFor(compare, input), undefined, input);
	t.is(actionFor(compare, '', {return: true}), undefined);
	t.deepEqual(compareContexts({help: true, filterEditing: false}), ['help', 'global']);
	t.deepEqual(compareContexts({help: false, filterEditing: true}), ['filter', 'global']);
	t.deepEqual(
		footerHints(compare).map((h) => `${h.keys} ${h.label}`),
		['j/k move', 'Tab pane', '/ filter', '? help', 'q quit'],
	);
	// The compare help lists only what works there, each with where among those.
	const entries = helpEntries(['compare', 'help', 'filter', 'global']);
	t.true(entries.every((e) => !/lists|instances|doctor/.test(e.where)));
	t.true(entries.some((e) => e.keys === '/' && e.where === 'compare'));
	t.false(entries.some((e) => e.keys === 'p'));
});

test('the compare help holds only keys that work in the compare view, described in its words; the main help none of the compare view', (t) => {
	const compareHelp = helpEntries(['compare', 'help', 'filter', 'global']);
	const views = [compareContexts({help: false, filterEditing: false}), compareContexts({help: true, filterEditing: false}), compareContexts({help: false, filterEditing: true})];
	for (const entry of compareHelp) {
		const binding = BINDINGS.find((b) => keysLabel(b) === entry.keys && (b.compareHelp ?? b.help) === entry.help);
		t.truthy(binding, entry.keys);
		// Some key of it reaches this very binding in one of the compare view's states.
		t.true(views.some((contexts) => binding!.keys.some((spec) => resolveKey(contexts, ...pressFor(spec)) === binding)), entry.keys);
		// Nothing the compare view does not have: the main screen's panes and views.
		t.notRegex(entry.help, /doctor|advice|parents|types|detail|drill|probe/, entry.keys);
	}
	t.deepEqual(
		compareHelp.map((e) => e.keys),
		['Up, k', 'Down, j', 'PgUp', 'PgDn', 'g, Home', 'G, End', 'Tab', 'S-Tab', '/', 'Esc', '?', 'q', 'C-c', 'C-l', 'Enter', 'Esc', 'Backspace', 'text'],
	);
	for (const entry of helpEntries(MAIN_CONTEXTS)) {
		t.false(entry.where.includes('compare'), entry.keys);
		t.notRegex(entry.help, /compare|reasons pane/, entry.keys);
	}
});

test('a lone ESC read with the next key is an Esc of its own; escape sequences are left whole', (t) => {
	// Doubled: Ink's input parser reads ESC ESC as one Escape, then the key.
	t.is(separateLoneEscapes('\x1b/'), '\x1b\x1b/');
	t.is(separateLoneEscapes('\x1bP'), '\x1b\x1bP');
	t.is(separateLoneEscapes('\x1b/MDPY'), '\x1b\x1b/MDPY');
	t.is(separateLoneEscapes('ab\x1b\r'), 'ab\x1b\x1b\r');
	// Two Escs, then an arrow: each Esc apart, the arrow whole.
	t.is(separateLoneEscapes('\x1b\x1b[A'), '\x1b\x1b\x1b[A');
	for (const sequence of ['\x1b[A', '\x1b[5~', '\x1bOA', '\x1b[Z', '\x1b[1;5C', '\x1b[B\x1b[A\x1b[Z']) t.is(separateLoneEscapes(sequence), sequence);
	// A read that ends in ESC is left to Ink (the rest of a sequence may be in the next read).
	t.is(separateLoneEscapes('\x1b'), '\x1b');
	t.is(separateLoneEscapes('x\x1b'), 'x\x1b');
});
