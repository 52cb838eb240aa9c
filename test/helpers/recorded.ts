// What the kernel answered in the VM harness (test/vm/record-probes.ts wrote these files from a real
// Debian 6.1 and 6.12 kernel with the mdev sample drivers): every case's answers, and a way to replay
// them through the probe runner's contract, for tests that show probes without a VM.
import {readFileSync} from 'node:fs';
import type {HostModel} from '../../src/model/types.js';
import type {ProbeResult} from '../../src/model/probe.js';

export type Series = '6.1' | '6.12';
export type RecordedCase = 'free' | 'busy' | 'nonroot' | 'timeout' | 'vanished';

export interface RecordedProbes {
	comment: string;
	kernel: string;
	recordedAt: string;
	cases: Record<RecordedCase, ProbeResult[]>;
}

const cache = new Map<Series, RecordedProbes>();

/** test/fixtures/probes/debian-<series>.json. */
export function recordedProbes(series: Series): RecordedProbes {
	let known = cache.get(series);
	if (!known) {
		known = JSON.parse(readFileSync(new URL(`../fixtures/probes/debian-${series}.json`, import.meta.url), 'utf8')) as RecordedProbes;
		cache.set(series, known);
	}
	return known;
}

/** One instance's answer in one case (by default: free, nobody holding it). */
export function recordedAnswer(series: Series, uuid: string, kase: RecordedCase = 'free'): ProbeResult {
	const found = recordedProbes(series).cases[kase].find((r) => r.uuid === uuid);
	if (!found) throw new Error(`no recorded ${kase} answer for ${uuid} on ${series}`);
	return found;
}

/**
 * A probe runner (src/components/hooks/use-store.ts ProbeFn) that replays the recorded answers: one
 * by one through onResult, each after `wait()` (a pause, or a promise the test resolves), then the list.
 */
export function replayRecorded(series: Series, wait: () => Promise<unknown>) {
	return async (_model: HostModel, uuids: string[], opts: {onResult?: (r: ProbeResult) => void; signal?: AbortSignal} = {}): Promise<ProbeResult[]> => {
		const results: ProbeResult[] = [];
		for (const uuid of uuids) {
			await wait();
			if (opts.signal?.aborted) break;
			const result = recordedAnswer(series, uuid);
			results.push(result);
			opts.onResult?.(result);
		}
		return results;
	};
}
