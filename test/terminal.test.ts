// The interactive view in a real terminal (tmux, 80x24, a plain `sh` whose echo is the terminal's
// own, not readline's): after SIGINT, SIGTERM or an uncaught error the terminal must be as it was:
// input echoed again, canonical mode, no alternate screen, the cursor visible. A process killed
// with SIGKILL (no chance to restore anything) shows that these checks do see a broken terminal.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {constants, tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import anyTest, {type ExecutionContext} from 'ava';
import {missingTool} from './helpers/missing.js';
import {stopTmuxServer, tmuxOn} from './helpers/tmux.js';
import {bundle} from './safety/bundle.js';
import {inRawMode} from '../scripts/screens.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.join(here, '..');
const TREE = path.join(here, 'fixtures', 'trees', 'debian-6.12');
const EMPTY = path.join(here, 'fixtures', 'trees', 'empty');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// One terminal at a time: they share two cores with everything else.
const test = hasTmux ? anyTest.serial : anyTest.skip;
if (!hasTmux) missingTool('the TUI in a real terminal, and the terminal restored on every exit', 'tmux', 'tmux');

const socket = `mdevscope-terminal-${process.pid}`;
const work = mkdtempSync(path.join(tmpdir(), 'mdevscope-terminal-'));
// An uncaught error on demand, inside the real CLI: preloaded, it throws from the event loop when
// the test sends SIGUSR2 (not SIGUSR1, which would start node's inspector).
const crash = path.join(work, 'crash-on-usr2.cjs');
writeFileSync(crash, `process.on('SIGUSR2', () => setImmediate(() => { throw new Error('mdevscope terminal test: an uncaught error'); }));\n`);
// A process that leaves the terminal broken: raw mode and the alternate screen, then SIGKILL.
const breaker = path.join(work, 'breaker.cjs');
writeFileSync(breaker, `process.stdin.setRawMode(true); process.stdout.write('\\x1b[?1049h\\x1b[?25lbroken here\\n'); setInterval(() => {}, 1000);\n`);

const tmux = tmuxOn(socket);

anyTest.after.always(async () => {
	if (hasTmux) {
		stopTmuxServer(socket);
		(await bundle()).remove();
	}
	rmSync(work, {recursive: true, force: true});
});

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const screen = (session: string) => tmux('capture-pane', '-p', '-t', session);
const flags = (session: string) => tmux('display-message', '-p', '-t', session, '#{alternate_on} #{cursor_flag}').trim();

async function waitFor(what: string, check: () => boolean, ms = 60_000): Promise<void> {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await delay(100);
	}
}

/** A fresh 80x24 terminal running `sh` in the project directory, with `$ ` as its prompt. */
async function terminal(session: string): Promise<void> {
	// CI=true as in CI itself: Ink alone would then draw nothing until exit (the CLI must not let it).
	tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', '-c', project, 'env', 'PS1=$ ', 'CI=true', 'sh');
	await waitFor('the shell prompt', () => screen(session).includes('$'));
}

/** The pid of the one command the pane's shell is running (the CLI renames itself `mdevscope`). */
function commandPid(session: string): number | null {
	const shell = tmux('display-message', '-p', '-t', session, '#{pane_pid}').trim();
	const children = readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
	return children.length === 1 ? Number(children[0]) : null;
}

async function startTui(t: ExecutionContext, session: string, node = 'node', args = ''): Promise<number> {
	const {cli} = await bundle();
	await terminal(session);
	tmux('send-keys', '-t', session, `${node} ${cli} --root ${TREE}${args}`, 'Enter');
	await waitFor('the TUI on the alternate screen', () => flags(session).startsWith('1') && screen(session).includes('Parents')).catch((err: Error) => {
		throw new Error(`${err.message}; the terminal shows:\n${screen(session)}`);
	});
	// Ink draws before it turns echo off: a key sent in between would be echoed and held for a newline.
	const tty = tmux('display-message', '-p', '-t', session, '#{pane_tty}').trim();
	await waitFor('the terminal in raw mode', () => inRawMode(tty));
	const pid = commandPid(session);
	t.truthy(pid, 'the TUI process');
	return pid!;
}

async function gone(pid: number): Promise<void> {
	await waitFor(`pid ${pid} to exit`, () => {
		try {
			process.kill(pid, 0);
			return false;
		} catch {
			return true;
		}
	});
}

