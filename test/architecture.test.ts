// The import graph of src/ (issue 16), as dependency-cruiser reads it (.dependency-cruiser.cjs holds
// the rules and why): nothing it forbids is there. And the check itself is shown to see what it
// forbids, on a small tree made for that.
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import test from 'ava';
import {project} from './helpers/cli.js';
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
