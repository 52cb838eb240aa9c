// Probes instances from the CLI or TUI without ever blocking them: each probe runs in a child
// process (src/probe/child.ts) that makes the ioctls synchronously and streams JSON lines back.
// A probe that hangs in the kernel is killed at its timeout and reported as such; a child that
// crashes costs only the instance it was probing. Nothing here loads the FFI addon.
import {spawn, type ChildProcess} from 'node:child_process';
import {dirname, join} from 'node:path';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import {BUILD, PROBE_CHILD_ARG} from '../build-info.js';
import {unaskedResult, type ProbeOutcome, type ProbeResult, type ProbeStep, type StepKind} from '../model/probe.js';
import type {HostModel} from '../model/types.js';
import type {ChildMessage, ChildRequest} from './protocol.js';

export interface ProbeOptions {
	/** Longest a single instance may take once its child has started it (default 5000 ms). */
	timeoutMs?: number;
	/** Child processes probing at once (default 2). */
	concurrency?: number;
	/** Called with each result as soon as it is known, in completion order. */
	onResult?: (r: ProbeResult) => void;
	/** Aborting kills the children; instances not yet answered are reported as cancelled. */
	signal?: AbortSignal;
	/** Where dev/vfio and proc are looked up (default `/`); tests point it at a temporary tree. */
	devRoot?: string;
	/** Longest a child may take to start and say anything (default 60000 ms: node under emulation is slow). */
	startTimeoutMs?: number;
	/**
	 * `--probe-held`: probe a device that a process holds through that process's own fd, borrowed
	 * with pidfd_getfd and asked read-only questions only (src/probe/borrow.ts). Default false:
	 * a held device is reported busy, with its holder named.
	 */
	probeHeld?: boolean;
}

type Job = {uuid: string; iommuGroup: number; vfioDev: string | null};

/**
 * How to start the child: the single executable runs itself again (PROBE_CHILD_ARG), dist/ runs its
 * probe-child.js, and from source it is child-main.ts through tsx.
 */
export function childCommand(): {command: string; args: string[]} {
	if (BUILD.singleFile) return {command: process.execPath, args: [PROBE_CHILD_ARG]};
	const here = fileURLToPath(import.meta.url);
	if (here.endsWith('.ts')) {
		return {command: process.execPath, args: ['--import', import.meta.resolve('tsx'), join(dirname(here), 'child-main.ts')]};
	}
	// scripts/build.mjs writes dist/probe-child.js next to the CLI's chunks.
	return {command: process.execPath, args: [join(dirname(here), 'probe-child.js')]};
}

function plainResult(uuid: string, outcome: ProbeOutcome, summary: string, steps: ProbeStep[] = [], durationMs = 0): ProbeResult {
	return unaskedResult(uuid, {outcome, summary, why: 'probe-not-run', reason: `not asked: ${summary}`, probedAt: new Date().toISOString(), steps, durationMs});
}

