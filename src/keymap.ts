// The one key table of the TUI (in the spirit of htop's key table and k9s's KeyActions): each binding
// says which keys, where they work, the footer hint and the help line. The input handler dispatches
// through resolveKey(), the footer is footerHints() and the `?` screen is helpEntries(): they are all
// read from BINDINGS, so what the screen says and what the keys do cannot drift apart.
// No Ink import: key events are described by the structural KeyPress below (Ink's `Key` fits it).

import type {SharedAction, TuiAction} from './state/reducer.js';
import {actionDisabled, adviceDisabled, borrowDisabled, probeDisabled, sampleDisabled, type KeyMsg, type StoreState} from './state/store.js';
import type {PaneId, Panel} from './state/panes.js';

export {PANES, type PaneId, type Panel} from './state/panes.js';

/**
 * Where a binding works. `lists`: the four panes of the main screen (whichever has focus);
 * a pane id: only while that pane has focus; `filter`: while typing a filter; `help`: the `?` screen;
 * `empty`: the screen for a host without mdev support; `sample`: that screen when a sample host is
 * bundled; `doctor` / `advice`: the doctor view (`d`) and an instance's advice (`x`); `compare`: the
 * view of `mdevscope compare` (its instances list and reasons pane); `confirm`: while a question
 * (B's) waits for its answer; `global`: always, even while typing.
 */
export type Context = 'global' | 'lists' | PaneId | 'filter' | 'help' | 'empty' | 'sample' | Panel | 'compare' | 'confirm';

export type Action =
	| 'up'
	| 'down'
	| 'pageUp'
	| 'pageDown'
	| 'top'
	| 'bottom'
	| 'nextPane'
	| 'prevPane'
	| 'paneRight'
	| 'paneLeft'
	| 'sidewaysRight'
	| 'sidewaysLeft'
	| 'drill'
	| 'filter'
	| 'filterKeep'
	| 'filterClear'
	| 'filterErase'
	| 'filterText'
	| 'probe'
	| 'probeAll'
	| 'borrow'
	| 'refresh'
	| 'sample'
	| 'doctor'
	| 'advice'
	| 'help'
	| 'back'
	| 'redraw'
	| 'quit'
	| 'confirmYes'
	| 'confirmNo'
	| 'searchNext'
	| 'searchPrev'
	| 'sortNext'
	| 'sortReverse'
	| 'copy'
	| 'mouse'
	| 'writes'
	| 'create'
	| 'startDefined'
	| 'stopInstance'
	| 'defineInstance'
	| 'undefineInstance'
	| 'autostart';

export type SpecialKey =
	| 'up'
	| 'down'
	| 'left'
	| 'right'
	| 'pageUp'
	| 'pageDown'
	| 'home'
	| 'end'
	| 'return'
	| 'escape'
	| 'tab'
	| 'backspace';

export type KeySpec =
	| {kind: 'char'; char: string}
	| {kind: 'special'; name: SpecialKey; shift?: boolean}
	| {kind: 'ctrl'; char: string}
	/** Any printable text (typed or pasted), for the filter. */
	| {kind: 'text'}
	/** Any key at all (a question's "other key: no"). */
	| {kind: 'any'};

export interface Binding {
	action: Action;
	keys: KeySpec[];
	scope: Context[];
	/** Footer hint, or null to leave it to the help screen. `keys` overrides how the keys are written. */
	footer: {keys?: string; label: string} | null;
	/** One line for the help screen. */
	help: string;
	/** The help line in the compare view, where the main screen's words would name what is not there. */
	compareHelp?: string;
	/** Changes the host (issue 18): marked `!` in help, left out of the footer while writes are off (W). */
	dangerous?: boolean;
	/** The main screen's store message it sends (src/state/store.ts); moves and the filter's text come from sharedAction. */
	message?: KeyMsg | TuiAction;
	/** Why it cannot act in this state (said on the status line instead), or null when it can. */
	disabledReason?: (state: StoreState) => string | null;
}

