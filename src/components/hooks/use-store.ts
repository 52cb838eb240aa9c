// The TUI's store in React: holds src/state/store.ts's state, sends it messages and runs the effects
// its update() returns (the probe runner, the /proc scan for owners, rescans, the sample host, the
// doctor), sending their results back as messages. Effects run right after the message that asked
// for them, inside the same event, so React draws the outcome of both in one frame. The probe
// runner is loaded on first use, so the TUI and its tests start without the FFI addon.

import {useCallback, useEffect, useRef, useState} from 'react';
import {useApp} from 'ink';
import type {HostModel} from '../../model/types.js';
import type {ProbeResult} from '../../model/probe.js';
import {ownersByInstance} from '../../owners/join.js';
import {doctorOf} from '../../doctor/index.js';
import {clipboardSupport, osc52} from './clipboard.js';
import {useTerminal} from './terminal.js';
import {MOUSE_OFF, MOUSE_ON} from '../../state/mouse.js';
import {startupEffects, update, type Effect, type Msg, type StoreState} from '../../state/store.js';
import {applyPlan} from '../../actions/apply.js';
import {chooseBackend, planOnHost, stateAfter, stateWords} from '../../actions/host.js';
import type {Backend} from '../../actions/plan.js';
import {planQuestion} from '../../present/action-lines.js';
import {clean} from '../../present/text.js';

export type ProbeFn = (
	model: HostModel,
	uuids: string[],
	opts?: {timeoutMs?: number; concurrency?: number; onResult?: (r: ProbeResult) => void; signal?: AbortSignal; probeHeld?: boolean},
) => Promise<ProbeResult[]>;

export interface StoreOptions {
	/** Reads the host again (`r`), given the model shown now; the new model keeps its source marker. */
	rescan: (shown: HostModel) => HostModel;
	/** Reads the bundled sample host (`s` on the empty screen), with its recorded probe answers; absent when there is none. */
	openSample?: () => HostModel;
	/** Each probe's time limit, and how many run at once (src/probe/runner.ts). */
	timeoutMs?: number;
	concurrency?: number;
	/** The runner to use; by default src/probe/runner.ts's probeInstances. */
	probeFn?: ProbeFn;
	/** Whose /proc tells who holds each instance; by default the model's root (a recording: as recorded). */
	procRoot?: string;
	/** Where the action keys act (issue 18): the root and the backend; absent, they cannot. */
	actions?: {root: string; backend: Backend | 'auto'; env?: NodeJS.ProcessEnv};
}

async function defaultProbeFn(): Promise<ProbeFn> {
	const runner = await import('../../probe/runner.js');
	return runner.probeInstances;
}

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

function clock(): string {
	return new Date().toTimeString().slice(0, 8);
}

