// Where mdevscope puts what it unpacks for itself (the sample host's tree; in the single executable
// its program, src/release/sea-main.cjs, which keeps the same order): $TMPDIR when the user set it,
// then /dev/shm, then the disk. /dev/shm is a tmpfs, in memory: the sample's 348 files unpack there
// in a fraction of the time they take on a disk's /tmp (bench/release.mjs: --json --sample 0.18 s
// against 0.55 s on this machine's ext4 /tmp).
import os from 'node:os';

export function scratchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
	const dirs = [env.TMPDIR, '/dev/shm', os.tmpdir(), '/tmp', '/var/tmp'].filter((d): d is string => typeof d === 'string' && d !== '');
	return [...new Set(dirs)];
}
