// The TUI's behaviour as the store's update() calls (src/state/store.ts), fed with what the real
// 6.12 kernel answered in the VM harness (test/fixtures/probes/debian-6.12.json): probe progress,
// what a rescan keeps, B's question and its keys, "select an instance first". No Ink: the Ink tests
// (tui*.test.tsx) only check that the screen is wired to this.
import {fileURLToPath} from 'node:url';
import test from 'ava';
import type {HostModel, InstanceOwners} from '../src/model/types.js';
import {instanceKey} from '../src/model/instances.js';
import {scanHost} from '../src/sysfs/scan.js';
import {footerStatus, initialStore, startupEffects, type Effect, type Msg, type StoreState} from '../src/state/store.js';
import {activeContexts, BINDINGS, footerHints, resolveKey} from '../src/keymap.js';
import {detailSubject} from '../src/state/reducer.js';
import {recordedAnswer} from './helpers/recorded.js';
import {send} from './helpers/store.js';

const TREE = fileURLToPath(new URL('fixtures/trees/debian-6.12', import.meta.url));
const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';
const VIEWPORT = {columns: 120, rows: 40};


/** A key as the screen sends it: the binding's message for the keys it resolves to here, or its disabled reason. */
function key(state: StoreState, input: string): Msg {
	const contexts = activeContexts({
		confirm: state.confirm !== null,
		empty: false,
		sampleAvailable: state.sampleAvailable,
		help: state.help.open,
		panel: state.panel?.kind ?? null,
		filterEditing: state.filter.editing,
		focus: state.focus,
	});
	const binding = resolveKey(contexts, input, {shift: /[A-Z]/.test(input)});
	if (!binding) throw new Error(`no binding for ${input} in ${contexts.join(',')}`);
	const reason = binding.disabledReason?.(state);
	if (reason) return {type: 'key', msg: {type: 'status', status: {text: reason, tone: 'warn'}}};
	if (!binding.message) throw new Error(`${binding.action} has no message of its own`);
	return {type: 'key', msg: binding.message};
}

/** Presses keys one after the other, each read in the state the one before left. */
function press(state: StoreState, ...inputs: string[]): {state: StoreState; effects: Effect[]} {
	const effects: Effect[] = [];
	for (const input of inputs) {
		const r = send(state, key(state, input));
		state = r.state;
		effects.push(...r.effects);
	}
	return {state, effects};
}

const start = (model: HostModel = scanHost(TREE)): StoreState => initialStore(model, VIEWPORT);
const probeOf = (state: StoreState, uuid: string) => state.model.instances.find((i) => i.uuid === uuid && i.active)?.probe;
/** The mdpy parent's instance selected in the instances pane. */
const onMdpy = (state: StoreState) => send(state, {type: 'move', by: 'line', dir: 1}, {type: 'focus', to: 'instances'}).state;

test('select an instance first: p, x and B on a parent say so on the status line and ask for nothing', (t) => {
	const state = start();
	t.is(detailSubject(state).kind, 'parent');
	for (const action of ['probe', 'advice', 'borrow'] as const) {
		const binding = BINDINGS.find((b) => b.action === action)!;
		const reason = binding.disabledReason!(state);
		t.truthy(reason);
		const r = send(state, {type: 'key', msg: {type: 'status', status: {text: reason!, tone: 'warn'}}});
		t.deepEqual(r.effects, []);
		t.is(footerStatus(r.state)?.text, reason!);
	}
	t.is(BINDINGS.find((b) => b.action === 'probe')!.disabledReason!(state), 'select an instance to probe (P probes all)');
	// The message itself checks the same: a store driven without the key table does not probe a parent.
	t.deepEqual(send(state, {type: 'probe'}).effects, []);
	// The next key's answer replaces it.
	const moved = send(state, {type: 'key', msg: {type: 'status', status: {text: 'x', tone: 'warn'}}}, {type: 'key', msg: {type: 'move', by: 'line', dir: 1}});
	t.is(moved.state.status, null);
});

test('probe progress: P counts the batch, each recorded answer lands on its instance, the owners are read again at the end', (t) => {
	const started = press(start(), 'P');
	t.deepEqual(started.effects, [{type: 'probe', uuids: [MBOCHS, MDPY, MTTY], probeHeld: false}]);
	t.is(footerStatus(started.state)?.text, 'probing 0/3 instances on this host');
	// A p into a running batch adds nothing already running.
	t.deepEqual(send(onMdpy(started.state), {type: 'probe'}).effects, []);
	let state = started.state;
	const done: string[] = [];
	for (const uuid of [MDPY, MBOCHS, MTTY]) {
		const r = send(state, {type: 'probe-result', result: recordedAnswer('6.12', uuid)});
		state = r.state;
		done.push(uuid);
		t.is(probeOf(state, uuid), recordedAnswer('6.12', uuid));
		if (done.length < 3) {
			t.is(footerStatus(state)?.text, `probing ${done.length}/3 instances on this host`);
			t.deepEqual(r.effects, []);
		} else t.deepEqual(r.effects, [{type: 'read-owners'}], 'the probe children are gone: who holds what is read again');
	}
	t.is(footerStatus(state), null);
	t.is(probeOf(state, MDPY)?.display.region.supported, true);
	t.is(probeOf(state, MBOCHS)?.display.dmabuf.supported, true);
	// The runner's end, once every answer came, changes nothing more.
	t.deepEqual(send(state, {type: 'probe-finished', uuids: [MBOCHS, MDPY, MTTY]}).state.probes, state.probes);
	// A new batch counts from zero.
	t.is(footerStatus(press(onMdpy(state), 'p').state)?.text, 'probing 0/1');
});

