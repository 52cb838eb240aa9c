#!/usr/bin/env node
// The single file against the npm install, side by side in one run (issue 15; `npm run
// bench:release`, after `npm run release`). Each question is asked of both in turn, alternating
// run by run so a change in the machine's load falls on both alike:
//   --version, --json on the captured debian-6.12 tree, --json --sample (the bundled host, which
//   the single file carries as an asset), and the TUI's first frame in a real 80x24 pty
//   (bench/ptyrun.py) on the debian-6.12 tree.
// The npm install is what `npm ci && npm start` runs: `node dist/cli.js` with node_modules beside it.
// Prints the sizes and one table of medians (wall and CPU), and writes bench/release-results.json.
// A figure that could not be measured is printed as "not measured" with the reason.
//
// Environment:
//   MDEVSCOPE_BENCH_RUNS=9        runs per command and side (median)
//   MDEVSCOPE_BENCH_CACHE=DIR     where the measure helper is built (default /var/tmp/mdevscope-bench)
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {DEFAULT_CACHE} from './gen.mjs';
import {buildC, loadavg, machine, measure, median, percentile, run} from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.resolve(here, '..');
const env = process.env;
const RUNS = Math.max(1, Number(env.MDEVSCOPE_BENCH_RUNS ?? 9));
const CACHE = env.MDEVSCOPE_BENCH_CACHE ?? DEFAULT_CACHE;
const TREE = path.join(project, 'test', 'fixtures', 'trees', 'debian-6.12');
const log = (text) => process.stderr.write(`bench: ${text}\n`);
// As in bench/run.mjs: an admin's host does not set it, and every node started would parse it.
delete process.env.NODE_EXTRA_CA_CERTS;

const die = (message) => {
	process.stderr.write(`bench: ${message}\n`);
	process.exit(1);
};
const sums = path.join(project, 'release', 'SHA256SUMS');
if (!existsSync(sums)) die('no release/SHA256SUMS: run npm run release first');
const names = readFileSync(sums, 'utf8').trim().split('\n').map((l) => l.split(/\s+/)[1]);
const exeName = names.find((n) => /-linux-x64$/.test(n));
const debName = names.find((n) => n.endsWith('.deb'));
if (!exeName) die(`${sums} names no executable`);
const exe = path.join(project, 'release', exeName);
const distCli = path.join(project, 'dist', 'cli.js');
// dist/ from this checkout, as `npm ci && npm start` would run it (the build takes a few seconds).
execFileSync(process.execPath, [path.join(project, 'scripts', 'build.mjs')], {cwd: project, stdio: 'inherit'});
if (!existsSync(TREE)) die(`no ${TREE}: run npm run fixtures first`);
// Both sides must be the same program: the same version line (the same commit, dirty or not).
const versionOf = (argv) => execFileSync(argv[0], [...argv.slice(1), '--version'], {encoding: 'utf8'}).trim();
const sides = {single: [exe], npm: [process.execPath, distCli]};
const versions = {single: versionOf(sides.single), npm: versionOf(sides.npm)};
if (versions.single !== versions.npm) die(`the two are not the same build: single file "${versions.single}", npm "${versions.npm}": run npm run release`);

const measureBin = path.join(CACHE, 'bin', 'measure');
buildC(path.join(here, 'measure.c'), measureBin);

const du = (p) => Number(execFileSync('du', ['-sb', p], {encoding: 'utf8'}).split('\t')[0]);
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const sizes = {
	single: statSync(exe).size,
	deb: debName ? statSync(path.join(project, 'release', debName)).size : null,
	npmInstall: du(path.join(project, 'node_modules')) + du(path.join(project, 'dist')),
	nodeRuntime: statSync(process.execPath).size,
};

const questions = [
	{name: '--version', args: ['--version']},
	{name: '--json on the debian-6.12 tree', args: ['--json', '--root', TREE]},
	{name: '--json --sample (the bundled host)', args: ['--json', '--sample']},
];

const tuiName = 'TUI first frame, 80x24, debian-6.12 tree';
const samples = () => ({wallMs: [], cpuMs: [], rssKb: []});
const results = Object.fromEntries([...questions.map((q) => q.name), tuiName].map((name) => [name, {single: samples(), npm: samples(), errors: []}]));

function pty(command) {
	const plan = {cols: 80, rows: 24, timeout: 60, steps: [{do: 'first-frame', expect: 'Parents'}, {do: 'rss'}, {do: 'send', keys: 'q'}, {do: 'exit'}]};
	const r = run('python3', [path.join(here, 'ptyrun.py'), JSON.stringify(plan), '--', ...command], {cwd: project});
	try {
		return JSON.parse(r.stdout.trim().split('\n').pop());
	} catch {
		return {error: `ptyrun.py printed no result (exit ${r.status}): ${r.stderr.slice(-400)}`};
	}
}