/** The subset of Ink's `Key` that bindings look at. */
export interface KeyPress {
	upArrow?: boolean;
	downArrow?: boolean;
	leftArrow?: boolean;
	rightArrow?: boolean;
	pageUp?: boolean;
	pageDown?: boolean;
	home?: boolean;
	end?: boolean;
	return?: boolean;
	escape?: boolean;
	tab?: boolean;
	backspace?: boolean;
	delete?: boolean;
	ctrl?: boolean;
	shift?: boolean;
	meta?: boolean;
}

const char = (c: string): KeySpec => ({kind: 'char', char: c});
const special = (name: SpecialKey, shift?: boolean): KeySpec =>
	shift === undefined ? {kind: 'special', name} : {kind: 'special', name, shift};

/** Every view: the main lists, the help, the doctor and advice views, and compare's. */
const VIEWS: Context[] = ['lists', 'help', 'doctor', 'advice', 'compare'];

/** One binding: which action, on which keys, where, its footer hint and help line, then what is optional. */
const bind = (action: Action, keys: KeySpec[], scope: Context[], footer: Binding['footer'], help: string, more: Partial<Binding> = {}): Binding => ({
	action,
	keys,
	scope,
	footer,
	help,
	...more,
});

export const BINDINGS: readonly Binding[] = [
	bind('up', [special('up'), char('k')], VIEWS, {keys: 'j/k', label: 'move'}, 'move the selection up (scrolls the detail pane, this help and the doctor and advice views)', {compareHelp: 'move the selection up (scrolls the reasons pane and this help)'}),
	bind('down', [special('down'), char('j')], VIEWS, null, 'move the selection down (scrolls the detail pane, this help and the doctor and advice views)', {compareHelp: 'move the selection down (scrolls the reasons pane and this help)'}),
	bind('pageUp', [special('pageUp')], VIEWS, null, 'one page up'),
	bind('pageDown', [special('pageDown')], VIEWS, null, 'one page down'),
	bind('top', [char('g'), special('home')], VIEWS, null, 'go to the first line'),
	bind('bottom', [char('G'), special('end')], VIEWS, null, 'go to the last line'),
	bind('nextPane', [special('tab', false)], ['lists', 'compare'], {keys: 'Tab', label: 'pane'}, 'focus the next pane (parents, types, instances, detail, then around)', {compareHelp: 'focus the other pane (the instances list or the reasons)'}),
	bind('prevPane', [special('tab', true)], ['lists', 'compare'], null, 'focus the previous pane', {compareHelp: 'focus the other pane, as Tab does'}),
	bind('paneRight', [special('right')], ['lists'], null, 'focus the pane to the right (towards the detail)', {message: {type: 'focus', to: 'right'}}),
	bind('paneLeft', [special('left')], ['lists'], null, 'focus the pane to the left (towards the parents)', {message: {type: 'focus', to: 'left'}}),
	bind('sidewaysRight', [special('right')], ['doctor', 'advice'], null, 'scroll the doctor or advice view to the right, to a line longer than the screen (a path or QEMU argument is never broken, so a copy stays whole)'),
	bind('sidewaysLeft', [special('left')], ['doctor', 'advice'], null, 'scroll the doctor or advice view back to the left'),
	bind('drill', [special('return')], ['parents', 'types', 'instances'], {label: 'open'}, 'drill in: parent -> its types -> their instances -> detail', {message: {type: 'drill'}}),
	bind('probe', [char('p')], ['instances', 'detail'], {label: 'probe'}, 'probe the selected instance: open it through VFIO and ask the kernel what it can do', {message: {type: 'probe'}, disabledReason: probeDisabled}),
	bind('probeAll', [char('P')], ['lists'], {label: 'probe all'}, 'probe every active instance the instances pane lists (in the parents pane: of every parent listed, the whole host without a filter); the footer counts them', {message: {type: 'probe-all'}}),
	bind('doctor', [char('d')], ['lists', 'empty', 'doctor'], {label: 'doctor'}, 'the host doctor: every check with its verdict, what was seen and the fix (d or Esc closes it)', {message: {type: 'doctor'}}),
	bind('advice', [char('x')], ['instances', 'detail', 'advice'], {label: 'advice'}, 'advice for the selected instance from its probe: libvirt domain XML and QEMU arguments (x or Esc closes it)', {message: {type: 'advice'}, disabledReason: adviceDisabled}),
	bind('borrow', [char('B')], ['instances', 'detail'], {label: 'borrow'}, "borrow: probe a held device through its VM's fd (read-only; asks first, naming the VM)", {message: {type: 'borrow'}, disabledReason: borrowDisabled}),
	bind('filter', [char('/')], ['lists', 'compare'], {label: 'filter'}, 'filter the lists: parents, type ids, names and APIs, uuids, VM names, a whole IOMMU group or pid (n/N: the next instance found)', {compareHelp: "filter the instances by a substring of the uuid, SOURCE's parent, type id or name, DEST's parent or the verdict"}),
	bind('searchNext', [char('n')], ['lists'], null, "the next instance the filter finds (uuid, VM, group, pid), across every parent, as less and vim's n do", {message: {type: 'search', dir: 1}}),
	bind('searchPrev', [char('N')], ['lists'], null, "the previous instance the filter finds", {message: {type: 'search', dir: -1}}),
	bind('sortNext', [char('o')], ['lists'], null, "order the instances list by uuid, type, VM, group, state, display, then as scanned (the title says the order)", {message: {type: 'sort', change: 'next'}}),
	bind('sortReverse', [char('O')], ['lists'], null, 'reverse the order of the instances list', {message: {type: 'sort', change: 'reverse'}}),
	bind('copy', [char('y')], ['lists', 'advice'], null, "copy the selection's uuid (type id, parent; advice view: the libvirt XML) to your terminal's clipboard with OSC 52, over SSH too", {message: {type: 'copy'}}),
	bind('mouse', [char('M')], ['lists', 'doctor', 'advice'], null, 'mouse on/off (--mouse: on at start): the wheel moves the list under it, a click selects; Shift+drag selects text', {message: {type: 'mouse'}}),
	bind('writes', [char('W')], ['lists'], {label: 'writes'}, 'writes on/off (--allow-write: on at start): the keys marked ! act, each after a question naming what it writes where', {message: {type: 'writes'}}),
	bind('create', [char('c')], ['types'], {label: 'create'}, "create an instance of the selected type (mdevctl start -p -t; on an NVIDIA SR-IOV GPU: assign the type to its first free VF)", {message: {type: 'act', operation: 'create'}, dangerous: true, disabledReason: actionDisabled('create')}),
	bind('startDefined', [char('S')], ['instances', 'detail'], {label: 'start'}, 'start the selected defined, not active instance as its definition says (mdevctl start -u)', {message: {type: 'act', operation: 'start'}, dangerous: true, disabledReason: actionDisabled('start')}),
	bind('stopInstance', [char('X')], ['instances', 'detail'], {label: 'stop'}, 'stop (remove) the selected active instance, or release a VF\'s vGPU; refused while a process holds it (mdevctl stop -u)', {message: {type: 'act', operation: 'stop'}, dangerous: true, disabledReason: actionDisabled('stop')}),
	bind('defineInstance', [char('D')], ['instances', 'detail'], {label: 'define'}, 'define the selected active instance as it runs, started by hand (mdevctl define -u; A then sets autostart)', {message: {type: 'act', operation: 'define'}, dangerous: true, disabledReason: actionDisabled('define')}),
	bind('undefineInstance', [char('U')], ['instances', 'detail'], {label: 'undefine'}, 'undefine the selected instance: remove its mdevctl definition (it keeps running until stopped)', {message: {type: 'act', operation: 'undefine'}, dangerous: true, disabledReason: actionDisabled('undefine')}),
	bind('autostart', [char('A')], ['instances', 'detail'], {label: 'autostart'}, "turn the selected definition's autostart on or off (mdevctl modify --auto/--manual)", {message: {type: 'act', operation: 'autostart'}, dangerous: true, disabledReason: actionDisabled('autostart')}),
	bind('refresh', [char('r')], ['lists', 'empty', 'doctor'], {label: 'refresh'}, 'read the host again (only what changed), and who holds each instance (probe results are kept for the same devices); in the doctor view, check again', {message: {type: 'refresh'}}),
	bind('sample', [char('s')], ['sample'], {label: 'sample host'}, "open the sample host: recorded on Debian 6.12 with the kernel's mdev sample drivers, with its probe answers", {message: {type: 'sample'}, disabledReason: sampleDisabled}),
	bind('back', [special('escape')], VIEWS, null, 'close this help or the doctor or advice view; clear the filter', {compareHelp: 'close this help; clear the filter'}),
	bind('help', [char('?')], ['lists', 'help', 'empty', 'compare'], {label: 'help'}, 'show or close this help'),
	bind('quit', [char('q')], ['lists', 'help', 'empty', 'doctor', 'advice', 'compare'], {label: 'quit'}, 'quit (the terminal is restored)', {message: {type: 'quit'}, compareHelp: 'quit: the terminal is restored, then the report is printed and mdevscope exits 0/1/2'}),
	bind('quit', [{kind: 'ctrl', char: 'c'}], ['global'], null, 'quit from anywhere, also while typing a filter', {message: {type: 'quit'}}),
	bind('redraw', [{kind: 'ctrl', char: 'l'}], ['global'], null, 'draw the whole screen again (after other output, a wall message say, garbled it)'),
	bind('filterKeep', [special('return')], ['filter'], {label: 'keep'}, 'keep the filter and go back to the lists', {compareHelp: 'keep the filter and go back to the list'}),
	bind('filterClear', [special('escape')], ['filter'], {label: 'clear'}, 'clear the filter and go back to the lists', {compareHelp: 'clear the filter and go back to the list'}),
	bind('filterErase', [special('backspace')], ['filter'], {label: 'erase'}, 'erase the last character of the filter'),
	bind('filterText', [{kind: 'text'}], ['filter'], null, 'typed text is added to the filter; the lists follow as you type', {compareHelp: 'typed text is added to the filter; the list follows as you type'}),
	bind('confirmYes', [char('y')], ['confirm'], {label: 'yes'}, "answer yes to the question on the status line (B: borrow the named VM's fd for read-only questions; an action: make the writes it names)", {message: {type: 'confirm-yes'}}),
	bind('confirmNo', [char('n'), {kind: 'any'}], ['confirm'], {keys: 'n/other', label: 'no'}, 'answer no to the question on the status line: nothing is done', {message: {type: 'confirm-no'}}),
];

