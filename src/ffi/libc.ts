// The few libc calls the probe needs, through ffi-napi. Every call is synchronous and returns
// {ret, errno} with errno read immediately after it on the same thread: that is the only moment
// errno is trustworthy (an `.async` call runs on libuv's pool, and ffi.errno() on the main thread
// then reads whatever the main thread last left there). Nothing here throws on a failed call.
//
// The native addon is loaded on first use only, so that importing this module costs nothing, and
// never inside a worker thread (ffi-napi crashes there); only the probe child process calls it.
import {isMainThread} from 'node:worker_threads';
import {fastFfi, type ArgKind, type CallResult, type FastCall} from './fast-call.js';
import {ffiModules} from './modules.js';

export type {CallResult} from './fast-call.js';

// <asm-generic/fcntl.h> (x86_64 and arm64 use the generic values); checked by test/abi.test.ts.
export const O_RDONLY = 0o0;
export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;

// Syscall numbers of the pidfd calls, per architecture. Since Linux 5.1 every architecture but
// alpha and ia64 numbers new syscalls alike (424 onwards): x86_64's <asm/unistd_64.h> and the
// generic table (<asm-generic/unistd.h>, arm64) both say pidfd_open 434 (Linux 5.3) and
// pidfd_getfd 438 (Linux 5.6). test/abi.test.ts compares the running architecture's pair with
// SYS_pidfd_open/SYS_pidfd_getfd from <sys/syscall.h>.
const PIDFD_SYSCALLS: Readonly<Partial<Record<NodeJS.Architecture, {pidfd_open: number; pidfd_getfd: number}>>> = {
	x64: {pidfd_open: 434, pidfd_getfd: 438},
	arm64: {pidfd_open: 434, pidfd_getfd: 438},
};

/** The pidfd syscall numbers for `arch` (default: this process's), or null for an architecture not in the table. */
export function pidfdSyscalls(arch: string = process.arch): {pidfd_open: number; pidfd_getfd: number} | null {
	return PIDFD_SYSCALLS[arch as NodeJS.Architecture] ?? null;
}

/** This architecture's number of pidfd_open(2), or null when it is not known here (see pidfdSyscalls). */
export const SYS_pidfd_open: number | null = pidfdSyscalls()?.pidfd_open ?? null;
/** This architecture's number of pidfd_getfd(2), or null when it is not known here. */
export const SYS_pidfd_getfd: number | null = pidfdSyscalls()?.pidfd_getfd ?? null;

/** A value for a variadic `long` argument of syscall(2): a number, or a Buffer passed by address. */
export type SyscallArg = number | bigint | Buffer;

// The bound functions (src/ffi/fast-call.ts): each returns {ret, errno}, errno read inside the
// call right after the C function returned.
interface Bound {
	open: FastCall;
	close: FastCall;
	ioctlPointer: FastCall;
	ioctlUlong: FastCall;
	ioctlString: FastCall;
	/** syscall(2) is variadic: one bound function per list of argument kinds, made on demand. */
	syscall: (kinds: string) => FastCall;
}

let bound: Bound | undefined;

function load(): Bound {
	if (bound) return bound;
	if (!isMainThread) {
		throw new Error(
			'The libc FFI binding was loaded in a worker thread; ffi-napi crashes there. ' +
				'Call it from the probe child process (src/probe/child.ts) instead.',
		);
	}
	const modules = ffiModules();
	const ffi: any = modules.ffi;
	const fast = fastFfi(modules);
	// dlopen(NULL): the process itself, which has libc loaded (glibc or musl alike).
	const self = ffi.DynamicLibrary(null, ffi.DynamicLibrary.FLAGS.RTLD_NOW);
	// errno read in place rather than by a second call into the addon, where libc says where it is.
	let errnoLocation: Buffer | undefined;
	try {
		errnoLocation = self.get('__errno_location');
	} catch {
		// not glibc or musl: ffi-napi's own errno getter is used
	}
	if (errnoLocation) fast.useErrnoLocation(errnoLocation);
	// open(2), ioctl(2) and syscall(2) are variadic in C: their calls get a variadic cif (the
	// fixed arguments as declared, the rest after them), so the calling convention is the one a C
	// caller would use.
	const ioctl = (arg: ArgKind): FastCall => fast.bind(self.get('ioctl'), 'int', ['int', 'ulong', arg], 2);
	const syscall = self.get('syscall');
	const syscallCache = new Map<string, FastCall>();
	bound = {
		open: fast.bind(self.get('open'), 'int', ['string', 'int'], 2),
		close: fast.bind(self.get('close'), 'int', ['int']),
		ioctlPointer: ioctl('pointer'),
		ioctlUlong: ioctl('ulong'),
		ioctlString: ioctl('string'),
		syscall: (kinds) => {
			let f = syscallCache.get(kinds);
			if (!f) {
				const args: ArgKind[] = ['long', ...[...kinds].map((k): ArgKind => (k === 'p' ? 'pointer' : 'long'))];
				syscallCache.set(kinds, (f = fast.bind(syscall, 'long', args, 1)));
			}
			return f;
		},
	};
	return bound;
}

/** open(2). Only the flags given are used: callers pass O_RDWR|O_CLOEXEC, never O_CREAT. */
export function open(path: string, flags: number): CallResult {
	return load().open(path, flags);
}

export function close(fd: number): CallResult {
	return load().close(fd);
}

/** ioctl(2) with a pointer argument: the kernel reads and/or writes `arg` in place. */
export function ioctlPointer(fd: number, request: number, arg: Buffer): CallResult {
	return load().ioctlPointer(fd, request, arg);
}

/** ioctl(2) with an integer argument passed by value (VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU). */
export function ioctlUlong(fd: number, request: number, arg: number): CallResult {
	return load().ioctlUlong(fd, request, arg);
}

/** ioctl(2) with a NUL-terminated string argument (VFIO_GROUP_GET_DEVICE_FD takes the device name). */
export function ioctlString(fd: number, request: number, arg: string): CallResult {
	return load().ioctlString(fd, request, arg);
}

/**
 * syscall(2) for calls libc has no wrapper for (pidfd_open, pidfd_getfd). Numbers are passed as
 * `long`, Buffers by address. A return value beyond 2^53 cannot occur for the calls we make (fds,
 * 0, -1).
 */
export function syscall(number: number, ...args: SyscallArg[]): CallResult {
	let kinds = '';
	for (const a of args) kinds += Buffer.isBuffer(a) ? 'p' : 'l';
	return load().syscall(kinds)(number, ...args);
}

/**
 * Loads the addon now rather than at the first call, so that its load time (seconds under
 * emulation) is not charged to the first probe's timeout. Throws when it cannot be loaded.
 */
export function preload(): void {
	load();
}

/** Whether the addon has been loaded in this process (tests check that importing alone does not). */
export function isLoaded(): boolean {
	return bound !== undefined;
}
