// The full-screen frame both interactive views run in (the main TUI and the compare view); imported
// lazily with them, so --json/--plain never load Ink or React. Ink 6 has no alternate-screen option:
// we switch to the alternate screen ourselves (DEC private mode 1049, which also saves and restores
// the cursor) and switch back on every way out: quit, a signal, an uncaught error, or
// process.exit() from anywhere.

import type {ReactElement} from 'react';
import {constants} from 'node:os';
import {render} from 'ink';
import {FrameDiffer} from './frame-diff.js';
import {TerminalContext, type Terminal} from '../components/hooks/terminal.js';
import {separateLoneEscapes} from '../keymap.js';
import {MOUSE_OFF, takeMouseReports, type MouseReport} from '../state/mouse.js';
import {runCleanups} from '../cleanup.js';
import {EX_SOFTWARE} from '../exit-codes.js';

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const SHOW_CURSOR = '\x1b[?25h';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

export interface Streams {
	/** Default: the process's; tests pass their own. */
	stdin?: NodeJS.ReadStream;
	stdout?: NodeJS.WriteStream;
	stderr?: NodeJS.WriteStream;
}

/**
 * `stdout` for Ink, with each frame Ink writes cut down to the cells that changed since the last one
 * (src/terminal/frame-diff.ts): what a key costs over a slow link. Everything else is the stream's.
 */
function diffedStream(stdout: NodeJS.WriteStream): {stream: NodeJS.WriteStream; redraw: () => void} {
	const differ = new FrameDiffer();
	const columns = () => stdout.columns || 80;
	const rows = () => stdout.rows || 24;
	const write = (chunk: unknown, ...rest: unknown[]) =>
		(stdout.write as (...args: unknown[]) => boolean)(typeof chunk === 'string' ? differ.write(chunk, columns(), rows()) : chunk, ...rest);
	const stream = new Proxy(stdout, {
		get(target, key) {
			if (key === 'write') return write;
			const value: unknown = Reflect.get(target, key, target);
			return typeof value === 'function' ? value.bind(target) : value;
		},
	});
	return {stream, redraw: () => stdout.write(differ.redraw(columns(), rows()))};
}

/**
 * `stdin` for Ink, with the mouse reports taken out (to `onMouse`, after the read: src/state/mouse.ts)
 * and an Esc that arrived in one read with the next key kept apart from it (src/keymap.ts
 * separateLoneEscapes): Ink reads each chunk with read() and parses it at once. A report split
 * across reads waits for its end.
 */
export function keyboardStdin(stdin: NodeJS.ReadStream, onMouse: (report: MouseReport) => void = () => {}): NodeJS.ReadStream {
	let held = '';
	const keys = (chunk: string): string => {
		const taken = takeMouseReports(held + chunk);
		held = taken.held;
		if (taken.reports.length > 0) queueMicrotask(() => taken.reports.forEach(onMouse));
		return separateLoneEscapes(taken.text);
	};
	const read = (...args: unknown[]) => {
		const chunk: unknown = (stdin.read as (...a: unknown[]) => unknown).apply(stdin, args);
		if (typeof chunk === 'string') return keys(chunk);
		// Ink sets utf8 before it reads; a Buffer would only come before that.
		if (Buffer.isBuffer(chunk)) return Buffer.from(keys(chunk.toString('latin1')), 'latin1');
		return chunk;
	};
	return new Proxy(stdin, {
		get(target, key) {
			if (key === 'read') return read;
			const value: unknown = Reflect.get(target, key, target);
			return typeof value === 'function' ? value.bind(target) : value;
		},
	});
}

/** Renders `node` on the alternate screen until it exits (Ink's `exit()`), then restores the terminal. */
export async function runFullScreen(node: ReactElement, streams: Streams = {}): Promise<void> {
	const stdout = streams.stdout ?? process.stdout;
	const stdin = streams.stdin ?? process.stdin;
	const stderr = streams.stderr ?? process.stderr;

	let instance: ReturnType<typeof render> | undefined;
	let restored = false;
	const restore = () => {
		if (restored) return;
		restored = true;
		// The mouse modes go off whether they were on or not: a shell must not get reports.
		stdout.write(MOUSE_OFF + SHOW_CURSOR + LEAVE_ALT_SCREEN);
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
		// What mdevscope made for itself (the sample's temp dir, ...) goes before the process does.
		runCleanups();
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
		// 70, as for every error mdevscope did not expect: 1 is a verdict (doctor failed, compare risky).
		process.exit(EX_SOFTWARE);
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
		const {stream, redraw} = diffedStream(stdout);
		const listeners = new Set<(report: MouseReport) => void>();
		const terminal: Terminal = {
			redraw,
			write: (sequence) => void stdout.write(sequence),
			onMouse: (listener) => {
				listeners.add(listener);
				return () => listeners.delete(listener);
			},
		};
		const input = keyboardStdin(stdin, (report) => listeners.forEach((listener) => listener(report)));
		instance = render(<TerminalContext.Provider value={terminal}>{node}</TerminalContext.Provider>, {stdout: stream, stdin: input, stderr, exitOnCtrlC: false});
		await instance.waitUntilExit();
	} finally {
		teardown();
	}
}
