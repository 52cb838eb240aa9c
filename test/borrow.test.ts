// Borrowing a held device's fd (src/probe/borrow.ts): finding the fd in written /proc trees, the
// allow-list that stands between a borrowed fd and the kernel, refusals in plain words, and real
// pidfd_open + pidfd_getfd on this machine against a child process we start (any fd can be
// borrowed; there is no VFIO here, so a pipe stands in for the device: the VM test borrows real
// ones). The TUI's B: it asks first, naming the VM, and only y borrows.
import test from 'ava';
import React from 'react';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync, writeSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {render} from 'ink-testing-library';
import {errno} from '../src/errno.js';
import {ioctlPointer, open, close, O_RDWR, O_CLOEXEC, type CallResult} from '../src/ffi/libc.js';
import * as v from '../src/ffi/vfio.js';
import {fdinfoSyspath, findDeviceFd} from '../src/owners/holders.js';
import {
	BORROWED_IOCTLS,
	RefusedIoctl,
	borrowAndProbe,
	borrowFd,
	borrowedIoctlRefusal,
	guardedIoctl,
	lookupRefusal,
	refusalMessage,
	type RefusalContext,
} from '../src/probe/borrow.js';
import {blankResult as unaskedResult, queryDevice, stepRecorder, type IoctlPointer} from '../src/probe/engine.js';
import {holderName, type ProbeResult} from '../src/model/probe.js';
import type {HostModel} from '../src/model/types.js';
import {scanHost} from '../src/sysfs/scan.js';
import {withProbes} from '../src/model/instances.js';
import {cliSync} from './helpers/cli.js';
import {press as pressKeys, waitFor} from './helpers/ink.js';
import {renderPlain} from '../src/output/plain.js';
import {renderJson} from '../src/output/json.js';
import {App} from '../src/components/App.js';
import {borrowQuestion} from '../src/state/borrow.js';
import {probeLines} from '../src/present/detail-lines.js';
import {lineText} from '../src/present/line.js';

const base = mkdtempSync(join(tmpdir(), 'mdevscope-borrow-'));
test.after.always(() => rmSync(base, {recursive: true, force: true}));

const TREE = fileURLToPath(new URL('fixtures/trees/debian-6.12', import.meta.url));
const UUID = '22222222-2222-2222-2222-222222222222';
const OTHER = '33333333-3333-3333-3333-333333333333';
const ANON = 'anon_inode:[vfio-device]';

/** Writes `<root>/proc/<pid>` with fd links (a string) or unreadable entries (null: a plain file, readlink fails). */
function proc(root: string, pid: number, p: {fds?: Record<number, string | null>; fdinfo?: Record<number, string>; comm?: string; cmdline?: string[]; fdIsFile?: boolean}): string {
	const dir = join(root, 'proc', String(pid));
	mkdirSync(dir, {recursive: true});
	if (p.fdIsFile) writeFileSync(join(dir, 'fd'), '');
	else {
		mkdirSync(join(dir, 'fd'));
		for (const [fd, target] of Object.entries(p.fds ?? {})) {
			if (target === null) writeFileSync(join(dir, 'fd', fd), '');
			else symlinkSync(target, join(dir, 'fd', fd));
		}
	}
	mkdirSync(join(dir, 'fdinfo'));
	for (const [fd, text] of Object.entries(p.fdinfo ?? {})) writeFileSync(join(dir, 'fdinfo', fd), text);
	if (p.comm !== undefined) writeFileSync(join(dir, 'comm'), p.comm + '\n');
	if (p.cmdline) writeFileSync(join(dir, 'cmdline'), p.cmdline.join('\0') + '\0');
	return root;
}

const qemu = (name: string) => ({comm: 'qemu-system-x86', cmdline: ['/usr/bin/qemu-system-x86_64', '-name', `guest=${name},debug-threads=on`, '-uuid', UUID]});
// What the kernels up to 6.17 show in a vfio-device fd's fdinfo (no device named), and 6.18's line.
const OLD_FDINFO = 'pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\n';
const syspathInfo = (uuid: string) => `${OLD_FDINFO}vfio-device-syspath: /sys/devices/virtual/mtty/mtty/${uuid}\n`;
const look = (root: string, pid: number, extra: {vfioDev?: string | null; iommuGroup?: number | null} = {}) =>
	findDeviceFd({root, pid, uuid: UUID, iommuGroup: extra.iommuGroup === undefined ? 7 : extra.iommuGroup, vfioDev: extra.vfioDev ?? null});

// ---- finding the fd -------------------------------------------------------------------------------

