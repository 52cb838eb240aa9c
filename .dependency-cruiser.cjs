// The project's own import graph (issue 16), checked by test/architecture.test.ts with
// dependency-cruiser, which reads the TypeScript sources as tsc resolves them (type-only imports
// too). The README's architecture picture is LAYERS: a module imports its own layer or one below,
// never one above, and nothing is part of a cycle.

/** Top to bottom. Each: a name and the paths in it. */
const LAYERS = [
	['entries', ['^src/cli\\.tsx$', '^src/commands/', '^src/release/']],
	['terminal', ['^src/terminal/']],
	['components', ['^src/components/']],
	['presentation', ['^src/present/', '^src/output/']],
	['keymap', ['^src/keymap\\.ts$']],
	['state', ['^src/state/']],
	['judgements', ['^src/(doctor|quirks|advice|compare|features|actions)/']],
	['readers', ['^src/(sysfs|owners|snapshot|probe|ffi)/']],
	['model', ['^src/model/', '^src/(errno|cleanup|scratch|build-info|exit-codes)\\.ts$']],
];

const layerRules = LAYERS.slice(1).map(([name, paths], i) => ({
	name: `${name}-imports-no-layer-above`,
	severity: 'error',
	comment: `${name} (${paths.join(' ')}) imports only itself and what is below it: not ${LAYERS.slice(0, i + 1)
		.map(([n]) => n)
		.join(', ')}.`,
	from: {path: paths},
	to: {path: LAYERS.slice(0, i + 1).flatMap(([, p]) => p)},
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
	forbidden: [
		{
			name: 'no-cycle',
			severity: 'error',
			comment: 'A cycle makes the order modules are evaluated in matter and lets layers leak into each other: none at all.',
			from: {path: '^src/'},
			to: {circular: true},
		},
		{
			name: 'every-module-in-a-layer',
			severity: 'error',
			comment: 'A new file or folder must be placed in the picture (LAYERS above and the README).',
			from: {path: '^src/', pathNot: LAYERS.flatMap(([, p]) => p)},
			to: {},
		},
		...layerRules,
	],
	options: {
		doNotFollow: {path: 'node_modules'},
		exclude: {path: '^src/release/sea-main\\.cjs$'},
		tsPreCompilationDeps: true,
		tsConfig: {fileName: 'tsconfig.json'},
		enhancedResolveOptions: {extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs']},
	},
};
