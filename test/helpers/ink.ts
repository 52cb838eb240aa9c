// Ink under test: key codes, typing with pauses, waiting for a frame, and a stdout with a terminal's
// size (Ink lays out to stdout.columns; the views size themselves from columns/rows and 'resize').
import {spawn} from 'node:child_process';
import {EventEmitter} from 'node:events';
import {fileURLToPath} from 'node:url';
import {act} from 'react';
import type React from 'react';
import {render as inkRender} from 'ink';

export const KEY = {
	down: '\x1b[B',
	up: '\x1b[A',
	right: '\x1b[C',
	tab: '\t',
	shiftTab: '\x1b[Z',
	enter: '\r',
	escape: '\x1b',
	backspace: '\x7f',
	ctrlC: '\x03',
};

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const actEnvironment = globalThis as {IS_REACT_ACT_ENVIRONMENT?: boolean};

/**
 * Types keys one at a time, each inside React's act(): every render and effect a key causes is
 * done before the next key and before press() returns, however slow the machine. (A fixed pause
 * was not enough on a loaded one: its timer could fire before React's scheduled work had drawn the
 * frame.) Work that is not React's (a probe child, a file read) is waited for with waitFor().
 * act() is told it runs in a test only for the keys: other updates need no act and give no warning.
 */
export async function press(stdin: {write: (s: string) => void}, ...keys: string[]) {
	for (const key of keys) {
		actEnvironment.IS_REACT_ACT_ENVIRONMENT = true;
		try {
			await act(async () => {
				stdin.write(key);
			});
		} finally {
			actEnvironment.IS_REACT_ACT_ENVIRONMENT = false;
		}
	}
}

export async function waitFor(check: () => boolean, what: string, ms = 50_000) {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await delay(20);
	}
}

/** A stdout with a size, like a terminal's, for Ink (it lays out to `columns`) and for the TUI. */
export class SizedStdout extends EventEmitter {
	frames: string[] = [];
	constructor(
		public columns: number,
		public rows: number,
	) {
		super();
	}
	write = (frame: string) => {
		this.frames.push(frame);
		return true;
	};
	lastFrame = () => this.frames.at(-1) ?? '';
	resize(columns: number, rows: number) {
		this.columns = columns;
		this.rows = rows;
		this.emit('resize');
	}
}

export class FakeStdin extends EventEmitter {
	isTTY = true;
	private data: string | null = null;
	write = (data: string) => {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	};
	read = () => {
		const data = this.data;
		this.data = null;
		return data;
	};
	setEncoding() {}
	setRawMode() {}
	resume() {}
	pause() {}
	ref() {}
	unref() {}
}

export function renderSized(node: React.ReactElement, columns: number, rows: number) {
	const stdout = new SizedStdout(columns, rows);
	const stdin = new FakeStdin();
	const instance = inkRender(node, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	return {stdout, stdin, lastFrame: stdout.lastFrame, unmount: instance.unmount, waitUntilExit: instance.waitUntilExit};
}

/**
 * Renders an element in a child process, where chalk reads FORCE_COLOR / NO_COLOR from `env` when it
 * loads, and returns the frame. `setup` is module code that imports what `element` (an expression
 * with `React` in scope) needs.
 */
export function frameInChildProcess(env: NodeJS.ProcessEnv, opts: {setup: string; element: string; columns: number; rows: number}): Promise<string> {
	const script = `
		const React = (await import('react')).default;
		const {render} = await import('ink');
		const {EventEmitter} = await import('node:events');
		${opts.setup}
		class Out extends EventEmitter { columns = ${opts.columns}; rows = ${opts.rows}; last = ''; write = (s) => { this.last = s; return true; }; }
		class In extends EventEmitter { isTTY = true; read() { return null; } setEncoding() {} setRawMode() {} resume() {} pause() {} ref() {} unref() {} }
		const out = new Out();
		const app = render(${opts.element}, {stdout: out, stdin: new In(), debug: true, exitOnCtrlC: false, patchConsole: false});
		await new Promise((r) => setTimeout(r, 100));
		const frame = out.last; // before unmount: in CI, Ink writes a bare newline when unmounting
		app.unmount();
		process.stdout.write(JSON.stringify(frame));
	`;
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], {cwd: fileURLToPath(new URL('../..', import.meta.url)), env});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as string) : reject(new Error(stderr))));
	});
}
