// The compare view, on comparisons of snapshot files written from the trees captured on Debian 6.1
// and 6.12 with the probe answers those kernels really gave (test/fixtures/probes/*.json, `free`:
// mtty migrates on 6.12 with STOP_COPY|P2P|PRE_COPY and not on 6.1, mdpy and mbochs never). Then
// the CLI: piped it prints the report without loading Ink; on a terminal (a pty from `script`) it
// opens the view, and after q prints the report and exits with the verdict's code.
import {execFile, spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import anyTest from 'ava';
import React from 'react';
import {render} from 'ink-testing-library';
import {compareHosts, type Comparison, type Side} from '../src/compare/compare.js';
import {renderComparePlain} from '../src/output/compare.js';
import {compareLayout, compareReducer, initialCompareState, visibleVerdicts} from '../src/state/compare-view.js';
import {reasonLines, sideLine, sideLines} from '../src/present/compare-lines.js';
import {CompareView} from '../src/components/CompareView.js';
import {helpLines} from '../src/present/help-lines.js';
import {lineText} from '../src/present/line.js';
import {BINDINGS} from '../src/keymap.js';
import type {ProbeResult} from '../src/model/probe.js';
import {renderJson} from '../src/output/json.js';
import {loadSnapshot} from '../src/snapshot/load.js';
import {scanHost} from '../src/sysfs/scan.js';
import {withProbes} from '../src/model/instances.js';
import {assertFreshDist, distCli} from './helpers/cli.js';
import {frameInChildProcess, KEY, press, renderSized, waitFor} from './helpers/ink.js';
import {ScreenModel} from './helpers/screen-model.js';

// Serial: Ink apps typing at once on two shared cores make key timing flaky.
const test = anyTest.serial;

const project = fileURLToPath(new URL('..', import.meta.url));
const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';
const K612 = '6.12.117+deb12-amd64';
const K61 = '6.1.0-56-amd64';

const work = mkdtempSync(path.join(tmpdir(), 'mdevscope-compare-tui-'));
anyTest.after.always(() => rmSync(work, {recursive: true, force: true}));

/** A snapshot file as `mdevscope --json --probe` writes it on that kernel: the tree and its real probe answers. */
function snapshotFile(series: '6.1' | '6.12'): string {
	const recorded = JSON.parse(readFileSync(path.join(project, `test/fixtures/probes/debian-${series}.json`), 'utf8')) as {cases: {free: ProbeResult[]}};
	const model = scanHost(path.join(project, 'test/fixtures/trees', `debian-${series}`));
	const file = path.join(work, `host-${series}.json`);
	writeFileSync(file, renderJson({...withProbes(model, recorded.cases.free), source: {kind: 'live', label: null, recordedAt: null}, root: '/'}));
	return file;
}

const files = {'6.1': snapshotFile('6.1'), '6.12': snapshotFile('6.12')};

function side(series: '6.1' | '6.12'): Side {
	const s = loadSnapshot(files[series]);
	return {name: files[series], model: s.model};
}

const compare = (from: '6.1' | '6.12', to: '6.1' | '6.12'): Comparison => compareHosts(side(from), side(to));

const view = (c: Comparison) => <CompareView comparison={c} color={false} />;

/** The instance rows of a frame: `[selected?, uuid, verdict]` for each line of the list that names a uuid. */
function rowsOf(frame: string): Array<[boolean, string, string]> {
	const rows: Array<[boolean, string, string]> = [];
	for (const line of frame.split('\n')) {
		const m = /^\|([> ]) (\S{36}) .* (ok|risky|blocked) *\|$/.exec(line);
		if (m) rows.push([m[1] === '>', m[2]!, m[3]!]);
	}
	return rows;
}

/** The reasons pane's text: the lines after its title, unframed, joined (wrapping undone). */
function reasonsText(frame: string): string {
	const lines = frame.split('\n');
	const start = lines.findIndex((line) => /Reasons/.test(line) && line.startsWith('+'));
	return lines
		.slice(start + 1)
		.filter((line) => line.startsWith('|'))
		.map((line) => line.slice(1, -1).trim())
		.join(' ');
}

test('6.12 -> 6.1: the sides, the result, every instance blocked, and mtty\'s reasons with both kernels and module builds', (t) => {
	const c = compare('6.12', '6.1');
	const {lastFrame, unmount} = render(view(c));
	t.teardown(unmount);
	const frame = lastFrame()!;
	const [source, dest, result] = frame.split('\n');
	t.regex(source!, new RegExp(`^SOURCE  RECORDED  kernel ${K612.replace(/[.+]/g, '\\$&')}  recorded \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  host n/a`));
	// Where there is room, the file it was read from.
	t.regex(lineText(sideLine('SOURCE', c.source, 160)), /host n\/a  \S*host-6\.12\.json$/);
	// Narrower: when one side must drop a word, the other drops it too, so the columns stay aligned.
	for (const width of [70, 76, 80, 90, 100]) {
		const [s, d] = sideLines(c.source, c.dest, width).map(lineText);
		t.is(s!.includes(' kernel '), d!.includes(' kernel '), `${width}:\n${s}\n${d}`);
		t.is(s!.includes(' recorded '), d!.includes(' recorded '), `${width}:\n${s}\n${d}`);
		t.true(s!.length <= width && d!.length <= width);
	}
	t.regex(dest!, new RegExp(`^DEST    RECORDED  kernel ${K61.replace(/[.+]/g, '\\$&')}  recorded `));
	t.is(result!.trimEnd(), 'Result  blocked (exit 2): 3 instances, 0 ok, 0 risky, 3 blocked');
	t.deepEqual(rowsOf(frame), [
		[true, MTTY, 'blocked'],
		[false, MDPY, 'blocked'],
		[false, MBOCHS, 'blocked'],
	]);
	const text = reasonsText(frame);
	t.true(text.includes(`uuid     ${MTTY}  blocked`), text);
	t.true(text.includes('SOURCE   mtty/mtty-1 "Single port serial", active'));
	t.true(text.includes('DEST     mtty/mtty-1 (23 free)'));
	t.regex(text, /blocked +migration +DEST: the device does not support migration \(VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: ENOTTY\)/);
	t.regex(text, /ok +migration +SOURCE: migration supported, STOP_COPY\|P2P\|PRE_COPY/);
});

test('the reasons pane holds every reason of the comparison, with the two values it compared', (t) => {
	const mtty = compare('6.12', '6.1').instances.find((v) => v.uuid === MTTY)!;
	const text = reasonLines(mtty, 118).map(lineText).map((l) => l.trim()).join(' ').replace(/ +/g, ' ');
	for (const r of mtty.reasons) t.true(text.includes(`${r.verdict} ${r.check} ${r.message}`), r.message);
	// The driver: same version, other builds, and the two module versions as recorded.
	const driver = mtty.reasons.find((r) => r.check === 'driver')!;
	t.regex(driver.message, /^mtty 0\.1 on both, but different builds \(srcversion \w+ on SOURCE, \w+ on DEST\)$/);
	t.true(text.includes('SOURCE mtty 0.1 | DEST mtty 0.1'));
	t.true(text.includes(`risky kernel kernels differ: ${K612} on SOURCE, ${K61} on DEST SOURCE ${K612} | DEST ${K61}`));
	// Narrow: the messages go under their checks, and still every one is there.
	const narrow = reasonLines(mtty, 50).map(lineText);
	// (The uuid line above the reasons is cut to the pane, with ~, like any other line.)
	t.true(narrow.slice(1).every((l) => l.length <= 50), narrow.join('\n'));
	const joined = narrow.map((l) => l.trim()).join(' ');
	for (const r of mtty.reasons) t.true(joined.includes(r.message.split(' ').slice(0, 3).join(' ')));
});

test('6.12 -> 6.12: mtty ok with the same flags on both; moving the selection shows that instance\'s reasons', async (t) => {
	const c = compare('6.12', '6.12');
	t.is(c.verdict, 'blocked');
	const {lastFrame, stdin, unmount} = render(view(c));
	t.teardown(unmount);
	t.deepEqual(rowsOf(lastFrame()!).map(([sel, uuid, verdict]) => [sel, uuid, verdict]), [
		[true, MTTY, 'ok'],
		[false, MDPY, 'blocked'],
		[false, MBOCHS, 'blocked'],
	]);
	t.regex(reasonsText(lastFrame()!), /ok +migration +DEST: migration supported, STOP_COPY\|P2P\|PRE_COPY/);
	const flags = reasonLines(c.instances[0]!, 98).map(lineText).join('\n');
	t.regex(flags, /ok +migration-flags +same migration flags \(STOP_COPY\|P2P\|PRE_COPY\)\n +SOURCE STOP_COPY\|P2P\|PRE_COPY \| DEST STOP_COPY\|P2P\|PRE_COPY/);

	await press(stdin, 'j');
	t.deepEqual(rowsOf(lastFrame()!).map(([sel]) => sel), [false, true, false]);
	let text = reasonsText(lastFrame()!);
	t.true(text.includes(`uuid     ${MDPY}  blocked`), text);
	t.true(text.includes('SOURCE   mdpy/mdpy-hd'));
	t.regex(text, /blocked +migration +SOURCE: the device does not support migration/);
	t.false(text.includes('migration-flags'), 'mtty\'s reasons are gone');

	await press(stdin, 'G');
	t.true(reasonsText(lastFrame()!).includes(`uuid     ${MBOCHS}  blocked`));
	await press(stdin, KEY.up);
	t.true(reasonsText(lastFrame()!).includes(`uuid     ${MDPY}  blocked`));
	await press(stdin, 'g');
	t.true(reasonsText(lastFrame()!).includes(`uuid     ${MTTY}  ok`));
});

test('/ filters by uuid, type or verdict; the selection stays on its instance; Esc clears', async (t) => {
	const {lastFrame, stdin, unmount} = render(view(compare('6.12', '6.12')));
	t.teardown(unmount);
	await press(stdin, 'j', '/', 'b', 'l', 'o', 'c');
	t.deepEqual(rowsOf(lastFrame()!), [
		[true, MDPY, 'blocked'],
		[false, MBOCHS, 'blocked'],
	]);
	t.true(lastFrame()!.includes('Result  blocked (exit 2): 3 instances, 1 ok, 0 risky, 2 blocked; the filter shows 2'));
	t.true(lastFrame()!.includes('filter /bloc_'));
	await press(stdin, KEY.enter, 'j');
	t.true(reasonsText(lastFrame()!).includes(`uuid     ${MBOCHS}`));
	await press(stdin, KEY.escape);
	t.deepEqual(rowsOf(lastFrame()!), [
		[false, MTTY, 'ok'],
		[false, MDPY, 'blocked'],
		[true, MBOCHS, 'blocked'],
	]);
	t.deepEqual(visibleVerdicts(compare('6.12', '6.12').instances, 'mdpy-hd').map((v) => v.uuid), [MDPY]);
});

test('Tab focuses the reasons, which then scroll; ? shows the compare keys from the key table', async (t) => {
	const {lastFrame, stdin, unmount} = render(view(compare('6.12', '6.1')));
	t.teardown(unmount);
	t.regex(lastFrame()!, /\+=\[\*\] SOURCE instances \(3\)/);
	await press(stdin, KEY.tab);
	t.regex(lastFrame()!, /\+=\[\*\] Reasons/);
	const before = reasonsText(lastFrame()!);
	await press(stdin, 'G');
	t.not(reasonsText(lastFrame()!), before);
	t.true(reasonsText(lastFrame()!).includes('kernels differ'));
	// The list kept its selection.
	t.deepEqual(rowsOf(lastFrame()!)[0], [true, MTTY, 'blocked']);

	await press(stdin, '?');
	const help = lastFrame()!;
	t.true(help.includes('Help: ? or Esc closes'));
	t.regex(help, /\/ +compare +filter the instances/);
	// Only the keys that work here: no probe, doctor or borrow.
	t.false(/ p +instances/.test(help));
	const lines = helpLines(118, {contexts: ['compare', 'help', 'filter', 'global']}).map(lineText).join('\n');
	for (const b of BINDINGS) {
		const here = b.scope.some((s) => ['compare', 'help', 'filter', 'global'].includes(s));
		t.is(lines.includes((b.compareHelp ?? b.help).slice(0, 30)), here, b.help);
	}
	await press(stdin, KEY.escape);
	t.regex(lastFrame()!, /Reasons/);
});

test('80x24: no line is wider than the terminal or wraps, every row is one line; the list window follows the selection', async (t) => {
	// Many instances: SOURCE with 40 defined ones of mtty-1 besides the captured three.
	const c = compare('6.12', '6.1');
	const many: Comparison = {
		...c,
		instances: [...c.instances, ...Array.from({length: 40}, (_, i) => ({...c.instances[0]!, uuid: `aaaaaaaa-0000-0000-0000-${String(i).padStart(12, '0')}`}))],
	};
	const {stdin, lastFrame, unmount} = renderSized(view(many), 80, 24);
	t.teardown(unmount);
	await waitFor(() => lastFrame().includes('SOURCE instances'), 'the first frame');
	const check = () => {
		const lines = lastFrame().split('\n');
		t.true(lines.length <= 23, `${lines.length} lines`);
		for (const line of lines) t.true(line.length <= 80 && /^[\x20-\x7e]*$/.test(line), JSON.stringify(line));
		return lines;
	};
	let lines = check();
	const capacity = compareLayout({columns: 80, rows: 24}, 'instances', false, many.instances.length).listHeight - 3;
	t.is(rowsOf(lastFrame()).length, capacity, 'only the visible rows are drawn');
	t.regex(lines.join('\n'), new RegExp(`SOURCE instances \\(1-${capacity}/43\\)`));
	await press(stdin, 'G');
	lines = check();
	t.deepEqual(rowsOf(lastFrame()).at(-1), [true, 'aaaaaaaa-0000-0000-0000-000000000039', 'blocked']);
	await press(stdin, '?');
	check();
});

test('the reducer keeps the list window on the selection and clamps at the ends', (t) => {
	const c = compare('6.12', '6.1');
	let s = initialCompareState(c.instances, {columns: 80, rows: 16});
	s = compareReducer(s, {type: 'move', by: 'edge', dir: 1});
	t.is(s.selected, 2);
	s = compareReducer(s, {type: 'move', by: 'line', dir: 1});
	t.is(s.selected, 2);
	s = compareReducer(s, {type: 'move', by: 'page', dir: -1});
	t.is(s.selected, 0);
	t.is(s.scroll, 0);
	s = compareReducer(s, {type: 'filter-input', text: 'nothing-like-this'});
	t.is(visibleVerdicts(s.all, s.filter.text).length, 0);
	t.is(compareReducer(s, {type: 'move', by: 'line', dir: 1}), s);
});

test('NO_COLOR: the same view without any ESC[ code; colours otherwise', async (t) => {
	const base = {...process.env};
	delete base['NO_COLOR'];
	const frame = (env: NodeJS.ProcessEnv) =>
		frameInChildProcess(env, {
			setup: `
				const {CompareView} = await import(${JSON.stringify(new URL('../src/components/CompareView.tsx', import.meta.url).href)});
				const comparison = ${JSON.stringify(compare('6.12', '6.1'))};`,
			element: 'React.createElement(CompareView, {comparison})',
			columns: 80,
			rows: 24,
		});
	const coloured = await frame({...base, FORCE_COLOR: '1'});
	t.true(coloured.includes('\x1b['), 'colours are on without NO_COLOR');
	const plain = await frame({...base, FORCE_COLOR: '1', NO_COLOR: '1'});
	t.false(plain.includes('\x1b['));
	t.is(plain, coloured.replace(/\x1b\[[0-9;]*m/g, ''));
	t.true(plain.includes(`|> ${MTTY}`));
});

// ---- the command ---------------------------------------------------------------------------------

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}

// From source: the question is which of its modules it loads.
const cli = path.join(project, 'src', 'cli.tsx');
const recorder = path.join(project, 'test', 'fixtures', 'hooks', 'record-loads.mjs');

test('piped (and --plain): the plain report and the exit code, without loading Ink or React', async (t) => {
	for (const extra of [[], ['--plain']]) {
		const loads = path.join(work, 'loads.txt');
		rmSync(loads, {force: true});
		const run = await new Promise<Run>((resolve) => {
			execFile(
				process.execPath,
				['--import', recorder, '--import', 'tsx', cli, 'compare', files['6.12'], files['6.1'], ...extra],
				{cwd: project, encoding: 'utf8', env: {...process.env, NO_COLOR: '1', MDEVSCOPE_RECORD_LOADS: loads}},
				(error, stdout, stderr) => resolve({code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr}),
			);
		});
		t.is(run.code, 2, run.stderr);
		t.is(run.stdout, renderComparePlain(compare('6.12', '6.1')));
		const urls = readFileSync(loads, 'utf8').split('\n');
		t.true(urls.some((u) => u.endsWith('/src/compare/compare.ts')), 'the recorder saw the command');
		t.deepEqual(urls.filter((u) => /\/node_modules\/(ink|react|react-reconciler)\//.test(u) || u.endsWith('/src/terminal/screen.tsx')), [], extra.join(' '));
	}
});

const hasScript = spawnSync('script', ['--version']).status === 0;

/** The CLI on a terminal: `script` gives it a pty; `keys` are typed once the view is drawn. */
function onTerminal(args: string[], keys: string): Promise<{code: number | null; output: string}> {
	assertFreshDist();
	const command = [process.execPath, distCli, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
	const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', COLUMNS: '80', LINES: '24'};
	delete env['CI']; // as a user's terminal
	return new Promise((resolve) => {
		const child = spawn('script', ['-qefc', `stty cols 80 rows 24; exec ${command}`, '/dev/null'], {cwd: project, env});
		let output = '';
		let typed = false;
		child.stdout.on('data', (d: Buffer) => {
			output += d.toString();
			if (!typed && output.includes('SOURCE instances')) {
				typed = true;
				child.stdin.write(keys);
			}
		});
		const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
		child.on('close', (code) => {
			clearTimeout(timer);
			resolve({code, output});
		});
	});
}

(hasScript ? test : test.skip)('on a terminal: the view, then after q the plain report below it and the verdict\'s exit code', async (t) => {
	const {code, output} = await onTerminal(['compare', files['6.12'], files['6.12']], 'jq');
	t.is(code, 2, output);
	const enter = output.indexOf('\x1b[?1049h');
	const leave = output.lastIndexOf('\x1b[?1049l');
	t.true(enter >= 0 && leave > enter, 'the alternate screen, entered and left');
	// Frames are written as the cells that changed (src/terminal/frame-diff.ts): read the screen.
	const screen = new ScreenModel(80, 24).feed(output.slice(enter, leave)).text();
	t.true(screen.includes(`uuid     ${MDPY}  blocked`), `j moved the selection:\n${screen}`);
	const after = output.slice(leave).replace(/\r\n/g, '\n');
	t.true(after.includes(renderComparePlain(compare('6.12', '6.12'))), after);
});
