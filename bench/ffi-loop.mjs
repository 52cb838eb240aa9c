// The cost of one ioctl through the project's libc binding (src/ffi/libc.ts, ffi-napi), against
// bench/ioctl-loop.c doing the same calls in C: TCGETS on /dev/null, which the kernel answers at
// once with ENOTTY, so what is left is the binding's own cost per call (and errno's read).
// Run from the project directory: node --import tsx bench/ffi-loop.mjs [N]
import {close, ioctlPointer, O_CLOEXEC, O_RDWR, open, preload} from '../src/ffi/libc.ts';

const TCGETS = 0x5401; // asm-generic/ioctls.h
const n = Number(process.argv[2] ?? 20000);
preload();
const fd = open('/dev/null', O_RDWR | O_CLOEXEC);
if (fd.ret < 0) {
	process.stderr.write(`ffi-loop: opening /dev/null failed (errno ${fd.errno})\n`);
	process.exit(2);
}
const termios = Buffer.alloc(64);
// Warm-up: the first calls compile the binding's code paths.
for (let i = 0; i < 1000; i++) ioctlPointer(fd.ret, TCGETS, termios);
let enotty = 0;
const started = performance.now();
for (let i = 0; i < n; i++) if (ioctlPointer(fd.ret, TCGETS, termios).errno === 25) enotty++;
const took = performance.now() - started;
close(fd.ret);
process.stdout.write(`ffi-loop: ${n} calls (${enotty} ENOTTY), per call ${((took * 1000) / n).toFixed(3)} µs\n`);
process.exitCode = enotty === n ? 0 : 1;
