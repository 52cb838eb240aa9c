// Where the TUI's memory goes on a big tree: the RSS of one TUI session in a real pty (bench/ptyrun.py)
// at each stage, first frame, after the keys the benchmark presses, after `r`, after a second `r`.
// Prints figures, not verdicts; `npm run bench` gives the one the target is judged on.
//
//   node bench/tui-memory.mjs [huge|large] [CLI, default dist/cli.js] [-- node options...]
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {readdirSync} from 'node:fs';
import {ensureTree} from './gen.mjs';
import {run} from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dash = process.argv.indexOf('--');
const args = dash < 0 ? process.argv.slice(2) : process.argv.slice(2, dash);
const nodeOptions = dash < 0 ? [] : process.argv.slice(dash + 1);
const preset = args[0] ?? 'huge';
const cli = path.resolve(args[1] ?? path.join(here, '..', 'dist', 'cli.js'));
const {root} = ensureTree(preset);
const fragment = readdirSync(path.join(root, 'sys/bus/mdev/devices')).sort()[0].slice(0, 3);

const key = (keys, times = 1, extra = {}) => ({do: 'key', label: keys, keys, times, ...extra});
const rss = (label) => ({do: 'rss', label});
const plan = {
	cols: 160,
	rows: 48,
	timeout: 120,
	steps: [
		{do: 'first-frame'},
		rss('first frame'),
		key('j', 15),
		key('k', 15),
		key('\t'),
		key('j', 15),
		key('k', 15),
		key('\x1b[Z'),
		key('/'),
		...[...fragment].map((c) => key(c)),
		key('\r'),
		rss('after the keys'),
		key('r', 1, {expect: 'rescanned', timeout: 120}),
		rss('after r'),
		{do: 'sleep', seconds: 1.2},
		key('r', 1, {expect: 'rescanned', timeout: 120}),
		rss('after a second r'),
		{do: 'send', keys: 'q'},
		{do: 'exit', timeout: 30},
	],
};
const r = run('python3', [path.join(here, 'ptyrun.py'), JSON.stringify(plan), '--', process.execPath, ...nodeOptions, cli, '--root', root]);
const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
if (result.error) console.log(`error: ${result.error.slice(0, 300)}`);
const mb = (kb) => (kb === undefined || kb === null ? '-' : `${(kb / 1024).toFixed(0)} MB`);
console.log(`${preset} (${root}), ${path.relative(process.cwd(), cli) || cli}${nodeOptions.length ? ' ' + nodeOptions.join(' ') : ''}`);
console.log('stage                  VmRSS   VmHWM (peak so far)');
for (const [label, at] of Object.entries(result.rssAt ?? {})) console.log(`${label.padEnd(22)} ${mb(at.rssKb).padStart(6)}  ${mb(at.hwmKb).padStart(6)}`);
const walked = Object.entries(result.keyCpu ?? {}).filter(([label]) => label !== 'r');
const cpu = walked.reduce((sum, [, spent]) => sum + spent.cpuMs, 0);
const keys = walked.reduce((sum, [, spent]) => sum + spent.keys, 0);
console.log(`first frame: ${Math.round(result.firstFrameMs)} ms (CPU ${Math.round(result.firstFrameCpuMs)} ms)`);
console.log(`keys: CPU ${(cpu / Math.max(1, keys)).toFixed(1)} ms per key over ${keys} keys`);
console.log(`r to frame: ${(result.keys?.r ?? []).map((ms) => `${Math.round(ms)} ms`).join(', ')} (CPU ${Math.round(result.keyCpu?.r?.cpuMs ?? 0)} ms for both)`);
