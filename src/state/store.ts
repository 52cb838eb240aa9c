// The TUI's one store: update(state, msg) -> [state, effects]. It holds the observation (the model,
// whose instances carry their probe results and owners), the navigation (src/state/reducer.ts),
// the status line, B's confirmation, the probe runs and the doctor. Messages come from the key table
// (src/keymap.ts names each binding's message), from the probe runner, the owners scan, rescans and
// the doctor; effects are what the store asks the outside to do, and their results come back as
// messages (src/components/hooks/use-store.ts runs them). Pure: no React, no Ink, no I/O.

import type {ProbeResult} from '../model/probe.js';
import type {HostModel, InstanceOwners} from '../model/types.js';
import {carryOver, instanceOwners, probeResults, withOwners, withProbes} from '../model/instances.js';
import type {DoctorView} from '../doctor/index.js';
import {borrowQuestion} from './borrow.js';
import {adviceOf} from '../advice/index.js';
import {isEmptyHost} from '../model/columns.js';
import {detailSubject, initialState, reducer, searchStep, shownInstances, staleProbes, viewOf, type TuiAction, type TuiState} from './reducer.js';
import type {Viewport} from './layout.js';
import type {ActionRequest, Operation, Plan, PlanResult} from '../actions/plan.js';

export interface Status {
	text: string;
	tone?: 'warn' | 'error';
}

/** The probes running now and the batch they belong to. */
export interface ProbeRuns {
	/** Uuids whose probe has started and not ended. */
	running: readonly string[];
	/** Running probes whose answer describes a device the model no longer shows (a rescan, the sample host): dropped when it comes. */
	outdated: readonly string[];
	/** Of the current batch (reset when everything is done and a new probe starts); null before any. */
	batch: {done: number; total: number} | null;
	/** What the running P batch covers (`of mdpy-hd (filter: mdpy)`), for its progress line. */
	note: string | null;
	/** Why the runner itself failed (not a probe outcome: those are results). */
	error: string | null;
}

export interface StoreState extends TuiState {
	status: Status | null;
	/** The question waiting for y or another key: B's (borrow `uuid`'s holder fd), or an action's, with its plan. */
	confirm: {uuid: string; ask: string; plan?: Plan} | null;
	/**
	 * The dangerous keys (issue 18): off until W (or --allow-write) turns them on; `lock` says why
	 * they cannot be (MDEVSCOPE_READ_ONLY, /etc/mdevscope/read-only, a recording), null when they can.
	 */
	writes: {on: boolean; lock: string | null};
	probes: ProbeRuns;
	/** The doctor's last answer (`d`); null before it ran. */
	doctor: DoctorView | null;
	/** What `r` reads again: this host (or the tree or recording given), or the bundled sample host once `s` opened it. */
	showing: 'given' | 'sample';
	/** A sample host can be opened from the empty screen. */
	sampleAvailable: boolean;
	/** `y` said once that the terminal may not take OSC 52 (said once, not on every copy). */
	clipboardWarned: boolean;
	/** The terminal sends mouse reports (--mouse, M): off by default, so the terminal's own selection works. */
	mouse: boolean;
}

/** What the store asks the outside to do; each one's result comes back as a message. */
export type Effect =
	| {type: 'probe'; uuids: string[]; probeHeld: boolean}
	| {type: 'read-owners'}
	| {type: 'check-doctor'}
	| {type: 'rescan'}
	| {type: 'open-sample'}
	/** Put `text` in the terminal's clipboard (OSC 52); `what` names it on the status line. */
	| {type: 'copy'; text: string; what: string}
	/** Turn the terminal's mouse reports on or off (src/state/mouse.ts). */
	| {type: 'mouse'; on: boolean}
	/** Plan an action against a fresh scan (src/actions/host.ts); `action-planned` brings the plan or the refusal. */
	| {type: 'plan-action'; request: ActionRequest}
	/** Carry out a plan the user said yes to; `action-applied` brings what happened and the host after it. */
	| {type: 'apply-action'; plan: Plan}
	| {type: 'quit'};

