#!/usr/bin/env node
// The benchmark of issue 6 (`npm run bench`): inventory against Debian's mdevctl and the floors,
// the TUI in a real pty, and the live probes in the VM harness against a C program. Prints one
// table with the targets and writes bench/results.json. A figure that could not be measured is
// printed as "not measured" with the reason, never as a number.
//
// Environment:
//   MDEVSCOPE_BENCH_RUNS=7        runs per inventory command (median); TUI sessions use ceil(runs/2)
//   MDEVSCOPE_BENCH_SEED=6        seed of the generated trees (bench/gen.mjs)
//   MDEVSCOPE_BENCH_CACHE=DIR     trees, mdevctl and helpers (default /var/tmp/mdevscope-bench)
//   MDEVSCOPE_BENCH_SKIP_VM=1     do not run the probe benchmark (printed as not measured)
//   MDEVSCOPE_BENCH_VM=6.12       the VM kernel series for the probes (6.1 or 6.12)
//   MDEVSCOPE_BENCH_VM_ROUNDS=3   rounds of each probe command in the VM
//   MDEVSCOPE_BENCH_ONLY=a,b      only these parts (inventory, tui, probes); the others are kept
//                                 from the last bench/results.json
//   MDEVSCOPE_BENCH_KEEP=1        keep the VM run's output directory
import {readFileSync, readdirSync, writeFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {DEFAULT_CACHE, DEFAULT_SEED, ensureTree} from './gen.mjs';
import {buildC, ensureCommands, ensurePackages, fetchMdevctl, installMdevctl, installNode, loadavg, machine, measure, median, percentile, recordOps, run} from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.resolve(here, '..');
const cli = path.join(project, 'dist', 'cli.js');
const env = process.env;
const RUNS = Math.max(1, Number(env.MDEVSCOPE_BENCH_RUNS ?? 7));
const SEED = Number(env.MDEVSCOPE_BENCH_SEED ?? DEFAULT_SEED);
const CACHE = env.MDEVSCOPE_BENCH_CACHE ?? DEFAULT_CACHE;
const BIN = path.join(CACHE, 'bin');
const VM_SERIES = env.MDEVSCOPE_BENCH_VM ?? '6.12';
const VM_ROUNDS = Math.max(1, Number(env.MDEVSCOPE_BENCH_VM_ROUNDS ?? 3));
const ONLY = env.MDEVSCOPE_BENCH_ONLY ? new Set(env.MDEVSCOPE_BENCH_ONLY.split(',')) : null;
const part = (name) => !ONLY || ONLY.has(name);

const log = (text) => process.stderr.write(`bench: ${text}\n`);
// Every node started here would parse this certificate bundle at start-up (~35 ms CPU on this
// machine's kind); an admin's host does not set it, so no measured command gets it.
const extraCaCerts = env.NODE_EXTRA_CA_CERTS;
delete process.env.NODE_EXTRA_CA_CERTS;
const ms = (v) => (v === null || v === undefined ? 'n/a' : v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);
const mb = (kb) => (kb === null || kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);
const x = (r) => (r === null || r === undefined ? 'n/a' : `${r.toFixed(2)}x`);

/** The table: rows of {section, name, figure, target, status ('met' | 'not met' | 'info' | 'not measured'), why?}. */
const rows = [];
const results = {startedAt: new Date().toISOString(), machine: machine(), runs: RUNS, seed: SEED, notes: [], trees: {}, inventory: {}, tui: {}, probes: null};
if (extraCaCerts) results.notes.push(`NODE_EXTRA_CA_CERTS (${extraCaCerts}) was unset for every measured command`);
const PARTS = ['inventory', 'tui', 'probes'];
let currentPart = null;
const row = (section, name, figure, target = '', status = 'info', why) =>
	rows.push({part: currentPart, section, name, figure, target, status, ...(why ? {why} : {})});
const notMeasured = (section, name, target, why) => row(section, name, 'not measured', target, 'not measured', why);
const judge = (ok) => (ok === null ? 'not measured' : ok ? 'met' : 'not met');

// ---- set-up --------------------------------------------------------------------------------------------

function setup() {
	const missing = ensureCommands(
		{gcc: 'gcc', strace: 'strace', python3: 'python3', chroot: 'coreutils', ldd: 'libc-bin', 'dpkg-deb': 'dpkg'},
		log,
	);
	const why = Object.fromEntries(missing.map((m) => [m.command, m.why]));
	// Static C helpers need libc.a (libc6-dev); gcc alone does not always bring it.
	if (!why.gcc && !existsSync('/usr/lib/x86_64-linux-gnu/libc.a')) {
		const failed = ensurePackages(['libc6-dev'], log);
		if (failed) why.gcc = failed;
	}
	const bins = {};
	if (!why.gcc) {
		try {
			bins.measure = buildC(path.join(here, 'measure.c'), path.join(BIN, 'measure'));
			bins.floor = buildC(path.join(here, 'floor.c'), path.join(BIN, 'floor'), {static: true});
			bins.cprobe = buildC(path.join(project, 'test', 'vm', 'cprobe.c'), path.join(BIN, 'cprobe'), {static: true});
			bins.ioctlLoop = buildC(path.join(here, 'ioctl-loop.c'), path.join(BIN, 'ioctl-loop'), {static: true});
		} catch (error) {
			why.gcc = error.message;
		}
	}
	// The product bundle the user runs, rebuilt when a source file is newer (dist/ is shared with
	// whoever else runs the CLI here, so it is not rewritten for nothing). A failed rebuild with a
	// bundle already there is stated, and that bundle is measured.
	const newest = (dir) =>
		readdirSync(dir, {withFileTypes: true}).reduce(
			(t, e) => Math.max(t, e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs),
			0,
		);
	if (!existsSync(cli) || statSync(cli).mtimeMs < newest(path.join(project, 'src'))) {
		log('building dist/ (node scripts/build.mjs)');
		const build = run(process.execPath, [path.join(project, 'scripts', 'build.mjs')], {cwd: project});
		if (build.status !== 0) {
			const first = (build.stderr.match(/\[ERROR\][^\n]*/) ?? [build.stderr.split('\n').slice(0, 2).join(' ')])[0].trim();
			if (!existsSync(cli)) throw new Error(`node scripts/build.mjs failed and there is no dist/cli.js to measure: ${first}`);
			const note = `node scripts/build.mjs failed (${first}); measured the existing dist/ from ${statSync(cli).mtime.toISOString()}`;
			results.notes.push(note);
			log(note);
		}
	}
	return {why, bins};
}

// ---- inventory: --json against mdevctl list+types and the floors ---------------------------------------

function modelCounts(json) {
	const m = JSON.parse(json);
	const errors =
		m.errors.length +
		m.parents.reduce((n, p) => n + p.errors.length + p.types.reduce((k, t) => k + t.errors.length, 0), 0) +
		m.instances.reduce((n, i) => n + i.errors.length, 0);
	return {
		parents: m.parents.length,
		types: m.parents.reduce((n, p) => n + p.types.length, 0),
		active: m.instances.filter((i) => i.active).length,
		definedOnly: m.instances.filter((i) => !i.active).length,
		errors,
	};
}

function mdevctlCounts(listJson, typesJson) {
	const list = JSON.parse(listJson);
	const types = JSON.parse(typesJson);
	const sum = (doc) => doc.reduce((n, byParent) => n + Object.values(byParent).reduce((k, v) => k + v.length, 0), 0);
	return {active: sum(list), types: sum(types), parents: types.reduce((n, byParent) => n + Object.keys(byParent).length, 0)};
}

// What a scan reads of a host, seen from inside the chroot: the paths under sys/, dev/vfio, etc/ and
// proc/ that the scanner reads, not node's own start-up files (or its look at /sys/fs/cgroup).
const hostPath = (p) =>
	/^\/(sys|dev\/vfio|etc\/mdevctl\.d|etc\/hostname|proc\/(sys\/kernel|cmdline|version)|usr\/share\/(misc|hwdata)\/pci\.ids)(\/|$)/.test(p) &&
	!p.startsWith('/sys/fs/');

function inventory(name, setupState, mdevctl) {
	const {bins, why} = setupState;
	const section = `inventory: ${name}`;
	const {root, info} = ensureTree(name, {seed: SEED, cache: CACHE});
	const expected = info.expected;
	results.trees[name] = {root, params: info.params, expected: {...expected, activePerParent: undefined}, entries: info.entries};
	log(`${name}: ${root} (${expected.parents} parents, ${expected.types} types, ${expected.active} active + ${expected.definedOnly} defined-only)`);
	const out = {};
	const scratch = mkdtempSync(path.join(CACHE, 'run-'));
	const matches = (found) =>
		found !== null &&
		found.parents === expected.parents &&
		found.types === expected.types &&
		found.active === expected.active &&
		found.definedOnly === expected.definedOnly &&
		found.errors === 0;
	const foundText = (found) =>
		found ? `found ${found.parents} parents, ${found.types} types, ${found.active}+${found.definedOnly} instances, ${found.errors} errors` : 'found nothing';
	try {
		// The chroot runs (mdevctl, and mdevscope scanning the tree as `/`, as on a host) need root.
		let chrootWhy = why.chroot ?? (process.getuid?.() === 0 ? null : 'chroot needs root');
		let live = null;
		if (!chrootWhy) {
			live = installNode(root, {dist: path.join(project, 'dist'), files: [bins.floor, path.join(here, 'floor-node.mjs')].filter(Boolean)});
		}
		const liveCommand = live ? ['chroot', [root, live.node, `${live.dir}/dist/cli.js`, '--json']] : null;
		const rootCommand = [process.execPath, [cli, '--root', root, '--json']];

		// What each finds: exactly the generated counts, no errors, or its timing means nothing.
		const check = (command, file) => {
			const m = measure(bins.measure, command[0], command[1], {out: path.join(scratch, file)});
			return m.status === 0 ? modelCounts(readFileSync(path.join(scratch, file), 'utf8')) : null;
		};
		out.foundRoot = check(rootCommand, 'root.json');
		out.foundLive = liveCommand ? check(liveCommand, 'live.json') : null;
		for (const [what, found] of [['--root', out.foundRoot], ['in the chroot', out.foundLive]]) {
			if (found !== null && !matches(found)) results.notes.push(`${name}: mdevscope --json ${what} ${foundText(found)}; the tree has ${JSON.stringify(expected)}`);
		}

		let mdevctlOk = false;
		let mdevctlWhy = mdevctl.error ?? chrootWhy;
		if (!mdevctlWhy) {
			installMdevctl(mdevctl.binary, root);
			const l = measure(bins.measure, 'chroot', [root, '/usr/bin/mdevctl', 'list', '--dumpjson'], {out: path.join(scratch, 'list.json')});
			const t = measure(bins.measure, 'chroot', [root, '/usr/bin/mdevctl', 'types', '--dumpjson'], {out: path.join(scratch, 'types.json')});
			if (l.status !== 0 || t.status !== 0) {
				mdevctlWhy = `mdevctl in the chroot exited ${l.status}/${t.status}: ${(l.stderr + t.stderr).trim().slice(0, 300)}`;
			} else {
				const seen = mdevctlCounts(readFileSync(path.join(scratch, 'list.json'), 'utf8'), readFileSync(path.join(scratch, 'types.json'), 'utf8'));
				out.mdevctlFound = seen;
				mdevctlOk = seen.active === expected.active && seen.types === expected.types && seen.parents === expected.parents;
				if (!mdevctlOk) mdevctlWhy = `mdevctl saw ${seen.active} instances, ${seen.types} types on ${seen.parents} parents; the tree has ${expected.active}, ${expected.types}, ${expected.parents}`;
			}
		}

		// The scanner's file calls: as on a host (in the chroot; replayed by the floors), and with
		// --root (counted: the tree path adds a confinement check per file).
		let ops = null;
		let floorWhy = why.strace ?? why.gcc ?? chrootWhy;
		if (!floorWhy) {
			ops = recordOps(liveCommand[0], liveCommand[1], hostPath, path.join(root, 'opt', 'mdevscope', 'live.ops'));
			out.ops = {calls: ops.calls, counts: ops.counts};
			const rootOps = recordOps(rootCommand[0], rootCommand[1], (p) => p === root || p.startsWith(root + '/'), path.join(scratch, 'root.ops'));
			out.opsRoot = {calls: rootOps.calls, counts: rootOps.counts};
			if (ops.calls === 0) floorWhy = 'the chroot run made no file call under sys/ (the path filter in bench/run.mjs no longer matches)';
		}
		const opsInTree = `${live?.dir}/live.ops`;

		const commands = {
			...(liveCommand && out.foundLive ? {mdevscope: liveCommand} : {}),
			mdevscopeRoot: rootCommand,
			...(mdevctlOk
				? {
						mdevctlList: ['chroot', [root, '/usr/bin/mdevctl', 'list', '--dumpjson']],
						mdevctlTypes: ['chroot', [root, '/usr/bin/mdevctl', 'types', '--dumpjson']],
					}
				: {}),
			...(ops && !floorWhy
				? {
						floorC: ['chroot', [root, `${live.dir}/floor`, opsInTree]],
						floorNode: ['chroot', [root, live.node, `${live.dir}/floor-node.mjs`, opsInTree]],
					}
				: {}),
			nodeStart: [process.execPath, ['-e', '0']],
			cliStart: [process.execPath, [cli, '--version']],
		};
		const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
		const keys = Object.keys(commands);
		for (let r = 0; r < RUNS; r++) {
			// Interleaved, and rotated each run: load from elsewhere on the machine falls on all alike.
			for (let k = 0; k < keys.length; k++) {
				const key = keys[(k + r) % keys.length];
				const [command, args] = commands[key];
				const m = measure(bins.measure, command, args);
				if (m.status !== 0) throw new Error(`${key} exited ${m.status} on ${name}: ${m.stderr.slice(-300)}`);
				samples[key].push(m);
			}
		}
		const stat = (list) => ({
			wallMs: median(list.map((s) => s.wallMs)),
			cpuMs: median(list.map((s) => s.cpuMs)),
			rssKb: Math.max(...list.map((s) => s.rssKb)),
			wallAllMs: list.map((s) => Math.round(s.wallMs * 10) / 10),
		});
		for (const key of keys) out[key] = stat(samples[key]);
		if (mdevctlOk) {
			const pair = samples.mdevctlList.map((l, i) => ({
				wallMs: l.wallMs + samples.mdevctlTypes[i].wallMs,
				cpuMs: l.cpuMs + samples.mdevctlTypes[i].cpuMs,
				rssKb: Math.max(l.rssKb, samples.mdevctlTypes[i].rssKb),
			}));
			out.mdevctl = {...stat(pair), version: mdevctl.version};
		}
		results.inventory[name] = out;

		// ---- rows ----
		const figure = (m) => `${ms(m.wallMs)} (CPU ${ms(m.cpuMs)}), peak RSS ${mb(m.rssKb)}`;
		const liveOk = matches(out.foundLive);
		if (out.mdevscope) {
			row(section, `mdevscope --json in a chroot of the tree, root / as on a host (${foundText(out.foundLive)}; ${ops?.calls ?? '?'} file calls)`, figure(out.mdevscope), '', liveOk ? 'info' : 'not met', liveOk ? undefined : 'the scan did not find exactly the generated tree');
		} else {
			notMeasured(section, 'mdevscope --json in a chroot of the tree', '', chrootWhy ?? 'it failed in the chroot');
		}
		const rootOk = matches(out.foundRoot);
		row(section, `mdevscope --root <tree> --json (${foundText(out.foundRoot)}; ${out.opsRoot?.calls ?? '?'} file calls)`, figure(out.mdevscopeRoot), '', rootOk ? 'info' : 'not met', rootOk ? undefined : 'the scan did not find exactly the generated tree');
		const limit = name === 'huge' ? 0.5 : 1;
		const targetText = name === 'huge' ? 'wall <= 0.5x mdevctl' : 'wall <= mdevctl';
		if (mdevctlOk) {
			const m = out.mdevctl;
			row(section, `mdevctl ${mdevctl.version} list --dumpjson + types --dumpjson, chroot (saw ${out.mdevctlFound.active} instances, ${out.mdevctlFound.types} types)`, figure(m));
			if (out.mdevscope) {
				out.ratio = {wall: out.mdevscope.wallMs / m.wallMs, cpu: out.mdevscope.cpuMs / m.cpuMs};
				row(section, 'ratio mdevscope / mdevctl, both in the chroot', `${x(out.ratio.wall)} wall (${x(out.ratio.cpu)} CPU)`, targetText, judge(liveOk ? out.ratio.wall <= limit : false));
			} else notMeasured(section, 'ratio mdevscope / mdevctl, both in the chroot', targetText, chrootWhy ?? 'mdevscope failed in the chroot');
			out.ratioRoot = {wall: out.mdevscopeRoot.wallMs / m.wallMs, cpu: out.mdevscopeRoot.cpuMs / m.cpuMs};
			row(section, 'ratio mdevscope --root / mdevctl', `${x(out.ratioRoot.wall)} wall (${x(out.ratioRoot.cpu)} CPU)`);
		} else {
			notMeasured(section, 'mdevctl list --dumpjson + types --dumpjson', '', mdevctlWhy);
			notMeasured(section, 'ratio mdevscope / mdevctl', targetText, mdevctlWhy);
		}
		if (out.floorC) {
			const counts = Object.entries(ops.counts).map(([k, v]) => `${v} ${k}`).join(', ');
			row(section, `floor: the scanner's ${ops.calls} file calls as on a host (${counts}) replayed by a static C program (bench/floor.c), chroot`, `${ms(out.floorC.wallMs)} (CPU ${ms(out.floorC.cpuMs)}); mdevscope is ${x(out.mdevscope.wallMs / out.floorC.wallMs)} wall, ${x(out.mdevscope.cpuMs / out.floorC.cpuMs)} CPU`);
			row(section, 'the same calls one by one through node:fs, no parsing (bench/floor-node.mjs), chroot', figure(out.floorNode));
		} else {
			notMeasured(section, 'floor', '', floorWhy ?? 'no ops recorded');
		}
		row(section, 'start-up alone: node -e 0 / mdevscope --version', `${ms(out.nodeStart.wallMs)} / ${ms(out.cliStart.wallMs)} (CPU ${ms(out.nodeStart.cpuMs)} / ${ms(out.cliStart.cpuMs)})`);
		if (name === 'huge') {
			const peak = Math.max(out.mdevscope?.rssKb ?? 0, out.mdevscopeRoot.rssKb);
			row(section, 'peak RSS of --json on huge (the higher of the two runs)', mb(peak), '<= 150 MB', judge(peak <= 150 * 1024));
		}
	} finally {
		rmSync(scratch, {recursive: true, force: true});
	}
}

// ---- TUI in a pty ---------------------------------------------------------------------------------------

function pty(plan, command) {
	const r = run('python3', [path.join(here, 'ptyrun.py'), JSON.stringify(plan), '--', ...command], {cwd: project});
	try {
		return JSON.parse(r.stdout.trim().split('\n').pop());
	} catch {
		return {error: `ptyrun.py printed no result (exit ${r.status}): ${r.stderr.slice(-400)}`};
	}
}

function firstUuid(root) {
	return readdirSync(path.join(root, 'sys/bus/mdev/devices')).sort()[0];
}

function tui(why, bins) {
	// As on a host: in a chroot of the tree (root /), when this runs as root; else with --root.
	const chroot = process.getuid?.() === 0 && !why.chroot;
	const section = chroot ? 'TUI (pty 160x48, in a chroot of the tree: root / as on a host)' : 'TUI (pty 160x48, --root <tree>)';
	if (why.python3) {
		for (const name of ['first frame', 'key-to-frame on huge', 'peak RSS of the TUI on huge']) notMeasured(section, name, '', why.python3);
		return;
	}
	const sessions = Math.max(1, Math.ceil(RUNS / 2));
	const large = ensureTree('large', {seed: SEED, cache: CACHE}).root;
	const huge = ensureTree('huge', {seed: SEED, cache: CACHE}).root;
	const files = [bins.floor, path.join(here, 'floor-node.mjs')].filter(Boolean);
	if (chroot) for (const root of [large, huge]) installNode(root, {dist: path.join(project, 'dist'), files});
	const command = (root) => (chroot ? ['chroot', root, '/usr/bin/node', '/opt/mdevscope/dist/cli.js'] : [process.execPath, cli, '--root', root]);
	const out = {chroot, nodeStartMs: [], nodeStartCpuMs: [], firstFrameMs: {large: [], huge: []}, firstFrameCpuMs: {large: [], huge: []}, keys: {}, rssKb: [], errors: []};
	const quit = [{do: 'send', keys: 'q'}, {do: 'exit', timeout: 30}];
	// Keys on huge: moving in the parents pane (256 rows) and the types pane (20 rows, after Tab),
	// back (Shift-Tab), opening the filter, typing three characters of a uuid (each one filters all
	// 8,192 instances again), keeping it, moving in the filtered parents, going to the instances found
	// (n, N), ordering the instances list (o, O), and a rescan (r) of the
	// unchanged tree. Every key changes the screen, so every key gets a frame.
	const fragment = firstUuid(huge).slice(0, 3);
	const key = (label, keys, times, extra = {}) => ({do: 'key', label, keys, times, ...extra});
	const walk = (n) => [
		key('j (parents)', 'j', n),
		key('k (parents)', 'k', n),
		key('Tab', '\t', 1),
		key('j (types)', 'j', n),
		key('k (types)', 'k', n),
		key('Shift-Tab', '\x1b[Z', 1),
		key('/ (open filter)', '/', 1),
		...[...fragment].map((c) => key('filter: type a character', c, 1)),
		key('Enter (keep filter)', '\r', 1),
		key('j (filtered)', 'j', Math.min(n, 5)),
		key('k (filtered)', 'k', Math.min(n, 5)),
		// Issue 17: n/N go from one instance found to the next across parents (the status line says
		// which of how many); o orders the instances list by the next column, O reverses it (the
		// pane's title says the order).
		key('n (next instance found)', 'n', Math.min(n, 5)),
		key('N (previous instance found)', 'N', Math.min(n, 5)),
		key('o (order by the next column)', 'o', 6),
		key('O (reverse the order)', 'O', 2),
	];
	const hugePlan = {
		cols: 160,
		rows: 48,
		timeout: 60,
		steps: [{do: 'first-frame'}, ...walk(15), key('r (rescan, unchanged tree)', 'r', 1, {expect: 'rescanned', timeout: 120}), {do: 'rss'}, ...quit],
	};
	for (let s = 0; s < sessions; s++) {
		const n = pty({steps: [{do: 'exit'}]}, [process.execPath, '-e', '0']);
		if (n.error) out.errors.push(`node -e 0: ${n.error}`);
		else {
			out.nodeStartMs.push(n.exitMs);
			out.nodeStartCpuMs.push(n.cpuMs);
		}
		const l = pty({cols: 160, rows: 48, timeout: 60, steps: [{do: 'first-frame'}, ...quit]}, command(large));
		if (l.error) out.errors.push(`large: ${l.error.slice(0, 200)}`);
		if (typeof l.firstFrameMs === 'number') out.firstFrameMs.large.push(l.firstFrameMs);
		if (typeof l.firstFrameCpuMs === 'number') out.firstFrameCpuMs.large.push(l.firstFrameCpuMs);
		// What a session measured before a failure still counts; the failure is noted.
		const h = pty(hugePlan, command(huge));
		if (h.error) out.errors.push(`huge: ${h.error.slice(0, 200)}`);
		if (typeof h.firstFrameMs === 'number') out.firstFrameMs.huge.push(h.firstFrameMs);
		if (typeof h.firstFrameCpuMs === 'number') out.firstFrameCpuMs.huge.push(h.firstFrameCpuMs);
		for (const [label, list] of Object.entries(h.keys ?? {})) (out.keys[label] ??= []).push(...list);
		for (const [label, list] of Object.entries(h.keyBytes ?? {})) ((out.keyBytes ??= {})[label] ??= []).push(...list);
		if (typeof h.firstFrameBytes === 'number') (out.firstFrameBytes ??= []).push(h.firstFrameBytes);
		for (const [label, spent] of Object.entries(h.keyCpu ?? {})) {
			const sum = (out.keyCpu ??= {})[label] ?? {cpuMs: 0, keys: 0};
			out.keyCpu[label] = {cpuMs: sum.cpuMs + spent.cpuMs, keys: sum.keys + spent.keys};
		}
		if (h.rss) out.rssKb.push(h.rss.hwmKb);
	}

	// Does a key read the tree again? One more session under strace: file calls under the tree
	// before the first frame (the scan), between the first frame and `r` (keys only), and after `r`.
	if (!why.strace) {
		const trace = path.join(CACHE, 'tui-huge.strace');
		const s = pty(
			{
				cols: 160,
				rows: 48,
				timeout: 180,
				steps: [{do: 'first-frame'}, ...walk(3), {do: 'mark', name: 'before-r'}, key('r', 'r', 1, {expect: 'rescanned', timeout: 300}), ...quit],
			},
			['strace', '-f', '-qq', '-ttt', '-s', '4096', '-e', 'trace=openat,readlink,statx,newfstatat,getdents64', '-o', trace, ...command(huge)],
		);
		if (s.error) out.errors.push(`strace session: ${s.error.slice(0, 200)}`);
		else {
			// Files that only change with a new parent or type (then the rescan reads them whole):
			// an `r` on the unchanged tree must open none of them.
			const fixed = /\/(name|description|device_api|vendor|device|subsystem_vendor|subsystem_device|class|numa_node)$/;
			const counts = {scan: 0, keys: 0, rescan: 0, rescanFixed: 0};
			const duringKeys = [];
			const first = s.marks['first-frame'];
			const beforeR = s.marks['before-r'];
			for (const line of readFileSync(trace, 'utf8').split('\n')) {
				const m = /^\d+\s+(\d+\.\d+) \w+\((?:AT_FDCWD, )?"([^"]*)"/.exec(line);
				if (!m || !(chroot ? hostPath(m[2]) : m[2] === huge || m[2].startsWith(huge + '/'))) continue;
				const t = Number(m[1]);
				if (t < first) counts.scan++;
				else if (t < beforeR) {
					counts.keys++;
					if (duringKeys.length < 20) duringKeys.push(line.slice(0, 300));
				} else {
					counts.rescan++;
					if (line.includes(' openat(') && fixed.test(m[2])) counts.rescanFixed++;
				}
			}
			out.fileCalls = counts;
			out.fileCallsDuringKeys = duringKeys;
			rmSync(trace, {force: true});
		}
	}
	results.tui = out;

	const nodeStart = median(out.nodeStartMs);
	for (const name of ['large', 'huge']) {
		const ff = median(out.firstFrameMs[name]);
		if (ff === null || nodeStart === null) {
			notMeasured(section, `first frame on ${name}`, '<= 5x node -e 0', out.errors.join('; ') || 'no session completed');
			continue;
		}
		// CPU time used by then, against node -e 0's: the same comparison, much less moved by load.
		const ffCpu = median(out.firstFrameCpuMs[name]);
		const nodeCpu = median(out.nodeStartCpuMs);
		const cpu = ffCpu !== null && nodeCpu ? `; CPU ${ms(ffCpu)} vs ${ms(nodeCpu)} = ${x(ffCpu / nodeCpu)}` : '';
		row(section, `first frame on ${name} vs node -e 0 in the same pty (${ms(nodeStart)})`, `${ms(ff)} = ${x(ff / nodeStart)} wall${cpu}`, '<= 5x node -e 0', judge(ff / nodeStart <= 5));
	}
	const groups = Object.entries(out.keys).filter(([label]) => !label.startsWith('r '));
	if (groups.length === 0) notMeasured(section, 'key-to-frame on huge', '<= 50 ms', out.errors.join('; ') || 'no keys measured');
	else {
		let worst = 0;
		for (const [label, list] of groups) {
			const m = median(list);
			worst = Math.max(worst, m);
			// CPU the process spent per key (clock ticks summed over the keys): its own work per
			// frame, which load on the machine does not inflate.
			const spent = out.keyCpu?.[label];
			const cpu = spent && spent.keys ? `; CPU ${ms(spent.cpuMs / spent.keys)} per key` : '';
			// Bytes written to the terminal per key (median): what a slow SSH link has to carry.
			const written = out.keyBytes?.[label]?.length ? `; ${Math.round(median(out.keyBytes[label]))} bytes per key` : '';
			row(section, `key-to-frame on huge: ${label} (n=${list.length})`, `median ${ms(m)}, p95 ${ms(percentile(list, 95))}, max ${ms(Math.max(...list))}${cpu}${written}`, '<= 50 ms', judge(m <= 50));
		}
		out.worstKeyMedianMs = worst;
	}
	if (out.firstFrameBytes?.length) row(section, 'bytes written to the terminal up to the first frame on huge', `${Math.round(median(out.firstFrameBytes))}`);
	const rescan = out.keys['r (rescan, unchanged tree)'];
	if (rescan) row(section, 'r (rescan of the unchanged huge tree) to frame', `median ${ms(median(rescan))}`);
	const rss = out.rssKb.length ? Math.max(...out.rssKb) : null;
	if (rss === null) notMeasured(section, 'peak RSS of the TUI on huge', '<= 150 MB', out.errors.join('; ') || 'no session completed');
	else row(section, 'peak RSS of the TUI on huge (VmHWM after all keys)', mb(rss), '<= 150 MB', judge(rss <= 150 * 1024));
	if (out.fileCalls) {
		const c = out.fileCalls;
		row(section, 'file calls under the tree: keys after the first frame (all of the keys above but r)', `${c.keys} (scan before the first frame: ${c.scan})`, '0: no scanning per render', judge(c.keys === 0));
		// What can change is read again (lists, available_instances, devices/, each instance's
		// driver and iommu_group links, definitions): reading it is how a change is seen. What
		// cannot change without a new parent or type (names, descriptions, ids) must not be.
		const fixedReads = c.rescanFixed === undefined ? '' : `; of them opens of files that do not change (name, description, device_api, ids, numa_node): ${c.rescanFixed}`;
		row(section, 'file calls for r on the unchanged huge tree', `${c.rescan} (a full scan: ${c.scan})${fixedReads}`, 'rescan only what changed: no file that cannot have changed is read again', judge(c.rescanFixed === 0));
	}
	if (out.errors.length) results.notes.push(...out.errors.map((e) => `TUI: ${e}`));
}

