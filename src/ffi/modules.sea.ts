// The FFI packages inside the single-file release: scripts/release.mjs puts this module in place of
// modules.ts. esbuild bundles ffi-napi and ref-napi's JavaScript (one ref-napi: ffi-napi's own
// dependency and ours are the same package and version); their `node-gyp-build` lookups are rewritten
// to load the native addons from the executable's SEA assets (src/release/addons.ts).
import type {FfiModules} from './modules.js';

declare const require: (id: string) => any;

let loaded: FfiModules | undefined;

export function ffiModules(): FfiModules {
	loaded ??= {ffi: require('ffi-napi'), bindings: require('ffi-napi/lib/bindings.js'), ref: require('ref-napi')};
	return loaded;
}
