// Who holds VFIO files open: a scan of /proc/<pid>/fd for links to /dev/vfio/<group>,
// /dev/vfio/devices/* and the container, the way `lsof /dev/vfio/3` would. Reads only.
// A process whose fds cannot be read (another user's, hidepid=2) is "unknown", not an error: an
// unprivileged user simply cannot see who holds a device.
// Every read goes through the sysfs Env's readers: under a tree, `proc` and everything in it stay
// inside the tree (a `proc -> /proc` link does not lead to this host's processes), a FIFO reads as
// empty, and a huge file is refused. A fd link's text is data: it is read, never followed.
import {basename, join} from 'node:path';
import type {HolderRef} from '../model/probe.js';
import type {ItemError} from '../model/types.js';
import {listDir, makeEnv, readBytes, readLinkTarget, type Env} from '../sysfs/env.js';

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
	/**
	 * Processes whose fd directory was read. 0 on a live /proc cannot happen (the reader itself is
	 * listed), so 0 means there was no process table to read: a captured tree, or every pid hidden.
	 */
	scanned: number;
	/** /proc itself could not be listed. */
	error: ItemError | null;
}

/** argv is at most ARG_MAX (a quarter of the stack limit, 2 MiB by default); more is not a command line. */
const CMDLINE_MAX_BYTES = 4 * 1024 * 1024;

/** A small /proc file as text, or null when it cannot be read (gone, hidden, not a file, too big). */
const readOrNull = (env: Env, file: string, max?: number): string | null => {
	const read = readBytes(env, file, max === undefined ? {} : {max});
	return read.ok ? read.value.toString('utf8') : null;
};

/** The Env a scan reads through: the one given, or one for `root` (default `/`). */
const envOf = (opts: {env?: Env; root?: string}): Env => opts.env ?? makeEnv(opts.root ?? '/');

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
 * A /proc/<pid>/fd link target as a path under /dev/vfio seen from the root (`/dev/vfio/3`), or
 * null when it is not one. With a root other than `/`, `<root>/dev/vfio/...` counts as /dev/vfio.
 */
export function vfioPathAsSeen(root: string, target: string): string | null {
	const rootVfio = join(root, 'dev/vfio');
	if (root !== '/' && (target === rootVfio || target.startsWith(rootVfio + '/'))) {
		return '/dev/vfio' + target.slice(rootVfio.length);
	}
	return target === '/dev/vfio' || target.startsWith('/dev/vfio/') ? target : null;
}

/**
 * Scans `<root>/proc` for processes holding VFIO files. Link targets are read as the kernel shows
 * them; when `root` is not `/`, a target under `<root>/dev/vfio` is reported as `/dev/vfio/...`
 * (tests run the probe against a temporary dev tree).
 */