test('one group and one device fd, as QEMU holds them: that fd, certain', (t) => {
	const root = proc(join(base, 'one'), 100, {fds: {0: '/dev/null', 10: '/dev/vfio/vfio', 11: '/dev/vfio/7', 12: ANON, 13: 'socket:[1]'}, fdinfo: {12: OLD_FDINFO}, ...qemu('vdi-42')});
	t.deepEqual(look(root, 100), {kind: 'found', fd: 12, link: ANON, foundBy: 'only-device'});
	// The same process asked about a group it does not hold.
	t.deepEqual(look(root, 100, {iommuGroup: 8}), {kind: 'not-held'});
});

test('several device fds and nothing in fdinfo that tells them apart: ambiguous, no guess', (t) => {
	const root = proc(join(base, 'several'), 200, {
		fds: {10: '/dev/vfio/vfio', 11: '/dev/vfio/7', 12: ANON, 13: '/dev/vfio/8', 14: ANON},
		fdinfo: {12: OLD_FDINFO, 14: OLD_FDINFO},
		...qemu('two'),
	});
	const lookup = look(root, 200);
	t.deepEqual(lookup, {kind: 'ambiguous', deviceFds: [12, 14], groups: [7, 8], unreadableFds: 0});
	t.regex(lookupRefusal(lookup, {uuid: UUID, iommuGroup: 7}, 'qemu-system-x86 pid 200', 200)!.message, /^ambiguous: 2 devices open in pid 200 \(fds 12, 14; groups 7, 8\)/);
	// One device fd but two groups: the device may be the other group's.
	const root2 = proc(join(base, 'two-groups'), 201, {fds: {11: '/dev/vfio/7', 12: '/dev/vfio/8', 13: ANON}});
	t.like(look(root2, 201), {kind: 'ambiguous', deviceFds: [13], groups: [7, 8]});
});

test("a newer kernel's fdinfo naming the device decides among several", (t) => {
	const root = proc(join(base, 'fdinfo'), 300, {
		fds: {11: '/dev/vfio/7', 12: ANON, 13: '/dev/vfio/8', 14: ANON},
		fdinfo: {12: syspathInfo(OTHER), 14: syspathInfo(UUID)},
	});
	t.deepEqual(look(root, 300), {kind: 'found', fd: 14, link: ANON, foundBy: 'fdinfo'});
	t.is(fdinfoSyspath(syspathInfo(UUID)), `/sys/devices/virtual/mtty/mtty/${UUID}`);
	t.is(fdinfoSyspath(OLD_FDINFO), null);
	const none = proc(join(base, 'fdinfo-none'), 301, {fds: {11: '/dev/vfio/7', 12: ANON}, fdinfo: {12: syspathInfo(OTHER)}});
	t.deepEqual(look(none, 301), {kind: 'not-this-device', deviceFds: [12], syspaths: [`/sys/devices/virtual/mtty/mtty/${OTHER}`]});
});

test('the cdev path: the link names the device itself', (t) => {
	const root = proc(join(base, 'cdev'), 400, {fds: {3: '/dev/iommu', 5: '/dev/vfio/devices/vfio1', 6: '/dev/vfio/devices/vfio3'}, comm: 'cloud-hypervisor'});
	t.deepEqual(look(root, 400, {vfioDev: 'vfio3', iommuGroup: 7}), {kind: 'found', fd: 6, link: '/dev/vfio/devices/vfio3', foundBy: 'cdev'});
	t.deepEqual(look(root, 400, {vfioDev: 'vfio9'}), {kind: 'not-held'});
	// Under a --root tree, links into <root>/dev/vfio count as /dev/vfio.
	const tree = join(base, 'cdev-tree');
	proc(tree, 401, {fds: {5: join(tree, 'dev/vfio/devices/vfio3')}});
	t.like(look(tree, 401, {vfioDev: 'vfio3'}), {kind: 'found', fd: 5, foundBy: 'cdev'});
});