/** The key table's messages for what is not navigation (src/keymap.ts BINDINGS name them). */
export type KeyMsg =
	| {type: 'probe'}
	| {type: 'probe-all'}
	| {type: 'borrow'}
	| {type: 'advice'}
	| {type: 'doctor'}
	| {type: 'refresh'}
	| {type: 'sample'}
	| {type: 'quit'}
	/** `n` (1) and `N` (-1): the next or previous instance the filter's text finds. */
	| {type: 'search'; dir: 1 | -1}
	| {type: 'copy'}
	| {type: 'mouse'}
	/** W: the dangerous keys on or off. */
	| {type: 'writes'}
	/** c, S, X, D, U, A: an action on the selection (planned, then asked). */
	| {type: 'act'; operation: Operation | 'create' | 'autostart'}
	| {type: 'confirm-yes'}
	| {type: 'confirm-no'};

/** What one key sends: navigation, a key message, or the status line saying why the key cannot act. */
export type KeyInput = TuiAction | KeyMsg | {type: 'status'; status: Status};

export type Msg =
	| TuiAction
	| KeyMsg
	/** A key was pressed: the status line answers the last key only, so it goes before `msg` acts. */
	| {type: 'key'; msg: KeyInput}
	| {type: 'status'; status: Status | null}
	| {type: 'probe-result'; result: ProbeResult}
	/** The runner ended for these uuids (each answered or not). */
	| {type: 'probe-finished'; uuids: readonly string[]}
	| {type: 'probe-failed'; error: string}
	| {type: 'owners-read'; owners: ReadonlyMap<string, InstanceOwners>}
	/** `at`: the time of day to show (`14:02:33`). */
	| {type: 'rescanned'; model: HostModel; at: string}
	| {type: 'rescan-failed'; error: string}
	| {type: 'sample-opened'; model: HostModel}
	| {type: 'sample-failed'; error: string}
	| {type: 'doctor-checked'; view: DoctorView}
	/** `ask`: the plan's question, naming what it writes where (src/present/action-lines.ts planQuestion). */
	| {type: 'action-planned'; result: PlanResult; ask: string}
	/** The writes were made (`ok`: all of them); `lines`: what each did and the device now; `model`: the host read again after them. */
	| {type: 'action-applied'; ok: boolean; lines: string[]; model: HostModel; at: string}
	/** The copy was sent; whether the terminal takes it: `yes` (words: which says so), `no` (words: why, and the fix), `unknown` (words: why not known). */
	| {type: 'copied'; what: string; verdict: 'yes' | 'no' | 'unknown'; words: string};

export function initialStore(
	model: HostModel,
	viewport: Viewport,
	opts: {sampleAvailable?: boolean; mouse?: boolean; writes?: {on: boolean; lock: string | null}} = {},
): StoreState {
	return {
		...initialState(model, viewport),
		status: null,
		confirm: null,
		writes: writesAt(model, opts.writes),
		probes: {running: [], outdated: [], batch: null, note: null, error: null},
		doctor: null,
		showing: 'given',
		sampleAvailable: opts.sampleAvailable ?? false,
		clipboardWarned: false,
		mouse: opts.mouse ?? false,
	};
}

/** The writes a model allows: none for a recording (no host behind it), else as asked unless locked. */
function writesAt(model: HostModel, asked: {on: boolean; lock: string | null} | undefined): StoreState['writes'] {
	const lock = model.source.kind === 'snapshot' ? 'a recording: there is no host to write to' : (asked?.lock ?? null);
	return {on: lock === null && (asked?.on ?? false), lock};
}

/** What starts with the screen: who holds each instance, on a host without mdev the doctor (its screen is the doctor's findings), and the mouse when asked for. */
export function startupEffects(state: StoreState): Effect[] {
	return [{type: 'read-owners'}, ...doctorOfEmpty(state.model), ...(state.mouse ? [{type: 'mouse', on: true} as const] : [])];
}