/** The terminal as a shell user finds it: typed text echoed, a command runs, modes and screen back. */
async function assertRestored(t: ExecutionContext, session: string): Promise<void> {
	// (capture-pane drops trailing blanks: the empty prompt line reads `$`.)
	await waitFor('the prompt after the TUI', () => /^\$ ?$/m.test(screen(session)));
	t.is(flags(session), '0 1', 'alternate screen off, cursor visible');
	const token = `ok-${Math.floor(Math.random() * 1e9)}`;
	tmux('send-keys', '-t', session, '-l', `echo ${token}`);
	await waitFor('the typed text echoed', () => screen(session).includes(`$ echo ${token}`), 5000).catch(() => {});
	t.true(screen(session).includes(`$ echo ${token}`), `input is not echoed:\n${screen(session)}`);
	tmux('send-keys', '-t', session, 'Enter');
	await waitFor('the command output', () => new RegExp(`^${token}$`, 'm').test(screen(session)), 5000).catch(() => {});
	t.regex(screen(session), new RegExp(`^${token}$`, 'm'), 'a command runs (Enter is a newline again)');
	tmux('send-keys', '-t', session, '-l', "stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e icanon -e -echo -e -icanon | tr '\\n' ' '; echo '=st''ty'");
	tmux('send-keys', '-t', session, 'Enter');
	// (the marker is quoted in two halves, so the command line itself never matches)
	await waitFor('stty', () => /^\S.* =stty$/m.test(screen(session)), 5000).catch(() => {});
	t.regex(screen(session), /^(icanon echo|echo icanon) =stty$/m, 'canonical mode and echo are on');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	test(`${signal} while the TUI runs: the terminal is restored`, async (t) => {
		t.timeout(120_000);
		const session = signal.toLowerCase();
		const pid = await startTui(t, session);
		process.kill(pid, signal);
		await gone(pid);
		await assertRestored(t, session);
	});
}

// An SSH session that drops sends SIGHUP: what mdevscope unpacked for itself (the sample host, s on
// the empty screen) must go with it, although a process that dies of a signal runs no exit handler.
for (const signal of ['SIGHUP', 'SIGTERM'] as const) {
	test(`${signal} after s opened the sample host: its unpacked tree is removed, and the process dies of the signal`, async (t) => {
		t.timeout(120_000);
		const session = `sample-${signal.toLowerCase()}`;
		const scratch = mkdtempSync(path.join(work, 'scratch-'));
		const entries = () => readdirSync(scratch);
		await terminal(session);
		tmux('send-keys', '-t', session, `TMPDIR=${scratch} node ${path.join(project, 'dist', 'cli.js')} --root ${EMPTY}`, 'Enter');
		await waitFor('the empty-host screen', () => screen(session).includes('No mdev support found'));
		tmux('send-keys', '-t', session, 's');
		await waitFor('the sample', () => screen(session).includes('[*] Parents (3)'));
		t.is(entries().length, 1, 'the sample, unpacked under TMPDIR');
		t.regex(entries()[0]!, /^mdevscope-sample-/);
		const pid = commandPid(session);
		t.truthy(pid);
		process.kill(pid!, signal);
		await gone(pid!);
		tmux('send-keys', '-t', session, 'echo "status=$?"', 'Enter');
		await waitFor('the exit status', () => /^status=\d+$/m.test(screen(session)));
		t.regex(screen(session), new RegExp(`^status=${128 + constants.signals[signal]}$`, 'm'));
		t.deepEqual(entries(), [], 'nothing left under TMPDIR');
	});
}

test('an uncaught error while the TUI runs: the terminal is restored and the error is shown', async (t) => {
	t.timeout(120_000);
	const session = 'crash';
	const pid = await startTui(t, session, `node --require ${crash}`);
	process.kill(pid, 'SIGUSR2');
	await gone(pid);
	// Its exit status is mdevscope's "failed itself" (70), which no verdict uses.
	tmux('send-keys', '-t', session, 'echo "status=$?"', 'Enter');
	await waitFor('the exit status', () => /^status=\d+$/m.test(screen(session)));
	t.regex(screen(session), /^status=70$/m);
	await assertRestored(t, session);
	t.true(screen(session).includes('mdevscope terminal test: an uncaught error'), screen(session));
});