test('a runner that fails or ends without an answer: the batch ends, the failure is said', (t) => {
	const {state} = press(onMdpy(start()), 'p');
	const failed = send(state, {type: 'probe-failed', error: 'cannot load the FFI addon'}, {type: 'probe-finished', uuids: [MDPY]});
	t.deepEqual(failed.effects, [{type: 'read-owners'}]);
	t.deepEqual(failed.state.probes.running, []);
	t.is(footerStatus(failed.state)?.text, 'probe runner failed: cannot load the FFI addon');
	t.is(probeOf(failed.state, MDPY), undefined);
});

test('r keeps the answers of the same devices and drops the others, also one still running', (t) => {
	let state = send(start(), ...[MTTY, MDPY, MBOCHS].map((uuid): Msg => ({type: 'probe-result', result: recordedAnswer('6.12', uuid)}))).state;
	state = press(onMdpy(state), 'p').state; // mdpy probed again, its answer still to come
	const asked = press(state, 'r');
	t.deepEqual(asked.effects, [{type: 'rescan'}]);
	// mdpy's instance was removed and created again in another IOMMU group; mtty is gone.
	const fresh = scanHost(TREE);
	const rescanned: HostModel = {
		...fresh,
		instances: fresh.instances.filter((i) => i.uuid !== MTTY).map((i) => (i.uuid === MDPY ? {...i, iommuGroup: 7} : i)),
	};
	const r = send(asked.state, {type: 'rescanned', model: rescanned, at: '12:00:00'});
	t.deepEqual(r.effects, [{type: 'read-owners'}]);
	t.is(footerStatus(r.state)?.text, 'probing 0/1');
	t.is(r.state.status?.text, 'rescanned 12:00:00');
	t.is(probeOf(r.state, MBOCHS), recordedAnswer('6.12', MBOCHS), 'the same device keeps its answer and its time');
	t.is(probeOf(r.state, MDPY), undefined);
	t.is(r.state.model.source, state.model.source, 'the source marker stays');
	// The answer of the probe that ran against the old device is dropped when it comes.
	const late = send(r.state, {type: 'probe-result', result: recordedAnswer('6.12', MDPY)});
	t.is(probeOf(late.state, MDPY), undefined);
	t.deepEqual(late.state.probes.outdated, []);
	t.deepEqual(late.effects, [{type: 'read-owners'}]);
	// The selection stayed on mdpy's instance.
	const subject = detailSubject(late.state);
	t.is(subject.kind === 'instance' ? subject.instance.uuid : null, MDPY);
	// A failed rescan says why and keeps what is shown.
	const failed = send(late.state, {type: 'rescan-failed', error: 'EACCES'});
	t.is(failed.state.model, late.state.model);
	t.deepEqual(failed.state.status, {text: 'rescan failed: EACCES', tone: 'error'});
});

test("B asks first, naming the holder; y borrows its fd, n or another key does nothing, and the footer shows both keys", (t) => {
	const base = onMdpy(start());
	// Before /proc was read and without a probe there is nobody to borrow from.
	t.regex(BINDINGS.find((b) => b.action === 'borrow')!.disabledReason!(base) ?? '', /no process holds it/);
	const mdpy = base.model.instances.find((i) => i.uuid === MDPY)!;
	const holder: InstanceOwners = {owners: [{pid: 228, comm: 'qemu-holder', vmName: 'holder-vm', vmUuid: MDPY, libvirtDomain: null, files: ['/dev/vfio/1']}], unknown: null};
	const held = send(base, {type: 'owners-read', owners: new Map([[instanceKey(mdpy), holder]])}, {type: 'probe-result', result: recordedAnswer('6.12', MDPY, 'busy')}).state;
	const asking = press(held, 'B');
	t.deepEqual(asking.effects, []);
	t.regex(footerStatus(asking.state)?.text ?? '', /^Borrow the fd of qemu-holder pid 228 \(VM holder-vm, uuid 2{8}-2{4}-2{4}-2{4}-2{12}\)\? y: yes, other key: no\./);
	const contexts = activeContexts({confirm: true, empty: false, help: false, filterEditing: false, focus: asking.state.focus});
	t.deepEqual(footerHints(contexts), [
		{keys: 'y', label: 'yes'},
		{keys: 'n/other', label: 'no'},
	]);
	// y: a probe through the holder's fd, and the question is gone.
	const yes = press(asking.state, 'y');
	t.deepEqual(yes.effects, [{type: 'probe', uuids: [MDPY], probeHeld: true}]);
	t.is(yes.state.confirm, null);
	t.is(footerStatus(yes.state)?.text, 'probing 0/1');
	// n, and any other key (q too: only Ctrl-C quits while asked), say no.
	for (const input of ['n', 'q', 'p', 'j']) {
		const no = press(asking.state, input);
		t.deepEqual(no.effects, [], input);
		t.is(no.state.confirm, null);
		t.is(footerStatus(no.state)?.text, 'not borrowed');
	}
	t.is(resolveKey(contexts, 'c', {ctrl: true})?.action, 'quit');
});

