// The import graph of src/ (issue 16), as dependency-cruiser reads it (.dependency-cruiser.cjs holds
// the rules and why): nothing it forbids is there. And the check itself is shown to see what it
// forbids, on a small tree made for that.
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import test from 'ava';
import {project} from './helpers/cli.js';
import {joinsIn, type Join} from './helpers/joins.js';
import {sources} from './helpers/sources.js';

interface Violation {
	from: string;
	to: string;
	rule: {name: string};
	cycle?: Array<{name: string}>;
}

interface Cruise {
	summary: {violations: Violation[]; totalCruised: number; totalDependenciesCruised: number};
}

const depcruise = path.join(project, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

function cruise(cwd: string, what: string): Cruise {
	const r = spawnSync(process.execPath, [depcruise, what, '--config', path.join(project, '.dependency-cruiser.cjs'), '--output-type', 'json'], {cwd, encoding: 'utf8', maxBuffer: 64 << 20});
	if (r.stdout.trim() === '') throw new Error(`dependency-cruiser printed nothing (exit ${r.status}): ${r.stderr}`);
	return JSON.parse(r.stdout) as Cruise;
}

test('src/ breaks none of the rules: no import cycle, every module in a layer, no import of a layer above', (t) => {
	const result = cruise(project, 'src');
	// It read the project (every module, their imports resolved from .js to .ts as tsc does).
	t.true(result.summary.totalCruised > 100, `${result.summary.totalCruised} modules`);
	t.true(result.summary.totalDependenciesCruised > 300, `${result.summary.totalDependenciesCruised} imports`);
	const shown = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`);
	t.deepEqual(shown, []);
});

test('the check sees a cycle (also through a type-only import), an import of a layer above, and a file in no layer', (t) => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-arch-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const file = (name: string, text: string) => {
		mkdirSync(path.dirname(path.join(dir, name)), {recursive: true});
		writeFileSync(path.join(dir, name), text);
	};
	file('tsconfig.json', JSON.stringify({compilerOptions: {module: 'nodenext', moduleResolution: 'nodenext', strict: true}}));
	file('src/model/a.ts', "import {b} from './b.js';\nexport const a = (): number => b + 1;\n");
	file('src/model/b.ts', "import type {Thing} from './c.js';\nexport const b = 1;\nexport type Other = Thing;\n");
	file('src/model/c.ts', "import {a} from './a.js';\nexport type Thing = ReturnType<typeof a>;\n");
	file('src/keymap.ts', 'export const KEYS = 1;\n');
	file('src/state/reducer.ts', "import {KEYS} from '../keymap.js';\nexport const r = KEYS;\n");
	file('src/output/plain.ts', 'export const clean = (s: string): string => s;\n');
	file('src/model/types.ts', "import {clean} from '../output/plain.js';\nexport const label = clean('x');\n");
	file('src/stray.ts', "import {label} from './model/types.js';\nexport const s = label;\n");
	const result = cruise(dir, 'src');
	const seen = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.cycle ? v.cycle.map((c) => c.name).join(' -> ') : v.to}`).sort();
	t.deepEqual(seen, [
		'every-module-in-a-layer: src/stray.ts -> src/model/types.ts',
		'model-imports-no-layer-above: src/model/types.ts -> src/output/plain.ts',
		'no-cycle: src/model/a.ts -> src/model/b.ts -> src/model/c.ts -> src/model/a.ts',
		'state-imports-no-layer-above: src/state/reducer.ts -> src/keymap.ts',
	]);
});

test('displayKind (src/model/probe.ts) is the only reader of the region/dmabuf pair', (t) => {
	const readers = sources(path.join(project, 'src')).filter((file) => /\b(region|dmabuf)\.supported\b/.test(readFileSync(file, 'utf8')));
	t.deepEqual(readers.map((file) => path.relative(project, file)), ['src/model/probe.ts']);
});

// The places outside src/model/ that hold probe results or owners in a table, each for a reason that
// is not matching them to instances; anything else the check finds is a join the model should make.
const PRODUCERS: Record<string, string> = {
	'src/owners/join.ts': 'reads /proc into owners keyed by instanceKey, for withOwners to put on the instances',
	'src/probe/runner.ts': 'collects the answers of the probes it ran, by the uuid it asked about',
	'src/state/store.ts': "the owners-read message carries join.ts's table to withOwners",
};

test('no code outside src/model/ matches probe results or owners to instances by uuid, and none parses a probe\'s words (TypeScript reads the types)', (t) => {
	const found = joinsIn(project, sources(path.join(project, 'src')).filter((file) => /\.tsx?$/.test(file)));
	// The model's own helpers join (that is what they are for); nothing parses words, the model included.
	const allowed = (j: Join) => j.shape !== 'parse' && (j.file.startsWith('src/model/') || (j.shape === 'map' && j.file in PRODUCERS));
	t.deepEqual(found.filter((j) => !allowed(j)).map((j) => `${j.file}:${j.line} ${j.shape}: ${j.text}`), []);
	// It read the model's joins, and each producer is still one (the list does not outlive the code).
	t.true(found.some((j) => j.file === 'src/model/instances.ts'), 'the model helpers are seen');
	t.deepEqual([...new Set(found.filter((j) => !j.file.startsWith('src/model/')).map((j) => j.file))].sort(), Object.keys(PRODUCERS).sort());
});

test('the join check sees a table of answers by uuid, a lookup of one answer, a uuid compared by hand, and words parsed', (t) => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-joins-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const model = (name: string) => JSON.stringify(path.join(project, 'src', 'model', name));
	const file = path.join(dir, 'view.ts');
	writeFileSync(
		file,
		[
			`import type {ProbeResult} from ${model('probe.js')};`,
			`import type {HostModel, InstanceOwners} from ${model('types.js')};`,
			'export const byUuid = new Map<string, ProbeResult>();',
			'export const owners: Record<string, InstanceOwners> = {};',
			'export const lookup = (model: HostModel, results: ProbeResult[]) => model.instances.map((i) => results.find((r) => r.uuid === i.uuid));',
			'export const byHand = (model: HostModel, r: ProbeResult) => model.instances.filter((i) => i.uuid !== r.uuid);',
			'export const fine = (model: HostModel, uuid: string) => model.instances.find((i) => i.uuid === uuid);',
			"export const parsed = (r: ProbeResult) => r.summary.startsWith('not asked') || /EBUSY/.test(r.display.planeNote ?? '') || r.steps[0]!.meaning?.split(': ');",
			'export const shown = (r: ProbeResult) => `${r.summary} (${r.display.region.reason})`;',
			'',
		].join('\n'),
	);
	t.deepEqual(
		joinsIn(project, [file]).map((j) => `${j.line} ${j.shape}`),
		['3 map', '4 map', '5 lookup', '5 uuid-compare', '6 uuid-compare', '8 parse', '8 parse', '8 parse'],
	);
});