test('unreadable fds: a listing we may not read, and single entries we cannot read', (t) => {
	const root = proc(join(base, 'unreadable'), 500, {fdIsFile: true});
	t.deepEqual(look(root, 500), {kind: 'unreadable', path: join(root, 'proc/500/fd'), code: 'ENOTDIR'});
	t.deepEqual(look(root, 599), {kind: 'unreadable', path: join(root, 'proc/599/fd'), code: 'ENOENT'});
	// One group, one device fd, but an fd whose link cannot be read might be a second device.
	const partly = proc(join(base, 'partly'), 501, {fds: {11: '/dev/vfio/7', 12: ANON, 13: null}});
	t.deepEqual(look(partly, 501), {kind: 'ambiguous', deviceFds: [12], groups: [7], unreadableFds: 1});
	t.regex(lookupRefusal(look(partly, 501), {uuid: UUID, iommuGroup: 7}, 'x pid 501', 501)!.message, /1 of its fds could not be read/);
	// The group is held, the device not opened yet.
	const early = proc(join(base, 'early'), 502, {fds: {10: '/dev/vfio/vfio', 11: '/dev/vfio/7'}});
	t.deepEqual(look(early, 502), {kind: 'no-device-fd', groupFd: 11});
	t.is(lookupRefusal(look(early, 502), {uuid: UUID, iommuGroup: 7}, 'x pid 502', 502)!.code, 'NO-DEVICE-FD');
});

// ---- the allow-list ------------------------------------------------------------------------------

/** libc's ioctl on a real fd, recording each request that reached it. */
function recording(): {io: IoctlPointer; reached: number[]} {
	const reached: number[] = [];
	return {reached, io: (fd, request, arg) => (reached.push(request), ioctlPointer(fd, request, arg))};
}

const withFlags = (size: number, flags: number): Buffer => {
	const buf = Buffer.alloc(size);
	buf.writeUInt32LE(size, 0);
	buf.writeUInt32LE(flags >>> 0, 4);
	return buf;
};

test('the allow-list lets the read-only queries through to the kernel, and only them', (t) => {
	const devnull = open('/dev/null', O_RDWR | O_CLOEXEC).ret;
	t.true(devnull >= 0);
	try {
		const {io, reached} = recording();
		const guarded = guardedIoctl(devnull, io);
		const allowed: Array<[number, Buffer]> = [
			[v.VFIO_DEVICE_GET_INFO, v.vfioDeviceInfo.encode({argsz: v.vfioDeviceInfo.size})],
			[v.VFIO_DEVICE_GET_REGION_INFO, v.vfioRegionInfo.encode({argsz: v.vfioRegionInfo.size})],
			[v.VFIO_DEVICE_GET_IRQ_INFO, v.vfioIrqInfo.encode({argsz: v.vfioIrqInfo.size})],
			[v.VFIO_DEVICE_QUERY_GFX_PLANE, withFlags(64, v.VFIO_GFX_PLANE_TYPE_PROBE | v.VFIO_GFX_PLANE_TYPE_REGION)],
			[v.VFIO_DEVICE_QUERY_GFX_PLANE, withFlags(64, v.VFIO_GFX_PLANE_TYPE_PROBE | v.VFIO_GFX_PLANE_TYPE_DMABUF)],
			[v.VFIO_DEVICE_FEATURE, withFlags(16, v.VFIO_DEVICE_FEATURE_PROBE | v.VFIO_DEVICE_FEATURE_GET | v.VFIO_DEVICE_FEATURE_MIGRATION)],
			[v.VFIO_DEVICE_FEATURE, withFlags(16, v.VFIO_DEVICE_FEATURE_GET | v.VFIO_DEVICE_FEATURE_MIGRATION)],
			[v.VFIO_DEVICE_FEATURE, withFlags(32, v.VFIO_DEVICE_FEATURE_PROBE | v.VFIO_DEVICE_FEATURE_SET | v.VFIO_DEVICE_FEATURE_DMA_LOGGING_START)],
		];
		for (const [request, arg] of allowed) {
			t.is(borrowedIoctlRefusal(request, arg), null);
			// /dev/null is no VFIO device: the kernel itself answers ENOTTY, so the call did reach it.
			t.deepEqual(guarded(devnull, request, arg), {ret: -1, errno: errno('ENOTTY')});
		}
		t.deepEqual(reached, allowed.map(([r]) => r));
	} finally {
		close(devnull);
	}
});