export async function probeInstances(model: HostModel, uuids: string[], opts: ProbeOptions = {}): Promise<ProbeResult[]> {
	const results = new Map<string, ProbeResult>();
	const deliver = (r: ProbeResult): void => {
		if (results.has(r.uuid)) return;
		results.set(r.uuid, r);
		opts.onResult?.(r);
	};
	const ordered = (): ProbeResult[] => uuids.map((u) => results.get(u)!);

	if (model.source.kind !== 'live' || model.root !== '/') {
		const from = model.source.kind === 'live' ? `the tree at ${model.root}` : `a ${model.source.kind}${model.source.label ? ` (${model.source.label})` : ''}`;
		for (const uuid of uuids) deliver(plainResult(uuid, 'not-live', `not probed: this view was read from ${from}, not from this host's devices`));
		return ordered();
	}

	const jobs: Job[] = [];
	for (const uuid of uuids) {
		const instance = model.instances.find((i) => i.uuid === uuid);
		if (!instance) deliver(plainResult(uuid, 'error', `not probed: no instance ${uuid} in the scan (rescan and try again)`));
		else if (!instance.active) {
			deliver(plainResult(uuid, 'error', `not probed: defined but not active, so there is nothing to open (start it first: mdevctl start -u ${uuid})`));
		} else if (instance.iommuGroup === null) {
			deliver(
				plainResult(uuid, 'error', `not probed: the instance has no IOMMU group, so VFIO cannot open it (is its vendor driver bound and vfio_iommu_type1 loaded?)`),
			);
		} else jobs.push({uuid, iommuGroup: instance.iommuGroup, vfioDev: instance.vfioDev});
	}
	if (jobs.length === 0) return ordered();

	const timeoutMs = opts.timeoutMs ?? 5000;
	const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
	const devRoot = opts.devRoot ?? '/';
	const concurrency = Math.max(1, Math.min(opts.concurrency ?? 2, jobs.length));
	const live = new Set<ChildProcess>();
	const signal = opts.signal;

	// Round-robin: child k gets jobs k, k+concurrency, ...; each lane runs one child at a time and
	// starts a fresh one after a timeout or a crash for what is left of its list.
	const lanes = Array.from({length: concurrency}, (_, k) => jobs.filter((_, i) => i % concurrency === k));

	const runChild = (list: Job[]): Promise<Job[]> =>
		new Promise((resolve) => {
			if (signal?.aborted) return resolve(list);
			const {command, args} = childCommand();
			const child = spawn(command, args, {stdio: ['pipe', 'pipe', 'pipe']});
			live.add(child);
			let current: {uuid: string; started: number; step: string | null; kind?: StepKind} | null = null;
			/** The failed step a dead or killed child leaves: the call it was in (or its start), with its kind. */
			const stepOfCurrent = (c: NonNullable<typeof current>, meaning: string): ProbeStep => ({
				step: c.step ?? 'starting the probe',
				...(c.kind && {kind: c.kind}),
				ok: false,
				meaning,
			});
			let sawAnything = false;
			let finished = false;
			let stderr = '';
			const pending = new Set(list.map((j) => j.uuid));
			const rest = (): Job[] => list.filter((j) => pending.has(j.uuid));
			const timer = {instance: undefined as NodeJS.Timeout | undefined, start: undefined as NodeJS.Timeout | undefined};

			const finish = (next: Job[]): void => {
				if (finished) return;
				finished = true;
				clearTimeout(timer.instance);
				clearTimeout(timer.start);
				signal?.removeEventListener('abort', onAbort);
				live.delete(child);
				resolve(next);
			};
			const report = (r: ProbeResult): void => {
				pending.delete(r.uuid);
				deliver(r);
			};
			const onAbort = (): void => {
				child.kill('SIGKILL');
				finish(rest());
			};
			signal?.addEventListener('abort', onAbort, {once: true});

			timer.start = setTimeout(() => {
				if (sawAnything) return;
				child.kill('SIGKILL');
				// Every job of this list would meet the same child: report them all, do not retry.
				for (const j of rest()) report(plainResult(j.uuid, 'error', `not probed: the probe child did not start within ${startTimeoutMs} ms (${command} ${args.join(' ')})`));
				finish([]);
			}, startTimeoutMs);

			const onMessage = (m: ChildMessage): void => {
				sawAnything = true;
				if (m.type === 'start') {
					current = {uuid: m.uuid, started: performance.now(), step: null};
					clearTimeout(timer.instance);
					const uuid = m.uuid;
					timer.instance = setTimeout(() => {
						if (!current || current.uuid !== uuid) return;
						const hung = current.step ?? 'starting the probe';
						// SIGKILL: a process blocked in an interruptible kernel wait dies at once; one in an
						// uninterruptible wait dies when the kernel lets go. Either way we do not wait for it.
						child.kill('SIGKILL');
						report(
							plainResult(
								uuid,
								'timeout',
								`no answer in ${timeoutMs} ms: the kernel did not return from ${hung}; the probe child was killed`,
								[stepOfCurrent(current, `no answer from the kernel in ${timeoutMs} ms; the probe child was killed`)],
								Math.round(performance.now() - current.started),
							),
						);
						finish(rest());
					}, timeoutMs);
				} else if (m.type === 'step') {
					if (current?.uuid === m.uuid) Object.assign(current, {step: m.step, kind: m.kind});
				} else if (m.type === 'result') {
					if (current?.uuid === m.result.uuid) {
						clearTimeout(timer.instance);
						current = null;
					}
					if (pending.has(m.result.uuid)) report(m.result);
				} else if (m.type === 'fatal') {
					for (const j of rest()) report(plainResult(j.uuid, 'error', `not probed: the probe child refused the request: ${m.message}`));
				}
			};

			createInterface({input: child.stdout!}).on('line', (line) => {
				if (finished) return;
				let m: ChildMessage;
				try {
					m = JSON.parse(line) as ChildMessage;
				} catch {
					stderr += `(unparsable line on stdout: ${line.slice(0, 200)})\n`;
					return;
				}
				onMessage(m);
			});
			child.stderr!.on('data', (chunk: Buffer) => {
				stderr = (stderr + chunk.toString()).slice(-4000);
			});
			child.on('error', (error) => {
				for (const j of rest()) report(plainResult(j.uuid, 'error', `not probed: the probe child could not be started: ${error.message}`));
				finish([]);
			});
			// 'close' comes after stdout has ended, so every line the child wrote has been read.
			child.on('close', (code, sig) => {
				if (finished) return;
				const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
				const tail = stderr.trim() ? `; it said: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
				if (current && pending.has(current.uuid)) {
					const step = current.step ?? 'starting the probe';
					report(
						plainResult(
							current.uuid,
							'error',
							`the probe child ${how} during ${step}${tail}`,
							[stepOfCurrent(current, `the probe child ${how} here`)],
							Math.round(performance.now() - current.started),
						),
					);
				}
				const left = rest();
				if (left.length === list.length) {
					// It died without getting anywhere: a fresh child would do the same.
					for (const j of left) report(plainResult(j.uuid, 'error', `not probed: the probe child ${how} before probing anything${tail}`));
					return finish([]);
				}
				finish(left);
			});

			const request: ChildRequest = {devRoot, instances: list, ...(opts.probeHeld ? {probeHeld: true} : {})};
			child.stdin!.on('error', () => {}); // a child that died early closes its stdin; 'close' reports it
			child.stdin!.end(JSON.stringify(request));
		});

	await Promise.all(
		lanes.map(async (lane) => {
			let left = lane;
			while (left.length > 0 && !signal?.aborted) left = await runChild(left);
		}),
	);
	for (const child of live) child.kill('SIGKILL');
	for (const j of jobs) {
		if (!results.has(j.uuid)) deliver(plainResult(j.uuid, 'error', 'not probed: cancelled'));
	}
	return ordered();
}
