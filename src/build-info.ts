// What this build is: its version and the commit it was built from, and whether it is the
// single-file release. scripts/build.mjs (dist/) and scripts/release.mjs (the executable) define
// __MDEVSCOPE_BUILD__; run from source (tsx) it is absent and package.json says the version.
import {readFileSync} from 'node:fs';

interface BuildInfo {
	version: string;
	/** package.json's description, the first line of --help. */
	description: string;
	/** `git rev-parse --short=12 HEAD` when built, `-dirty` appended when the worktree had changes; `unknown` outside git. */
	commit: string;
	/** The single executable (Node's SEA): the JS, the FFI addons and the sample host are inside it. */
	singleFile: boolean;
}

declare const __MDEVSCOPE_BUILD__: BuildInfo | undefined;

function fromSource(): BuildInfo {
	const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version: string; description: string};
	return {version: pkg.version, description: pkg.description, commit: 'source', singleFile: false};
}

export const BUILD: BuildInfo = typeof __MDEVSCOPE_BUILD__ === 'undefined' ? fromSource() : __MDEVSCOPE_BUILD__;

/** `mdevscope --version`: the version and the commit, one line. */
export function versionLine(): string {
	return `mdevscope ${BUILD.version} (commit ${BUILD.commit})`;
}

/**
 * The first argument that makes the single executable the probe child (src/probe/child.ts) instead
 * of the CLI: the release has one file, so the runner starts that file again with it.
 */
export const PROBE_CHILD_ARG = '--mdevscope-probe-child';
