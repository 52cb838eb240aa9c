// What mdevscope made for itself and must take away however the process ends: the sample host's
// temp directory (src/snapshot/sample.ts), and in the single executable the directory its program
// was unpacked into (src/release/main.ts). An 'exit' listener alone is not enough: a process that
// dies of SIGINT, SIGTERM or SIGHUP (an SSH session dropped) runs none. So the first task also
// listens for those signals; on one it runs the tasks and, when no one else listens for it (the
// TUI does: src/terminal/screen.tsx restores the terminal, runs the tasks and dies of the signal itself),
// dies of the same signal, so the shell still sees 128 + n.

type Task = () => void;
const tasks = new Set<Task>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs every task not yet run, once each; one that throws does not stop the others. */
export function runCleanups(): void {
	for (const task of [...tasks]) {
		tasks.delete(task);
		try {
			task();
		} catch {
			// Best effort: what could not be removed is left, and the rest still is.
		}
	}
}

function onSignal(signal: NodeJS.Signals): void {
	runCleanups();
	if (process.listenerCount(signal) > 1) return;
	for (const s of SIGNALS) process.off(s, onSignal);
	process.kill(process.pid, signal);
}

let listening = false;

/** Runs `task` when the process ends: at exit, or on SIGINT, SIGTERM or SIGHUP. */
export function atExit(task: Task): void {
	tasks.add(task);
	if (listening) return;
	listening = true;
	process.once('exit', runCleanups);
	for (const s of SIGNALS) process.on(s, onSignal);
}
