// The project's own import graph (issue 16), checked by test/architecture.test.ts with
// dependency-cruiser, which reads the TypeScript sources as tsc resolves them. Each rule says why.
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
			name: 'state-below-keys-and-views',
			severity: 'error',
			comment:
				'The TUI state (src/state/) is what the keys and the views are about: it never imports the key table, an Ink component, the terminal plumbing or an output.',
			from: {path: '^src/state/'},
			to: {path: '^src/(keymap\\.ts|components/|screen\\.tsx|tui\\.tsx|output/|compare/)'},
		},
		{
			name: 'nothing-below-presentation-imports-it',
			severity: 'error',
			comment:
				'Presentation (src/present/: lines of text; src/components/: Ink; src/terminal/: the screen; src/output/: plain and JSON) reads the model; the model, the readers and the effects below it never import presentation.',
			from: {path: '^src/(model|sysfs|probe|ffi|owners|snapshot|doctor|quirks|advice|features|compare|state)/|^src/(errno|cleanup|scratch|build-info|exit-codes)\\.ts$'},
			to: {path: '^src/(present|components|terminal|output)/|^src/(cli|keymap)\\.tsx?$'},
		},
	],
	options: {
		doNotFollow: {path: 'node_modules'},
		exclude: {path: '^src/release/sea-main\\.cjs$'},
		tsPreCompilationDeps: true,
		tsConfig: {fileName: 'tsconfig.json'},
		enhancedResolveOptions: {extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs']},
	},
};