test('Ctrl-L draws the whole screen again over output that is not the TUI\'s (a wall message)', async (t) => {
	t.timeout(120_000);
	const session = 'redraw';
	const pid = await startTui(t, session);
	// The whole first screen: the keys drawn, and the owner scan (the last thing the first screen
	// waits for) done: a tree has no process table, so the owner is ? rather than .. (still looking).
	await waitFor('the whole first screen', () => {
		const now = screen(session);
		return now.includes('q quit') && /^\|> 33333333-3333-3333-3333-333333333333 (?:\S+ +)?\? /m.test(now);
	});
	const before = screen(session);
	// What `wall` does: write straight to the terminal device, behind the TUI's back.
	const tty = tmux('display-message', '-p', '-t', session, '#{pane_tty}').trim();
	writeFileSync(tty, '\x1b[3;5HBroadcast message from root@host: going down\x1b[10;1Hgarbage garbage');
	await waitFor('the message on the screen', () => screen(session).includes('Broadcast message'));
	tmux('send-keys', '-t', session, 'C-l');
	await waitFor('the screen as it was', () => screen(session) === before).catch(() => {});
	t.is(screen(session), before);
	process.kill(pid, 'SIGTERM');
	await gone(pid);
});

test('y copies the selected uuid with OSC 52: the bytes on the pty, and tmux with set-clipboard on takes it into its buffer', async (t) => {
	t.timeout(120_000);
	const session = 'copy';
	const MDPY = '22222222-2222-2222-2222-222222222222';
	const pid = await startTui(t, session);
	// What the TUI writes to its terminal, byte for byte, as tmux reads it from the pty.
	const bytes = path.join(work, 'copy.bytes');
	writeFileSync(bytes, '');
	tmux('pipe-pane', '-t', session, `cat >> ${bytes}`);
	tmux('set-option', '-g', 'set-clipboard', 'on');
	// mdpy's instance: the second parent, then its instances pane.
	tmux('send-keys', '-t', session, 'j', 'Tab', 'Tab');
	await waitFor('the mdpy instance selected', () => new RegExp(`^\\|> ${MDPY} `, 'm').test(screen(session)));
	tmux('send-keys', '-t', session, 'y');
	await waitFor('the status line', () => screen(session).includes(`copied ${MDPY} (OSC 52: tmux, set-clipboard on)`));
	const osc = `\x1b]52;c;${Buffer.from(MDPY).toString('base64')}\x07`;
	await waitFor('the OSC 52 bytes', () => readFileSync(bytes, 'latin1').includes(osc));
	t.is(tmux('show-buffer').toString(), MDPY, "tmux's newest buffer is the uuid");
	// tmux's default ignores OSC 52 from programs: the status line says so, and how to change it.
	tmux('set-option', '-g', 'set-clipboard', 'external');
	tmux('send-keys', '-t', session, 'y');
	await waitFor('the warning', () => screen(session).replace(/\s+/g, ' ').includes('tmux has set-clipboard external'));
	t.regex(screen(session).replace(/\s+/g, ' '), /sent 2222\S* as OSC 52, but tmux has set-clipboard external: it ignores OSC 52 from programs \(set -g set-clipboard on\)/);
	process.kill(pid, 'SIGTERM');
	await gone(pid);
});

/** tmux's view of the pane's mouse modes: press/release reports (1000) and their SGR form (1006). */
const mouseFlags = (session: string) => tmux('display-message', '-p', '-t', session, '#{mouse_standard_flag} #{mouse_sgr_flag}').trim();
/** A report as a terminal sends it (SGR, from 1), written to the pane as bytes. */
const mouse = (session: string, code: number, x: number, y: number) =>
	tmux('send-keys', '-t', session, '-H', ...[...Buffer.from(`\x1b[<${code};${x + 1};${y + 1}M`)].map((b) => b.toString(16)));
/** The screen line (from 0) that matches. */
const lineOf = (session: string, pattern: RegExp) => screen(session).split('\n').findIndex((line) => pattern.test(line));

