// Probing a device that a running VM holds, through the VM's own fd (`--probe-held`; the TUI's B).
// Vendor drivers let a device be opened only in the right context (KVMGT wants a KVM instance,
// NVIDIA's vGPU manager its QEMU), and a held group cannot be opened at all (EBUSY), but the
// holder already has an open VFIO device fd. pidfd_open(2) + pidfd_getfd(2) (Linux 5.6) duplicate
// that fd into this process; read-only questions through it answer as a direct probe would,
// while the holder keeps using its own fd. Runs only inside the probe child (src/probe/child.ts).
//
// What it never does: any ioctl not on BORROWED_IOCTLS (checked before each call, in code), a
// real plane query (for a dmabuf device it creates kernel objects), a reset, an irq or DMA
// setting, mmap, read or write of a region. The borrowed fd is closed right after the questions,
// on every path; so is the pidfd.
import {readFileSync, readlinkSync} from 'node:fs';
import {release} from 'node:os';
import {basename} from 'node:path';
import {holderName, type BorrowedFrom, type BorrowRefusal, type HolderRef, type ProbeResult} from '../model/probe.js';
import {errno, errnoName, meaningOf} from '../errno.js';
import {close, ioctlPointer, pidfdSyscalls, syscall, type CallResult} from '../ffi/libc.js';
import * as v from '../ffi/vfio.js';
import {fdinfoSyspath, findDeviceFd, holderRef, vfioPathAsSeen, type DeviceFdLookup, type VfioHolder} from '../owners/holders.js';
import {
	heldBy,
	lastFailure,
	okSummary,
	probeInstance,
	queryDevice,
	stepRecorder,
	type Call,
	type EngineOptions,
	type IoctlPointer,
	type ProbeRequest,
} from './engine.js';

// ---- the allow-list ------------------------------------------------------------------------------

/**
 * Every ioctl ever made on a borrowed fd, with the exact VFIO_DEVICE_QUERY_GFX_PLANE and
 * VFIO_DEVICE_FEATURE flags allowed (include/uapi/linux/vfio.h). The plane queries are PROBEs
 * only: "would you answer this kind?", no plane. The features: the migration PROBE and the GET of
 * its flags (the driver's constant capabilities, copied out; no state changes), and the DMA
 * logging PROBE (vfio_check_feature returns before anything starts). A GET is not read-only in
 * general (DMA_LOGGING_REPORT clears the dirty bitmap it reports), so no other GET is allowed.
 */
export const BORROWED_IOCTLS: ReadonlyMap<number, {name: string; flags: ReadonlyMap<number, string> | null}> = new Map([
	[v.VFIO_DEVICE_GET_INFO, {name: 'VFIO_DEVICE_GET_INFO', flags: null}],
	[v.VFIO_DEVICE_GET_REGION_INFO, {name: 'VFIO_DEVICE_GET_REGION_INFO', flags: null}],
	[v.VFIO_DEVICE_GET_IRQ_INFO, {name: 'VFIO_DEVICE_GET_IRQ_INFO', flags: null}],
	[
		v.VFIO_DEVICE_QUERY_GFX_PLANE,
		{
			name: 'VFIO_DEVICE_QUERY_GFX_PLANE',
			flags: new Map([
				[v.VFIO_GFX_PLANE_TYPE_PROBE | v.VFIO_GFX_PLANE_TYPE_REGION, 'PROBE|REGION'],
				[v.VFIO_GFX_PLANE_TYPE_PROBE | v.VFIO_GFX_PLANE_TYPE_DMABUF, 'PROBE|DMABUF'],
			]),
		},
	],
	[
		v.VFIO_DEVICE_FEATURE,
		{
			name: 'VFIO_DEVICE_FEATURE',
			flags: new Map([
				[v.VFIO_DEVICE_FEATURE_PROBE | v.VFIO_DEVICE_FEATURE_GET | v.VFIO_DEVICE_FEATURE_MIGRATION, 'PROBE|GET|MIGRATION'],
				[v.VFIO_DEVICE_FEATURE_GET | v.VFIO_DEVICE_FEATURE_MIGRATION, 'GET|MIGRATION'],
				[v.VFIO_DEVICE_FEATURE_PROBE | v.VFIO_DEVICE_FEATURE_SET | v.VFIO_DEVICE_FEATURE_DMA_LOGGING_START, 'PROBE|SET|DMA_LOGGING_START'],
			]),
		},
	],
]);

