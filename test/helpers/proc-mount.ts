// Runs an inline ES module (TypeScript imports allowed, through tsx) with this machine's /proc
// bind-mounted at <root>/proc, in a mount namespace of its own (unshare --mount): the mount is
// private to that child and goes away with it. A tree's `proc -> /proc` link is followed under
// the tree, never to this host's processes (issue 14), so a mount is how a test gives a tree the
// live process table. Needs CAP_SYS_ADMIN: `canMountProc` says whether this machine allows it.
import {spawnSync, type SpawnSyncReturns} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const project = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const canMountProc: boolean =
	process.getuid?.() === 0 && spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status === 0;

/** `<root>/proc` must be an (empty) directory. */
export function runWithProcAt(root: string, script: string): SpawnSyncReturns<string> {
	const mountThenRun = 'mount --bind /proc "$0/proc" && exec "$@"';
	return spawnSync(
		'unshare',
		['--mount', '--propagation', 'private', 'sh', '-c', mountThenRun, root, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
		{cwd: project, encoding: 'utf8'},
	);
}