test('--mouse: the terminal reports the mouse; a click selects a row, the wheel moves the list under it, M turns it off and on; q restores it', async (t) => {
	t.timeout(120_000);
	const session = 'mouse';
	await startTui(t, session, 'node', ' --mouse');
	await waitFor('the mouse modes on', () => mouseFlags(session) === '1 1');
	// Click on mtty's row of the parents pane (mbochs, the first, is selected).
	const mtty = lineOf(session, /^\|  mtty /);
	t.true(mtty > 0, screen(session));
	mouse(session, 0, 4, mtty);
	await waitFor('mtty selected', () => /^\|> mtty/m.test(screen(session)), 10_000).catch(() => {});
	t.regex(screen(session), /^\|> mtty/m, screen(session));
	// The wheel up over the parents pane: three rows up, so back to the first.
	mouse(session, 64, 4, mtty);
	await waitFor('mbochs selected', () => /^\|> mbochs/m.test(screen(session)), 10_000).catch(() => {});
	t.regex(screen(session), /^\|> mbochs/m, screen(session));
	t.false(/\[<|\d+;\d+M/.test(screen(session)), 'no report shows as text');
	tmux('send-keys', '-t', session, 'M');
	await waitFor('the mouse modes off', () => mouseFlags(session) === '0 0');
	// (the modes are written before the frame that says so is drawn)
	await waitFor('the status line', () => screen(session).replace(/\s+/g, ' ').includes("mouse off: the terminal's own selection works again"), 10_000).catch(() => {});
	t.true(screen(session).replace(/\s+/g, ' ').includes("mouse off: the terminal's own selection works again"), screen(session));
	tmux('send-keys', '-t', session, 'M');
	await waitFor('the mouse modes on again', () => mouseFlags(session) === '1 1');
	tmux('send-keys', '-t', session, 'q');
	await assertRestored(t, session);
	t.is(mouseFlags(session), '0 0', 'the shell gets no mouse reports');
});

test('SIGTERM with the mouse on: the terminal is restored, mouse modes off', async (t) => {
	t.timeout(120_000);
	const session = 'mouse-term';
	const pid = await startTui(t, session, 'node', ' --mouse');
	await waitFor('the mouse modes on', () => mouseFlags(session) === '1 1');
	process.kill(pid, 'SIGTERM');
	await gone(pid);
	await assertRestored(t, session);
	t.is(mouseFlags(session), '0 0');
});

test('Esc and the next key sent in one go (a paste, a slow link) are Esc, then that key; an arrow is still an arrow', async (t) => {
	t.timeout(120_000);
	const session = 'escape';
	const pid = await startTui(t, session);
	tmux('send-keys', '-t', session, '-l', '/mdpy');
	await waitFor('the filter typed', () => screen(session).includes('filter /mdpy_'), 10_000);
	// ESC and / as one write: Esc clears the filter being typed, / opens a new one (not Alt+/).
	tmux('send-keys', '-t', session, '-H', '1b', '2f');
	await waitFor('a new, empty filter', () => /filter \/_/.test(screen(session)), 10_000).catch(() => {});
	t.regex(screen(session), /filter \/_/, screen(session));
	tmux('send-keys', '-t', session, '-H', '1b', '1b', '5b', '42');
	// Esc closes the filter; then the arrow moves the selection down from mdpy.
	await waitFor('mtty selected', () => /^\|> mtty/m.test(screen(session)), 10_000).catch(() => {});
	t.regex(screen(session), /^\|> mtty/m, screen(session));
	t.false(screen(session).includes('filter /'));
	process.kill(pid, 'SIGTERM');
	await gone(pid);
});

test('the checks see a broken terminal: a process killed before it can restore anything', async (t) => {
	t.timeout(120_000);
	const session = 'broken';
	await terminal(session);
	tmux('send-keys', '-t', session, `node ${breaker}`, 'Enter');
	await waitFor('the breaker on the alternate screen', () => flags(session) === '1 0' && screen(session).includes('broken here'));
	const pid = commandPid(session);
	t.truthy(pid);
	process.kill(pid!, 'SIGKILL');
	await gone(pid!);
	await delay(300);
	t.is(flags(session), '1 0', 'still on the alternate screen, cursor hidden');
	const token = `ok-${Math.floor(Math.random() * 1e9)}`;
	tmux('send-keys', '-t', session, '-l', `echo ${token}`);
	tmux('send-keys', '-t', session, 'Enter');
	await delay(1000);
	t.false(screen(session).includes(`echo ${token}`), 'raw mode: the input is not echoed');
	t.false(new RegExp(`^${token}$`, 'm').test(screen(session)), 'raw mode: Enter is no newline, the command does not run');
});