test('anything else is refused before it reaches the kernel: reset, irqs, a real plane query, a feature SET or GET that is not a PROBE', (t) => {
	const {io, reached} = recording();
	const fd = 12345; // never reached: nothing may be called on it
	const guarded = guardedIoctl(fd, io);
	const refused: Array<[string, number, Buffer]> = [
		['VFIO_DEVICE_RESET', v.VFIO_DEVICE_RESET, Buffer.alloc(0)],
		['VFIO_DEVICE_SET_IRQS', v.VFIO_DEVICE_SET_IRQS, withFlags(20, 0)],
		['VFIO_DEVICE_PCI_HOT_RESET', v.VFIO_DEVICE_PCI_HOT_RESET, withFlags(12, 0)],
		['VFIO_DEVICE_IOEVENTFD', v.VFIO_DEVICE_IOEVENTFD, withFlags(32, 1)],
		['VFIO_DEVICE_GET_GFX_DMABUF', v.VFIO_DEVICE_GET_GFX_DMABUF, Buffer.alloc(4)],
		['VFIO_GROUP_GET_DEVICE_FD', v.VFIO_GROUP_GET_DEVICE_FD, Buffer.from(UUID)],
		['VFIO_SET_IOMMU', v.VFIO_SET_IOMMU, Buffer.alloc(8)],
		['QUERY_GFX_PLANE(REGION): a real plane query', v.VFIO_DEVICE_QUERY_GFX_PLANE, withFlags(64, v.VFIO_GFX_PLANE_TYPE_REGION)],
		['QUERY_GFX_PLANE(DMABUF): a real plane query', v.VFIO_DEVICE_QUERY_GFX_PLANE, withFlags(64, v.VFIO_GFX_PLANE_TYPE_DMABUF)],
		['QUERY_GFX_PLANE(PROBE|REGION|DMABUF)', v.VFIO_DEVICE_QUERY_GFX_PLANE, withFlags(64, 7)],
		['QUERY_GFX_PLANE with a short argument', v.VFIO_DEVICE_QUERY_GFX_PLANE, Buffer.alloc(4)],
		['FEATURE(SET|MIG_DEVICE_STATE)', v.VFIO_DEVICE_FEATURE, withFlags(16, v.VFIO_DEVICE_FEATURE_SET | v.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE)],
		['FEATURE(SET|DMA_LOGGING_START) without PROBE', v.VFIO_DEVICE_FEATURE, withFlags(32, v.VFIO_DEVICE_FEATURE_SET | v.VFIO_DEVICE_FEATURE_DMA_LOGGING_START)],
		['FEATURE(GET|DMA_LOGGING_REPORT): clears the dirty bitmap', v.VFIO_DEVICE_FEATURE, withFlags(32, v.VFIO_DEVICE_FEATURE_GET | v.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT)],
		['FEATURE(SET|LOW_POWER_ENTRY)', v.VFIO_DEVICE_FEATURE, withFlags(8, v.VFIO_DEVICE_FEATURE_SET | v.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY)],
		['FEATURE(PROBE|SET|MIG_DEVICE_STATE): a PROBE of a feature we never ask', v.VFIO_DEVICE_FEATURE, withFlags(16, 0x40000 | 0x20000 | 2)],
	];
	// Every other VFIO ioctl number too, and the same numbers with size/direction bits set.
	for (let nr = 0; nr < 40; nr++) {
		const request = v._IO(v.VFIO_TYPE, v.VFIO_BASE + nr);
		if (!BORROWED_IOCTLS.has(request)) refused.push([`VFIO_BASE + ${nr}`, request, withFlags(64, 0)]);
		refused.push([`_IOWR VFIO_BASE + ${nr}`, v._IOWR(v.VFIO_TYPE, v.VFIO_BASE + nr, 64), withFlags(64, 1)]);
	}
	for (const [what, request, arg] of refused) {
		t.not(borrowedIoctlRefusal(request, arg), null, what);
		t.throws(() => guarded(fd, request, arg), {instanceOf: RefusedIoctl}, what);
	}
	// An allowed request on another fd than the borrowed one.
	t.throws(() => guarded(fd + 1, v.VFIO_DEVICE_GET_INFO, Buffer.alloc(20)), {instanceOf: RefusedIoctl, message: /only the borrowed fd 12345/});
	t.deepEqual(reached, [], 'a refused request reached the kernel');
	t.regex(borrowedIoctlRefusal(v.VFIO_DEVICE_QUERY_GFX_PLANE, withFlags(64, v.VFIO_GFX_PLANE_TYPE_REGION))!, /flags 0x4 is not allowed on a borrowed fd \(only PROBE\|REGION, PROBE\|DMABUF\)/);
});

