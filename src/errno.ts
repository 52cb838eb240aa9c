// errno numbers and names, and the one table of what they mean. The numbers are the host's own (Node's
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

// The one errno table (issue 16): per name, what it means when a VFIO call answers with it (`call`,
// in general words: step-specific wording such as "group in use by another process" lives in the
// probe engine, which knows which call failed) and when reading a file of a tree does (`file`, with
// what to do about it).
const WORDS: Readonly<Record<string, {call?: string; file?: string; write?: string}>> = {
	EPERM: {call: 'operation not permitted (needs root or a capability)', file: 'operation not permitted (try again as root)', write: 'operation not permitted: run as root'},
	ENOENT: {call: 'no such file or directory', file: 'it does not exist', write: 'the file is not there: the device, type or parent went away (rescan), or the tree has no such file'},
	ESRCH: {call: 'no such process'},
	EINTR: {call: 'interrupted by a signal'},
	EIO: {call: 'input/output error in the driver', file: 'the kernel answered with an I/O error (the driver refused the read)', write: 'the driver failed the request (its reason is in the kernel log: dmesg)'},
	ENXIO: {call: 'no such device or address (the device behind the file is gone or not ready)', file: 'the device is gone'},
	EBADF: {call: 'bad file descriptor'},
	EAGAIN: {call: 'resource temporarily unavailable (try again later)', file: 'it is not a regular file (a FIFO or socket) and had nothing to read'},
	ENOMEM: {call: 'out of memory'},
	EACCES: {call: 'permission denied (needs root or write access to the device file)', file: 'permission denied (try again as root)', write: 'permission denied: run as root'},
	EFAULT: {call: 'bad address passed to the kernel'},
	EBUSY: {call: 'device or resource busy (held by another process)', write: 'busy: a process still holds the device, or the driver is not done with it yet (try again in a moment)'},
	EEXIST: {call: 'already exists', write: 'a device with this UUID exists already'},
	ENODEV: {call: 'no such device (it went away or its driver is not loaded)', file: 'the device is gone or does not support this attribute', write: 'the device went away, or its driver does not take this request'},
	ENOTDIR: {call: 'not a directory', file: 'it (or a directory above it) is not a directory'},
	EISDIR: {call: 'is a directory', file: 'it is a directory where a file was expected'},
	EINVAL: {call: 'invalid argument (the driver does not accept this request)', file: 'the kernel refused the request as invalid', write: 'the kernel refused the value: a UUID already in use, a type the parent does not offer now, or a value the attribute does not take'},
	EMFILE: {call: 'too many open files in this process'},
	ENOTTY: {call: 'not supported by this file (inappropriate ioctl)'},
	ENOSPC: {call: 'no space left (no free instance or resource)', write: "no room left on the parent for this type: the GPU's framebuffer or the GVT-g aperture is used up (mdevscope doctor says by what)"},
	EROFS: {call: 'read-only file system', write: 'read-only file system'},
	ENOSYS: {call: 'function not implemented by this kernel'},
	ELOOP: {call: 'too many levels of symbolic links', file: 'too many levels of symbolic links (a link loop)'},
	EOPNOTSUPP: {call: 'operation not supported'},
	ETIMEDOUT: {call: 'timed out'},
	ENAMETOOLONG: {file: 'the path is too long'},
};

/** errno in plain words: `meaningOf(16)` → "device or resource busy (held by another process)". */
export function meaningOf(number: number): string {
	const name = errnoName(number);
	return WORDS[name]?.call ?? `error ${name} (${number})`;
}

/** A file operation's errno name in plain words (`errnoMeaning('EACCES')` → "permission denied (try again as root)"). */
export function errnoMeaning(code: string): string {
	return WORDS[code]?.file ?? 'unexpected error';
}

/** What a write's errno means (sysfs `create`, `remove`, an attribute, the store): `writeMeaning('ENOSPC')`. */
export function writeMeaning(code: string): string {
	return WORDS[code]?.write ?? WORDS[code]?.call ?? 'unexpected error';
}