const SPECIAL_NAMES: Record<SpecialKey, string> = {
	up: 'Up',
	down: 'Down',
	left: 'Left',
	right: 'Right',
	pageUp: 'PgUp',
	pageDown: 'PgDn',
	home: 'Home',
	end: 'End',
	return: 'Enter',
	escape: 'Esc',
	tab: 'Tab',
	backspace: 'Backspace',
};

/** How a key is written on screen (ASCII): `j`, `Up`, `S-Tab`, `C-c`. */
export function keyName(spec: KeySpec): string {
	switch (spec.kind) {
		case 'char':
			return spec.char;
		case 'ctrl':
			return 'C-' + spec.char;
		case 'text':
			return 'text';
		case 'any':
			return 'other';
		case 'special':
			return (spec.shift ? 'S-' : '') + SPECIAL_NAMES[spec.name];
	}
}

export function keysLabel(binding: Binding): string {
	return binding.keys.map(keyName).join(', ');
}

function specialPressed(name: SpecialKey, key: KeyPress): boolean {
	switch (name) {
		case 'up':
			return !!key.upArrow;
		case 'down':
			return !!key.downArrow;
		case 'left':
			return !!key.leftArrow;
		case 'right':
			return !!key.rightArrow;
		case 'pageUp':
			return !!key.pageUp;
		case 'pageDown':
			return !!key.pageDown;
		case 'home':
			return !!key.home;
		case 'end':
			return !!key.end;
		case 'return':
			return !!key.return;
		case 'escape':
			return !!key.escape;
		case 'tab':
			return !!key.tab;
		case 'backspace':
			// Most terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`.
			return !!key.backspace || !!key.delete;
	}
}

