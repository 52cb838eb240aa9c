// Runs a shell command inside a QEMU guest booted on one of Debian's real kernels with the kernel's
// mdev sample drivers loaded and three instances created (see test/vm/README.md). The guest is
// chrooted into the host's root (read-only over 9p), so the command sees this project and node.
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

export type VmSeries = '6.1' | '6.12';

export interface VmResult {
	/** The command's exit code inside the guest. */
	rc: number;
	stdout: string;
	stderr: string;
	/** The guest's serial console (kernel messages and the guest init's progress lines). */
	console: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const runScript = join(here, 'run.sh');

/** Where test/vm/build.sh keeps a series' kernel, modules and initramfs. */
export const vmCacheDir = (series: VmSeries): string =>
	join(process.env.MDEVSCOPE_VM_CACHE ?? '/var/cache/mdevscope-vm', series);

/** The kernel release (`uname -r`) that build.sh built the guest for, or null when not built. */
export function vmKernelRelease(series: VmSeries): string | null {
	const file = join(vmCacheDir(series), 'version');
	return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

const readOr = (file: string, fallback: string): string => {
	try {
		return readFileSync(file, 'utf8');
	} catch {
		return fallback;
	}
};

/**
 * Boots the `series` guest, runs `script` with `sh -c` as root in the project directory inside the
 * guest, and returns what it printed and its exit code. With `root`, the guest chroots into that
 * directory instead of this machine's root (run.sh's MDEVSCOPE_VM_ROOT), and the script runs in
 * `cwd`, which must exist both here and in `root`. Rejects when the guest gave no exit code
 * (boot failure, kernel panic, timeout), with the console's tail in the message, so a broken VM can
 * never pass for a command that failed.
 */
export async function runInVm(
	series: VmSeries,
	script: string,
	opts: {timeoutMs?: number; root?: string; cwd?: string} = {},
): Promise<VmResult> {
	const timeoutMs = opts.timeoutMs ?? 300_000;
	// Not under /tmp: the guest mounts a tmpfs over the chroot's /tmp (run.sh copes, but a host-side
	// reader of a path under /tmp would then see something different from the guest).
	const outdir = mkdtempSync('/var/tmp/mdevscope-vm-');
	try {
		const child = spawn('bash', [runScript, series, outdir, '--', script], {
			cwd: opts.cwd ?? join(here, '..', '..'),
			env: {
				...process.env,
				MDEVSCOPE_VM_TIMEOUT: String(Math.ceil(timeoutMs / 1000)),
				...(opts.root ? {MDEVSCOPE_VM_ROOT: opts.root} : {}),
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let harness = '';
		child.stdout.on('data', (chunk: Buffer) => (harness += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (harness += chunk.toString()));
		// run.sh enforces the timeout itself; this guard only catches a run.sh that hangs.
		const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 60_000);
		const exit = await new Promise<number | null>((resolve, reject) => {
			child.on('error', reject);
			child.on('close', (code) => resolve(code));
		}).finally(() => clearTimeout(guard));

		const consoleLog = readOr(join(outdir, 'console.log'), '');
		const rcText = readOr(join(outdir, 'rc'), '').trim();
		if (!/^\d+$/.test(rcText)) {
			throw new Error(
				`The ${series} VM gave no exit code for the command (run.sh exited ${exit}).\n` +
					`run.sh said:\n${harness.trim()}\n` +
					`console tail:\n${consoleLog.split('\n').slice(-40).join('\n')}`,
			);
		}
		return {
			rc: Number(rcText),
			stdout: readOr(join(outdir, 'stdout'), ''),
			stderr: readOr(join(outdir, 'stderr'), ''),
			console: consoleLog,
		};
	} finally {
		if (!process.env.MDEVSCOPE_VM_KEEP) rmSync(outdir, {recursive: true, force: true});
	}
}

// ---- sections of a guest script's output ----------------------------------------------------------

/**
 * `run NAME CMD...` for guest scripts (interpolate RUN_SH into the script): runs CMD and prints
 * its stdout and stderr as sections, `@@@ begin NAME` ... `@@@ end NAME rc=<its exit code>` and
 * the same for `NAME.stderr`, which sections() reads back. node itself dies by SIGSEGV now and then
 * in these guests under TCG, with or without --probe (measured on 6.12: 2 of 12 plain --json
 * runs), and so may a probe child (its result says "killed by SIGSEGV"): such a run is repeated,
 * up to CRASH_RETRIES times, and reported on an `@@@ retry NAME rc=N` line (retriesIn()). (A CI
 * run once saw the same command crash twice in a row, so one or two repeats are not enough.) The
 * same emulation fault also shows as a WebAssembly trap in tsx's lexer, which loads the tests' own
 * TypeScript in the guest ("RuntimeError: memory access out of bounds", seen once in CI): the
 * project runs no WebAssembly of its own outside the TUI, so that is repeated too.
 */
export const CRASH_RETRIES = 4;
export const RUN_SH = `run() {
	name=$1; shift
	tries=0
	while :; do
		tries=$((tries + 1))
		"$@" >/tmp/$name.out 2>/tmp/$name.err
		rc=$?
		if [ $tries -le ${CRASH_RETRIES} ] && { [ $rc = 139 ] || grep -q 'killed by SIGSEGV' /tmp/$name.out || grep -q '^Error \\[RuntimeError\\]: memory access out of bounds' /tmp/$name.err; }; then
			echo "@@@ retry $name rc=$rc"
			continue
		fi
		break
	done
	echo "@@@ begin $name"; cat /tmp/$name.out; echo; echo "@@@ end $name rc=$rc"
	echo "@@@ begin $name.stderr"; cat /tmp/$name.err; echo "@@@ end $name.stderr rc=0"
}`;

/**
 * Shell for a guest script: `start_holder UUID [ARG...]` starts a QEMU-like process
 * (test/vm/holder.c: `qemu-holder GROUP UUID ARG...`, built once) holding UUID's IOMMU group open,
 * in the background, and returns once it says ready, with `hp` its pid and `g` the group.
 * Exits the script with 90 (no compiler or build error) or 91 (never ready).
 */
export const HOLDER_SH = `start_holder() {
	[ -x /tmp/qemu-holder ] || gcc -O2 -Wall -Werror -o /tmp/qemu-holder test/vm/holder.c || exit 90
	g=$(basename "$(readlink /sys/bus/mdev/devices/$1/iommu_group)")
	/tmp/qemu-holder "$g" "$@" >/tmp/holder.out 2>&1 &
	hp=$!
	i=0
	while ! grep -q '^ready' /tmp/holder.out; do
		i=$((i + 1)); [ $i -gt 600 ] && { cat /tmp/holder.out; exit 91; }
		sleep 0.1
	done
}`;

export interface Section {
	text: string;
	rc: number;
}

/** The `@@@ begin NAME` ... `@@@ end NAME rc=N` sections of a guest script's stdout, by name. */
export function sections(stdout: string): Map<string, Section> {
	const out = new Map<string, Section>();
	const re = /^@@@ begin (\S+)\n([\s\S]*?)\n?@@@ end \1 rc=(\d+)$/gm;
	for (const m of stdout.matchAll(re)) out.set(m[1]!, {text: m[2]!, rc: Number(m[3])});
	return out;
}

/** The `@@@ retry NAME rc=N` lines: runs that RUN_SH repeated after a crash. */
export function retriesIn(stdout: string): string[] {
	return stdout.match(/^@@@ retry .*$/gm) ?? [];
}

/**
 * A guest run's sections by name (`get` throws, showing all the output, when one is missing) and
 * the runs RUN_SH repeated.
 */
export function sectionReader(vm: VmResult): {get: (name: string) => Section; retries: string[]} {
	const all = sections(vm.stdout);
	return {
		retries: retriesIn(vm.stdout),
		get: (name) => {
			const sec = all.get(name);
			if (!sec) throw new Error(`no section ${name} in the guest's output:\n${vm.stdout}\n${vm.stderr}`);
			return sec;
		},
	};
}