const loadAtStart = loadavg();
log(`${RUNS} runs per question and side, alternating; load ${loadAtStart.join(' ')}`);
for (let i = 0; i < RUNS; i++) {
	// Which side goes first alternates too.
	const order = i % 2 ? ['npm', 'single'] : ['single', 'npm'];
	for (const q of questions) {
		for (const side of order) {
			const [cmd, ...pre] = sides[side];
			try {
				const m = measure(measureBin, cmd, [...pre, ...q.args]);
				if (m.status !== 0) throw new Error(`exit ${m.status}: ${m.stderr.slice(-300)}`);
				results[q.name][side].wallMs.push(m.wallMs);
				results[q.name][side].cpuMs.push(m.cpuMs);
				results[q.name][side].rssKb.push(m.rssKb);
			} catch (err) {
				results[q.name].errors.push(`${side}: ${err.message}`);
			}
		}
	}
	for (const side of order) {
		const r = pty([...sides[side], '--root', TREE]);
		if (typeof r.firstFrameMs !== 'number') {
			results[tuiName].errors.push(`${side}: ${r.error ?? 'no first frame'}`);
			continue;
		}
		results[tuiName][side].wallMs.push(r.firstFrameMs);
		if (typeof r.firstFrameCpuMs === 'number') results[tuiName][side].cpuMs.push(r.firstFrameCpuMs);
		const hwm = r.rss?.hwmKb;
		if (typeof hwm === 'number') results[tuiName][side].rssKb.push(hwm);
	}
}

const fmt = (ms) => (ms === null ? 'not measured' : `${Math.round(ms)} ms`);
const lines = [];
lines.push(`mdevscope release benchmark: ${versions.single}${versions.single === versions.npm ? '' : ` vs npm build ${versions.npm}`}`);
const m = machine();
lines.push(`machine: ${m.nproc} cores, ${m.model}, Linux ${m.kernel}, node ${m.node}, load at start ${loadAtStart.join(' ')}, at end ${m.load.join(' ')}`);
lines.push('');
lines.push(`size: single file ${mb(sizes.single)}${sizes.deb ? `, .deb ${mb(sizes.deb)}` : ''}; the npm install ${mb(sizes.npmInstall)} (node_modules + dist) plus Node itself ${mb(sizes.nodeRuntime)}`);
lines.push('');
const head = ['question', 'single file', 'npm install', 'single/npm', 'spread (p25-p75)', 'CPU single', 'CPU npm'];
const rows = [head];
const summary = {};
for (const [name, r] of Object.entries(results)) {
	const s = median(r.single.wallMs);
	const n = median(r.npm.wallMs);
	const ratio = s !== null && n !== null ? s / n : null;
	summary[name] = {singleMs: s, npmMs: n, ratio, singleCpuMs: median(r.single.cpuMs), npmCpuMs: median(r.npm.cpuMs), singleRssKb: median(r.single.rssKb), npmRssKb: median(r.npm.rssKb), runs: r.single.wallMs.length, errors: r.errors};
	// How far apart runs of the same side were: a ratio inside this is no difference at all.
	const spread = (v) => (v.length >= 4 ? `${Math.round(percentile(v, 25))}-${Math.round(percentile(v, 75))}` : '-');
	summary[name].spread = {single: spread(r.single.wallMs), npm: spread(r.npm.wallMs)};
	rows.push([name, fmt(s), fmt(n), ratio === null ? 'not measured' : ratio.toFixed(2), `${spread(r.single.wallMs)} / ${spread(r.npm.wallMs)} ms`, fmt(median(r.single.cpuMs)), fmt(median(r.npm.cpuMs))]);
}
const widths = head.map((_, c) => Math.max(...rows.map((row) => row[c].length)));
for (const row of rows) lines.push(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
for (const [name, r] of Object.entries(summary)) for (const e of r.errors) lines.push(`  ${name}: ${e}`);
lines.push('');
lines.push('medians of wall time (CPU: user + system of the process and its children); the target: single/npm <= 1.00 within the noise of the runs');
process.stdout.write(`${lines.join('\n')}\n`);
writeFileSync(path.join(here, 'release-results.json'), `${JSON.stringify({at: new Date().toISOString(), versions, machine: {...m, loadAtStart}, runs: RUNS, sizes, summary}, null, 2)}\n`);
