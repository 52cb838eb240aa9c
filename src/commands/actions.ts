// `mdevscope start|stop|define|undefine|modify` (issue 18): mdevctl's commands and flags, with
// mdevscope's safety. The command is the ask (no prompt, as mdevctl); --dry-run prints the writes
// and makes none. Scan, plan (refusing before any write), apply, rescan, say what happened.
// Exit: 0 done (or, with --dry-run, planned), 1 a write failed, 2 refused before writing, 64 usage.
import process from 'node:process';
import {applyPlan, type ApplyResult, type StepResult} from '../actions/apply.js';
import {chooseBackend, planOnHost, stateAfter, stateWords, writeLock} from '../actions/host.js';
import {planLines} from '../present/action-lines.js';
import type {ActionRequest, Backend, Refusal, Step} from '../actions/plan.js';
import {EX_USAGE} from '../exit-codes.js';
import type {Instance} from '../model/types.js';
import {readOwners} from '../owners/join.js';
import {clean} from '../present/text.js';
import {makeEnv} from '../sysfs/env.js';
import {scanHost} from '../sysfs/scan.js';

export const EXIT_WRITE_FAILED = 1;
export const EXIT_REFUSED = 2;

export interface ActionArgs {
	request: ActionRequest;
	root: string;
	json: boolean;
	dryRun: boolean;
	backend: Backend | 'auto';
	env?: NodeJS.ProcessEnv;
}

const say = (text: string): void => void process.stderr.write(`mdevscope: ${text}\n`);

const stepJson = (step: Step) => {
	switch (step.kind) {
		case 'sysfs':
			return {kind: step.kind, file: step.shown, value: step.value, what: step.what, ...(step.retryBusy ? {retryBusy: true} : {})};
		case 'store':
			return {kind: step.kind, file: step.shown, content: step.content, what: step.what};
		case 'unlink':
			return {kind: step.kind, file: step.shown, what: step.what};
		case 'mdevctl':
			return {kind: step.kind, argv: step.argv, what: step.what, writes: step.writes};
	}
};
const resultJson = (r: StepResult) => ({...stepJson(r.step), ok: r.ok, code: r.code, message: r.message, attempts: r.attempts, ...(r.output ? {mdevctl: r.output} : {})});
const instanceJson = (i: Instance) => ({
	uuid: i.uuid,
	parent: i.parent,
	mdevType: i.mdevType,
	active: i.active,
	iommuGroup: i.iommuGroup,
	definition: i.definition === null ? null : {path: i.definition.path, mdevType: i.definition.mdevType, autostart: i.definition.autostart, attrs: i.definition.attrs},
});

export function runActionCommand(args: ActionArgs): number {
	const env = args.env ?? process.env;
	const {request, root, json} = args;
	const chosen = chooseBackend(args.backend, root, env);
	if ('usage' in chosen) {
		say(chosen.usage);
		return EX_USAGE;
	}
	const lock = writeLock(root, env);
	const base = {schemaVersion: 1, operation: request.operation, dryRun: args.dryRun, backend: chosen.backend};
	const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
	const refused = (refusal: Refusal): number => {
		const usage = refusal.code === 'usage';
		if (json) print({...base, ok: false, refused: refusal, plan: null, results: [], instance: null});
		say(clean(refusal.message));
		return usage ? EX_USAGE : EXIT_REFUSED;
	};
	if (lock !== null && !args.dryRun) return refused({code: 'locked', message: `${request.operation}: writes are locked off on this host: ${lock}. Nothing was written.`});

	const {model, planned} = planOnHost(request, root, chosen);
	const sysEnv = makeEnv(root);
	if (!planned.ok) return refused(planned.refusal);
	const {plan} = planned;
	const planJson = {...plan, steps: plan.steps.map(stepJson), undo: plan.undo && {after: plan.undo.after, steps: plan.undo.steps.map(stepJson)}};

	if (args.dryRun) {
		if (json) print({...base, ok: true, plan: planJson, results: [], instance: null, ...(lock ? {locked: lock} : {})});
		else {
			process.stdout.write(`${clean(plan.summary)} (dry run: nothing written)\n${planLines(plan).map((l) => `  ${l}\n`).join('')}`);
			for (const note of plan.notes) process.stdout.write(`  note: ${clean(note)}\n`);
			if (lock) process.stdout.write(`  note: writes are locked off on this host: ${clean(lock)}\n`);
		}
		return 0;
	}

	const applied: ApplyResult = applyPlan(plan, {env});
	const after = stateAfter(readOwners(scanHost(root), root), plan);
	const tree = sysEnv.root !== '/';
	const shownAfter = after.find((i) => i.active) ?? after[0];
	if (json) {
		print({
			...base,
			ok: applied.ok,
			plan: planJson,
			results: applied.results.map(resultJson),
			...(applied.undone.length > 0 ? {undone: applied.undone.map(resultJson)} : {}),
			instance: shownAfter === undefined ? null : instanceJson(shownAfter),
		});
	} else {
		// As mdevctl: a UUID made here is printed alone on stdout, for `uuid=$(mdevscope start ...)`.
		if (applied.ok && plan.generated) process.stdout.write(`${plan.uuid}\n`);
		for (const r of [...applied.results, ...applied.undone]) {
			say(clean(r.message));
			if (r.output && !r.ok) for (const line of (r.output.stdout + r.output.stderr).trim().split('\n').filter(Boolean)) say(`  mdevctl: ${clean(line)}`);
		}
		if (applied.undone.length > 0) say(`undone after the failure: ${applied.undone.map((r) => (r.ok ? r.step.what : `${r.step.what} (FAILED: ${r.message})`)).join(', ')}`);
		say(clean(applied.ok ? `done: ${plan.summary}` : `failed: ${plan.summary}`));
		for (const note of applied.ok ? plan.notes : []) say(`note: ${clean(note)}`);
		say(clean(stateWords(after, plan, tree)));
	}
	return applied.ok ? 0 : EXIT_WRITE_FAILED;
}
