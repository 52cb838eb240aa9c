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
