// `y`, copy over SSH: OSC 52 (`ESC ] 52 ; c ; <base64> BEL`), the escape with which a program asks the
// terminal to set its clipboard. It travels inside the SSH session like any output, so the clipboard
// set is the one of the machine the admin types on. Whether it arrives is the terminal's choice: xterm
// needs allowWindowOps, tmux takes it only with `set-clipboard on` (its default, `external`, ignores
// it from programs). What can be known is said; what cannot be known is said too.

import {spawnSync} from 'node:child_process';

/** The OSC 52 sequence that puts `text` in the clipboard (`c`). */
export function osc52(text: string): string {
	return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}

/** Whether the terminal takes OSC 52: yes (and which one says so), no (and why, with the fix), or unknown. */
export type ClipboardSupport = {verdict: 'yes'; how: string} | {verdict: 'no'; why: string} | {verdict: 'unknown'; why: string};

/** Terminals that take OSC 52 by default, by what they set in the environment. */
const KNOWN: Array<[(env: NodeJS.ProcessEnv) => boolean, string]> = [
	[(env) => env['TERM'] === 'xterm-kitty' || env['KITTY_WINDOW_ID'] !== undefined, 'kitty'],
	[(env) => env['TERM_PROGRAM'] === 'WezTerm', 'WezTerm'],
	[(env) => env['TERM_PROGRAM'] === 'iTerm.app', 'iTerm2'],
	[(env) => env['WT_SESSION'] !== undefined, 'Windows Terminal'],
	[(env) => env['TERM'] === 'foot' || env['TERM'] === 'foot-extra', 'foot'],
	[(env) => env['TERM'] === 'alacritty', 'Alacritty'],
];

/** tmux's set-clipboard option of the server this program runs under, or null when it cannot be read. */
export function tmuxSetClipboard(env: NodeJS.ProcessEnv): string | null {
	if (!env['TMUX']) return null;
	const r = spawnSync('tmux', ['show-options', '-gv', 'set-clipboard'], {encoding: 'utf8', env, timeout: 2000});
	return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * What can be told about the terminal from here. Under tmux, tmux decides (its option is read); else
 * a terminal that names itself in the environment and takes OSC 52 by default; else unknown (an SSH
 * session does not carry the terminal's name beyond TERM).
 */
export function clipboardSupport(env: NodeJS.ProcessEnv, tmuxOption: (env: NodeJS.ProcessEnv) => string | null = tmuxSetClipboard): ClipboardSupport {
	if (env['TMUX']) {
		const option = tmuxOption(env);
		if (option === 'on') return {verdict: 'yes', how: 'tmux, set-clipboard on'};
		if (option === null) return {verdict: 'unknown', why: "tmux's set-clipboard could not be read; tmux takes OSC 52 only with set -g set-clipboard on"};
		return {verdict: 'no', why: `tmux has set-clipboard ${option}: it ignores OSC 52 from programs (set -g set-clipboard on)`};
	}
	if (env['STY']) return {verdict: 'no', why: 'GNU screen does not pass OSC 52 on: copy from screen itself, or run mdevscope outside it'};
	const known = KNOWN.find(([test]) => test(env));
	if (known) return {verdict: 'yes', how: known[1]};
	const term = env['TERM'] ?? 'unset';
	return {
		verdict: 'unknown',
		why: `whether it reaches the clipboard is up to the terminal you type in (TERM=${term}; xterm needs allowWindowOps, most others take it)`,
	};
}
