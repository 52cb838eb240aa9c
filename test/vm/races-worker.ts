// Runs inside the VM guest (test/vm/races.vm.test.ts) while a shell loop creates and removes mdev
// instances: scans the live host N times and, after each scan, probes every active instance of it
// with the probe engine (the code the probe child runs), in this one process, so the loop is the
// kernel's race and not node's start-up. Prints one JSON report on stdout; judges nothing itself
// beyond collecting what the test checks.
//   node races-worker.js <iterations>   (bundled by the test next to a private build of the CLI)
import {readdirSync} from 'node:fs';
import type {ProbeOutcome} from '../../src/model/probe.js';
import type {HostModel, ItemError} from '../../src/model/types.js';
import {preload} from '../../src/ffi/libc.js';
import {probeInstance} from '../../src/probe/engine.js';
import {scanHost} from '../../src/sysfs/scan.js';

/** The instances the guest's init made; the churn never touches them. */
export const STABLE: Record<string, {parent: string; type: string}> = {
	'11111111-1111-1111-1111-111111111111': {parent: 'mtty', type: 'mtty-1'},
	'22222222-2222-2222-2222-222222222222': {parent: 'mdpy', type: 'mdpy-hd'},
	'33333333-3333-3333-3333-333333333333': {parent: 'mbochs', type: 'mbochs-large'},
};

export interface RaceReport {
	iterations: number;
	ms: number;
	fdsBefore: number;
	fdsAfter: number;
	/** Broken promises: each names the scan it was seen in. */
	problems: string[];
	/** Churned instances seen per scan (not gone / gone), and a sample of the errors they had. */
	churnSeen: number;
	churnGone: number;
	/** Churned, not gone, with errors: caught between the kernel's steps of creating or removing it. */
	churnHalfway: Array<{uuid: string; errors: ItemError[]}>;
	probes: Partial<Record<ProbeOutcome, number>>;
	stableProbes: Partial<Record<ProbeOutcome, number>>;
	/** Summaries of the probes that did not answer ok, one per outcome and step. */
	probeSamples: Record<string, string>;
}

const count = () => readdirSync('/proc/self/fd').length;

/** What must hold for any one scan of this host, whatever the churn did meanwhile. */
export function consistency(m: HostModel, label: string): string[] {
	const problems: string[] = [];
	const byUuid = new Map(m.instances.map((i) => [i.uuid, i]));
	if (m.errors.length > 0) problems.push(`${label}: host errors ${JSON.stringify(m.errors)}`);
	const parents = m.parents.map((p) => p.name).sort();
	if (parents.join(' ') !== 'mbochs mdpy mtty') problems.push(`${label}: parents ${parents.join(' ')}`);
	for (const p of m.parents) {
		if (p.errors.length > 0 || p.gone) problems.push(`${label}: parent ${p.name} errors ${JSON.stringify(p.errors)}`);
		for (const t of p.types) {
			if (t.errors.length > 0 || t.gone) problems.push(`${label}: type ${p.name}/${t.id} errors ${JSON.stringify(t.errors)}`);
			for (const uuid of t.instances) {
				const i = byUuid.get(uuid);
				if (!i) problems.push(`${label}: type ${p.name}/${t.id} lists ${uuid}, which is not among the instances`);
				else if (!i.gone && (i.parent !== p.name || (i.mdevType !== null && i.mdevType !== t.id))) {
					problems.push(`${label}: type ${p.name}/${t.id} lists ${uuid}, which says ${i.parent}/${i.mdevType}`);
				}
			}
		}
	}
	for (const i of m.instances) {
		if (i.gone) {
			// Gone: one fact, not an error per file.
			if (i.errors.length !== 1 || i.errors[0]!.code !== 'ENOENT') problems.push(`${label}: gone ${i.uuid} with errors ${JSON.stringify(i.errors)}`);
			if (i.iommuGroup !== null || i.driver !== null || i.vfioDev !== null) problems.push(`${label}: gone ${i.uuid} still has values ${JSON.stringify(i)}`);
		}
		const stable = STABLE[i.uuid];
		if (stable) {
			if (i.gone || !i.active || i.errors.length > 0 || i.parent !== stable.parent || i.mdevType !== stable.type || i.iommuGroup === null) {
				problems.push(`${label}: the stable instance ${i.uuid} reads ${JSON.stringify(i)}`);
			}
		}
	}
	for (const uuid of Object.keys(STABLE)) if (!byUuid.has(uuid)) problems.push(`${label}: the stable instance ${uuid} is missing`);
	return problems;
}

function main(): void {
	const iterations = Number(process.argv[2] ?? 100);
	preload(); // the FFI addon opens files of its own: load it before the fds are counted
	const report: RaceReport = {
		iterations,
		ms: 0,
		fdsBefore: count(),
		fdsAfter: 0,
		problems: [],
		churnSeen: 0,
		churnGone: 0,
		churnHalfway: [],
		probes: {},
		stableProbes: {},
		probeSamples: {},
	};
	const started = performance.now();
	for (let n = 0; n < iterations; n++) {
		let m: HostModel;
		try {
			m = scanHost('/');
		} catch (err) {
			report.problems.push(`scan ${n}: threw ${(err as Error).stack}`);
			continue;
		}
		report.problems.push(...consistency(m, `scan ${n}`));
		for (const i of m.instances) {
			if (STABLE[i.uuid]) continue;
			report.churnSeen++;
			if (i.gone) report.churnGone++;
			else if (i.errors.length > 0 && report.churnHalfway.length < 20) report.churnHalfway.push({uuid: i.uuid, errors: i.errors});
		}
		for (const i of m.instances) {
			if (!i.active || i.gone || i.iommuGroup === null) continue;
			try {
				const r = probeInstance({uuid: i.uuid, iommuGroup: i.iommuGroup});
				const tally = STABLE[i.uuid] ? report.stableProbes : report.probes;
				tally[r.outcome] = (tally[r.outcome] ?? 0) + 1;
				if (r.outcome !== 'ok') {
					const failed = r.steps.filter((s) => !s.ok).at(-1);
					const step = failed?.step.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, 'UUID').replace(/\d+/g, 'N') ?? '';
					report.probeSamples[`${r.outcome} ${step}`] ??= `${i.uuid}: ${r.summary}`;
				}
			} catch (err) {
				report.problems.push(`scan ${n}: probing ${i.uuid} threw ${(err as Error).stack}`);
			}
		}
	}
	report.ms = Math.round(performance.now() - started);
	report.fdsAfter = count();
	process.stdout.write(`${JSON.stringify(report)}\n`);
}

// Run as a program (bundled by the test, or through tsx), not when the test imports its checks.
if (/races-worker\.[jt]s$/.test(process.argv[1] ?? '')) main();