// ---- FFI call cost on this machine (native, no VM) -------------------------------------------------------

function ffiCost(why, bins) {
	const section = 'probes';
	if (why.gcc || !bins.ioctlLoop) return;
	const n = 20000;
	const c = run(bins.ioctlLoop, [String(n)]);
	const f = run(process.execPath, ['--import', 'tsx', path.join(here, 'ffi-loop.mjs'), String(n)], {cwd: project});
	const cUs = Number(/per call ([\d.]+)/.exec(c.stdout)?.[1]);
	const fUs = Number(/per call ([\d.]+)/.exec(f.stdout)?.[1]);
	if (!Number.isFinite(cUs) || !Number.isFinite(fUs)) {
		notMeasured(section, 'one ioctl through the FFI binding vs C (this machine, native)', '', `${c.stderr}${f.stderr}`.trim().slice(0, 300) || 'no figure printed');
		return;
	}
	results.ffi = {cUsPerCall: cUs, ffiUsPerCall: fUs, calls: n};
	row(section, `one ioctl (ENOTTY on /dev/null) through src/ffi/libc.ts vs C, native, ${n} calls`, `${fUs.toFixed(2)} µs vs ${cUs.toFixed(2)} µs = ${x(fUs / cUs)}`);
}

// ---- probes in the VM ------------------------------------------------------------------------------------

