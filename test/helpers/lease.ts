// A real hang in the kernel for probe tests: a lease on the fake container file makes the probe
// child's open(O_RDWR) block (__break_lease) until the lease is released or the child is killed.
import {closeSync, mkdirSync, openSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join} from 'node:path';

// <fcntl.h> (Linux): F_SETLEASE 1024, F_SETSIG 10; <asm-generic/fcntl.h>: F_RDLCK 0, F_UNLCK 2.
const F_SETLEASE = 1024;
const F_SETSIG = 10;
const F_RDLCK = 0;
const F_UNLCK = 2;
const SIGURG = 23; // ignored by default: the lease-break notice must not kill this process

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ffi: any = require('ffi-napi');
const fcntl: (fd: number, cmd: number, arg: number) => number = ffi
	.VariadicForeignFunction(ffi.DynamicLibrary(null).get('fcntl'), 'int', ['int', 'int'])('int');

/** A dev tree whose container is a regular file (answers ENOTTY), with a lease to make it hang. */
export function leasedTree(base: string, name: string): {root: string; hold: () => void; release: () => void; close: () => void} {
	const root = join(base, name);
	mkdirSync(join(root, 'dev/vfio'), {recursive: true});
	const file = join(root, 'dev/vfio/vfio');
	writeFileSync(file, '');
	const fd = openSync(file, 'r');
	return {
		root,
		hold: () => {
			if (fcntl(fd, F_SETSIG, SIGURG) !== 0) throw new Error('F_SETSIG failed');
			if (fcntl(fd, F_SETLEASE, F_RDLCK) !== 0) throw new Error(`F_SETLEASE failed: errno ${ffi.errno()}`);
		},
		release: () => void fcntl(fd, F_SETLEASE, F_UNLCK),
		close: () => closeSync(fd),
	};
}