export function scanVfioHolders(opts: {root?: string; env?: Env} = {}): HolderScan {
	const env = envOf(opts);
	const root = env.root;
	const procDir = env.proc;
	const scan: HolderScan = {holders: [], unknown: [], scanned: 0, error: null};
	const listed = listDir(env, procDir);
	if (!listed.ok) {
		const {code} = listed.error;
		scan.error = {
			path: procDir,
			code,
			message: `Listing ${procDir} to find who holds /dev/vfio files failed (${code}); holders are unknown. Is /proc mounted?`,
		};
		return scan;
	}
	const pids = listed.value.filter((e) => /^\d+$/.test(e)).map(Number);
	const asSeen = (target: string): string | null => vfioPathAsSeen(root, target);
	for (const pid of pids) {
		const pidDir = join(procDir, String(pid));
		const fdDir = join(pidDir, 'fd');
		const fds = listDir(env, fdDir);
		if (!fds.ok) {
			// ENOENT: the process exited between the two reads; it holds nothing any more.
			if (fds.error.code !== 'ENOENT') scan.unknown.push({pid, code: fds.error.code});
			continue;
		}
		scan.scanned++;
		const files: VfioHolder['files'] = [];
		let deviceFds = 0;
		for (const fd of fds.value) {
			const link = readLinkTarget(env, join(fdDir, fd));
			if (!link.ok) continue; // closed meanwhile (or, in a tree, not a link)
			const target = link.value;
			if (target === 'anon_inode:[vfio-device]') {
				deviceFds++;
				continue;
			}
			const path = asSeen(target);
			if (path) files.push({fd: Number(fd), path});
		}
		if (files.length === 0 && deviceFds === 0) continue;
		// An empty comm (a FIFO in a tree reads as empty) is no task name.
		const comm = readOrNull(env, join(pidDir, 'comm'))?.replace(/\n$/, '') || null;
		const raw = readOrNull(env, join(pidDir, 'cmdline'), CMDLINE_MAX_BYTES);
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

/** The pid, comm and VM identity of a holder, as a probe result and B's question carry it. */
export function holderRef(h: VfioHolder): HolderRef {
	return {pid: h.pid, comm: h.comm, vmName: h.qemu?.name ?? null, vmUuid: h.qemu?.uuid ?? null};
}

// ---- one process's device fd, for borrowing it (src/probe/borrow.ts) ----------------------------

/** The link of a device fd obtained through a group (VFIO_GROUP_GET_DEVICE_FD): an anonymous inode. */
export const VFIO_DEVICE_ANON_LINK = 'anon_inode:[vfio-device]';

/**
 * Which fd of one process is a given instance's VFIO device fd, or why that cannot be told.
 * - `found`: `fd` is it; `foundBy` says how that is certain.
 * - `unreadable`: `<root>/proc/<pid>/fd` could not be listed (`code`: ENOENT when the process is
 *   gone, EACCES when we may not look: another user's process without root, or an LSM).
 * - `not-held`: neither the group nor the instance's cdev is among its fds.
 * - `no-device-fd`: it holds the group but has no device fd open (yet).
 * - `ambiguous`: several VFIO device fds and nothing that says which is which; `unreadableFds`
 *   counts fds whose link could not be read (any of them might be one more).
 * - `not-this-device`: fdinfo names the device of every candidate, and none is this instance.
 */
export type DeviceFdLookup =
	| {kind: 'found'; fd: number; link: string; foundBy: 'cdev' | 'fdinfo' | 'only-device'}
	| {kind: 'unreadable'; path: string; code: string}
	| {kind: 'not-held'}
	| {kind: 'no-device-fd'; groupFd: number}
	| {kind: 'ambiguous'; deviceFds: number[]; groups: number[]; unreadableFds: number}
	| {kind: 'not-this-device'; deviceFds: number[]; syspaths: string[]};

/** The `vfio-device-syspath:` line of an fdinfo (Linux 6.18 and later; absent before), or null. */
export function fdinfoSyspath(fdinfo: string): string | null {
	const m = /^vfio-device-syspath:\s*(\S.*?)\s*$/m.exec(fdinfo);
	return m ? m[1]! : null;
}

/**
 * Finds, in `<root>/proc/<pid>/fd`, the fd by which process `pid` holds the instance `uuid`:
 * its cdev `/dev/vfio/devices/<vfioDev>` when it opened that; else an `anon_inode:[vfio-device]`
 * fd next to its `/dev/vfio/<iommuGroup>` fd. An mdev instance has a group of its own, and a group
 * file can be open in one process only, so a process that holds this group and exactly one device
 * fd holds this device. With several device fds, the kernels up to 6.17 say nothing that tells
 * them apart (fdinfo has no device in it), and this answers `ambiguous` rather than guess; from
 * 6.18 on, fdinfo's `vfio-device-syspath` names the device (its last component is the uuid).
 * Reads only.
 */
export function findDeviceFd(opts: {root?: string; env?: Env; pid: number; uuid: string; iommuGroup: number | null; vfioDev?: string | null}): DeviceFdLookup {
	const env = envOf(opts);
	const root = env.root;
	const procDir = join(env.proc, String(opts.pid));
	const fdDir = join(procDir, 'fd');
	const listed = listDir(env, fdDir);
	if (!listed.ok) return {kind: 'unreadable', path: fdDir, code: listed.error.code};
	const entries = listed.value.filter((e) => /^\d+$/.test(e));
	const groupPath = opts.iommuGroup === null ? null : `/dev/vfio/${opts.iommuGroup}`;
	const cdevPath = opts.vfioDev ? `/dev/vfio/devices/${opts.vfioDev}` : null;
	const cdevFds: number[] = [];
	const deviceFds: number[] = [];
	const groups = new Map<number, number>(); // group number -> fd
	let unreadableFds = 0;
	for (const entry of entries.map(Number).sort((a, b) => a - b)) {
		const link = readLinkTarget(env, join(fdDir, String(entry)));
		if (!link.ok) {
			// ENOENT: closed between the listing and now; anything else: we cannot tell what it is.
			if (link.error.code !== 'ENOENT') unreadableFds++;
			continue;
		}
		const target = link.value;
		if (target === VFIO_DEVICE_ANON_LINK) {
			deviceFds.push(entry);
			continue;
		}
		const path = vfioPathAsSeen(root, target);
		if (path === null) continue;
		if (path === cdevPath) cdevFds.push(entry);
		const group = /^\/dev\/vfio\/(\d+)$/.exec(path);
		if (group && !groups.has(Number(group[1]))) groups.set(Number(group[1]), entry);
	}
	// The cdev's link names the device itself: certain.
	if (cdevFds.length > 0) return {kind: 'found', fd: cdevFds[0]!, link: cdevPath!, foundBy: 'cdev'};
	const groupFd = opts.iommuGroup === null ? undefined : groups.get(opts.iommuGroup);
	if (groupPath === null || groupFd === undefined) return {kind: 'not-held'};
	if (deviceFds.length === 0) return {kind: 'no-device-fd', groupFd};

	// fdinfo naming the device (6.18+): decides whenever every candidate says what it is.
	const syspaths = deviceFds.map((fd) => fdinfoSyspath(readOrNull(env, join(procDir, 'fdinfo', String(fd))) ?? ''));
	if (syspaths.every((p): p is string => p !== null)) {
		const index = syspaths.findIndex((p) => basename(p) === opts.uuid);
		if (index >= 0) return {kind: 'found', fd: deviceFds[index]!, link: VFIO_DEVICE_ANON_LINK, foundBy: 'fdinfo'};
		return {kind: 'not-this-device', deviceFds, syspaths};
	}
	if (deviceFds.length === 1 && groups.size === 1 && unreadableFds === 0) {
		return {kind: 'found', fd: deviceFds[0]!, link: VFIO_DEVICE_ANON_LINK, foundBy: 'only-device'};
	}
	return {kind: 'ambiguous', deviceFds, groups: [...groups.keys()].sort((a, b) => a - b), unreadableFds};
}
