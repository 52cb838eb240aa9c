// errno numbers, names and what they mean in general. The numbers are the host's own (Node's
// os.constants.errno is built from <errno.h>), so nothing here is a second copy that could drift;
// the meanings are ours. Step-specific wording ("group in use by another process") lives in the
// probe engine, which knows which call failed.
import {constants} from 'node:os';

const byName: Readonly<Record<string, number>> = constants.errno;
const byNumber = new Map<number, string>();
for (const [name, number] of Object.entries(byName)) {
	// Aliases share a number (EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK): keep the first, which is
	// the name glibc's strerrorname_np gives.
	if (!byNumber.has(number)) byNumber.set(number, name);
}

/** errno number by name (`errno('EBUSY')` → 16 on Linux); throws for a name this host does not have. */
export function errno(name: string): number {
	const number = byName[name];
	if (number === undefined) throw new Error(`no errno named ${name} on this host`);
	return number;
}

/** The name of an errno number (`EBUSY`), or `E<number>` when the host has no name for it. */
export function errnoName(number: number): string {
	return byNumber.get(number) ?? `E${number}`;
}

// General meanings, in plain words, of the errnos the VFIO calls answer with.
const meanings: Readonly<Record<string, string>> = {
	EPERM: 'operation not permitted (needs root or a capability)',
	ENOENT: 'no such file or directory',
	ESRCH: 'no such process',
	EINTR: 'interrupted by a signal',
	EIO: 'input/output error in the driver',
	ENXIO: 'no such device or address (the device behind the file is gone or not ready)',
	EBADF: 'bad file descriptor',
	EAGAIN: 'resource temporarily unavailable (try again later)',
	ENOMEM: 'out of memory',
	EACCES: 'permission denied (needs root or write access to the device file)',
	EFAULT: 'bad address passed to the kernel',
	EBUSY: 'device or resource busy (held by another process)',
	EEXIST: 'already exists',
	ENODEV: 'no such device (it went away or its driver is not loaded)',
	ENOTDIR: 'not a directory',
	EISDIR: 'is a directory',
	EINVAL: 'invalid argument (the driver does not accept this request)',
	EMFILE: 'too many open files in this process',
	ENOTTY: 'not supported by this file (inappropriate ioctl)',
	ENOSPC: 'no space left (no free instance or resource)',
	EROFS: 'read-only file system',
	ENOSYS: 'function not implemented by this kernel',
	ELOOP: 'too many levels of symbolic links',
	EOPNOTSUPP: 'operation not supported',
	ETIMEDOUT: 'timed out',
};

/** errno in plain words: `meaningOf(16)` → "device or resource busy (held by another process)". */
export function meaningOf(number: number): string {
	const name = errnoName(number);
	return meanings[name] ?? `error ${name} (${number})`;
}