function anySpecial(key: KeyPress): boolean {
	return (Object.keys(SPECIAL_NAMES) as SpecialKey[]).some((name) => specialPressed(name, key));
}

export function keyMatches(spec: KeySpec, input: string, key: KeyPress): boolean {
	switch (spec.kind) {
		case 'char':
			return input === spec.char && !key.ctrl && !key.meta && !anySpecial(key);
		case 'ctrl':
			return !!key.ctrl && input === spec.char;
		case 'special':
			return specialPressed(spec.name, key) && (spec.shift === undefined || !!key.shift === spec.shift);
		case 'text':
			return input.length > 0 && !key.ctrl && !key.meta && !anySpecial(key);
		case 'any':
			return true;
	}
}

/**
 * Ink hands over text that arrived in one read (a paste, keys typed faster than they are read, tmux
 * send-keys) as a single input, with Enter, Tab or Backspace inside it unparsed. Split such input
 * into one key press per character, as if typed one at a time. Escape sequences are already split
 * out by Ink; anything else passes through unchanged.
 */
export function splitKeys(input: string, key: KeyPress): Array<{input: string; key: KeyPress}> {
	const chars = [...input];
	if (chars.length <= 1 || key.ctrl || key.meta || anySpecial(key)) return [{input, key}];
	return chars.map((c) => {
		if (c === '\r' || c === '\n') return {input: '', key: {return: true}};
		if (c === '\t') return {input: '', key: {tab: true}};
		if (c === '\x7f' || c === '\b') return {input: '', key: {backspace: true}};
		const code = c.charCodeAt(0);
		// C0 control: Ctrl + the letter (0x03 is Ctrl-C).
		if (code < 0x20) return {input: String.fromCharCode(code + 0x60), key: {ctrl: true}};
		return {input: c, key: /[A-Z]/.test(c) ? {shift: true} : {}};
	});
}