/** What M says: how the mouse works now, and how to select text while it is on. */
export const MOUSE_WORDS = {
	on: 'mouse on: the wheel moves the list under the pointer, a click selects (hold Shift to select text; M turns it off)',
	off: "mouse off: the terminal's own selection works again",
};

/** The doctor's check when `model` has no mdev: the empty screen shows what it found. */
const doctorOfEmpty = (model: HostModel): Effect[] => (isEmptyHost(model) ? [{type: 'check-doctor'}] : []);

type Result = [StoreState, Effect[]];

const warn = (state: StoreState, text: string): Result => [{...state, status: {text, tone: 'warn'}}, []];

/** Why a key cannot act now (its binding's disabledReason), or null when it can. */
export function probeDisabled(state: StoreState): string | null {
	const subject = detailSubject(state);
	if (subject.kind !== 'instance') return 'select an instance to probe (P probes all)';
	if (!subject.instance.active) return 'defined, not active: start it (mdevctl start) to probe it';
	return null;
}

export function adviceDisabled(state: StoreState): string | null {
	if (state.panel?.kind === 'advice') return null;
	return detailSubject(state).kind === 'instance' ? null : 'select an instance for its advice';
}

/** B's question for the selection, or why there is none to ask. */
function borrowAsk(state: StoreState): {ask: string; uuid: string} | {ask: null; why: string} {
	const subject = detailSubject(state);
	if (subject.kind !== 'instance') return {ask: null, why: 'select a held instance to borrow its fd'};
	return borrowQuestion(subject.instance, subject.instance.probe, instanceOwners(state.model, subject.instance));
}

export function borrowDisabled(state: StoreState): string | null {
	const question = borrowAsk(state);
	return question.ask === null ? question.why : null;
}

/** What an action key asks for the selection, or why it cannot act here. */
export function actionRequest(state: StoreState, operation: Operation | 'create' | 'autostart'): ActionRequest | string {
	if (state.writes.lock !== null) return `writes are locked off: ${state.writes.lock}`;
	if (!state.writes.on) return 'read-only: W turns the keys that write on (the header says so while they are)';
	const subject = detailSubject(state);
	if (operation === 'create') {
		if (subject.kind !== 'type') return 'select a type (in the types pane) to create an instance of it';
		return {operation: 'start', uuid: null, parent: subject.row.name, mdevType: subject.type.id, autostart: null};
	}
	if (subject.kind !== 'instance') return 'select an instance first';
	const {instance} = subject;
	const def = instance.definition;
	switch (operation) {
		case 'start':
			if (instance.active) return `${instance.uuid} is active already`;
			return {operation, uuid: instance.uuid, parent: instance.parent, mdevType: null, autostart: null};
		case 'stop':
			if (!instance.active) return `${instance.uuid} is not active: nothing to stop`;
			return {operation, uuid: instance.uuid, parent: null, mdevType: null, autostart: null};
		case 'define':
			if (def) return `${instance.uuid} is defined already (A changes its autostart, U undefines it)`;
			if (!instance.active) return `${instance.uuid} is not active`;
			return {operation, uuid: instance.uuid, parent: null, mdevType: null, autostart: false};
		case 'undefine':
			if (!def) return `${instance.uuid} is not defined: nothing to undefine`;
			return {operation, uuid: instance.uuid, parent: instance.parent, mdevType: null, autostart: null};
		case 'autostart':
		case 'modify':
			if (!def) return `${instance.uuid} is not defined: D defines it first`;
			return {operation: 'modify', uuid: instance.uuid, parent: instance.parent, mdevType: null, autostart: !def.autostart};
	}
}

/** A disabledReason for each action key (the key table's), from actionRequest. */
export const actionDisabled =
	(operation: Operation | 'create' | 'autostart') =>
	(state: StoreState): string | null => {
		const request = actionRequest(state, operation);
		return typeof request === 'string' ? request : null;
	};

export function sampleDisabled(state: StoreState): string | null {
	return state.sampleAvailable ? null : "no sample host available (the package's test/fixtures/captured is missing)";
}