test('the borrowed query sequence stays inside the allow-list; the real plane query it skips would have been refused', (t) => {
	const devnull = open('/dev/null', O_RDWR | O_CLOEXEC).ret;
	try {
		// On /dev/null every query answers ENOTTY: the sequence runs to its end through the guard.
		const result = unaskedResult(UUID);
		const {io, reached} = recording();
		t.false(queryDevice(devnull, result, stepRecorder(result.steps), {io: guardedIoctl(devnull, io), planeQuery: false}));
		t.deepEqual(
			result.steps.map((s) => s.step),
			['VFIO_DEVICE_GET_INFO', 'VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|REGION)', 'VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|DMABUF)', 'VFIO_DEVICE_FEATURE(PROBE|GET|MIGRATION)', 'VFIO_DEVICE_FEATURE(PROBE|SET|DMA_LOGGING_START)'],
		);
		t.is(reached.length, 5);
	} finally {
		close(devnull);
	}
	// A device whose PROBEs say yes (a stand-in for a display driver's answers, behind the guard):
	// the direct path's real plane query is stopped by the guard; the borrowed path never asks it.
	const sayYes: IoctlPointer = (_fd, request, arg) => {
		if (request === v.VFIO_DEVICE_GET_INFO) v.vfioDeviceInfo.encode({argsz: 20, flags: v.VFIO_DEVICE_FLAGS_PCI}).copy(arg);
		return {ret: 0, errno: 0};
	};
	const direct = unaskedResult(UUID);
	t.throws(() => queryDevice(7, direct, stepRecorder(direct.steps), {io: guardedIoctl(7, sayYes), planeQuery: true}), {
		instanceOf: RefusedIoctl,
		message: /VFIO_DEVICE_QUERY_GFX_PLANE with flags 0x4/,
	});
	const borrowed = unaskedResult(UUID);
	t.true(queryDevice(7, borrowed, stepRecorder(borrowed.steps), {io: guardedIoctl(7, sayYes), planeQuery: false}));
	t.deepEqual(borrowed.display.region, {supported: true});
	t.is(borrowed.display.plane, null);
	t.regex(borrowed.display.planeNote!, /^not asked: the primary plane is never queried through a borrowed fd/);
	t.is(borrowed.display.planeNotAsked, 'borrowed-fd');
});

// ---- refusals in plain words ---------------------------------------------------------------------

const ctx = (over: Partial<RefusalContext> = {}): RefusalContext => ({
	holder: 'qemu-system-x86 pid 1234 (VM vdi-42)',
	pid: 1234,
	uid: 0,
	capSysPtrace: true,
	yamaScope: 0,
	lsms: ['capability', 'yama'],
	holderLabel: null,
	kernel: '6.12.0-test',
	...over,
});

test('errno to message: not root, Yama 3, an LSM, an old kernel, a process gone', (t) => {
	const EPERM = errno('EPERM');
	t.is(
		refusalMessage('pidfd_getfd', EPERM, ctx({uid: 65534, capSysPtrace: false})),
		'not permitted: taking an fd from qemu-system-x86 pid 1234 (VM vdi-42) (pidfd_getfd) needs root or CAP_SYS_PTRACE over that process; this runs as uid 65534 without CAP_SYS_PTRACE (EPERM). Run as root.',
	);
	t.regex(refusalMessage('read-fds', errno('EACCES'), ctx({uid: 1000, capSysPtrace: false, yamaScope: 1})), /^not permitted: reading \/proc\/1234\/fd needs root .* Yama ptrace_scope is 1/);
	for (const uid of [0, 1000]) {
		t.regex(refusalMessage('pidfd_getfd', EPERM, ctx({uid, yamaScope: 3})), /^Yama ptrace_scope is 3 .*not even root.*only a reboot lowers it/);
	}
	const lsm = refusalMessage('pidfd_getfd', EPERM, ctx({lsms: ['capability', 'yama', 'apparmor'], holderLabel: 'libvirt-c0ffee (enforce)'}));
	t.regex(lsm, /refused although this runs as root \(EPERM\): a Linux security module, AppArmor \(active here\), denied it; the holder runs confined as "libvirt-c0ffee \(enforce\)"/);
	t.regex(refusalMessage('read-fds', errno('EACCES'), ctx({lsms: null})), /\(EACCES\): a Linux security module, SELinux or AppArmor, denied it.*sVirt/);
	t.regex(refusalMessage('pidfd_getfd', errno('ENOSYS'), ctx()), /^this kernel \(6\.12\.0-test\) has no pidfd_getfd system call \(ENOSYS\): borrowing a VM's fd needs Linux 5\.6 or newer/);
	t.is(refusalMessage('pidfd_open', errno('ESRCH'), ctx()), 'qemu-system-x86 pid 1234 (VM vdi-42) has exited (ESRCH): there is no fd to borrow any more; probe again');
	t.regex(refusalMessage('pidfd_getfd', errno('EBADF'), ctx(), 17), /^fd 17 is no longer open in .* \(EBADF\)/);
	t.is(holderName({pid: 9, comm: 'qemu-system-x86', vmName: 'vdi-42', vmUuid: null}), 'qemu-system-x86 pid 9 (VM vdi-42)');
	t.is(holderName({pid: 9, comm: null, vmName: null, vmUuid: 'c0ffee00-0000-4000-8000-000000000001'}), 'pid 9 (VM uuid c0ffee00-0000-4000-8000-000000000001)');
});

// ---- real pidfd_getfd on this machine ------------------------------------------------------------

const fdCount = (): number => readdirSync('/proc/self/fd').length;

/** A child that holds a pipe to us on its fd 1 (and waits for stdin to close). */
async function pipeChild(): Promise<ChildProcess> {
	const child = spawn('cat', [], {stdio: ['pipe', 'pipe', 'ignore']});
	await new Promise((resolve) => child.once('spawn', resolve));
	return child;
}

test.serial('a real borrow: pidfd_getfd duplicates a child\'s pipe into this process, and it is closed again', async (t) => {
	const child = await pipeChild();
	try {
		const before = fdCount();
		const theirs = readlinkSync(`/proc/${child.pid}/fd/1`);
		const steps: ProbeResult['steps'] = [];
		const got = borrowFd(child.pid!, 1, stepRecorder(steps));
		if (!got.ok) return t.fail(`borrow failed: ${JSON.stringify(got)}`);
		t.is(fdCount(), before + 1, 'the pidfd is closed, the duplicate is open');
		// The same pipe: its link is the child's, and what we write arrives on the child's stdout.
		t.is(readlinkSync(`/proc/self/fd/${got.fd}`), theirs);
		// Node's 'pipe' stdio is a socketpair.
		t.regex(theirs, /^(pipe|socket):\[\d+\]$/);
		const arrived = new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString())));
		writeSync(got.fd, 'written through the borrowed fd\n');
		t.is(await arrived, 'written through the borrowed fd\n');
		t.deepEqual(close(got.fd), {ret: 0, errno: 0});
		t.is(fdCount(), before);
		t.deepEqual(steps.map((s) => [s.step, s.ok]), [
			[`pidfd_open(${child.pid})`, true],
			[`pidfd_getfd(pidfd of ${child.pid}, fd 1)`, true],
			[`close pidfd of ${child.pid}`, true],
		]);
	} finally {
		child.kill();
	}
});

