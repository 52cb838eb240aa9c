// The libc binding: real calls into this kernel, with errno read right after each one.
import test from 'ava';
import {mkdtempSync, rmSync, writeFileSync, writeSync} from 'node:fs';
import {execFileSync} from 'node:child_process';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Worker} from 'node:worker_threads';
import {errno, errnoName, meaningOf} from '../src/errno.js';
import * as libc from '../src/ffi/libc.js';

const ENOENT = errno('ENOENT');
const ENOTTY = errno('ENOTTY');
const EBADF = errno('EBADF');
const ENOSYS = errno('ENOSYS');
// <asm-generic/ioctls.h>: the number of bytes waiting in a pipe, written to an int the caller passes.
const FIONREAD = 0x541b;

const dir = mkdtempSync(join(tmpdir(), 'mdevscope-ffi-'));
test.after.always(() => rmSync(dir, {recursive: true, force: true}));

test.serial('importing the binding does not load the native addon; the first call does', (t) => {
	t.false(libc.isLoaded());
	libc.close(-1);
	t.true(libc.isLoaded());
});

test('open of a missing path gives ENOENT, of an existing one an fd and errno 0', (t) => {
	t.deepEqual(libc.open(join(dir, 'missing'), libc.O_RDWR | libc.O_CLOEXEC), {ret: -1, errno: ENOENT});
	const file = join(dir, 'present');
	writeFileSync(file, 'x');
	const r = libc.open(file, libc.O_RDWR | libc.O_CLOEXEC);
	t.true(r.ret >= 0);
	t.is(r.errno, 0);
	t.deepEqual(libc.close(r.ret), {ret: 0, errno: 0});
});

test('open does not create: O_CREAT is never implied', (t) => {
	const path = join(dir, 'never-created');
	t.is(libc.open(path, libc.O_RDWR | libc.O_CLOEXEC).errno, ENOENT);
	t.is(libc.open(path, libc.O_RDWR | libc.O_CLOEXEC).ret, -1);
});

test('every ioctl variant on a regular file gives ENOTTY', (t) => {
	const file = join(dir, 'regular');
	writeFileSync(file, 'x');
	const fd = libc.open(file, libc.O_RDWR | libc.O_CLOEXEC).ret;
	t.true(fd >= 0);
	try {
		t.deepEqual(libc.ioctlUlong(fd, 0x3b64, 0), {ret: -1, errno: ENOTTY});
		t.deepEqual(libc.ioctlPointer(fd, 0x3b67, Buffer.alloc(16)), {ret: -1, errno: ENOTTY});
		t.deepEqual(libc.ioctlString(fd, 0x3b6a, '11111111-1111-1111-1111-111111111111'), {ret: -1, errno: ENOTTY});
	} finally {
		libc.close(fd);
	}
});

test('a closed fd gives EBADF, and errno is not stale between calls', (t) => {
	const file = join(dir, 'closed');
	writeFileSync(file, 'x');
	const fd = libc.open(file, libc.O_RDWR | libc.O_CLOEXEC).ret;
	t.is(libc.close(fd).ret, 0);
	// Alternate failures with different errnos and a success: each call reports its own.
	t.deepEqual(libc.ioctlUlong(fd, 0x3b64, 0), {ret: -1, errno: EBADF});
	t.deepEqual(libc.open(join(dir, 'nope'), libc.O_RDWR).errno, ENOENT);
	// Not close(fd) again: another thread of this process may have been given that number by now.
	t.deepEqual(libc.close(999_999), {ret: -1, errno: EBADF});
	const again = libc.open(file, libc.O_RDWR | libc.O_CLOEXEC);
	t.is(again.errno, 0);
	t.deepEqual(libc.ioctlPointer(again.ret, 0x3b67, Buffer.alloc(8)), {ret: -1, errno: ENOTTY});
	t.deepEqual(libc.close(again.ret), {ret: 0, errno: 0});
});

test('a pointer argument is written by the kernel into our Buffer (FIONREAD on a FIFO)', (t) => {
	const fifo = join(dir, 'fifo');
	execFileSync('mkfifo', [fifo]);
	// O_RDWR on a FIFO never blocks on Linux; it is then both reader and writer.
	const fd = libc.open(fifo, libc.O_RDWR | libc.O_CLOEXEC).ret;
	t.true(fd >= 0);
	try {
		writeSync(fd, 'hello');
		const count = Buffer.alloc(4, 0xff);
		t.deepEqual(libc.ioctlPointer(fd, FIONREAD, count), {ret: 0, errno: 0});
		t.is(count.readInt32LE(0), 5);
	} finally {
		libc.close(fd);
	}
});

test('syscall passes long arguments and reports ENOSYS for an unknown number', (t) => {
	// x86_64 numbers: getpid 39, pidfd_open 434.
	t.deepEqual(libc.syscall(39), {ret: process.pid, errno: 0});
	const pidfd = libc.syscall(434, process.pid, 0);
	t.true(pidfd.ret >= 0, `pidfd_open: errno ${errnoName(pidfd.errno)}`);
	libc.close(pidfd.ret);
	t.deepEqual(libc.syscall(100_000), {ret: -1, errno: ENOSYS});
});

test('errno names and meanings', (t) => {
	t.is(errnoName(errno('EBUSY')), 'EBUSY');
	t.is(errnoName(errno('EAGAIN')), 'EAGAIN'); // not its alias EWOULDBLOCK
	t.is(errnoName(9999), 'E9999');
	t.regex(meaningOf(errno('ENOTTY')), /not supported/);
	t.regex(meaningOf(errno('EACCES')), /root/);
	t.is(meaningOf(9999), 'error E9999 (9999)');
	t.throws(() => errno('ENOTANERRNO'));
});

test('loading the binding in a worker thread is refused with a clear error, not a crash', async (t) => {
	const file = join(dir, 'worker.mjs');
	const tsx = import.meta.resolve('tsx/esm/api');
	const libcUrl = new URL('../src/ffi/libc.ts', import.meta.url).href;
	writeFileSync(
		file,
		`import {parentPort} from 'node:worker_threads';
const {register} = await import(${JSON.stringify(tsx)});
register();
const {open} = await import(${JSON.stringify(libcUrl)});
try { open('/', 0); parentPort.postMessage('no error'); } catch (e) { parentPort.postMessage(e.message); }`,
	);
	const worker = new Worker(file);
	const message = await new Promise<string>((resolve, reject) => {
		worker.once('message', resolve);
		worker.once('error', reject);
	});
	await worker.terminate();
	t.regex(message, /worker thread/);
});

test('O_CLOEXEC keeps the fd out of child processes (and without it, it is inherited)', (t) => {
	const closing = join(dir, 'cloexec');
	const inherited = join(dir, 'inherited');
	writeFileSync(closing, 'x');
	writeFileSync(inherited, 'x');
	const a = libc.open(closing, libc.O_RDWR | libc.O_CLOEXEC).ret;
	const b = libc.open(inherited, libc.O_RDWR).ret;
	try {
		const listing = execFileSync('ls', ['-l', '/proc/self/fd/'], {encoding: 'utf8'});
		t.false(listing.includes(closing), listing);
		t.true(listing.includes(inherited), listing);
	} finally {
		libc.close(a);
		libc.close(b);
	}
});