/** errno number by name, EIO for a name this host does not know (a code from a failed fs call). */
const errnoNumber = (name: string): number => {
	try {
		return errno(name);
	} catch {
		return errno('EIO');
	}
};

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/**
 * Why `request` with `arg` may not be made on a borrowed fd, or null when it is on the allow-list.
 * The flags of the two flag-checked requests are the second u32 of their struct (after argsz).
 */
export function borrowedIoctlRefusal(request: number, arg: Buffer): string | null {
	const entry = BORROWED_IOCTLS.get(request >>> 0);
	if (!entry) return `ioctl ${hex(request)} is not one of the read-only queries allowed on a borrowed fd`;
	if (entry.flags === null) return null;
	if (arg.length < 8) return `${entry.name} with a ${arg.length}-byte argument: too short to carry its flags`;
	const flags = arg.readUInt32LE(4);
	if (entry.flags.has(flags)) return null;
	return `${entry.name} with flags ${hex(flags)} is not allowed on a borrowed fd (only ${[...entry.flags.values()].join(', ')})`;
}

/** Thrown by a guarded ioctl instead of making a call that is not on the allow-list. */
export class RefusedIoctl extends Error {
	override name = 'RefusedIoctl';
}

/**
 * The only way the borrowed path makes an ioctl: a request not on the allow-list, or on another
 * fd than the borrowed one, throws RefusedIoctl before `io` (libc's ioctl) is called.
 */
export function guardedIoctl(borrowedFd: number, io: IoctlPointer = ioctlPointer): IoctlPointer {
	return (fd, request, arg) => {
		if (fd !== borrowedFd) throw new RefusedIoctl(`ioctl on fd ${fd}: only the borrowed fd ${borrowedFd} may be asked`);
		const why = borrowedIoctlRefusal(request, arg);
		if (why !== null) throw new RefusedIoctl(why);
		return io(fd, request, arg);
	};
}

// ---- taking the fd --------------------------------------------------------------------------------

export type BorrowFdResult =
	| {ok: true; fd: number}
	| {ok: false; step: 'pidfd_open' | 'pidfd_getfd'; errno: number}
	| {ok: false; step: 'arch'; arch: string};

/**
 * Duplicates fd `targetFd` of process `pid` into this process: pidfd_open(pid, 0), then
 * pidfd_getfd(pidfd, targetFd, 0); the pidfd is closed before returning. The new fd has
 * O_CLOEXEC set by the kernel; the caller must close it. `call` records each syscall as a step.
 */
export function borrowFd(pid: number, targetFd: number, call: Call = (_s, f) => f()): BorrowFdResult {
	const numbers = pidfdSyscalls();
	if (!numbers) return {ok: false, step: 'arch', arch: process.arch};
	const opened = call(`pidfd_open(${pid})`, () => syscall(numbers.pidfd_open, pid, 0), undefined, {kind: 'borrow'});
	if (opened.ret === -1) return {ok: false, step: 'pidfd_open', errno: opened.errno};
	const pidfd = opened.ret;
	let got: CallResult;
	try {
		got = call(`pidfd_getfd(pidfd of ${pid}, fd ${targetFd})`, () => syscall(numbers.pidfd_getfd, pidfd, targetFd, 0), undefined, {kind: 'borrow'});
	} finally {
		call(`close pidfd of ${pid}`, () => close(pidfd), undefined, {kind: 'close'});
	}
	return got.ret === -1 ? {ok: false, step: 'pidfd_getfd', errno: got.errno} : {ok: true, fd: got.ret};
}

