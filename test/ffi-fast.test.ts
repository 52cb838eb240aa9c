// The binding's fast path (src/ffi/fast-call.ts, used by src/ffi/libc.ts) against ffi-napi's plain
// ForeignFunction path, built here exactly as libc.ts built it before: the same C functions, the
// same variadic cifs, errno from ffi.errno() right after. Every call is made both ways and must
// give the same {ret, errno} and leave the same bytes in the caller's Buffer.
import test from 'ava';
import {execFileSync, spawnSync} from 'node:child_process';
import {fstatSync, mkdtempSync, rmSync, writeFileSync, writeSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {errno} from '../src/errno.js';
import {fastFfi, type FastCall} from '../src/ffi/fast-call.js';
import {ffiModules} from '../src/ffi/modules.js';
import * as libc from '../src/ffi/libc.js';

const ENOENT = errno('ENOENT');
const ENOTTY = errno('ENOTTY');
const EBADF = errno('EBADF');
const EINVAL = errno('EINVAL');
// <asm-generic/ioctls.h>
const TCGETS = 0x5401;
const FIONREAD = 0x541b;
const FIONCLEX = 0x5450;
const FIOCLEX = 0x5451;
// <asm-generic/fcntl.h>
const F_GETFD = 1;
const FD_CLOEXEC = 1;
// Syscall numbers: x86_64's <asm/unistd_64.h>, and the generic table arm64 uses.
const SYS = ({
	x64: {getpid: 39, getcwd: 79, fcntl: 72, lseek: 8},
	arm64: {getpid: 172, getcwd: 17, fcntl: 25, lseek: 62},
} as Record<string, {getpid: number; getcwd: number; fcntl: number; lseek: number}>)[process.arch];

const dir = mkdtempSync(join(tmpdir(), 'mdevscope-ffi-fast-'));
test.after.always(() => rmSync(dir, {recursive: true, force: true}));

// The plain path, as src/ffi/libc.ts had it: ffi-napi's proxies, errno read right after each call.
const require = createRequire(import.meta.url);
const ffi: any = require('ffi-napi');
const self = ffi.DynamicLibrary(null, ffi.DynamicLibrary.FLAGS.RTLD_NOW);
const variadic = (name: string, ret: string, fixed: string[]): any => ffi.VariadicForeignFunction(self.get(name), ret, fixed);
const plainCall =
	(f: (...args: any[]) => number | string) =>
	(...args: unknown[]): libc.CallResult => {
		const ret = Number(f(...args));
		const e = ffi.errno();
		return {ret, errno: ret === -1 ? e : 0};
	};
const ioctl = variadic('ioctl', 'int', ['int', 'ulong']);
const syscall = variadic('syscall', 'long', ['long']);
const plain = {
	open: plainCall(variadic('open', 'int', ['string', 'int'])()),
	close: plainCall(ffi.ForeignFunction(self.get('close'), 'int', ['int'])),
	ioctlPointer: plainCall(ioctl('pointer')),
	ioctlUlong: plainCall(ioctl('ulong')),
	ioctlString: plainCall(ioctl('string')),
	syscall: (number: number, ...args: libc.SyscallArg[]): libc.CallResult =>
		plainCall(syscall(...args.map((a) => (Buffer.isBuffer(a) ? 'pointer' : 'long'))))(
			number,
			...args.map((a) => (typeof a === 'bigint' ? a.toString() : a)),
		),
};

// The fast path twice: as libc.ts uses it (errno read in place), and with ffi-napi's errno getter.
const fast = {
	open: libc.open,
	close: libc.close,
	ioctlPointer: libc.ioctlPointer,
	ioctlUlong: libc.ioctlUlong,
	ioctlString: libc.ioctlString,
	syscall: libc.syscall,
};
const getterFfi = fastFfi(ffiModules());
const getter = {
	ioctlPointer: getterFfi.bind(self.get('ioctl'), 'int', ['int', 'ulong', 'pointer'], 2),
	open: getterFfi.bind(self.get('open'), 'int', ['string', 'int'], 2),
};

const O = libc.O_RDWR | libc.O_CLOEXEC;

/** A FIFO opened read-write (never blocks on Linux) holding `bytes` unread bytes; closed after the test. */
function fifoWith(t: {teardown: (f: () => void) => void}, name: string, bytes: number): number {
	const path = join(dir, name);
	execFileSync('mkfifo', [path]);
	const fd = libc.open(path, O).ret;
	if (fd < 0) throw new Error(`opening the FIFO ${path} failed`);
	if (bytes > 0) writeSync(fd, Buffer.alloc(bytes, 0x61));
	t.teardown(() => libc.close(fd));
	return fd;
}

test('open of a missing file: the same ENOENT both ways', (t) => {
	const missing = join(dir, 'missing');
	t.deepEqual(fast.open(missing, O), {ret: -1, errno: ENOENT});
	t.deepEqual(plain.open(missing, O), {ret: -1, errno: ENOENT});
	t.deepEqual(getter.open(missing, O), {ret: -1, errno: ENOENT});
});

test('open of an existing file (a string argument): an fd on the same file both ways', (t) => {
	const file = join(dir, 'present');
	writeFileSync(file, 'x');
	const a = fast.open(file, O);
	const b = plain.open(file, O);
	t.is(a.errno, 0);
	t.is(b.errno, 0);
	t.true(a.ret >= 0 && b.ret >= 0 && a.ret !== b.ret);
	t.is(fstatSync(a.ret).ino, fstatSync(b.ret).ino);
	// A non-ASCII name goes as UTF-8 both ways.
	const utf8 = join(dir, 'prés-ënt');
	writeFileSync(utf8, 'y');
	const c = fast.open(utf8, O);
	t.true(c.ret >= 0);
	t.is(fstatSync(c.ret).size, 1);
	for (const fd of [a.ret, b.ret, c.ret]) t.deepEqual(fast.close(fd), {ret: 0, errno: 0});
});

test('ioctl TCGETS on /dev/null: the same ENOTTY both ways, and the Buffer untouched', (t) => {
	const fd = fast.open('/dev/null', O).ret;
	t.teardown(() => fast.close(fd));
	const a = Buffer.alloc(64, 0xee);
	const b = Buffer.alloc(64, 0xee);
	t.deepEqual(fast.ioctlPointer(fd, TCGETS, a), {ret: -1, errno: ENOTTY});
	t.deepEqual(plain.ioctlPointer(fd, TCGETS, b), {ret: -1, errno: ENOTTY});
	t.deepEqual(getter.ioctlPointer(fd, TCGETS, a), {ret: -1, errno: ENOTTY});
	t.deepEqual(a, b);
	t.deepEqual(fast.ioctlUlong(fd, TCGETS, 0), plain.ioctlUlong(fd, TCGETS, 0));
	t.deepEqual(fast.ioctlString(fd, TCGETS, 'x'), {ret: -1, errno: ENOTTY});
	t.deepEqual(plain.ioctlString(fd, TCGETS, 'x'), {ret: -1, errno: ENOTTY});
});

test('ioctl with a pointer the kernel fills (FIONREAD on a FIFO): the same value written both ways', (t) => {
	const fd = fifoWith(t, 'fionread', 5);
	const a = Buffer.alloc(4, 0xff);
	const b = Buffer.alloc(4, 0xff);
	t.deepEqual(fast.ioctlPointer(fd, FIONREAD, a), {ret: 0, errno: 0});
	t.deepEqual(plain.ioctlPointer(fd, FIONREAD, b), {ret: 0, errno: 0});
	t.is(a.readInt32LE(0), 5);
	t.deepEqual(a, b);
	// A Buffer that is a slice of a larger one: the kernel writes at the slice, not at its parent's start.
	const parent = Buffer.alloc(16, 0xff);
	t.deepEqual(fast.ioctlPointer(fd, FIONREAD, parent.subarray(8, 12)), {ret: 0, errno: 0});
	t.deepEqual([...parent], [...Buffer.alloc(8, 0xff), 5, 0, 0, 0, ...Buffer.alloc(4, 0xff)]);
});

test('integer arguments: close, and an ioctl that takes its argument by value', (t) => {
	t.deepEqual(fast.close(-1), {ret: -1, errno: EBADF});
	t.deepEqual(plain.close(-1), {ret: -1, errno: EBADF});
	const file = join(dir, 'ints');
	writeFileSync(file, 'x');
	const fd = fast.open(file, libc.O_RDWR).ret; // without O_CLOEXEC
	t.teardown(() => fast.close(fd));
	const cloexec = (): number => fast.syscall(SYS!.fcntl, fd, F_GETFD).ret & FD_CLOEXEC;
	t.is(cloexec(), 0);
	t.deepEqual(fast.ioctlUlong(fd, FIOCLEX, 0), {ret: 0, errno: 0});
	t.is(cloexec(), FD_CLOEXEC);
	t.deepEqual(plain.ioctlUlong(fd, FIONCLEX, 0), {ret: 0, errno: 0});
	t.is(cloexec(), 0);
	t.deepEqual(plain.syscall(SYS!.fcntl, fd, F_GETFD), fast.syscall(SYS!.fcntl, fd, F_GETFD));
	// Out of an int's range: the same RangeError both ways (Buffer#writeInt32*), nothing called.
	t.throws(() => fast.close(2 ** 31), {instanceOf: RangeError});
	t.throws(() => plain.close(2 ** 31), {instanceOf: RangeError});
	// A pointer argument that is not a Buffer: a TypeError both ways.
	t.throws(() => fast.ioctlPointer(fd, FIONREAD, 5 as unknown as Buffer), {instanceOf: TypeError});
	t.throws(() => plain.ioctlPointer(fd, FIONREAD, 5), {instanceOf: TypeError});
});

test('syscall(getpid) is this process both ways', (t) => {
	if (!SYS) return t.pass(`no syscall numbers here for ${process.arch}`);
	t.deepEqual(fast.syscall(SYS.getpid), {ret: process.pid, errno: 0});
	t.deepEqual(plain.syscall(SYS.getpid), {ret: process.pid, errno: 0});
});

test('syscall with a pointer argument (getcwd): the same length and bytes both ways', (t) => {
	if (!SYS) return t.pass(`no syscall numbers here for ${process.arch}`);
	const cwd = Buffer.from(process.cwd() + '\0');
	const a = Buffer.alloc(4096, 0xff);
	const b = Buffer.alloc(4096, 0xff);
	t.deepEqual(fast.syscall(SYS.getcwd, a, a.length), {ret: cwd.length, errno: 0});
	t.deepEqual(plain.syscall(SYS.getcwd, b, b.length), {ret: cwd.length, errno: 0});
	t.deepEqual(a.subarray(0, cwd.length), cwd);
	t.deepEqual(a, b);
	// Too small a Buffer: ERANGE both ways, nothing written past it.
	const small = Buffer.alloc(2);
	t.deepEqual(fast.syscall(SYS.getcwd, small, small.length), plain.syscall(SYS.getcwd, small, small.length));
	t.is(fast.syscall(SYS.getcwd, small, 2).errno, errno('ERANGE'));
});

test('64-bit long arguments and results (lseek past 4 GiB), as numbers and as bigints', (t) => {
	if (!SYS) return t.pass(`no syscall numbers here for ${process.arch}`);
	const file = join(dir, 'sparse');
	writeFileSync(file, '');
	const fd = fast.open(file, O).ret;
	t.teardown(() => fast.close(fd));
	for (const offset of [2 ** 32 + 5, 2 ** 40 + 2 ** 33 + 7]) {
		t.deepEqual(fast.syscall(SYS.lseek, fd, offset, 0), {ret: offset, errno: 0});
		t.deepEqual(plain.syscall(SYS.lseek, fd, offset, 0), {ret: offset, errno: 0});
		t.deepEqual(fast.syscall(SYS.lseek, fd, BigInt(offset), 0), {ret: offset, errno: 0});
		t.deepEqual(plain.syscall(SYS.lseek, fd, BigInt(offset), 0), {ret: offset, errno: 0});
	}
	// Beyond what the file system allows (EINVAL on most), whatever it is: the same both ways.
	for (const offset of [2 ** 52 + 1, 2n ** 62n + 3n]) {
		t.deepEqual(fast.syscall(SYS.lseek, fd, offset, 0), plain.syscall(SYS.lseek, fd, offset, 0));
	}
	// Negative longs: -1 and -2^33 as the offset are EINVAL (and whence -1 too).
	for (const args of [[-1, 0], [-(2 ** 33), 0], [-5n, 0], [0, -1]] as Array<[number | bigint, number]>) {
		t.deepEqual(fast.syscall(SYS.lseek, fd, ...args), {ret: -1, errno: EINVAL}, String(args));
		t.deepEqual(plain.syscall(SYS.lseek, fd, ...args), {ret: -1, errno: EINVAL}, String(args));
	}
	t.throws(() => fast.syscall(SYS.lseek, fd, 2n ** 63n, 0), {instanceOf: TypeError});
	t.throws(() => plain.syscall(SYS.lseek, fd, 2n ** 63n, 0), {instanceOf: TypeError});
});

test('repeated and interleaved calls: each function writes only its own caller Buffer and result', (t) => {
	if (!SYS) return t.pass(`no syscall numbers here for ${process.arch}`);
	const three = fifoWith(t, 'three', 3);
	const seven = fifoWith(t, 'seven', 7);
	const file = join(dir, 'interleaved');
	writeFileSync(file, 'x');
	const cwd = process.cwd();
	const a = Buffer.alloc(4);
	const b = Buffer.alloc(4);
	const path = Buffer.alloc(4096);
	for (let i = 0; i < 500; i++) {
		a.fill(0xff);
		b.fill(0xff);
		t.deepEqual(fast.ioctlPointer(three, FIONREAD, a), {ret: 0, errno: 0});
		t.deepEqual(fast.open(join(dir, `missing-${i}`), O), {ret: -1, errno: ENOENT});
		t.deepEqual(fast.ioctlPointer(seven, FIONREAD, b), {ret: 0, errno: 0});
		t.deepEqual(fast.ioctlPointer(-1, FIONREAD, Buffer.alloc(4)), {ret: -1, errno: EBADF});
		t.is(fast.syscall(SYS.getcwd, path, path.length).ret, Buffer.byteLength(cwd) + 1);
		const fd = fast.open(file, O);
		t.deepEqual(fast.ioctlString(fd.ret, TCGETS, `name-${i}`), {ret: -1, errno: ENOTTY});
		t.deepEqual(fast.close(fd.ret), {ret: 0, errno: 0});
		t.deepEqual(fast.syscall(SYS.getpid), {ret: process.pid, errno: 0});
		t.is(a.readInt32LE(0), 3);
		t.is(b.readInt32LE(0), 7);
		t.is(path.toString('utf8', 0, Buffer.byteLength(cwd)), cwd);
		if (i % 100 === 0) {
			// and the plain path, interleaved with the fast one, still agrees
			t.deepEqual(plain.ioctlPointer(seven, FIONREAD, a), {ret: 0, errno: 0});
			t.is(a.readInt32LE(0), 7);
		}
	}
});

test('the bound functions check their argument count as ffi-napi does', (t) => {
	const close: FastCall = getterFfi.bind(self.get('close'), 'int', ['int']);
	t.throws(() => close(), {instanceOf: TypeError, message: 'Expected 1 arguments, got 0'});
	t.throws(() => ffi.ForeignFunction(self.get('close'), 'int', ['int'])(), {instanceOf: TypeError, message: 'Expected 1 arguments, got 0'});
});

test('under forced garbage collection, calls with fresh Buffers and strings give the right answers', (t) => {
	if (!SYS) return t.pass(`no syscall numbers here for ${process.arch}`);
	const fifo = join(dir, 'gc-fifo');
	execFileSync('mkfifo', [fifo]);
	const file = join(dir, 'gc-file');
	writeFileSync(file, 'x');
	const libcUrl = new URL('../src/ffi/libc.ts', import.meta.url).href;
	// A child with --expose-gc: every call gets a Buffer or string made for it, nothing else holds
	// it, and the collector runs often (explicitly, and from the garbage made in between).
	const script = `
const libc = await import(${JSON.stringify(libcUrl)});
if (typeof globalThis.gc !== 'function') throw new Error('no gc');
const O = libc.O_RDWR | libc.O_CLOEXEC;
const fifo = libc.open(${JSON.stringify(fifo)}, O).ret;
(await import('node:fs')).writeSync(fifo, 'abcdefghijk');
const cwd = process.cwd() + '\\0';
let bad = 0, calls = 0;
const junk = [];
for (let i = 0; i < 20000; i++) {
	const count = Buffer.alloc(4, 0xff);
	if (libc.ioctlPointer(fifo, ${FIONREAD}, count).ret !== 0 || count.readInt32LE(0) !== 11) bad++;
	const where = Buffer.alloc(256 + (i % 64));
	const got = libc.syscall(${SYS.getcwd}, where, where.length);
	if (got.ret !== Buffer.byteLength(cwd) || where.toString('utf8', 0, got.ret) !== cwd) bad++;
	const fd = libc.open(${JSON.stringify(file)}.slice(0) + '', O);
	if (fd.ret < 0 || libc.close(fd.ret).ret !== 0) bad++;
	const missing = libc.open(${JSON.stringify(join(dir, 'gc-missing-'))} + i, O);
	if (missing.ret !== -1 || missing.errno !== ${ENOENT}) bad++;
	if (libc.ioctlString(fifo, ${TCGETS}, 'device-' + i).errno !== ${ENOTTY}) bad++;
	calls += 5;
	junk.push(new Array(64).fill(i));
	if (junk.length > 200) junk.length = 0;
	if (i % 500 === 0) globalThis.gc();
}
process.stdout.write(JSON.stringify({calls, bad}));
`;
	const child = spawnSync(process.execPath, ['--expose-gc', '--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], {
		encoding: 'utf8',
		timeout: 50_000,
	});
	t.is(child.status, 0, child.stderr);
	t.deepEqual(JSON.parse(child.stdout), {calls: 100_000, bad: 0});
});