/**
 * A raw chunk read from the terminal, with each lone ESC doubled. A terminal sends Esc as one ESC
 * byte, and Alt+key, an arrow or a function key as ESC followed by more; when Esc and the next key
 * arrive in one read (fast typing, a paste, a slow link) Ink would take `ESC /` for Alt+/ (and `ESC P`
 * for Alt+P), and the Esc would be lost. Here, as vim's ttimeout and htop read it, an ESC that does
 * not start a control sequence (ESC [ or ESC O) and is not the last byte of the read is an Esc of
 * its own: ESC ESC, which Ink's input parser reports as one Escape key. A read that ends in ESC is
 * left to Ink, which waits for the rest of a sequence split across reads.
 */
export function separateLoneEscapes(chunk: string): string {
	// eslint-disable-next-line no-control-regex
	return chunk.replace(/\x1b(?=[^[O])/g, '\x1b\x1b');
}

/** The first binding active in one of `contexts` whose keys match, in table order. */
export function resolveKey(contexts: readonly Context[], input: string, key: KeyPress): Binding | undefined {
	return BINDINGS.find(
		(binding) =>
			binding.scope.some((scope) => contexts.includes(scope)) &&
			binding.keys.some((spec) => keyMatches(spec, input, key)),
	);
}

/** The contexts that are active in a screen state, most specific first. */
export function activeContexts(screen: {
	/** A question waits for its answer: only its keys work (and Ctrl-C). */
	confirm?: boolean;
	empty: boolean;
	sampleAvailable?: boolean;
	help: boolean;
	/** The doctor or advice view, when one is open. */
	panel?: Panel | null;
	filterEditing: boolean;
	focus: PaneId;
}): Context[] {
	if (screen.confirm) return ['confirm', 'global'];
	if (screen.help) return ['help', 'global'];
	if (screen.panel) return [screen.panel, 'global'];
	if (screen.empty) return screen.sampleAvailable ? ['sample', 'empty', 'global'] : ['empty', 'global'];
	if (screen.filterEditing) return ['filter', 'global'];
	return [screen.focus, 'lists', 'global'];
}

/** The contexts of the compare view: its help, its filter being typed, or its two panes. */
export function compareContexts(screen: {help: boolean; filterEditing: boolean}): Context[] {
	if (screen.help) return ['help', 'global'];
	if (screen.filterEditing) return ['filter', 'global'];
	return ['compare', 'global'];
}

export interface FooterHint {
	keys: string;
	label: string;
}

/**
 * The footer for the given contexts: the bindings that work here and have a footer hint, in table
 * order. The keys that write only while writes are on (`writes`), and then only those that can act
 * on the selection (`state`: their disabledReason says none).
 */
export function footerHints(contexts: readonly Context[], opts: {writes?: boolean; state?: StoreState} = {}): FooterHint[] {
	const shown = (b: Binding) => !b.dangerous || (opts.writes === true && (opts.state === undefined || !b.disabledReason?.(opts.state)));
	return BINDINGS.filter((b) => b.footer !== null && shown(b) && b.scope.some((s) => contexts.includes(s))).map((b) => ({
		keys: b.footer!.keys ?? keyName(b.keys[0]!),
		label: b.footer!.label,
	}));
}

const CONTEXT_WORDS: Record<Context, string> = {
	global: 'anywhere',
	lists: 'lists',
	parents: 'parents',
	types: 'types',
	instances: 'instances',
	detail: 'detail',
	filter: 'filter',
	help: 'help',
	empty: 'no-mdev',
	sample: 'no-mdev',
	doctor: 'doctor',
	advice: 'advice',
	compare: 'compare',
	confirm: 'question',
};

export interface HelpEntry {
	keys: string;
	where: string;
	help: string;
	dangerous: boolean;
}

/** The contexts of the main screen: every one but the compare view's (its own command). */
export const MAIN_CONTEXTS: readonly Context[] = (Object.keys(CONTEXT_WORDS) as Context[]).filter((c) => c !== 'compare');

/**
 * Every binding, once, for the `?` screen; with `only`, the bindings that work in one of those
 * contexts, each saying where among them. With 'compare' among them (the compare view's help), the
 * compare view's own words for a binding.
 */
export function helpEntries(only?: readonly Context[]): HelpEntry[] {
	const shown = (s: Context) => only === undefined || only.includes(s);
	const compare = only?.includes('compare') ?? false;
	return BINDINGS.filter((b) => b.scope.some(shown)).map((b) => ({
		keys: keysLabel(b),
		where: b.scope.filter(shown).map((s) => CONTEXT_WORDS[s]).join(','),
		help: (compare ? b.compareHelp : undefined) ?? b.help,
		dangerous: !!b.dangerous,
	}));
}

// ---- the key actions the main screen and the compare view share, as the state's messages ----------

const MOVES: Partial<Record<Action, ['line' | 'page' | 'edge', 1 | -1]>> = {
	up: ['line', -1],
	down: ['line', 1],
	pageUp: ['page', -1],
	pageDown: ['page', 1],
	top: ['edge', -1],
	bottom: ['edge', 1],
};

const SHARED: Partial<Record<Action, SharedAction>> = {
	nextPane: {type: 'focus', to: 'next'},
	prevPane: {type: 'focus', to: 'prev'},
	filter: {type: 'filter-start'},
	filterKeep: {type: 'filter-keep'},
	filterClear: {type: 'filter-clear'},
	filterErase: {type: 'filter-erase'},
	help: {type: 'help'},
	back: {type: 'back'},
};

/**
 * The reducer action for a key action of the shared navigation (the main screen's reducer and the
 * compare view's take the same ones); null for the others, which each view handles itself.
 * `contentLength`: lines of the text a move would scroll (detail, reasons, help).
 */
export function sharedAction(action: Action, input: string, contentLength: number): SharedAction | null {
	const move = MOVES[action];
	if (move) return {type: 'move', by: move[0], dir: move[1], contentLength};
	if (action === 'filterText') return {type: 'filter-input', text: input};
	return SHARED[action] ?? null;
}