test.serial('real refusals: an fd the child does not have (EBADF), a process that is gone (ESRCH), as nobody (EPERM)', async (t) => {
	const child = await pipeChild();
	const before = fdCount();
	try {
		t.deepEqual(borrowFd(child.pid!, 999), {ok: false, step: 'pidfd_getfd', errno: errno('EBADF')});
		t.is(fdCount(), before, 'the pidfd was closed on the failing path');
		// As uid 65534, from a process of its own, against this root-owned child.
		const here = dirname(fileURLToPath(import.meta.url));
		const script = `import {borrowFd} from ${JSON.stringify(join(here, '../src/probe/borrow.ts'))}; console.log(JSON.stringify(borrowFd(${child.pid}, 1)));`;
		const nobody = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], {uid: 65534, gid: 65534, encoding: 'utf8', cwd: tmpdir()});
		t.is(nobody.status, 0, nobody.stderr);
		t.deepEqual(JSON.parse(nobody.stdout), {ok: false, step: 'pidfd_getfd', errno: errno('EPERM')});
	} finally {
		child.kill();
		await new Promise((resolve) => child.once('exit', resolve));
	}
	const after = fdCount(); // the child's pipes are gone now
	t.deepEqual(borrowFd(child.pid!, 1), {ok: false, step: 'pidfd_open', errno: errno('ESRCH')});
	t.is(fdCount(), after);
});

/** A busy result as the direct probe gives it. */
function busy(summary: string): ProbeResult {
	return {...unaskedResult(UUID), outcome: 'busy', summary};
}

test.serial('the held probe on a written /proc whose pid is a real child: the fd taken is checked, refused and closed', async (t) => {
	const child = await pipeChild();
	try {
		// The tree says fd 1 of this pid is a vfio device next to group 7; the real fd 1 is a pipe.
		const root = join(base, 'real-pid');
		proc(root, child.pid!, {fds: {1: ANON, 3: join(root, 'dev/vfio/7'), 4: join(root, 'dev/vfio/vfio')}, ...qemu('vdi-42')});
		const before = fdCount();
		const r = borrowAndProbe({uuid: UUID, iommuGroup: 7}, busy(`in use by qemu-system-x86 pid ${child.pid}`), {devRoot: root});
		t.is(fdCount(), before, 'the borrowed fd was closed');
		t.is(r.outcome, 'busy');
		t.is(r.via, null);
		t.like(r.borrowRefused, {pid: child.pid, code: 'CHANGED'});
		t.regex(r.summary, /; not borrowed: fd 1 of qemu-system-x86 pid \d+ \(VM vdi-42, uuid .*\) is not the device any more \(it is now (pipe|socket):\[\d+\]\); nothing was asked/);
		t.deepEqual(r.holders, [{pid: child.pid, comm: 'qemu-system-x86', vmName: 'vdi-42', vmUuid: UUID}]);
		const names = r.steps.map((s) => s.step);
		t.true(names.includes(`pidfd_getfd(pidfd of ${child.pid}, fd 1)`));
		t.is(names.at(-1), names.find((n) => /^close borrowed fd \d+$/.test(n)), 'the last step closes the borrowed fd');
		t.false(r.steps.some((s) => s.step.startsWith('VFIO_')), 'nothing was asked of it');
	} finally {
		child.kill();
	}
});

