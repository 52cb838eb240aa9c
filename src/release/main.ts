// The single executable's program (scripts/release.mjs bundles it, split into chunks, as the
// SEA's ESM modules): the CLI, or, started again by the probe runner with PROBE_CHILD_ARG first,
// the probe child. Only the one asked for is loaded.
import {PROBE_CHILD_ARG} from '../build-info.js';
import {atExit} from '../cleanup.js';

// src/release/sea-main.cjs unpacked the modules into a private directory: it goes when we do.
const removeUnpacked = (globalThis as Record<symbol, (() => void) | undefined>)[Symbol.for('mdevscope.unpacked')];
if (removeUnpacked) atExit(removeUnpacked);

if (process.argv[2] === PROBE_CHILD_ARG) {
	process.argv.splice(2, 1);
	const {runProbeChild} = await import('../probe/child.js');
	// Every module the child runs is loaded now: its directory goes at once, so a child the runner
	// has to kill (a probe that hung in the kernel) leaves nothing behind.
	removeUnpacked?.();
	process.exitCode = await runProbeChild();
} else {
	await import('../cli.js');
}
