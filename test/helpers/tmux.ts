// A tmux server of a test's own (`tmux -L <socket>`), stopped with its socket file: a killed server
// leaves the file behind, and a pile of them would collect in /tmp/tmux-<uid> run after run.
import {spawnSync} from 'node:child_process';
import {rmSync} from 'node:fs';
import path from 'node:path';

/** Where `tmux -L socket` puts its socket (tmux(1): $TMUX_TMPDIR or /tmp, then tmux-<uid>). */
export function tmuxSocketPath(socket: string): string {
	return path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid!()}`, socket);
}

export function stopTmuxServer(socket: string): void {
	spawnSync('tmux', ['-L', socket, 'kill-server']);
	rmSync(tmuxSocketPath(socket), {force: true});
}

/** `tmux` on the test's own server (no config file): its stdout, or an error with tmux's message. */
export function tmuxOn(socket: string): (...args: string[]) => string {
	return (...args) => {
		const r = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'});
		if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
		return r.stdout;
	};
}

/**
 * Polls `screen()` until `check` passes: waits on the frame itself; the deadline (ms) only turns a
 * hang into a failure that shows the terminal.
 */
export async function waitForScreen(screen: () => string, what: string, check: (s: string) => boolean, ms = 60_000): Promise<void> {
	const end = Date.now() + ms;
	for (let s = screen(); !check(s); s = screen()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the terminal shows:\n${s}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}