test('the held probe says ambiguous without any syscall, and names a holder that is gone', (t) => {
	const root = join(base, 'flow');
	proc(root, 700, {fds: {11: join(root, 'dev/vfio/7'), 12: ANON, 13: join(root, 'dev/vfio/8'), 14: ANON}, ...qemu('two-devices')});
	const r = borrowAndProbe({uuid: UUID, iommuGroup: 7}, busy('in use by qemu-system-x86 pid 700'), {devRoot: root});
	t.is(r.summary, `in use by qemu-system-x86 pid 700; not borrowed: ambiguous: 2 devices open in pid 700 (fds 12, 14; groups 7, 8); this kernel's fdinfo does not say which is ${UUID}, so none is borrowed`);
	t.like(r.borrowRefused, {pid: 700, code: 'AMBIGUOUS'});
	t.false(r.steps.some((s) => s.step.startsWith('pidfd_')));
	// No real process 2^22-1 (above pid_max's default): pidfd_open answers ESRCH.
	const gone = 4194303;
	proc(root, gone, {fds: {11: join(root, 'dev/vfio/9'), 12: ANON}, ...qemu('gone')});
	const g = borrowAndProbe({uuid: UUID, iommuGroup: 9}, busy('in use'), {devRoot: root});
	t.like(g.borrowRefused, {pid: gone, code: 'ESRCH'});
	t.regex(g.summary, /not borrowed: qemu-system-x86 pid 4194303 \(VM gone, uuid .*\) has exited \(ESRCH\)/);
	// Nobody holds it: nothing to borrow from.
	const n = borrowAndProbe({uuid: UUID, iommuGroup: 5}, busy('in use by another process'), {devRoot: root});
	t.like(n.borrowRefused, {pid: null, code: 'NO-HOLDER'});
});

test('the plain and JSON outputs mark a borrowed result with its lender', (t) => {
	const model: HostModel = scanHost(TREE);
	const uuid = model.instances[0]!.uuid;
	const lender = {pid: 4242, comm: 'qemu-system-x86', vmName: 'vdi-42', vmUuid: null};
	const r: ProbeResult = {
		...unaskedResult(uuid),
		outcome: 'ok',
		via: 'borrowed',
		summary: 'no display, no migration, no DMA logging; borrowed from qemu-system-x86 pid 4242 (VM vdi-42)',
		holders: [lender],
		borrowedFrom: {...lender, fd: 31, foundBy: 'only-device'},
		borrowRefused: null,
	};
	const probed = withProbes(model, [r]);
	t.regex(renderPlain(probed, {probed: true}), /probe: no display, no migration, no DMA logging; borrowed from qemu-system-x86 pid 4242 \(VM vdi-42\)/);
	const json = JSON.parse(renderJson(probed)) as {instances: Array<{uuid: string; probe?: ProbeResult}>};
	t.like(json.instances.find((i) => i.uuid === uuid)!.probe, {via: 'borrowed', borrowedFrom: {pid: 4242, vmName: 'vdi-42', fd: 31, foundBy: 'only-device'}});
});

test('--probe-held is opt-in with --probe (--json, --plain), features or export; --help describes it', (t) => {
	const cli = (...args: string[]) => cliSync(args);
	const alone = cli('--json', '--probe-held');
	t.is(alone.status, 64);
	t.regex(alone.stderr, /--probe-held goes with --probe/);
	t.regex(cli('--from', 'x.json', '--probe', '--probe-held').stderr, /--probe-held goes with --probe .* on a live host/);
	// A tree is not this host: nothing is probed, so nothing is borrowed either.
	const tree = cli('--root', TREE, '--json', '--probe', '--probe-held');
	t.is(tree.status, 0, tree.stderr);
	const model = JSON.parse(tree.stdout) as {instances: Array<{probe?: ProbeResult}>};
	t.true(model.instances.every((i) => i.probe?.outcome === 'not-live' && i.probe.via === null));
	const help = cli('--help').stdout;
	t.regex(help, /--probe-held +With --probe \(--json, --plain\), features or export: probe a device a VM holds/);
	// features and export always probe: there it needs no --probe, and a tree is still not probed.
	const features = cli('features', '--root', TREE, '--probe-held');
	t.is(features.status, 0, features.stderr);
	t.regex(features.stdout, /bits=0x0 known=0x0 unknown: not-live/);
	t.regex(cli('doctor', '--probe-held').stderr, /--probe-held goes with --probe .*, features or export/);
	t.regex(help, /B borrow/);
});

