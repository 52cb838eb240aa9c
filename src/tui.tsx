// Entry of the interactive TUI (imported lazily by the CLI, so --json/--plain never load Ink or React).
// Ink 6 has no alternate-screen option: we switch to the alternate screen ourselves (DEC private mode
// 1049, which also saves and restores the cursor) and switch back on every way out: quit, a signal,
// an uncaught error, or process.exit() from anywhere.

import React from 'react';
import {existsSync} from 'node:fs';
import {constants} from 'node:os';
import {render} from 'ink';
import type {HostModel} from './model/types.js';
import {scanHost} from './sysfs/scan.js';
import {App} from './components/App.js';
import type {ProbeFn} from './components/hooks/use-probes.js';
import type {ProbeResult} from './model/probe.js';

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const SHOW_CURSOR = '\x1b[?25h';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

export interface RunTuiOptions {
	root: string;
	model: HostModel;
	probeTimeoutMs?: number;
	concurrency?: number;
	/** How `r` reads the host again (the CLI passes `() => scanHost(root)`); the source marker is kept. */
	rescan: () => HostModel;
	/** The bundled captured host (test/fixtures/trees/debian-6.12) offered by the empty-host screen. */
	sampleRoot?: string;
	/** Streams, for tests; default: the process's. */
	stdin?: NodeJS.ReadStream;
	stdout?: NodeJS.WriteStream;
	stderr?: NodeJS.WriteStream;
	probeFn?: ProbeFn;
	/** Probe results to show from the start: a snapshot's recorded ones, or those of `--probe`. */
	initialProbes?: ReadonlyMap<string, ProbeResult>;
}

/** The sample host is a recording, never this machine: marked RECORDED in the header. */
export function sampleSource(): HostModel['source'] {
	return {kind: 'snapshot', label: 'sample: Debian 6.12', recordedAt: null};
}

export async function runTui(opts: RunTuiOptions): Promise<void> {
	const stdout = opts.stdout ?? process.stdout;
	const stdin = opts.stdin ?? process.stdin;
	const stderr = opts.stderr ?? process.stderr;
	const sampleRoot = opts.sampleRoot;
	const openSample =
		sampleRoot && existsSync(sampleRoot) ? () => scanHost(sampleRoot, {source: sampleSource()}) : undefined;

	let instance: ReturnType<typeof render> | undefined;
	let restored = false;
	const restore = () => {
		if (restored) return;
		restored = true;
		stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
	};
	const teardown = () => {
		try {
			instance?.unmount();
		} catch {
			// Unmounting a broken tree may throw; the screen must be restored regardless.
		}
		restore();
		removeHandlers();
	};
	const onSignal = (signal: NodeJS.Signals) => {
		teardown();
		// Die of the same signal, as if we had not caught it (the parent shell sees 128 + n). Other
		// listeners (Ink's signal-exit) would swallow the re-raised signal, so they go first.
		process.removeAllListeners(signal);
		process.kill(process.pid, signal);
		// Should the signal still be caught somewhere, leave with the status a shell would show.
		setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 200);
	};
	const onFatal = (error: unknown) => {
		teardown();
		stderr.write(`mdevscope: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exit(1);
	};
	const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	const removeHandlers = () => {
		for (const signal of signals) process.off(signal, onSignal);
		process.off('uncaughtException', onFatal);
		process.off('unhandledRejection', onFatal);
		process.off('exit', restore);
	};
	for (const signal of signals) process.on(signal, onSignal);
	process.on('uncaughtException', onFatal);
	process.on('unhandledRejection', onFatal);
	process.on('exit', restore);

	stdout.write(ENTER_ALT_SCREEN);
	try {
		instance = render(
			<App
				model={opts.model}
				rescan={opts.rescan}
				openSample={openSample}
				probeTimeoutMs={opts.probeTimeoutMs}
				concurrency={opts.concurrency}
				probeFn={opts.probeFn}
				initialProbes={opts.initialProbes}
			/>,
			{stdout, stdin, stderr, exitOnCtrlC: false},
		);
		await instance.waitUntilExit();
	} finally {
		teardown();
	}
}