export function useStore(initial: () => StoreState, options: StoreOptions): [StoreState, (msg: Msg) => void] {
	const {exit} = useApp();
	const terminal = useTerminal();
	const [state, setState] = useState(() => {
		const first = initial();
		// The doctor's answer where the first frame shows it (a host without mdev): it only reads
		// files, so it is read before that frame, which is then true from the start.
		const doctorFirst = startupEffects(first).some((effect) => effect.type === 'check-doctor');
		return doctorFirst ? update(first, {type: 'doctor-checked', view: doctorOf(first.model)})[0] : first;
	});
	const current = useRef(state);
	const optionsRef = useRef(options);
	optionsRef.current = options;
	// Leaving the TUI stops every probe child that is still running.
	const controller = useRef(new AbortController());
	useEffect(() => {
		const live = new AbortController();
		controller.current = live;
		return () => live.abort();
	}, []);

	const send = useCallback((msg: Msg) => {
		const [next, effects] = update(current.current, msg);
		current.current = next;
		setState(next);
		for (const effect of effects) run(effect);
	}, []);

	const runProbes = (uuids: string[], probeHeld: boolean) => {
		const signal = controller.current.signal;
		const reported = new Set<string>();
		const record = (result: ProbeResult) => {
			if (signal.aborted) return;
			reported.add(result.uuid);
			send({type: 'probe-result', result});
		};
		void (async () => {
			try {
				const probe = optionsRef.current.probeFn ?? (await defaultProbeFn());
				const {timeoutMs, concurrency} = optionsRef.current;
				const final = await probe(current.current.model, uuids, {timeoutMs, concurrency, signal, onResult: record, ...(probeHeld ? {probeHeld} : {})});
				// Results the runner returned without reporting them one by one.
				for (const result of final) if (!reported.has(result.uuid)) record(result);
			} catch (caught) {
				if (!signal.aborted) send({type: 'probe-failed', error: message(caught)});
			} finally {
				if (!signal.aborted) send({type: 'probe-finished', uuids});
			}
		})();
	};

	const run = (effect: Effect): void => {
		const {rescan, openSample, procRoot} = optionsRef.current;
		const model = current.current.model;
		switch (effect.type) {
			case 'probe':
				return runProbes(effect.uuids, effect.probeHeld);
			case 'read-owners':
				// A recording is not this host: its owners are the recorded ones.
				if (procRoot === undefined && model.source.kind === 'snapshot') return;
				return send({type: 'owners-read', owners: ownersByInstance(model, procRoot ?? model.root)});
			case 'check-doctor':
				return send({type: 'doctor-checked', view: doctorOf(model)});
			case 'rescan':
				try {
					const fresh = current.current.showing === 'sample' && openSample ? openSample() : rescan(model);
					return send({type: 'rescanned', model: fresh, at: clock()});
				} catch (error) {
					return send({type: 'rescan-failed', error: message(error)});
				}
			case 'open-sample':
				try {
					if (!openSample) throw new Error('no sample host');
					return send({type: 'sample-opened', model: openSample()});
				} catch (error) {
					return send({type: 'sample-failed', error: message(error)});
				}
			case 'copy': {
				const {text, what} = effect;
				// Straight to the terminal, beside Ink's frames: an OSC moves no cursor.
				terminal.write(osc52(text));
				const support = clipboardSupport(process.env);
				return send({type: 'copied', what, verdict: support.verdict, words: support.verdict === 'yes' ? support.how : support.why});
			}
			case 'mouse':
				return terminal.write(effect.on ? MOUSE_ON : MOUSE_OFF);
			case 'plan-action': {
				const {actions} = optionsRef.current;
				const refused = (message: string) => send({type: 'action-planned', result: {ok: false, refusal: {code: 'unsupported', message}}, ask: ''});
				if (!actions) return refused('this view cannot write (a recording, or no host behind it)');
				const chosen = chooseBackend(actions.backend, actions.root, actions.env ?? process.env);
				if ('usage' in chosen) return refused(chosen.usage);
				try {
					const {planned} = planOnHost(effect.request, actions.root, chosen);
					return send({type: 'action-planned', result: planned, ask: planned.ok ? planQuestion(planned.plan) : ''});
				} catch (error) {
					return refused(`could not plan it: ${message(error)}`);
				}
			}
			case 'apply-action': {
				const {actions} = optionsRef.current;
				const applied = applyPlan(effect.plan, {env: actions?.env ?? process.env});
				const fresh = rescan(model);
				const tree = fresh.source.kind !== 'live';
				const said = [...applied.results, ...applied.undone].filter((r) => !r.ok || !applied.ok).map((r) => r.message);
				const lines = [
					applied.ok ? `done: ${effect.plan.summary}` : `FAILED: ${effect.plan.summary}`,
					...said,
					...(applied.undone.length > 0 ? [`undone: ${applied.undone.map((r) => r.step.what).join(', ')}`] : []),
					stateWords(stateAfter(fresh, effect.plan), effect.plan, tree),
				].map(clean);
				return send({type: 'action-applied', ok: applied.ok, lines, model: fresh, at: clock()});
			}
			case 'quit':
				return exit();
		}
	};

	useEffect(() => {
		for (const effect of startupEffects(current.current)) if (effect.type !== 'check-doctor') run(effect);
	}, []);

	return [state, send];
}