function probes(why, bins) {
	const section = `probes (VM ${VM_SERIES}, 64 instances)`;
	const targets = [
		['probe per instance, mdevscope vs C', '<= 2x C'],
		['TUI key-to-frame while P probes 64 instances', '<= 50 ms'],
	];
	const skip = (reason) => {
		for (const [name, target] of targets) notMeasured(section, name, target, reason);
		results.probes = {measured: false, reason};
	};
	if (env.MDEVSCOPE_BENCH_SKIP_VM === '1') return skip('MDEVSCOPE_BENCH_SKIP_VM=1');
	if (why.gcc) return skip(why.gcc);
	const cacheDir = path.join(env.MDEVSCOPE_VM_CACHE ?? '/var/cache/mdevscope-vm', VM_SERIES);
	if (!existsSync(path.join(cacheDir, 'version'))) {
		log(`the ${VM_SERIES} VM is not built: bash test/vm/build.sh ${VM_SERIES} (a few minutes)`);
		const b = run('bash', [path.join(project, 'test', 'vm', 'build.sh'), VM_SERIES], {cwd: project, stdio: ['ignore', 'inherit', 'inherit']});
		if (b.status !== 0 || !existsSync(path.join(cacheDir, 'version'))) return skip(`test/vm/build.sh ${VM_SERIES} failed (exit ${b.status})`);
	}
	// The guest sees this machine's root, so the helpers and the output directory live under /var/tmp.
	const outdir = mkdtempSync('/var/tmp/mdevscope-bench-vm-');
	try {
		log(`VM ${VM_SERIES}: 64 instances, ${VM_ROUNDS} rounds (software emulation: minutes)`);
		const r = run('bash', [path.join(project, 'test', 'vm', 'run.sh'), VM_SERIES, outdir, '--', `sh bench/vm-probe.sh ${BIN} ${VM_ROUNDS}`], {
			cwd: project,
			env: {...env, MDEVSCOPE_VM_TIMEOUT: String(env.MDEVSCOPE_VM_TIMEOUT ?? 1800)},
		});
		const stdout = existsSync(path.join(outdir, 'stdout')) ? readFileSync(path.join(outdir, 'stdout'), 'utf8') : '';
		const lines = stdout.split('\n').filter((l) => l.startsWith('@@ '));
		if (!lines.some((l) => l === '@@ done')) {
			const tail = (existsSync(path.join(outdir, 'stderr')) ? readFileSync(path.join(outdir, 'stderr'), 'utf8') : '') + r.stderr;
			return skip(`the VM run did not finish (run.sh exit ${r.status}): ${lines.filter((l) => l.startsWith('@@ error')).join('; ') || tail.trim().split('\n').slice(-3).join(' ')}`);
		}
		const accel = /\((tcg|kvm)[^)]*\)/.exec(r.stderr)?.[0] ?? '';
		const emulated = accel.includes('tcg');
		const instances = Number(/^@@ instances (\d+)/m.exec(stdout)?.[1]);
		const parse = (kind) =>
			lines
				.filter((l) => l.startsWith(`@@ ${kind} `))
				.map((l) => l.split(' '))
				.map(([, , round, wall, rss, status, cpu]) => ({round: Number(round), wallMs: Number(wall) / 1000, rssKb: Number(rss), status: Number(status), cpuMs: Number(cpu) / 1000}));
		const c = parse('cprobe');
		const p = parse('probe');
		const s = parse('scan');
		// The answers themselves: every instance ok, and the same answers from both programs.
		let cOk = 0;
		let agree = 0;
		const cPerProbeUs = [];
		const engineMs = [];
		for (let round = 1; round <= VM_ROUNDS; round++) {
			const cText = readFileSync(path.join(outdir, `cprobe-${round}.txt`), 'utf8').trim().split('\n');
			const total = /^total (\d+) (\d+)$/.exec(cText.at(-1) ?? '');
			if (total) cPerProbeUs.push(Number(total[2]) / Number(total[1]));
			const cByUuid = Object.fromEntries(
				cText.filter((l) => !l.startsWith('total')).map((l) => {
					const f = l.split(' ');
					return [f[0], {outcome: f[1], ...Object.fromEntries(f.slice(3).map((kv) => kv.split('=')))}];
				}),
			);
			const model = JSON.parse(readFileSync(path.join(outdir, `probe-${round}.json`), 'utf8'));
			for (const inst of model.instances.filter((i) => i.active)) {
				const pr = inst.probe;
				const cr = cByUuid[inst.uuid];
				if (round === 1 && cr?.outcome === 'ok') cOk++;
				if (!pr) continue;
				engineMs.push(pr.durationMs);
				const display = pr.display.region.supported ? 'region' : pr.display.dmabuf.supported ? 'dmabuf' : 'none';
				const same =
					cr &&
					pr.outcome === cr.outcome &&
					String(pr.regions.length) === cr.regions &&
					String(pr.irqs.length) === cr.irqs &&
					(pr.migration.supported ? 'yes' : 'no') === cr.migration.replace(/\(.*/, '') &&
					(pr.dmaLogging.supported ? 'yes' : 'no') === cr.dmalog &&
					cr.display.startsWith(display);
				if (round === 1 && same) agree++;
			}
		}
		const tuiLine = lines.find((l) => l.startsWith('@@ tui '));
		const tuiResult = tuiLine ? JSON.parse(tuiLine.slice('@@ tui '.length)) : {error: 'no TUI result'};
		const wallC = median(c.map((m) => m.wallMs));
		const wallProbe = median(p.map((m) => m.wallMs));
		const wallScan = median(s.map((m) => m.wallMs));
		const n = instances;
		const perC = wallC / n;
		const perOurs = (wallProbe - wallScan) / n;
		results.probes = {
			measured: true,
			accel,
			instances: n,
			types: Object.fromEntries(lines.filter((l) => l.startsWith('@@ type ')).map((l) => l.split(' ').slice(2)).map(([t, k]) => [t, Number(k)])),
			cprobe: c,
			probe: p,
			scan: s,
			cOk,
			agree,
			perInstance: {cWholeMs: perC, cIoctlsMs: median(cPerProbeUs) / 1000, oursProbePhaseMs: perOurs, oursWholeMs: wallProbe / n, engineMs: median(engineMs)},
			tui: tuiResult,
		};
		row(section, `instances probed (${accel.replace(/^\(|\)$/g, '') || 'accelerator unknown'}): ok in C / same answers from mdevscope`, `${n}: ${cOk} ok / ${agree} agree`, '', cOk === n && agree === n ? 'info' : 'not met', cOk === n && agree === n ? undefined : 'the two programs disagree or a probe failed');
		row(section, 'C (test/vm/cprobe.c): whole process / 64; ioctl sequence alone per instance', `${ms(perC)} / ${ms(median(cPerProbeUs) / 1000)}`);
		row(section, 'mdevscope: (--json --probe minus --json) / 64; whole --json --probe / 64', `${ms(perOurs)} / ${ms(wallProbe / n)}`);
		row(section, 'mdevscope engine in the probe child (durationMs, median)', ms(median(engineMs)), '', 'info');
		row(
			section,
			targets[0][0],
			`${x(perOurs / perC)} (probe phase per instance); engine alone ${x(median(engineMs) / (median(cPerProbeUs) / 1000))} of the C sequence`,
			targets[0][1],
			judge(perOurs / perC <= 2),
			emulated && perOurs / perC > 2 ? 'measured under software emulation (TCG), which slows node far more than the kernel; see the native FFI row' : undefined,
		);
		const during = tuiResult.keys?.['? during P'] ?? [];
		const idle = tuiResult.keys?.['? idle'] ?? [];
		if (tuiResult.error || during.length === 0) {
			notMeasured(section, targets[1][0], targets[1][1], tuiResult.error ?? 'every key was answered after the probes had finished');
		} else {
			const ratio = median(during) / median(idle);
			results.probes.tuiDuringOverIdle = ratio;
			row(
				section,
				`${targets[1][0]} (? opens/closes help, n=${during.length}; the same key idle, before P: median ${ms(median(idle))})`,
				`median ${ms(median(during))}, p95 ${ms(percentile(during, 95))}; during P / idle = ${x(ratio)}`,
				targets[1][1],
				judge(median(during) <= 50),
				emulated && median(during) > 50 ? `under software emulation (TCG) the idle key already takes ${ms(median(idle))}` : undefined,
			);
		}
	} finally {
		if (!env.MDEVSCOPE_BENCH_KEEP) rmSync(outdir, {recursive: true, force: true});
		else log(`VM output kept in ${outdir}`);
	}
}