// ---- the TUI's B ---------------------------------------------------------------------------------

test.serial('B asks first, naming the VM from the probe that found it held; only y borrows', async (t) => {
	const model: HostModel = scanHost(TREE);
	const mdpy = model.instances.find((i) => i.mdevType?.startsWith('mdpy'))!;
	const calls: Array<{uuids: string[]; probeHeld: boolean}> = [];
	const probeResults: ProbeResult[] = [];
	const probeFn = async (_m: HostModel, uuids: string[], opts: {onResult?: (r: ProbeResult) => void; probeHeld?: boolean} = {}) => {
		calls.push({uuids, probeHeld: opts.probeHeld ?? false});
		const r: ProbeResult = opts.probeHeld
			? {...unaskedResult(uuids[0]!), outcome: 'ok', via: 'borrowed', summary: 'REGION display (no plane yet), no migration, no DMA logging; borrowed from qemu-system-x86 pid 4242 (VM vdi-42)', borrowedFrom: {pid: 4242, comm: 'qemu-system-x86', vmName: 'vdi-42', vmUuid: null, fd: 31, foundBy: 'only-device'}}
			: {...unaskedResult(uuids[0]!), outcome: 'busy', summary: 'in use by qemu-system-x86 pid 4242 (VM vdi-42)', holders: [{pid: 4242, comm: 'qemu-system-x86', vmName: 'vdi-42', vmUuid: null}]};
		probeResults.push(r);
		opts.onResult?.(r);
		return [r];
	};
	// The owner scan of the tree has no process table (procRoot: an empty dir): the probe's holders name the VM.
	const procRoot = mkdtempSync(join(base, 'noproc-'));
	const {lastFrame, stdin, unmount} = render(React.createElement(App, {model, rescan: () => model, color: false, probeFn, procRoot}));
	const press = (...keys: string[]) => pressKeys(stdin, ...keys);
	try {
		// To mdpy's instance: parents (mdpy is listed second), its types, the instances pane.
		const parentIndex = model.parents.findIndex((p) => p.name === mdpy.parent) ;
		await press(...Array.from({length: Math.max(0, parentIndex)}, () => 'j'), '\r', '\r');
		await press('B');
		t.regex(lastFrame()!, /B borrows a held device's fd/, 'before any probe there is no holder to name');
		await press('p');
		await waitFor(() => lastFrame()!.includes('in use by'), 'the probe saying who holds it');
		await press('B');
		t.regex(lastFrame()!, /Borrow the fd of qemu-system-x86 pid 4242 \(VM vdi-42\)\? y: yes/);
		await press('n');
		t.regex(lastFrame()!, /not borrowed/);
		t.deepEqual(calls.map((c) => c.probeHeld), [false]);
		await press('B', 'y');
		await waitFor(() => lastFrame()!.includes('borrowed from'), 'the borrowed probe');
		t.deepEqual(calls.map((c) => c.probeHeld), [false, true]);
		t.deepEqual(calls[1]!.uuids, [mdpy.uuid]);
		// The detail pane: the summary says whose fd answered (wrapped: compare without the borders).
		await press('\r');
		t.regex(lastFrame()!.replace(/\|/g, ' ').replace(/\s+/g, ' '), /ok: REGION display \(no plane yet\), no migration, no DMA logging; borrowed from qemu-system-x86 pid 4242 \(VM vdi-42\)/);
		const details = probeLines({result: probeResults.at(-1)!, running: false}, 200).map(lineText).join('\n');
		t.regex(details, /probed .*via borrowed/);
		t.regex(details, /borrowed +from qemu-system-x86 pid 4242 \(VM vdi-42\): a duplicate of its fd 31 \(found by only-device\), asked read-only questions, closed at once/);
	} finally {
		unmount();
	}
	t.deepEqual(borrowQuestion({...mdpy, active: false}, undefined, undefined), {ask: null, why: 'defined, not active: nothing holds it, nothing to borrow'});
});
