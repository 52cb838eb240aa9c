// The CLI as shipped: dist/cli.js (built by `npm test`'s pretest, `npm run build`) spawned with plain
// node, which starts in a quarter of the time `tsx src/cli.tsx` takes. A dist older than a file
// in src/ would test old code, so the first spawn checks that and stops with what to run.
import {execFile, spawnSync, type SpawnSyncReturns} from 'node:child_process';
import {readFileSync, readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const distCli = path.join(project, 'dist', 'cli.js');

export interface CliRun {
	code: number | null;
	stdout: string;
	stderr: string;
}

export interface CliOptions {
	env?: NodeJS.ProcessEnv;
	cwd?: string;
	/** Node options before the script, e.g. ['--import', recorder]. */
	nodeArgs?: string[];
}

function newestIn(dir: string): {file: string; mtimeMs: number} {
	let newest = {file: dir, mtimeMs: 0};
	for (const entry of readdirSync(dir, {withFileTypes: true})) {
		const full = path.join(dir, entry.name);
		const found = entry.isDirectory() ? newestIn(full) : {file: full, mtimeMs: statSync(full).mtimeMs};
		if (found.mtimeMs > newest.mtimeMs) newest = found;
	}
	return newest;
}

let checked = false;
/** Throws when dist/cli.js is missing or older than the newest file under src/. */
export function assertFreshDist(): void {
	if (checked) return;
	let built: number;
	try {
		built = statSync(distCli).mtimeMs;
	} catch {
		throw new Error(`${distCli} is missing: run \`npm run build\` (npm test does it first).`);
	}
	const newest = newestIn(path.join(project, 'src'));
	if (newest.mtimeMs > built) {
		throw new Error(`${distCli} is older than ${path.relative(project, newest.file)}: run \`npm run build\` (npm test does it first).`);
	}
	checked = true;
}

function spawnArgs(args: readonly string[], opts: CliOptions): [string[], {cwd: string; env: NodeJS.ProcessEnv; encoding: 'utf8'; maxBuffer: number}] {
	assertFreshDist();
	return [
		[...(opts.nodeArgs ?? []), distCli, ...args],
		{cwd: opts.cwd ?? project, env: {...process.env, NO_COLOR: '1', ...opts.env}, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024},
	];
}

/** `node dist/cli.js ...args`, stdout and stderr pipes (never a terminal), stdin closed. */
export function cli(args: readonly string[], opts: CliOptions = {}): Promise<CliRun> {
	const [argv, options] = spawnArgs(args, opts);
	return new Promise((resolve) => {
		const child = execFile(process.execPath, argv, options, (error, stdout, stderr) =>
			resolve({code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr}),
		);
		child.stdin?.end();
	});
}

/** The same, synchronously (spawnSync's result: status, stdout, stderr). */
export function cliSync(args: readonly string[], opts: CliOptions = {}): SpawnSyncReturns<string> {
	const [argv, options] = spawnArgs(args, opts);
	return spawnSync(process.execPath, argv, {...options, stdio: ['ignore', 'pipe', 'pipe']});
}

/**
 * What `mdevscope --version` says for a build of this checkout (scripts/build-info.mjs): the
 * package's version and HEAD's commit, `-dirty` when tracked files differ from it.
 */
export function versionLine(): string {
	const {version} = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as {version: string};
	const git = (...args: string[]) => spawnSync('git', args, {cwd: project, encoding: 'utf8'}).stdout.trim();
	const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
	return `mdevscope ${version} (commit ${git('rev-parse', '--short=12', 'HEAD')}${dirty ? '-dirty' : ''})`;
}
