// Who holds VFIO files open: a scan of /proc/<pid>/fd for links to /dev/vfio/<group>,
// /dev/vfio/devices/* and the container, the way `lsof /dev/vfio/3` would. Reads only.
// A process whose fds cannot be read (another user's, hidepid=2) is "unknown", not an error: an
// unprivileged user simply cannot see who holds a device.
import {readdirSync, readFileSync, readlinkSync} from 'node:fs';
import {basename, join} from 'node:path';
import type {ItemError} from '../model/types.js';

export interface VfioHolder {
	pid: number;
	/** /proc/<pid>/comm: the kernel's 15-character task name (`qemu-system-x86`). */
	comm: string | null;
	/** /proc/<pid>/cmdline split at NULs; null when unreadable (or a kernel thread's, empty). */
	cmdline: string[] | null;
	/** For a QEMU command line: its `-name` (the `guest=` value, or the first one) and `-uuid`. */
	qemu: {name: string | null; uuid: string | null} | null;
	/** The /dev/vfio files it has open, as paths seen from the root (`/dev/vfio/3`), with fd numbers. */
	files: Array<{fd: number; path: string}>;
	/**
	 * fds that are `anon_inode:[vfio-device]`: device fds obtained through a group. The kernels we
	 * know do not say in fdinfo which device such an fd is, so they are counted, not attributed.
	 */
	deviceFds: number;
}

export interface HolderScan {
	holders: VfioHolder[];
	/** Processes whose fd directory could not be read: what they hold is unknown. */
	unknown: Array<{pid: number; code: string}>;
	/** /proc itself could not be listed. */
	error: ItemError | null;
}

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? 'EIO';

const readOrNull = (path: string): string | null => {
	try {
		return readFileSync(path, 'utf8');
	} catch {
		return null;
	}
};

/** Splits a QEMU option string at commas, where `,,` stands for a literal comma. */
function qemuOptions(value: string): string[] {
	const parts: string[] = [];
	let current = '';
	for (let i = 0; i < value.length; i++) {
		if (value[i] === ',' && value[i + 1] === ',') {
			current += ',';
			i++;
		} else if (value[i] === ',') {
			parts.push(current);
			current = '';
		} else current += value[i];
	}
	parts.push(current);
	return parts;
}

/**
 * QEMU's VM name and uuid from its command line: `-name guest=vm1,debug-threads=on` (libvirt's
 * form) or `-name vm1`, and `-uuid <uuid>`; QEMU also accepts the `--name` spelling.
 * Returns null for a command that is not QEMU (argv[0]'s base name does not start with `qemu`).
 */
export function qemuIdentity(cmdline: string[]): {name: string | null; uuid: string | null} | null {
	if (cmdline.length === 0 || !basename(cmdline[0]!).startsWith('qemu')) return null;
	let name: string | null = null;
	let uuid: string | null = null;
	for (let i = 1; i < cmdline.length; i++) {
		const arg = cmdline[i]!;
		const value = cmdline[i + 1];
		if ((arg === '-name' || arg === '--name') && value !== undefined) {
			const opts = qemuOptions(value);
			const guest = opts.find((o) => o.startsWith('guest='));
			name = guest ? guest.slice('guest='.length) : opts[0]!.includes('=') ? null : opts[0]!;
			i++;
		} else if ((arg === '-uuid' || arg === '--uuid') && value !== undefined) {
			uuid = value;
			i++;
		}
	}
	return {name, uuid};
}

/**
 * Scans `<root>/proc` for processes holding VFIO files. Link targets are read as the kernel shows
 * them; when `root` is not `/`, a target under `<root>/dev/vfio` is reported as `/dev/vfio/...`
 * (tests run the probe against a temporary dev tree).
 */
export function scanVfioHolders(opts: {root?: string} = {}): HolderScan {
	const root = opts.root ?? '/';
	const procDir = join(root, 'proc');
	const scan: HolderScan = {holders: [], unknown: [], error: null};
	let pids: number[];
	try {
		pids = readdirSync(procDir)
			.filter((e) => /^\d+$/.test(e))
			.map(Number);
	} catch (error) {
		scan.error = {
			path: procDir,
			code: codeOf(error),
			message: `Listing ${procDir} to find who holds /dev/vfio files failed (${codeOf(error)}); holders are unknown. Is /proc mounted?`,
		};
		return scan;
	}
	const rootVfio = join(root, 'dev/vfio');
	const asSeen = (target: string): string | null => {
		if (root !== '/' && (target === rootVfio || target.startsWith(rootVfio + '/'))) {
			return '/dev/vfio' + target.slice(rootVfio.length);
		}
		return target === '/dev/vfio' || target.startsWith('/dev/vfio/') ? target : null;
	};
	for (const pid of pids) {
		const fdDir = join(procDir, String(pid), 'fd');
		let fds: string[];
		try {
			fds = readdirSync(fdDir);
		} catch (error) {
			// ENOENT: the process exited between the two reads; it holds nothing any more.
			if (codeOf(error) !== 'ENOENT') scan.unknown.push({pid, code: codeOf(error)});
			continue;
		}
		const files: VfioHolder['files'] = [];
		let deviceFds = 0;
		for (const fd of fds) {
			let target: string;
			try {
				target = readlinkSync(join(fdDir, fd));
			} catch {
				continue; // closed meanwhile
			}
			if (target === 'anon_inode:[vfio-device]') {
				deviceFds++;
				continue;
			}
			const path = asSeen(target);
			if (path) files.push({fd: Number(fd), path});
		}
		if (files.length === 0 && deviceFds === 0) continue;
		const comm = readOrNull(join(procDir, String(pid), 'comm'))?.replace(/\n$/, '') ?? null;
		const raw = readOrNull(join(procDir, String(pid), 'cmdline'));
		const cmdline = raw ? raw.replace(/\0$/, '').split('\0') : null;
		scan.holders.push({
			pid,
			comm,
			cmdline,
			qemu: cmdline ? qemuIdentity(cmdline) : null,
			files: files.sort((a, b) => a.fd - b.fd),
			deviceFds,
		});
	}
	scan.holders.sort((a, b) => a.pid - b.pid);
	return scan;
}

/** The holders of one group file (`/dev/vfio/<group>`). */
export function holdersOfGroup(scan: HolderScan, group: number): VfioHolder[] {
	const path = `/dev/vfio/${group}`;
	return scan.holders.filter((h) => h.files.some((f) => f.path === path));
}

/** The holders of one VFIO device cdev (`/dev/vfio/devices/vfio3`). */
export function holdersOfCdev(scan: HolderScan, name: string): VfioHolder[] {
	const path = `/dev/vfio/devices/${name}`;
	return scan.holders.filter((h) => h.files.some((f) => f.path === path));
}

/** `qemu-system-x86 pid 1234 (VM vm1, uuid …)`, `sleep pid 99`, `pid 99` when comm is unreadable. */
export function describeHolder(h: VfioHolder): string {
	const who = h.comm ? `${h.comm} pid ${h.pid}` : `pid ${h.pid}`;
	const vm = [h.qemu?.name ? `VM ${h.qemu.name}` : null, h.qemu?.uuid ? `uuid ${h.qemu.uuid}` : null].filter(Boolean);
	return vm.length > 0 ? `${who} (${vm.join(', ')})` : who;
}
