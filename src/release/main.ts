// The single executable's program (scripts/release.mjs bundles it as the SEA's ESM module): the
// CLI, or, started again by the probe runner with PROBE_CHILD_ARG first, the probe child. Both are
// in this one bundle; only the one asked for is evaluated.
import {PROBE_CHILD_ARG} from '../build-info.js';

// src/release/sea-main.cjs removes the file this module was read from: it is no longer needed.
(globalThis as Record<symbol, (() => void) | undefined>)[Symbol.for('mdevscope.bundleLoaded')]?.();

if (process.argv[2] === PROBE_CHILD_ARG) {
	process.argv.splice(2, 1);
	await import('../probe/child.js');
} else {
	await import('../cli.js');
}