test('s opens the sample host: running probes of the other host are dropped, and its answers are its own', (t) => {
	const empty = initialStore(scanHost(fileURLToPath(new URL('fixtures/trees/empty', import.meta.url))), VIEWPORT, {sampleAvailable: true});
	const probing = send(empty, {type: 'probe-all'});
	t.deepEqual(probing.effects, [], 'nothing to probe on an empty host');
	t.regex(probing.state.status?.text ?? '', /^nothing to probe: no active instance/);
	const running = {...empty, probes: {...empty.probes, running: [MDPY], batch: {done: 0, total: 1}}};
	const asked = send(running, {type: 'key', msg: {type: 'sample'}});
	t.deepEqual(asked.effects, [{type: 'open-sample'}]);
	const sample = {...scanHost(TREE), source: {kind: 'tree' as const, label: 'sample host', recordedAt: null}};
	const opened = send(asked.state, {type: 'sample-opened', model: sample});
	t.is(opened.state.showing, 'sample');
	t.deepEqual(opened.state.status, {text: 'sample host: not this machine', tone: 'warn'});
	t.deepEqual(opened.effects, [{type: 'read-owners'}]);
	t.is(probeOf(send(opened.state, {type: 'probe-result', result: recordedAnswer('6.12', MDPY)}).state, MDPY), undefined, "the other host's answer is not the sample's");
	t.is(BINDINGS.find((b) => b.action === 'sample')!.disabledReason!({...empty, sampleAvailable: false}), "no sample host available (the package's test/fixtures/captured is missing)");
});

test('d checks the host each time its view opens, and r checks again while it is open', (t) => {
	const opened = press(start(), 'd');
	t.deepEqual(opened.effects, [{type: 'check-doctor'}]);
	t.is(opened.state.panel?.kind, 'doctor');
	const checked = send(opened.state, {type: 'doctor-checked', view: {unavailable: 'test'}});
	t.deepEqual(checked.state.doctor, {unavailable: 'test'});
	const again = press(checked.state, 'r');
	t.deepEqual(again.effects, [{type: 'rescan'}]);
	t.deepEqual(send(again.state, {type: 'rescanned', model: scanHost(TREE), at: '12:00:01'}).effects, [{type: 'read-owners'}, {type: 'check-doctor'}]);
	const closed = press(checked.state, 'd');
	t.deepEqual(closed.effects, []);
	t.is(closed.state.panel, null);
});

test('x opens the advice, and says when the instance is not probed yet', (t) => {
	const unprobed = press(onMdpy(start()), 'x');
	t.is(unprobed.state.panel?.kind, 'advice');
	t.deepEqual(unprobed.state.status, {text: 'not probed: the advice cannot tell the display yet (p probes it)', tone: 'warn'});
	const probed = press(send(onMdpy(start()), {type: 'probe-result', result: recordedAnswer('6.12', MDPY)}).state, 'x');
	t.is(probed.state.status, null);
	t.is(press(probed.state, 'x').state.panel, null);
});

test('a host without mdev: the doctor is asked at the start and again when a rescan still finds nothing; a host with mdev only reads owners', (t) => {
	const EMPTY = fileURLToPath(new URL('fixtures/trees/empty', import.meta.url));
	const empty = initialStore(scanHost(EMPTY), VIEWPORT);
	t.deepEqual(startupEffects(empty), [{type: 'read-owners'}, {type: 'check-doctor'}]);
	t.deepEqual(startupEffects(start()), [{type: 'read-owners'}]);
	t.deepEqual(send(empty, {type: 'rescanned', model: scanHost(EMPTY), at: '12:00:00'}).effects, [{type: 'read-owners'}, {type: 'check-doctor'}]);
	// A rescan that finds devices has no empty screen to fill.
	t.deepEqual(send(empty, {type: 'rescanned', model: scanHost(TREE), at: '12:00:01'}).effects, [{type: 'read-owners'}]);
});
