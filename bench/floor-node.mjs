// The floor for Node: the same file-system calls as bench/floor.c (an ops file recorded from the
// scanner), made with Node's synchronous fs calls in one process, with no parsing and no output.
// Against the C floor it shows what Node's start and per-call cost add; against the scanner, what
// the scanner's own work adds.
//
//   node bench/floor-node.mjs OPS-FILE
import {closeSync, constants, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync, accessSync} from 'node:fs';

const file = process.argv[2];
if (!file) {
	process.stderr.write('usage: node bench/floor-node.mjs OPS-FILE\n');
	process.exit(2);
}
const buffer = Buffer.alloc(64 * 1024 + 1);
const flags = constants.O_RDONLY | constants.O_NONBLOCK;
const ops = {
	o(path) {
		const fd = openSync(path, flags);
		try {
			for (let length = 0; ; ) {
				const wanted = buffer.length - length;
				const n = readSync(fd, buffer, length, wanted, null);
				length += n;
				if (n === 0 || n < wanted || length >= buffer.length) break;
			}
		} finally {
			closeSync(fd);
		}
	},
	d: (path) => readdirSync(path),
	l: (path) => readlinkSync(path),
	s: (path) => statSync(path),
	L: (path) => lstatSync(path),
	a: (path) => accessSync(path),
};
let calls = 0;
let failed = 0;
const lines = readFileSync(file, 'utf8').split('\n');
const started = performance.now();
for (const line of lines) {
	if (line.length < 3) continue;
	const op = ops[line[0]];
	if (!op) {
		process.stderr.write(`floor-node: unknown op ${JSON.stringify(line[0])} in ${file}\n`);
		process.exit(2);
	}
	calls++;
	try {
		op(line.slice(2));
	} catch {
		failed++;
	}
}
process.stderr.write(`floor-node: ${calls} calls, ${failed} failed, ${Math.round((performance.now() - started) * 1000)} µs replaying\n`);
