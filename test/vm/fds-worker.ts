// Runs inside the VM guest (test/vm/fds.vm.test.ts): many probes, counting this process's open
// fds (/proc/self/fd) around each one, on every path the probe can take. Prints one JSON report.
// Bundled by the test next to a private build of the CLI (test/safety/bundle.ts), so the runner
// starts the bundled probe child:
//   node fds-worker.js engine <rounds> <uuid>:<group>...
//     The probe engine in this process (the code the probe child runs), round-robin over the
//     instances given, <rounds> times: fds counted before and after every single probe.
//   node fds-worker.js runner <calls> <uuid>:<group>...
//     The runner (child processes, pipes, timers) <calls> times over the same instances, from
//     this process: fds counted before the first call and after the last.
import {readdirSync} from 'node:fs';
import type {ProbeOutcome} from '../../src/model/probe.js';
import type {HostModel, Instance} from '../../src/model/types.js';
import {preload} from '../../src/ffi/libc.js';
import {probeInstance} from '../../src/probe/engine.js';
import {probeInstances} from '../../src/probe/runner.js';
import {scanHost} from '../../src/sysfs/scan.js';

export interface FdReport {
	mode: 'engine' | 'runner';
	probes: number;
	ms: number;
	fdsBefore: number;
	fdsAfter: number;
	/** Probes after which the count differed from before it: the first few. */
	leaks: Array<{uuid: string; outcome: ProbeOutcome; before: number; after: number}>;
	/** Outcomes per uuid. */
	outcomes: Record<string, Partial<Record<ProbeOutcome, number>>>;
	summaries: Record<string, string>;
}

const count = () => readdirSync('/proc/self/fd').length;

async function main(): Promise<void> {
	const [mode, times, ...specs] = process.argv.slice(2);
	const jobs = specs.map((s) => ({uuid: s.split(':')[0]!, iommuGroup: Number(s.split(':')[1])}));
	const report: FdReport = {mode: mode as FdReport['mode'], probes: 0, ms: 0, fdsBefore: 0, fdsAfter: 0, leaks: [], outcomes: {}, summaries: {}};
	const tally = (uuid: string, outcome: ProbeOutcome, summary: string) => {
		const o = (report.outcomes[uuid] ??= {});
		o[outcome] = (o[outcome] ?? 0) + 1;
		report.summaries[`${uuid} ${outcome}`] ??= summary;
		report.probes++;
	};
	const started = performance.now();
	if (mode === 'engine') {
		preload(); // the addon's own files, once, before counting
		report.fdsBefore = count();
		for (let round = 0; round < Number(times); round++) {
			for (const job of jobs) {
				const before = count();
				const r = probeInstance(job);
				const after = count();
				tally(job.uuid, r.outcome, r.summary);
				if (after !== before && report.leaks.length < 10) report.leaks.push({uuid: job.uuid, outcome: r.outcome, before, after});
			}
		}
	} else {
		// The live scan, plus any instance it no longer has (a vanished uuid), as a caller would hold it.
		const live = scanHost('/');
		const known = new Set(live.instances.map((i) => i.uuid));
		const extra: Instance[] = jobs
			.filter((j) => !known.has(j.uuid))
			.map((j) => ({uuid: j.uuid, kind: 'mdev', parent: 'mtty', mdevType: 'mtty-2', active: true, iommuGroup: j.iommuGroup, driver: null, vfioDev: null, definition: null, errors: []}));
		const model: HostModel = {...live, instances: [...live.instances, ...extra]};
		// node's first child process opens an fd of its own for good (libuv's SIGCHLD pipe): one
		// call first, not counted, so that what is counted is what the calls leave behind.
		await probeInstances(model, jobs.slice(0, 1).map((j) => j.uuid), {timeoutMs: 30_000, startTimeoutMs: 180_000});
		await new Promise((resolve) => setTimeout(resolve, 100));
		report.fdsBefore = count();
		for (let call = 0; call < Number(times); call++) {
			for (const r of await probeInstances(model, jobs.map((j) => j.uuid), {concurrency: 2, timeoutMs: 30_000, startTimeoutMs: 180_000})) tally(r.uuid, r.outcome, r.summary);
		}
		// Child processes' pipes are closed once their 'close' events ran: let the loop turn once.
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	report.ms = Math.round(performance.now() - started);
	report.fdsAfter = count();
	process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
