// Carries out a plan (src/actions/plan.ts), step by step, stopping at the first failure and then
// undoing what the plan says to undo. The only module that writes to sysfs or mdevctl's store.
// - sysfs: opened O_WRONLY without O_CREAT (a file that is not there is an error, never made), the
//   value in one write(2), as the kernel's store() callbacks want it;
// - the store: a temp file in the store's top directory (mdevctl skips what is not a directory
//   there), written, fsync'd, renamed over the definition, the directory fsync'd: a crash leaves
//   the old definition or the new one, never half of one;
// - mdevctl: run with its arguments, never through a shell; its output and exit code kept.
import {spawnSync} from 'node:child_process';
import {closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {writeMeaning} from '../errno.js';
import type {Plan, Step} from './plan.js';

export interface StepResult {
	step: Step;
	ok: boolean;
	/** errno name of a failed write (`EBUSY`), or `EXIT` for mdevctl's non-zero exit. */
	code: string | null;
	/** What happened: what was written where, and on failure the errno and what it means. */
	message: string;
	/** How many writes it took (a busy VF is tried again). */
	attempts: number;
	/** mdevctl's own words and exit code. */
	output?: {status: number | null; stdout: string; stderr: string};
}

export interface ApplyResult {
	ok: boolean;
	results: StepResult[];
	/** The undo steps run after a failure. */
	undone: StepResult[];
}

export interface ApplyOptions {
	/** A busy write (EBUSY) is tried this many times in all, this far apart (Proxmox's wait for a VF QEMU just closed). */
	busyAttempts?: number;
	busyDelayMs?: number;
	env?: NodeJS.ProcessEnv;
}

const errCode = (err: unknown): string => (err as NodeJS.ErrnoException)?.code ?? 'EIO';
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const quoted = (value: string) => (value.includes('\n') ? `${value.split('\n').length} lines` : JSON.stringify(value));

function writeSysfs(file: string, value: string): void {
	const fd = openSync(file, constants.O_WRONLY | constants.O_TRUNC);
	try {
		writeSync(fd, value);
	} finally {
		closeSync(fd);
	}
}

function fsyncDir(dir: string): void {
	const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}

/**
 * The test hook of issue 18's acceptance: with MDEVSCOPE_TEST_HOLD_BEFORE_RENAME=1 the process says
 * where its temp file is and waits (for a kill) between writing it and renaming it into place.
 */
function holdBeforeRename(env: NodeJS.ProcessEnv, tmp: string): void {
	if (env.MDEVSCOPE_TEST_HOLD_BEFORE_RENAME !== '1') return;
	process.stderr.write(`mdevscope: test hook: holding before the rename of ${tmp}\n`);
	for (;;) sleep(60_000);
}

function writeStore(file: string, content: string, env: NodeJS.ProcessEnv): void {
	const dir = path.dirname(file);
	// mdevctl creates the parent's directory the same way (create_dir_all).
	mkdirSync(dir, {recursive: true, mode: 0o755});
	const tmp = path.join(path.dirname(dir), `.mdevscope-${path.basename(file)}-${process.pid}.tmp`);
	const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
	try {
		try {
			writeSync(fd, content);
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
		holdBeforeRename(env, tmp);
		renameSync(tmp, file);
	} catch (err) {
		try {
			unlinkSync(tmp);
		} catch {
			// already renamed, or never made
		}
		throw err;
	}
	fsyncDir(dir);
}

function runStep(step: Step, opts: Required<Pick<ApplyOptions, 'busyAttempts' | 'busyDelayMs'>> & {env: NodeJS.ProcessEnv}): StepResult {
	const done = (ok: boolean, code: string | null, message: string, attempts = 1): StepResult => ({step, ok, code, message, attempts});
	switch (step.kind) {
		case 'sysfs': {
			const tries = step.retryBusy ? opts.busyAttempts : 1;
			for (let attempt = 1; ; attempt++) {
				try {
					writeSysfs(step.file, step.value);
					return done(true, null, `wrote ${quoted(step.value)} to ${step.shown}${attempt > 1 ? ` (busy ${attempt - 1} time${attempt > 2 ? 's' : ''} first)` : ''}`, attempt);
				} catch (err) {
					const code = errCode(err);
					if (code === 'EBUSY' && attempt < tries) {
						sleep(opts.busyDelayMs);
						continue;
					}
					const tried = attempt > 1 ? ` (tried ${attempt} times, ${opts.busyDelayMs} ms apart)` : '';
					return done(false, code, `writing ${quoted(step.value)} to ${step.shown} failed: ${code}, ${writeMeaning(code)}${tried}.`, attempt);
				}
			}
		}
		case 'store':
			try {
				writeStore(step.file, step.content, opts.env);
				return done(true, null, `wrote the definition ${step.shown}`);
			} catch (err) {
				const code = errCode(err);
				return done(false, code, `writing the definition ${step.shown} failed: ${code}, ${writeMeaning(code)}. The store is as it was.`);
			}
		case 'unlink':
			try {
				unlinkSync(step.file);
				fsyncDir(path.dirname(step.file));
				return done(true, null, `removed the definition ${step.shown}`);
			} catch (err) {
				const code = errCode(err);
				return done(false, code, `removing the definition ${step.shown} failed: ${code}, ${writeMeaning(code)}.`);
			}
		case 'mdevctl': {
			const run = spawnSync(step.argv[0]!, step.argv.slice(1), {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: opts.env});
			const output = {status: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? ''};
			const command = step.argv.join(' ');
			if (run.error) {
				const code = errCode(run.error);
				return {...done(false, code, `running ${command} failed: ${code}, ${writeMeaning(code)}.`), output};
			}
			if (run.status !== 0) {
				const said = output.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
				const how = run.status === null ? `was killed by ${run.signal}` : `exited with ${run.status}`;
				return {...done(false, 'EXIT', `${command} ${how}${said ? `: ${said}` : ''}.`), output};
			}
			return {...done(true, null, `ran ${command}`), output};
		}
	}
}

export function applyPlan(plan: Plan, opts: ApplyOptions = {}): ApplyResult {
	const settings = {busyAttempts: opts.busyAttempts ?? 10, busyDelayMs: opts.busyDelayMs ?? 500, env: opts.env ?? process.env};
	const results: StepResult[] = [];
	for (const step of plan.steps) {
		const result = runStep(step, settings);
		results.push(result);
		if (!result.ok) break;
	}
	const failedAt = results.findIndex((r) => !r.ok);
	const undone = failedAt >= 0 && plan.undo !== null && failedAt > plan.undo.after ? plan.undo.steps.map((step) => runStep(step, settings)) : [];
	return {ok: failedAt < 0, results, undone};
}
