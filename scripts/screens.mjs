#!/usr/bin/env node
// The TUI's screens, captured (issue 16: the redesign must not change what the user sees). Replays one
// key sequence in a real terminal (tmux) at 80x24, 120x40, 200x50 and 300x80 on every bundled tree
// (test/fixtures/trees), with the built CLI (dist/cli.js), and writes what tmux shows after each key:
//
//   node scripts/screens.mjs --out DIR      write DIR/<tree>-<cols>x<rows>.txt
//   node scripts/screens.mjs --check DIR    capture again and compare with DIR: the differences, exit 1
//   (--tree NAME, repeatable: only those trees)
//
// test/fixtures/screens/ holds the captures of the code before the redesign; test/screens.test.ts
// checks them. A screen is taken once it has settled: the same capture over 6 polls 50 ms apart
// after the key was sent, and no owner scan still looking (`..`).
import {spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const trees = path.join('test', 'fixtures', 'trees');
export const SIZES = [
	[80, 24],
	[120, 40],
	[200, 50],
	[300, 80],
];
/** [label, tmux key] in order: every pane, its detail, help, doctor, a filter, advice, quit. */
export const STEPS = [
	['first frame', null],
	['j', 'j'],
	['Tab', 'Tab'],
	['j', 'j'],
	['Tab', 'Tab'],
	['j', 'j'],
	['Enter', 'Enter'],
	['Tab', 'Tab'],
	['J', 'J'],
	['?', '?'],
	['j (help)', 'j'],
	['Esc', 'Escape'],
	['d', 'd'],
	['Esc', 'Escape'],
	['x', 'x'],
	['Esc', 'Escape'],
	['/', '/'],
	['m', 'm'],
	['Enter (filter)', 'Enter'],
	['Esc', 'Escape'],
	['q', 'q'],
];

/** Where each capture's copy of its tree lives, and how its path is written in the captures. */
const PLACE_PREFIX = '/tmp/mdevscope-screens-';
const PLACEHOLDER = `${PLACE_PREFIX.replace('-screens-', '-SCREENS-')}XXXXXX`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function tmux(socket, ...args) {
	const r = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'});
	if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
	return r.stdout;
}

/** The screen once it has settled: the same capture STABLE polls in a row, 50 ms apart. */
const STABLE = 6;
/**
 * A list row whose first cell is an id (a uuid, a VF's address, 8 characters or more), with a cell
 * still `..` after it, in any pane of the line (side by side from 160 columns on).
 */
const LOOKING = /\|[> ][ !]\S{8,} [^\n]* \.\. /;
/**
 * A key's screen may be slow to come on a loaded machine: a still screen is taken for the key's only
 * once it differs from the step before (`before`), or once it has not changed for GRACE_MS (a key
 * that changes nothing, `j` on the last row). Checking against a kept capture (`expected`), the
 * screen that equals it is taken at once: the wait is for that frame itself, and the grace only
 * ends the wait for one that does not come. Taking captures again (`hint`), the kept screen only
 * ends the wait early: one that changed on purpose is taken as without it. (Waiting out the grace
 * there made a session last over a minute, and the header then says `, 1 min ago`.)
 */
const GRACE_MS = 15_000;
async function settled(socket, what, first, {before = null, expected, hint = false, normal = (s) => s} = {}) {
	// Only turns a hang into a failure that shows the screen; a loaded machine settles later.
	const start = Date.now();
	const end = start + 180_000;
	let last = null;
	let same = 0;
	for (;;) {
		const now = tmux(socket, 'capture-pane', '-p', '-t', 's');
		// The first frame is whole once the owner scan has said its word (`..` in an instance's row
		// while it looks; the help's legend has a `..` of its own), and the footer is drawn (every
		// screen ends in `q quit`).
		const ready = !LOOKING.test(now) && (!first || now.includes('q quit'));
		if (ready && expected !== undefined && normal(now).replace(/\n+$/, '') === expected) return now;
		same = now === last && ready ? same + 1 : 0;
		const moved = before === null || now !== before || Date.now() - start > GRACE_MS;
		if (same >= STABLE && moved && (expected === undefined || hint || Date.now() - start > GRACE_MS)) return now;
		if (Date.now() > end) throw new Error(`the screen did not settle after ${what}:\n${now}`);
		last = now;
		await sleep(50);
	}
}

/**
 * The header's time of day of the scan (`scanned 14:02:33`) as HH:MM:SS, so captures repeat. Its
 * `, N min ago` shows from a minute on: a capture's steps take seconds.
 */
export function sameClock(screen) {
	const [header, ...rest] = screen.split('\n');
	return [header.replace(/\b\d\d:\d\d:\d\d\b/g, 'HH:MM:SS'), ...rest].join('\n');
}

/** Whether a terminal (its device, `/dev/pts/3`) is in raw mode as the TUI sets it: no echo, no line editing. */
export function inRawMode(tty) {
	const r = spawnSync('stty', ['-F', tty, '-a'], {encoding: 'utf8'});
	return r.status === 0 && /(^|\s)-icanon(\s|$)/.test(r.stdout) && /(^|\s)-echo(\s|$)/.test(r.stdout);
}

/** Waits until the pane's terminal is in raw mode. */
async function rawMode(socket, what) {
	const tty = tmux(socket, 'display-message', '-p', '-t', 's', '#{pane_tty}').trim();
	const end = Date.now() + 180_000;
	while (!inRawMode(tty)) {
		if (Date.now() > end) throw new Error(`the terminal never went into raw mode before ${what}`);
		await sleep(50);
	}
}

/** A capture's screens by step, in order (what capture() wrote: "=== <label>" then the screen). */
function stepsOf(text) {
	return text
		.split(/^=== .*\n/m)
		.slice(1)
		.map((screen) => screen.replace(/\n+$/, ''));
}

/**
 * The captures of one tree at one size: "=== <label>" then the screen, for each step. `expected`:
 * a kept capture to check against (each step's screen is waited for as kept); with `hint`, one
 * being taken again (a kept screen ends the wait, another is taken once it has settled).
 */
export async function capture(tree, [cols, rows], root = path.join(project, trees, tree), expected, hint = false) {
	const want = expected === undefined ? [] : stepsOf(expected);
	const socket = `mdevscope-screens-${process.pid}-${tree}-${cols}`;
	const cli = path.join(project, 'dist', 'cli.js');
	const env = ['env', '-i', `PATH=${process.env.PATH}`, 'HOME=/nonexistent', 'LANG=C.UTF-8', 'TZ=UTC', 'TERM=tmux-256color'];
	// The screens show the root's absolute path, so the tree is run from a copy whose path is the same
	// wherever the checkout is, once its random part is written as PLACEHOLDER.
	const place = mkdtempSync(PLACE_PREFIX);
	cpSync(root, path.join(place, trees, tree), {recursive: true, verbatimSymlinks: true});
	const out = [];
	try {
		tmux(socket, 'new-session', '-d', '-s', 's', '-x', String(cols), '-y', String(rows), '-c', place, ...env, 'sh', '-c', `${process.execPath} ${cli} --root ${path.join(trees, tree)}; echo "exit=$?"; sleep 600`);
		const normal = (raw) => sameClock(raw.replaceAll(place, PLACEHOLDER));
		let before = null;
		for (const [index, [label, key]] of STEPS.entries()) {
			if (key !== null) {
				// Ink draws its first frame before it puts the terminal in raw mode: a key sent in between
				// is echoed by the tty and held for a newline. Keys go once the TUI reads them one by one.
				if (index === 1) await rawMode(socket, label);
				tmux(socket, 'send-keys', '-t', 's', key);
			}
			const raw = await settled(socket, label, key === null, {before, expected: want[index], hint, normal});
			before = raw;
			const screen = normal(raw);
			// A path cut short (`~`) inside the random part would make the capture differ run to run.
			if (screen.includes(PLACE_PREFIX) || screen.includes(place.slice(-6))) throw new Error(`${tree} ${cols}x${rows} after ${label}: the copy's path is cut short on screen, so the capture would not repeat:\n${screen}`);
			out.push(`=== ${label}\n${screen.replace(/\n+$/, '')}\n`);
		}
	} finally {
		spawnSync('tmux', ['-L', socket, 'kill-server']);
		rmSync(place, {recursive: true, force: true});
	}
	return out.join('');
}

export function treeNames() {
	return readdirSync(path.join(project, trees)).filter((n) => existsSync(path.join(project, trees, n, 'sys'))).sort();
}

/** The capture file of one tree at one size. */
export const screenFile = (tree, [cols, rows]) => `${tree}-${cols}x${rows}.txt`;

/**
 * Every tree in `names` at every size, a few terminals at once (each mostly waits on its screen):
 * file name -> capture, in the order of the trees and sizes.
 */
export async function captureAll(names, jobs = Number(process.env.MDEVSCOPE_SCREENS_JOBS ?? 3), keptDir, hint = false) {
	const todo = names.flatMap((tree) => SIZES.map((size) => ({tree, size, file: screenFile(tree, size)})));
	const got = new Map();
	let next = 0;
	const worker = async () => {
		while (next < todo.length) {
			const job = todo[next++];
			const kept = keptDir && existsSync(path.join(keptDir, job.file)) ? readFileSync(path.join(keptDir, job.file), 'utf8') : undefined;
			got.set(job.file, await capture(job.tree, job.size, undefined, kept, hint));
		}
	};
	await Promise.all(Array.from({length: jobs}, worker));
	return new Map(todo.map(({file}) => [file, got.get(file)]));
}

/** Where a capture first differs from the one kept: the line, its step, both texts; null when equal. */
export function firstDifference(got, want) {
	if (got === want) return null;
	const g = got.split('\n');
	const w = want.split('\n');
	let at = 0;
	while (at < Math.max(g.length, w.length) && g[at] === w[at]) at++;
	const step = w.slice(0, at + 1).reverse().find((l) => l.startsWith('=== ')) ?? '(before the first step)';
	return `line ${at + 1} (${step}):\n- ${w[at] ?? '(nothing)'}\n+ ${g[at] ?? '(nothing)'}`;
}

async function main() {
	const args = process.argv.slice(2);
	const flag = (name) => {
		const i = args.indexOf(name);
		return i >= 0 ? args[i + 1] : undefined;
	};
	const outDir = flag('--out');
	const checkDir = flag('--check');
	if (!outDir === !checkDir) {
		process.stderr.write('usage: node scripts/screens.mjs --out DIR | --check DIR [--tree NAME]...\n');
		process.exit(64);
	}
	const only = args.flatMap((a, i) => (a === '--tree' ? [args[i + 1]] : []));
	// Taken again, the kept captures in --out only say which screens to expect.
	const captures = await captureAll(only.length ? only : treeNames(), undefined, checkDir ?? outDir, outDir !== undefined);
	if (outDir) {
		mkdirSync(outDir, {recursive: true});
		for (const [file, got] of captures) {
			writeFileSync(path.join(outDir, file), got);
			process.stdout.write(`screens: ${file}\n`);
		}
		process.exit(0);
	}
	let differ = 0;
	for (const [file, got] of captures) {
		const difference = firstDifference(got, readFileSync(path.join(checkDir, file), 'utf8'));
		if (difference === null) continue;
		differ++;
		process.stdout.write(`screens: ${file} differs from ${difference}\n`);
	}
	process.stdout.write(`screens: ${differ === 0 ? 'all the same' : `${differ} differ`}\n`);
	process.exit(differ === 0 ? 0 : 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