// ---- refusals in plain words ---------------------------------------------------------------------

/** What the refusal messages name: who asked, who holds the device, and what this host enforces. */
export interface RefusalContext {
	/** `qemu-system-x86 pid 1234 (VM vdi-42)`. */
	holder: string;
	pid: number;
	uid: number;
	/** CAP_SYS_PTRACE in this process's effective set; null when /proc/self/status does not say. */
	capSysPtrace: boolean | null;
	/** /proc/sys/kernel/yama/ptrace_scope; null without Yama. */
	yamaScope: number | null;
	/** /sys/kernel/security/lsm (`capability,yama,apparmor`); null when securityfs is not readable. */
	lsms: string[] | null;
	/** The holder's LSM label (/proc/<pid>/attr/current), e.g. `libvirt-<uuid> (enforce)`; null when none. */
	holderLabel: string | null;
	/** uname -r. */
	kernel: string;
}

/**
 * The live host's own /proc and securityfs, never under `--root` or a test's devRoot: pidfd_open
 * and pidfd_getfd act on this kernel's processes, so what allowed or refused them (this process's
 * capabilities, Yama, the LSMs, the holder's label) and the fd the kernel put in this process are
 * read where the kernel keeps them. The only paths outside the sysfs Env (src/sysfs/env.ts), on purpose.
 */
const LIVE_PROC = {
	selfStatus: '/proc/self/status',
	yamaPtraceScope: '/proc/sys/kernel/yama/ptrace_scope',
	lsm: '/sys/kernel/security/lsm',
	attrCurrent: (pid: number) => `/proc/${pid}/attr/current`,
	selfFd: (fd: number) => `/proc/self/fd/${fd}`,
	selfFdinfo: (fd: number) => `/proc/self/fdinfo/${fd}`,
} as const;

/** A file of LIVE_PROC's, or null when it cannot be read. */
const readLive = (file: string): string | null => {
	try {
		return readFileSync(file, 'utf8');
	} catch {
		return null;
	}
};

/** The context of a refusal, read from this host's /proc and /sys (the real ones: the kernel answered there). */
export function refusalContext(pid: number, holder: string): RefusalContext {
	const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readLive(LIVE_PROC.selfStatus) ?? '')?.[1];
	// CAP_SYS_PTRACE is capability 19 (include/uapi/linux/capability.h).
	const capSysPtrace = capEff === undefined ? null : ((BigInt(`0x${capEff}`) >> 19n) & 1n) === 1n;
	const yama = readLive(LIVE_PROC.yamaPtraceScope)?.trim();
	const lsm = readLive(LIVE_PROC.lsm)?.trim();
	const label = readLive(LIVE_PROC.attrCurrent(pid))?.replace(/\0/g, '').trim();
	return {
		holder,
		pid,
		uid: process.getuid?.() ?? -1,
		capSysPtrace,
		yamaScope: yama && /^\d+$/.test(yama) ? Number(yama) : null,
		lsms: lsm ? lsm.split(',').filter(Boolean) : null,
		holderLabel: label && label !== 'unconfined' ? label : null,
		kernel: release(),
	};
}

function lsmWords(ctx: RefusalContext): string {
	const known = (ctx.lsms ?? []).filter((l) => l === 'selinux' || l === 'apparmor').map((l) => (l === 'selinux' ? 'SELinux' : 'AppArmor'));
	const which = known.length > 0 ? `${known.join(' or ')} (active here)` : 'SELinux or AppArmor';
	const label = ctx.holderLabel ? `; the holder runs confined as ${JSON.stringify(ctx.holderLabel)}` : '';
	return (
		`a Linux security module, ${which}, denied it${label}. libvirt confines QEMU with sVirt (SELinux svirt_t, ` +
		`or an AppArmor libvirt-<uuid> profile): allow ptrace (read and attach) of that domain to this tool, or run it unconfined`
	);
}

