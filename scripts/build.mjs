// Bundles the CLI and the probe child with esbuild. Start-up is dominated by module loading
// (`import 'ink'` alone is ~0.4 s unbundled), so what ships is one file per entry point.
// The options shared with the tests' bundles are in esbuild-options.mjs.
import {build} from 'esbuild';
import {chmodSync, rmSync} from 'node:fs';
import {buildInfo, buildInfoDefine} from './build-info.mjs';
import {nodeBundle} from './esbuild-options.mjs';

// Chunk names are content hashes: start from an empty dist/ so no stale chunk ships.
rmSync('dist', {recursive: true, force: true});

await build({
	...nodeBundle,
	entryPoints: {cli: 'src/cli.tsx', 'probe-child': 'src/probe/child-main.ts'},
	outdir: 'dist',
	splitting: true,
	define: {...nodeBundle.define, ...buildInfoDefine(buildInfo({singleFile: false}))},
});
chmodSync('dist/cli.js', 0o755);
