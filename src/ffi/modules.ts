// Where the FFI packages come from. From source and from dist/ they are ffi-napi and ref-napi as
// npm installed them (native addons built by `npm ci`), found from this file with createRequire, so
// esbuild leaves them out of dist/. The single-file release (scripts/release.mjs) swaps this module
// for modules.sea.ts, which bundles them and loads their addons from the executable itself.
import {createRequire} from 'node:module';

/** ffi-napi, its bindings (ffi_call, _errno) and the ref-napi instance ffi-napi itself uses. */
export interface FfiModules {
	ffi: any;
	bindings: any;
	ref: any;
}

let loaded: FfiModules | undefined;

export function ffiModules(): FfiModules {
	if (loaded) return loaded;
	const require = createRequire(import.meta.url);
	const ffiMain = require.resolve('ffi-napi');
	// From ffi-napi's own directory: its bindings, and the ref-napi instance it registers its Buffers with.
	const inFfi = createRequire(ffiMain);
	loaded = {ffi: require(ffiMain), bindings: inFfi('./bindings'), ref: inFfi('@2060.io/ref-napi')};
	return loaded;
}