function yamaWords(ctx: RefusalContext): string {
	if (ctx.yamaScope === 1) return ' Yama ptrace_scope is 1: without CAP_SYS_PTRACE a process may only take fds from its own descendants.';
	if (ctx.yamaScope === 2) return ' Yama ptrace_scope is 2: only a process with CAP_SYS_PTRACE may.';
	return '';
}

/**
 * Why a borrow step failed, in plain words, from its errno and this host's settings. `step`:
 * `read-fds` (listing /proc/<pid>/fd), `pidfd_open`, `pidfd_getfd`.
 */
export function refusalMessage(step: 'read-fds' | 'pidfd_open' | 'pidfd_getfd', errno: number, ctx: RefusalContext, fd?: number): string {
	const name = errnoName(errno);
	const privileged = ctx.uid === 0 || ctx.capSysPtrace === true;
	const who = `uid ${ctx.uid}${ctx.capSysPtrace === false ? ' without CAP_SYS_PTRACE' : ''}`;
	switch (name) {
		case 'EPERM':
		case 'EACCES': {
			if (ctx.yamaScope === 3) {
				return (
					`Yama ptrace_scope is 3 (/proc/sys/kernel/yama/ptrace_scope): no process may take another's fds, not even root, ` +
					`and only a reboot lowers it; ${ctx.holder}'s device cannot be borrowed on this host (${name})`
				);
			}
			if (!privileged) {
				const what = step === 'read-fds' ? `reading /proc/${ctx.pid}/fd` : `taking an fd from ${ctx.holder} (pidfd_getfd)`;
				return `not permitted: ${what} needs root or CAP_SYS_PTRACE over that process; this runs as ${who} (${name}). Run as root.${yamaWords(ctx)}`;
			}
			const what = step === 'read-fds' ? `reading /proc/${ctx.pid}/fd` : `taking an fd from ${ctx.holder}`;
			return `${what} was refused although this runs as ${ctx.uid === 0 ? 'root' : who} (${name}): ${lsmWords(ctx)}`;
		}
		case 'ENOSYS':
			return (
				`this kernel (${ctx.kernel}) has no ${step} system call (ENOSYS): borrowing a VM's fd needs Linux 5.6 or newer ` +
				`(pidfd_open came in 5.3, pidfd_getfd in 5.6)`
			);
		case 'ESRCH':
		case 'ENOENT':
			return `${ctx.holder} has exited (${name}): there is no fd to borrow any more; probe again`;
		case 'EBADF':
			return `fd ${fd ?? '?'} is no longer open in ${ctx.holder} (EBADF): it closed the device meanwhile; probe again`;
		case 'EMFILE':
		case 'ENFILE':
			return `this process has no free fd for the duplicate (${name}): ${meaningOf(errno)}`;
		default:
			return `${step} failed for ${ctx.holder}: ${meaningOf(errno)} (${name})`;
	}
}

/** Why a /proc/<pid>/fd lookup found no fd to borrow, in plain words; null when it found one. */
export function lookupRefusal(lookup: DeviceFdLookup, req: ProbeRequest, holder: string, pid: number): {code: string; message: string} | null {
	switch (lookup.kind) {
		case 'found':
			return null;
		case 'unreadable':
			return null; // an errno: refusalMessage says it, with the host's context
		case 'not-held':
			return {code: 'NOT-HELD', message: `${holder} no longer holds /dev/vfio/${req.iommuGroup}${req.vfioDev ? ` or ${req.vfioDev}` : ''}; probe again`};
		case 'no-device-fd':
			return {
				code: 'NO-DEVICE-FD',
				message: `${holder} holds /dev/vfio/${req.iommuGroup} (fd ${lookup.groupFd}) but no VFIO device fd: nothing to borrow (has the VM opened the device yet?)`,
			};
		case 'ambiguous': {
			const unread = lookup.unreadableFds > 0 ? `, and ${lookup.unreadableFds} of its fds could not be read` : '';
			return {
				code: 'AMBIGUOUS',
				message:
					`ambiguous: ${lookup.deviceFds.length} devices open in pid ${pid} (fds ${lookup.deviceFds.join(', ')}; groups ${lookup.groups.join(', ')}${unread}); ` +
					`this kernel's fdinfo does not say which is ${req.uuid}, so none is borrowed`,
			};
		}
		case 'not-this-device':
			return {
				code: 'NOT-THIS-DEVICE',
				message: `none of ${holder}'s device fds is ${req.uuid}: fdinfo names ${lookup.syspaths.join(', ')}`,
			};
	}
}

