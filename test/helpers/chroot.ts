// A clean Debian root (test/release/roots.sh: debootstrap --variant=minbase, no Node, npm or
// compiler) to run the release in, as a fresh hypervisor would. The cached root is never written:
// each CleanRoot is an overlay of it (its changes in a directory of its own, kept across runs so a
// `dpkg -i` stays installed for the next command) and every command runs in a mount namespace of
// its own (unshare -m) with /proc, /dev, a read-only /sys and an empty /tmp, chrooted, with an
// environment of a login shell's bare minimum: nothing of this machine's PATH, NODE_* or npm_*.
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import path from 'node:path';

export const ROOTS = process.env.MDEVSCOPE_ROOTS || '/var/cache/mdevscope-roots';
export const SUITES = ['bookworm', 'trixie'] as const;
export type Suite = (typeof SUITES)[number];

/** Why a suite's root cannot be used, or null when it can. */
export function rootMissing(suite: Suite): string | null {
	if (process.getuid?.() !== 0) return 'the clean roots need root (unshare -m, mount, chroot)';
	if (!existsSync(path.join(ROOTS, suite, 'etc', 'os-release'))) return `no clean ${suite} root at ${path.join(ROOTS, suite)}: run bash test/release/roots.sh ${suite}`;
	return null;
}

export interface RootRun {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

export interface RootOptions {
	/** Extra environment inside the root (besides PATH, HOME, LANG, TERM). */
	env?: Record<string, string>;
	stdin?: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class CleanRoot {
	readonly suite: Suite;
	readonly lower: string;
	/** Host directories bound read-only into the root, by where they appear inside it. */
	readonly binds: Map<string, string>;
	private readonly work: string;

	constructor(suite: Suite, binds: Record<string, string> = {}, base = '/var/tmp') {
		this.suite = suite;
		this.lower = path.join(ROOTS, suite);
		this.binds = new Map(Object.entries(binds));
		// The overlay's upper and work directories must be on a filesystem that takes them (not tmpfs
		// mounted noexec, not another overlay): /var/tmp, as the VM tests do.
		this.work = mkdtempSync(path.join(base, `mdevscope-root-${suite}-`));
		for (const d of ['upper', 'work', 'merged']) mkdirSync(path.join(this.work, d));
	}

	/** The shell that sets up the namespace and ends in `exec chroot ... argv`. */
	private setup(argv: string[], opts: RootOptions): string {
		const merged = path.join(this.work, 'merged');
		const lines = [
			'set -e',
			`mount -t overlay overlay -o ${['lowerdir=' + this.lower, 'upperdir=' + path.join(this.work, 'upper'), 'workdir=' + path.join(this.work, 'work')].join(',')} ${quote(merged)}`,
			`mount -t proc proc ${quote(merged + '/proc')}`,
			`mount --rbind /dev ${quote(merged + '/dev')}`,
			`mount --rbind /sys ${quote(merged + '/sys')}`,
			`mount -o remount,bind,ro ${quote(merged + '/sys')}`,
			`mount -t tmpfs -o mode=1777 tmpfs ${quote(merged + '/tmp')}`,
		];
		for (const [inside, host] of this.binds) {
			const target = merged + inside;
			lines.push(`mkdir -p ${quote(target)}`, `mount --bind ${quote(host)} ${quote(target)}`, `mount -o remount,bind,ro ${quote(target)}`);
		}
		const env = {PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', TERM: process.env.TERM || 'xterm-256color', ...opts.env};
		const envArgs = Object.entries(env).map(([k, v]) => quote(`${k}=${v}`));
		lines.push(`cd ${quote(merged)}`, `exec chroot ${quote(merged)} /usr/bin/env -i ${envArgs.join(' ')} ${argv.map(quote).join(' ')}`);
		return lines.join('\n');
	}

	/** argv for a host process that runs `argv` inside the root (for tmux). */
	command(argv: string[], opts: RootOptions = {}): string[] {
		return ['unshare', '--mount', '--propagation', 'private', '--fork', '--kill-child', 'sh', '-c', this.setup(argv, opts)];
	}

	/** Runs `script` with bash inside the root. */
	run(script: string, opts: RootOptions = {}): Promise<RootRun> {
		const [cmd, ...args] = this.command(['/bin/bash', '-c', script], opts);
		return new Promise((resolve, reject) => {
			const child = spawn(cmd!, args, {stdio: ['pipe', 'pipe', 'pipe']});
			let stdout = '';
			let stderr = '';
			child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
			child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
			child.on('error', reject);
			child.on('close', (code, signal) => resolve({code, signal, stdout, stderr}));
			child.stdin.end(opts.stdin ?? '');
		});
	}

	/** Removes the overlay's own directories (the cached root was never touched). */
	remove(): void {
		// A namespace's mounts die with it; nothing is mounted here from the outside.
		spawnSync('umount', ['-l', path.join(this.work, 'merged')], {stdio: 'ignore'});
		rmSync(this.work, {recursive: true, force: true});
	}
}
