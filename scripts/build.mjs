// Bundles the CLI and the probe child with esbuild. Start-up is dominated by module loading
// (`import 'ink'` alone is ~0.4 s unbundled), so what ships is one file per entry point.
// The native FFI addons cannot be bundled: they stay in node_modules.
import {build} from 'esbuild';
import {chmodSync, rmSync} from 'node:fs';

// Chunk names are content hashes: start from an empty dist/ so no stale chunk ships.
rmSync('dist', {recursive: true, force: true});

await build({
	entryPoints: {cli: 'src/cli.tsx', 'probe-child': 'src/probe/child.ts'},
	outdir: 'dist',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	// react-devtools-core: ink imports it only when DEV=true; it is not a dependency.
	external: ['ffi-napi', 'ref-napi', 'react-devtools-core'],
	// Some of ink's dependencies are CommonJS and call require(); give the ESM bundle one.
	banner: {js: "import {createRequire as __cr} from 'node:module'; const require = __cr(import.meta.url);"},
	define: {'process.env.NODE_ENV': '"production"'},
	logLevel: 'warning',
});
chmodSync('dist/cli.js', 0o755);
