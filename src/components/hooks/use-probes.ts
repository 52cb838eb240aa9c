// Live probes for the TUI: runs src/probe/runner.ts (loaded on first use, so the TUI and its tests
// start without the FFI addon), caches each instance's latest result with its time, and counts
// progress while a batch runs. Results arrive one by one through onResult; the UI never waits.

import {useCallback, useEffect, useReducer, useRef, useState} from 'react';
import type {HostModel} from '../../model/types.js';
import type {ProbeResult} from '../../model/probe.js';

export type ProbeFn = (
	model: HostModel,
	uuids: string[],
	opts?: {timeoutMs?: number; concurrency?: number; onResult?: (r: ProbeResult) => void; signal?: AbortSignal; probeHeld?: boolean},
) => Promise<ProbeResult[]>;

export interface ProbeOptions {
	timeoutMs?: number;
	concurrency?: number;
	/** The runner to use; by default src/probe/runner.ts's probeInstances. */
	probeFn?: ProbeFn;
	/** Results known before the TUI started: a snapshot's recorded probes, or `--probe`'s. */
	initialResults?: ReadonlyMap<string, ProbeResult>;
}

export interface Probes {
	results: ReadonlyMap<string, ProbeResult>;
	running: ReadonlySet<string>;
	/** Of the current batch (reset when everything is done and a new probe starts); null before any. */
	progress: {done: number; total: number} | null;
	/** Why the runner itself failed (not a probe outcome: those are results). */
	error: string | null;
	/** Changes whenever results or running change, for memoized views. */
	version: number;
	/** `probeHeld`: a held device is probed through its holder's fd (B, after the user confirmed). */
	probe: (model: HostModel, uuids: string[], opts?: {probeHeld?: boolean}) => void;
	/** Drops these uuids' results, and the results of their probes still running when they arrive (a rescan outdated them). */
	forget: (uuids: readonly string[]) => void;
	/** Replaces every result with these (another host is shown: the sample's recorded answers). */
	replace: (known: ReadonlyMap<string, ProbeResult>) => void;
}

async function defaultProbeFn(): Promise<ProbeFn> {
	const runner = await import('../../probe/runner.js');
	return runner.probeInstances;
}

export function useProbes(options: ProbeOptions): Probes {
	const results = useRef(new Map<string, ProbeResult>(options.initialResults ?? []));
	const running = useRef(new Set<string>());
	// Running probes whose answer describes a device a rescan no longer shows.
	const outdated = useRef(new Set<string>());
	const batch = useRef<{done: number; total: number} | null>(null);
	const [version, bump] = useReducer((n: number) => n + 1, 0);
	const [error, setError] = useState<string | null>(null);
	const controller = useRef(new AbortController());
	const optionsRef = useRef(options);
	optionsRef.current = options;

	// Leaving the TUI stops every probe child that is still running.
	useEffect(() => {
		const current = new AbortController();
		controller.current = current;
		return () => current.abort();
	}, []);

	const probe = useCallback((model: HostModel, uuids: string[], probeOpts: {probeHeld?: boolean} = {}) => {
		const fresh = [...new Set(uuids)].filter((uuid) => !running.current.has(uuid));
		if (fresh.length === 0) return;
		if (running.current.size === 0 || batch.current === null) batch.current = {done: 0, total: 0};
		batch.current.total += fresh.length;
		for (const uuid of fresh) running.current.add(uuid);
		setError(null);
		bump();
		const signal = controller.current.signal;
		const settle = (uuid: string) => {
			if (running.current.delete(uuid) && batch.current) batch.current.done++;
		};
		const record = (result: ProbeResult) => {
			if (signal.aborted) return;
			if (!outdated.current.delete(result.uuid)) results.current.set(result.uuid, result);
			settle(result.uuid);
			bump();
		};
		void (async () => {
			try {
				const run = optionsRef.current.probeFn ?? (await defaultProbeFn());
				const {timeoutMs, concurrency} = optionsRef.current;
				const held = probeOpts.probeHeld ? {probeHeld: true} : {};
				const final = await run(model, fresh, {timeoutMs, concurrency, signal, onResult: record, ...held});
				// Results the runner returned without reporting them one by one.
				for (const result of final) if (running.current.has(result.uuid)) record(result);
			} catch (caught) {
				if (!signal.aborted) {
					setError(`probe runner failed: ${caught instanceof Error ? caught.message : String(caught)}`);
				}
			} finally {
				for (const uuid of fresh) {
					settle(uuid);
					outdated.current.delete(uuid);
				}
				if (!signal.aborted) bump();
			}
		})();
	}, []);

	const forget = useCallback((uuids: readonly string[]) => {
		let changed = false;
		for (const uuid of uuids) {
			changed = results.current.delete(uuid) || changed;
			if (running.current.has(uuid)) outdated.current.add(uuid);
		}
		if (changed) bump();
	}, []);

	const replace = useCallback((known: ReadonlyMap<string, ProbeResult>) => {
		for (const uuid of running.current) outdated.current.add(uuid);
		results.current.clear();
		for (const [uuid, result] of known) results.current.set(uuid, result);
		bump();
	}, []);

	return {
		results: results.current,
		running: running.current,
		progress: batch.current ? {...batch.current} : null,
		error,
		version,
		probe,
		forget,
		replace,
	};
}