/** Starts probes of `uuids` (those not running already); nothing when there is none. */
function startProbes(state: StoreState, uuids: readonly string[], probeHeld: boolean, note: string | null): Result {
	const running = new Set(state.probes.running);
	const fresh = [...new Set(uuids)].filter((uuid) => !running.has(uuid));
	if (fresh.length === 0) return [state, []];
	const idle = running.size === 0;
	const base = idle || state.probes.batch === null ? {done: 0, total: 0} : state.probes.batch;
	const probes: ProbeRuns = {
		...state.probes,
		running: [...state.probes.running, ...fresh],
		batch: {done: base.done, total: base.total + fresh.length},
		// A batch's note is the P that started it; a p into a running batch keeps it.
		note: idle ? note : state.probes.note,
		error: null,
	};
	return [{...state, probes}, [{type: 'probe', uuids: fresh, probeHeld}]];
}

/** `uuids` are no longer running; the owners are read again when the last one ends (the probe's children are gone then). */
function settle(state: StoreState, uuids: readonly string[]): Result {
	const ending = new Set(uuids.filter((uuid) => state.probes.running.includes(uuid)));
	if (ending.size === 0) return [state, []];
	const running = state.probes.running.filter((uuid) => !ending.has(uuid));
	const batch = state.probes.batch ? {...state.probes.batch, done: state.probes.batch.done + ending.size} : null;
	const next = {...state, probes: {...state.probes, running, batch}};
	return [next, running.length === 0 ? [{type: 'read-owners'}] : []];
}

/** The instances P probes and what they are, for its progress line. */
function probeAll(state: StoreState): Result {
	const view = viewOf(state);
	const filter = state.filter.text.trim();
	const of =
		state.focus === 'parents'
			? filter
				? 'listed'
				: 'on this host'
			: `of ${view.instanceScope === 'type' && view.type ? view.type.id : (view.parent?.name ?? 'this parent')}`;
	const note = `${of}${filter ? ` (filter: ${filter})` : ''}`;
	// What the instances pane lists, as filtered: never an instance the screen hides.
	const uuids = shownInstances(state, view).filter((i) => i.active).map((i) => i.uuid);
	if (uuids.length === 0) return warn(state, `nothing to probe: no active instance ${note}`);
	return startProbes(state, uuids, false, note);
}

/** A new model from outside (rescan, sample): its selections kept by identity, the running probes of other devices outdated. */
function showModel(state: StoreState, model: HostModel, outdatedUuids: readonly string[]): StoreState {
	const outdated = [...new Set([...state.probes.outdated, ...outdatedUuids.filter((uuid) => state.probes.running.includes(uuid))])];
	return {...reducer(state, {type: 'set-model', model}), probes: {...state.probes, outdated}};
}

/** What `y` copies here: the advice view's XML, else the selection's uuid, type id or parent name. */
function copyWhat(state: StoreState): Extract<Effect, {type: 'copy'}> | string {
	const subject = detailSubject(state);
	if (state.panel?.kind === 'advice') {
		if (subject.kind !== 'instance') return 'no advice to copy';
		return {type: 'copy', text: adviceOf(state.model, subject.instance).libvirtXml, what: `the libvirt XML for ${subject.instance.uuid}`};
	}
	switch (subject.kind) {
		case 'instance':
			return {type: 'copy', text: subject.instance.uuid, what: subject.instance.uuid};
		case 'type':
			return {type: 'copy', text: subject.type.id, what: subject.type.id};
		case 'parent':
			return {type: 'copy', text: subject.row.name, what: subject.row.name};
		case 'none':
			return 'nothing selected to copy';
	}
}

/** n/N: the next instance found, said with where it is among them. */
function search(state: StoreState, dir: 1 | -1): Result {
	const text = state.filter.text.trim();
	if (text === '') return warn(state, 'n and N go to the next and previous instance that / finds: type / and a uuid, VM, group or pid first');
	const step = searchStep(state, dir);
	if (step === null) return warn(state, `/${text}: no instance matches (n and N go to instances; the lists show the parents and types that match)`);
	const wrapped = step.wrapped ? (dir > 0 ? ', from the top again' : ', from the bottom again') : '';
	return [{...state, ...step.state, status: {text: `/${text}: instance ${step.at} of ${step.total}${wrapped}`}}, []];
}

