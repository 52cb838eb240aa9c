// test/vm/run.sh's boot retry, decided from the console alone: a kernel that panics before the
// guest's init has started the command is booted again (a TCG fault, seen in CI), one that panics
// after it is not (the command must never run twice), and retries are bounded. The "emulator" here
// is a script on PATH named qemu-system-x86_64 that prints the console each boot would print and,
// on the boot that succeeds, leaves the exit code where init.sh would: the real guest is proven by
// test/vm/harness.test.ts; this proves run.sh's reading of what a guest printed.
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

const panic = '[    1.687820] Oops: int3: 0000 [#2] PREEMPT SMP NOPTI\n[    1.688195] Kernel panic - not syncing: Fatal exception in interrupt\n';
const started = 'mdevscope-vm: [1.90] kernel 6.12.117+deb12-amd64 up\nmdevscope-vm: [2.10] running the command in /x\n';

/** Runs run.sh with an emulator whose boot N prints boots[N-1] ('ok' = the command ran, rc 0). */
function runWith(boots: string[], env: Record<string, string> = {}) {
	const dir = mkdtempSync('/var/tmp/mdevscope-bootretry-');
	try {
		const cache = join(dir, 'cache', '6.12');
		mkdirSync(cache, {recursive: true});
		for (const f of ['boot-image', 'initrd.img']) writeFileSync(join(cache, f), '');
		writeFileSync(join(cache, 'version'), '6.12.117+deb12-amd64\n');
		const bin = join(dir, 'bin');
		mkdirSync(bin);
		boots.forEach((text, i) => writeFileSync(join(dir, `boot-${i + 1}`), text));
		// The output share is the -virtfs whose mount_tag is "out".
		writeFileSync(
			join(bin, 'qemu-system-x86_64'),
			`#!/bin/bash
out=$(printf '%s\\n' "$@" | sed -n 's/^local,path=\\(.*\\),mount_tag=out,.*/\\1/p')
n=$(( $(cat ${dir}/count 2>/dev/null || echo 0) + 1 )); echo $n >${dir}/count
text=$(cat ${dir}/boot-$n)
if [ "$text" = ok ]; then printf '%s' '${started}'; echo 0 >"$out/rc"; : >"$out/stdout"; : >"$out/stderr"; echo MDEVSCOPE-VM-RC=0
else printf '%s\\n' "$text"; fi
`,
		);
		chmodSync(join(bin, 'qemu-system-x86_64'), 0o755);
		const out = join(dir, 'out');
		const r = spawnSync('bash', ['test/vm/run.sh', '6.12', out, '--', 'true'], {
			encoding: 'utf8',
			env: {...process.env, PATH: `${bin}:${process.env.PATH}`, MDEVSCOPE_VM_CACHE: join(dir, 'cache'), MDEVSCOPE_VM_ACCEL: 'tcg', ...env},
		});
		const count = Number(readFileSync(join(dir, 'count'), 'utf8'));
		const kept = [1, 2, 3].filter((n) => existsSync(join(out, `console.boot-${n}.log`)));
		return {status: r.status, stderr: r.stderr, boots: count, kept};
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

test('a kernel that panics before the command started is booted again, and that is said', (t) => {
	const r = runWith([panic, 'ok']);
	t.is(r.status, 0, r.stderr);
	t.is(r.boots, 2);
	t.deepEqual(r.kept, [1]);
	t.regex(r.stderr, /the kernel panicked before the command started \(boot 1; console in .*console\.boot-1\.log\): booting again/);
	t.regex(r.stderr, /Oops: int3/);
});

test('a kernel that panics after the command started is not booted again: the command never runs twice', (t) => {
	const r = runWith([started + panic, 'ok']);
	t.is(r.status, 200, r.stderr);
	t.is(r.boots, 1);
	t.notRegex(r.stderr, /booting again/);
});

test('a guest that ends without a panic is not booted again (a broken image is not retried away)', (t) => {
	const r = runWith(['mdevscope-vm: [1.2] FAILED: loading vfio', 'ok']);
	t.is(r.status, 200, r.stderr);
	t.is(r.boots, 1);
});

test('boot retries are bounded: MDEVSCOPE_VM_BOOT_RETRIES, 2 unless set', (t) => {
	const r = runWith([panic, panic, panic, 'ok']);
	t.is(r.status, 200, r.stderr);
	t.is(r.boots, 3);
	t.deepEqual(r.kept, [1, 2]);
	t.regex(r.stderr, /ended without the command's exit code/);
	const none = runWith([panic, 'ok'], {MDEVSCOPE_VM_BOOT_RETRIES: '0'});
	t.is(none.status, 200);
	t.is(none.boots, 1);
});
