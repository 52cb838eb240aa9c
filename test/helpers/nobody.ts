// Runs an inline ES module (TypeScript imports allowed, through tsx) as uid/gid 65534, from the
// project directory, with HOME=/tmp: what a non-root user's run of the code sees.
import {spawnSync, type SpawnSyncReturns} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const project = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function runModuleAsNobody(script: string): SpawnSyncReturns<string> {
	return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
		cwd: project,
		uid: 65534,
		gid: 65534,
		encoding: 'utf8',
		env: {...process.env, HOME: '/tmp'},
	});
}