/** A new scan of the same host (r, or after an action's writes): shown with `status`. */
function acceptScan(state: StoreState, model: HostModel, status: Status): Result {
	const before = state.model;
	const fresh = {...model, source: before.source};
	// Results are kept only for the devices that are still the same ones; owners until they are read again.
	const stale = staleProbes(before, fresh, [...probeResults(before).map((r) => r.uuid), ...state.probes.running]);
	const kept = carryOver(before, fresh, stale);
	const next = {...showModel(state, kept, stale), status};
	return [next, [{type: 'read-owners'}, ...(state.panel?.kind === 'doctor' ? [{type: 'check-doctor'} as const] : doctorOfEmpty(kept))]];
}

export function update(state: StoreState, msg: Msg): Result {
	switch (msg.type) {
		case 'key':
			return update({...state, status: null}, msg.msg);
		case 'status':
			return [{...state, status: msg.status}, []];
		case 'probe': {
			const reason = probeDisabled(state);
			if (reason !== null) return warn(state, reason);
			const subject = detailSubject(state);
			return subject.kind === 'instance' ? startProbes(state, [subject.instance.uuid], false, null) : [state, []];
		}
		case 'probe-all':
			return probeAll(state);
		case 'borrow': {
			const question = borrowAsk(state);
			return question.ask === null ? warn(state, question.why) : [{...state, confirm: {uuid: question.uuid, ask: question.ask}}, []];
		}
		case 'confirm-yes': {
			const confirm = state.confirm;
			if (confirm === null) return [state, []];
			if (confirm.plan) return [{...state, confirm: null, status: {text: `writing: ${confirm.plan.summary}`, tone: 'warn'}}, [{type: 'apply-action', plan: confirm.plan}]];
			return startProbes({...state, confirm: null}, [confirm.uuid], true, null);
		}
		case 'confirm-no':
			return [{...state, confirm: null, status: {text: state.confirm?.plan ? 'nothing written' : 'not borrowed'}}, []];
		case 'writes': {
			if (state.writes.lock !== null) return warn(state, `writes are locked off: ${state.writes.lock}`);
			const on = !state.writes.on;
			const text = on ? 'writes on: c S X D U A act on the selection, each after a question naming what it writes (W turns them off)' : 'read-only again: nothing can be written';
			return [{...state, writes: {...state.writes, on}, status: {text, tone: on ? 'warn' : undefined}}, []];
		}
		case 'act': {
			const request = actionRequest(state, msg.operation);
			if (typeof request === 'string') return warn(state, request);
			return [{...state, status: {text: 'planning...'}}, [{type: 'plan-action', request}]];
		}
		case 'action-planned': {
			const {result} = msg;
			if (!result.ok) return [{...state, status: {text: `refused: ${result.refusal.message}`, tone: 'error'}}, []];
			return [{...state, status: null, confirm: {uuid: result.plan.uuid, ask: msg.ask, plan: result.plan}}, []];
		}
		case 'action-applied':
			return acceptScan(state, msg.model, {text: msg.lines.join(' / '), tone: msg.ok ? undefined : 'error'});
		case 'advice': {
			if (state.panel?.kind === 'advice') return [reducer(state, {type: 'panel', kind: 'advice', open: false}), []];
			const reason = adviceDisabled(state);
			if (reason !== null) return warn(state, reason);
			const subject = detailSubject(state);
			const opened = reducer(state, {type: 'panel', kind: 'advice', open: true});
			const unprobed = subject.kind === 'instance' && !subject.instance.probe;
			return [unprobed ? {...opened, status: {text: 'not probed: the advice cannot tell the display yet (p probes it)', tone: 'warn'}} : opened, []];
		}
		case 'doctor': {
			// Checked each time the view opens: the host may have changed since.
			const opening = state.panel?.kind !== 'doctor';
			return [reducer(state, {type: 'panel', kind: 'doctor'}), opening ? [{type: 'check-doctor'}] : []];
		}
		case 'refresh':
			return [state, [{type: 'rescan'}]];
		case 'sample': {
			const reason = sampleDisabled(state);
			return reason === null ? [state, [{type: 'open-sample'}]] : warn(state, reason);
		}
		case 'quit':
			return [state, [{type: 'quit'}]];
		case 'search':
			return search(state, msg.dir);
		case 'copy': {
			const effect = copyWhat(state);
			return typeof effect === 'string' ? warn(state, effect) : [state, [effect]];
		}
		case 'mouse': {
			const on = !state.mouse;
			return [{...state, mouse: on, status: {text: on ? MOUSE_WORDS.on : MOUSE_WORDS.off}}, [{type: 'mouse', on}]];
		}
		case 'pointer':
			// Reports only count while the mouse is on and the lists are shown (a question waits for its keys).
			if (!state.mouse || state.confirm || isEmptyHost(state.model)) return [state, []];
			return [reducer(state, msg), []];
		case 'copied': {
			if (msg.verdict === 'yes') return [{...state, status: {text: `copied ${msg.what} (OSC 52: ${msg.words})`}}, []];
			if (msg.verdict === 'no') return [{...state, status: {text: `sent ${msg.what} as OSC 52, but ${msg.words}`, tone: 'warn'}}, []];
			// Unknown: said once; after that the copy is only reported.
			if (state.clipboardWarned) return [{...state, status: {text: `sent ${msg.what} as OSC 52`}}, []];
			return [{...state, clipboardWarned: true, status: {text: `sent ${msg.what} as OSC 52: ${msg.words}`, tone: 'warn'}}, []];
		}
		case 'probe-result': {
			const {result} = msg;
			const dropped = state.probes.outdated.includes(result.uuid);
			const recorded: StoreState = dropped
				? {...state, probes: {...state.probes, outdated: state.probes.outdated.filter((uuid) => uuid !== result.uuid)}}
				: {...state, model: withProbes(state.model, [result])};
			return settle(recorded, [result.uuid]);
		}
		case 'probe-finished': {
			const [settled, effects] = settle(state, msg.uuids);
			const outdated = settled.probes.outdated.filter((uuid) => !msg.uuids.includes(uuid));
			return [{...settled, probes: {...settled.probes, outdated}}, effects];
		}
		case 'probe-failed':
			return [{...state, probes: {...state.probes, error: `probe runner failed: ${msg.error}`}}, []];
		case 'owners-read':
			return [{...state, model: withOwners(state.model, msg.owners)}, []];
		case 'rescanned':
			return acceptScan(state, msg.model, {text: `rescanned ${msg.at}`});
		case 'rescan-failed':
			return [{...state, status: {text: `rescan failed: ${msg.error}`, tone: 'error'}}, []];
		case 'sample-opened': {
			const next = showModel(state, msg.model, state.probes.running);
			const label = msg.model.source.label ?? 'sample host';
			// The keys that write act on this host, which the sample is not.
			const writes = {on: false, lock: 'the sample host is shown: it is not this machine'};
			return [{...next, showing: 'sample', writes, status: {text: `${label}: not this machine`, tone: 'warn'}}, [{type: 'read-owners'}]];
		}
		case 'sample-failed':
			return [{...state, status: {text: `sample host failed: ${msg.error}`, tone: 'error'}}, []];
		case 'doctor-checked':
			return [{...state, doctor: msg.view}, []];
		default:
			return [reducer(state, msg), []];
	}
}

/** The footer's status: the question waiting for its answer, then probe progress, a runner failure, the last key's answer. */
export function footerStatus(state: StoreState): Status | null {
	if (state.confirm) return {text: state.confirm.ask, tone: 'warn'};
	const {running, batch, note, error} = state.probes;
	if (running.length > 0 && batch) return {text: `probing ${batch.done}/${batch.total}${note ? ` instances ${note}` : ''}`, tone: 'warn'};
	if (error) return {text: error, tone: 'error'};
	return state.status;
}
