// The esbuild options every bundle of this project shares: scripts/build.mjs (dist/) and the
// private bundles the tests build (test/safety/bundle.ts), so that a test runs what ships.

/** @type {import('esbuild').BuildOptions} */
export const nodeBundle = {
	bundle: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	// The native FFI addons cannot be bundled: they stay in node_modules.
	// react-devtools-core: ink imports it only when DEV=true; it is not a dependency.
	external: ['ffi-napi', 'ref-napi', 'react-devtools-core'],
	// Some of ink's dependencies are CommonJS and call require(); give the ESM bundle one.
	banner: {js: "import {createRequire as __cr} from 'node:module'; const require = __cr(import.meta.url);"},
	define: {'process.env.NODE_ENV': '"production"'},
	logLevel: 'warning',
};