// ---- main ------------------------------------------------------------------------------------------------

function table() {
	const sections = [...new Set(rows.map((r) => r.section))];
	const lines = [];
	for (const section of sections) {
		lines.push('', `## ${section}`, '', '| measure | figure | target | result |', '|---|---|---|---|');
		for (const r of rows.filter((q) => q.section === section)) {
			const result = r.status === 'info' ? '' : r.why ? `${r.status}: ${r.why}` : r.status;
			lines.push(`| ${r.name} | ${r.figure} | ${r.target} | ${result} |`);
		}
	}
	return lines.join('\n');
}

mkdirSync(CACHE, {recursive: true});
const setupState = setup();
log(`machine: ${results.machine.nproc} CPUs, ${results.machine.model}, load ${results.machine.load.join(' ')}`);
results.measured = {};
const begin = (name) => {
	currentPart = name;
	results.measured[name] = {at: new Date().toISOString(), load: loadavg()};
};
if (part('inventory')) {
	begin('inventory');
	if (!setupState.bins.measure) {
		for (const name of ['large', 'huge']) notMeasured(`inventory: ${name}`, 'mdevscope --json against mdevctl and the floors', '', setupState.why.gcc);
	} else {
		const mdevctl = fetchMdevctl(CACHE);
		for (const name of ['large', 'huge']) inventory(name, setupState, mdevctl);
	}
}
if (part('tui')) {
	begin('tui');
	tui(setupState.why, setupState.bins);
}
if (part('probes')) {
	begin('probes');
	ffiCost(setupState.why, setupState.bins);
	probes(setupState.why, setupState.bins);
}
results.finishedAt = new Date().toISOString();
results.machine.loadAfter = loadavg();
// A run of some parts (MDEVSCOPE_BENCH_ONLY) keeps the other parts of the last results, with
// the time and load they were measured at.
const resultsFile = path.join(here, 'results.json');
if (ONLY && existsSync(resultsFile)) {
	const previous = JSON.parse(readFileSync(resultsFile, 'utf8'));
	for (const name of PARTS.filter((p) => !ONLY.has(p))) {
		if (previous.measured?.[name]) results.measured[name] = previous.measured[name];
		const partOf = (r) => r.part ?? (r.section.startsWith('inventory') ? 'inventory' : r.section.startsWith('TUI') ? 'tui' : 'probes');
		rows.push(...(previous.rows ?? []).filter((r) => partOf(r) === name).map((r) => ({...r, part: name})));
		results.measured[name] ??= {at: previous.startedAt, load: previous.machine.load};
	}
	for (const key of ['inventory', 'trees', 'tui', 'probes', 'ffi']) {
		const owner = key === 'trees' ? 'inventory' : key === 'ffi' ? 'probes' : key;
		if (!ONLY.has(owner) && previous[key] !== undefined) results[key] = previous[key];
	}
	rows.sort((a, b) => PARTS.indexOf(a.part) - PARTS.indexOf(b.part));
}
results.rows = rows;
const when = Object.entries(results.measured)
	.sort(([a], [b]) => PARTS.indexOf(a) - PARTS.indexOf(b))
	.map(([name, m]) => `${name} ${m.at.slice(0, 16).replace('T', ' ')} UTC at load ${m.load.join(' ')}`)
	.join('; ');
const head = `mdevscope benchmark: ${results.machine.nproc} x ${results.machine.model}, ${results.machine.memoryGiB} GiB, Linux ${results.machine.kernel}, node ${results.machine.node}; ${RUNS} runs each, medians\nmeasured: ${when}`;
process.stdout.write(`${head}\n${results.notes.map((n) => `note: ${n}`).join('\n')}${table()}\n`);
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
log('wrote bench/results.json');