// ---- the held probe ------------------------------------------------------------------------------

/** Reads one of this process's own fd links (LIVE_PROC: pidfd_getfd put the fd here). */
const ownLink = (fd: number): string | null => {
	try {
		return readlinkSync(LIVE_PROC.selfFd(fd));
	} catch {
		return null;
	}
};

/**
 * The probe with `--probe-held`: the direct probe first; when it finds the device held (busy), or
 * could not open it for want of root (a holder may be why), the holder's own fd is borrowed and
 * asked the read-only questions. A device nobody holds is probed directly, as without the flag.
 */
export function probeHeldInstance(req: ProbeRequest, opts: EngineOptions = {}): ProbeResult {
	const direct = probeInstance(req, opts);
	if (direct.outcome !== 'busy' && direct.outcome !== 'needs-root') return direct;
	return borrowAndProbe(req, direct, opts);
}

/** Borrow the holder's fd and ask; `direct` is the direct probe's result (busy or needs-root). */
export function borrowAndProbe(req: ProbeRequest, direct: ProbeResult, opts: EngineOptions = {}): ProbeResult {
	const devRoot = opts.devRoot ?? '/';
	const started = performance.now();
	const result: ProbeResult = structuredClone(direct);
	const steps = result.steps;
	const call = stepRecorder(steps, opts.onStep);
	const finish = (): ProbeResult => {
		result.durationMs = Math.round((direct.durationMs + performance.now() - started) * 10) / 10;
		return result;
	};
	const refuse = (pid: number | null, code: string, message: string, step = 'borrow the holder\'s fd'): ProbeResult => {
		steps.push({step, kind: 'borrow', ok: false, code, meaning: message});
		const refusal: BorrowRefusal = {pid, code, message};
		result.borrowRefused = refusal;
		result.summary = `${direct.summary}; not borrowed: ${message}`;
		return finish();
	};

	// ---- who holds it, and which of their fds is this device ----
	const {holders, scan} = heldBy(devRoot, req);
	if (direct.outcome === 'busy') result.holders = holders.map(holderRef);
	if (holders.length === 0) {
		const uid = process.getuid?.() ?? -1;
		const why = scan.error
			? `${scan.error.path} could not be read (${scan.error.code})`
			: scan.unknown.length > 0
				? `${scan.unknown.length} processes' fds could not be read as uid ${uid}${uid === 0 ? ' (an LSM may hide them)' : ': run as root'}`
				: direct.outcome === 'busy'
					? 'no process in this /proc holds it (another pid namespace?)'
					: 'no process holds it';
		return refuse(null, 'NO-HOLDER', `no holder to borrow from: ${why}`, 'find the holder in /proc');
	}
	let chosen: {holder: VfioHolder; lookup: Extract<DeviceFdLookup, {kind: 'found'}>} | null = null;
	let firstMiss: {holder: VfioHolder; lookup: DeviceFdLookup} | null = null;
	for (const holder of holders) {
		const lookup = findDeviceFd({root: devRoot, pid: holder.pid, uuid: req.uuid, iommuGroup: req.iommuGroup, vfioDev: req.vfioDev ?? null});
		if (lookup.kind === 'found') {
			chosen = {holder, lookup};
			break;
		}
		firstMiss ??= {holder, lookup};
	}
	if (!chosen) {
		const {holder, lookup} = firstMiss!;
		const name = holderName(holderRef(holder));
		const step = `find the device fd in /proc/${holder.pid}/fd`;
		if (lookup.kind === 'unreadable') {
			return refuse(holder.pid, lookup.code, refusalMessage('read-fds', errnoNumber(lookup.code), refusalContext(holder.pid, name)), step);
		}
		const miss = lookupRefusal(lookup, req, name, holder.pid)!;
		return refuse(holder.pid, miss.code, miss.message, step);
	}
	const {holder, lookup} = chosen;
	const name = holderName(holderRef(holder));
	steps.push({step: `find the device fd in /proc/${holder.pid}/fd`, kind: 'borrow', ok: true, meaning: `fd ${lookup.fd} (${lookup.link}, by ${lookup.foundBy})`});

	// ---- take it ----
	const taken = borrowFd(holder.pid, lookup.fd, call);
	if (!taken.ok) {
		if (taken.step === 'arch') {
			return refuse(
				holder.pid,
				'UNSUPPORTED-ARCH',
				`borrowing needs the pidfd syscall numbers of this architecture (${taken.arch}); this build knows x86_64 and arm64`,
			);
		}
		const message = refusalMessage(taken.step, taken.errno, refusalContext(holder.pid, name), lookup.fd);
		return refuse(holder.pid, errnoName(taken.errno), message, `${taken.step} of ${name}`);
	}
	const fd = taken.fd;
	try {
		// The holder may have closed that fd and opened something else under its number between
		// the look and the take: the duplicate must be what was looked at.
		const link = ownLink(fd);
		const seen = link === null ? null : link === lookup.link ? link : vfioPathAsSeen(devRoot, link);
		const syspath = lookup.foundBy === 'fdinfo' ? fdinfoSyspath(readLive(LIVE_PROC.selfFdinfo(fd)) ?? '') : null;
		if (seen !== lookup.link || (lookup.foundBy === 'fdinfo' && (syspath === null || basename(syspath) !== req.uuid))) {
			return refuse(
				holder.pid,
				'CHANGED',
				`fd ${lookup.fd} of ${name} is not the device any more (it is now ${link ?? 'unreadable'}); nothing was asked; probe again`,
				`check the borrowed fd ${fd}`,
			);
		}
		steps.push({step: `check the borrowed fd ${fd}`, kind: 'borrow', ok: true, meaning: `${link}: the same file as fd ${lookup.fd} of pid ${holder.pid}`});

		// ---- ask, read-only ----
		const lender: BorrowedFrom = {...holderRef(holder), fd: lookup.fd, foundBy: lookup.foundBy};
		result.outcome = 'error';
		result.via = 'borrowed';
		result.borrowedFrom = lender;
		result.borrowRefused = null;
		result.device = null;
		let answered: boolean;
		try {
			answered = queryDevice(fd, result, call, {io: guardedIoctl(fd), planeQuery: false});
		} catch (thrown) {
			// A request off the allow-list: a bug of ours, stopped before the kernel saw it.
			const message = `the borrowed probe stopped before a refused ioctl: ${(thrown as Error)?.message ?? String(thrown)}`;
			steps.push({step: 'mdevscope', kind: 'query', ok: false, meaning: message});
			result.summary = `error: ${message}; borrowed from ${holderName(lender)}`;
			return finish();
		}
		if (!answered) {
			result.summary = `error: the borrowed fd did not answer VFIO_DEVICE_GET_INFO: ${lastFailure(steps)}; borrowed from ${holderName(lender)}`;
			return finish();
		}
		result.outcome = 'ok';
		result.summary = `${okSummary(result)}; borrowed from ${holderName(lender)}`;
		return finish();
	} finally {
		call(`close borrowed fd ${fd}`, () => close(fd), undefined, {kind: 'close'});
	}
}
