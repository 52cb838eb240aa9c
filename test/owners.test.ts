// Who holds /dev/vfio files: a written proc tree for the shapes the kernel shows (QEMU's fds and
// command line, a cdev, an unreadable process), and the real /proc with a real process holding
// a file, read once as root and once as nobody.
import test, {type ExecutionContext} from 'ava';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, symlinkSync, truncateSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {findDeviceFd, holderRef, holdersOfCdev, holdersOfGroup, qemuIdentity, scanVfioHolders} from '../src/owners/holders.js';
import {holderName} from '../src/model/probe.js';
import {canMountProc, runWithProcAt} from './helpers/proc-mount.js';

const here = dirname(fileURLToPath(import.meta.url));

const base = mkdtempSync(join(tmpdir(), 'mdevscope-owners-'));
test.after.always(() => rmSync(base, {recursive: true, force: true}));

function proc(root: string, pid: number, p: {fds?: Record<number, string>; comm?: string; cmdline?: string[]; fdIsFile?: boolean}): void {
	const dir = join(root, 'proc', String(pid));
	mkdirSync(dir, {recursive: true});
	if (p.fdIsFile) writeFileSync(join(dir, 'fd'), '');
	else {
		mkdirSync(join(dir, 'fd'));
		for (const [fd, target] of Object.entries(p.fds ?? {})) symlinkSync(target, join(dir, 'fd', fd));
	}
	if (p.comm !== undefined) writeFileSync(join(dir, 'comm'), p.comm + '\n');
	if (p.cmdline) writeFileSync(join(dir, 'cmdline'), p.cmdline.join('\0') + '\0');
}

const written = join(base, 'written');
proc(written, 4242, {
	fds: {0: '/dev/null', 11: '/dev/vfio/vfio', 12: '/dev/vfio/7', 13: 'anon_inode:[vfio-device]', 14: '/etc/passwd'},
	comm: 'qemu-system-x86',
	cmdline: ['/usr/bin/qemu-system-x86_64', '-name', 'guest=win,,11,debug-threads=on', '-uuid', 'c0ffee00-0000-4000-8000-000000000001', '-m', '4096'],
});
proc(written, 77, {fds: {5: '/dev/vfio/devices/vfio0', 6: '/dev/vfio/vfio'}, comm: 'cloud-hypervisor', cmdline: ['cloud-hypervisor', '--api-socket', '/run/ch.sock']});
proc(written, 5, {fds: {1: 'socket:[1234]'}, comm: 'unrelated', cmdline: ['sshd']});
proc(written, 900, {fdIsFile: true, comm: 'hidden'}); // fd unreadable (as with hidepid or another user)
mkdirSync(join(written, 'proc', 'sys')); // not a pid
symlinkSync('4242', join(written, 'proc', 'self'));

test('holders, with fds, QEMU identity and anonymous device fds, from a written proc tree', (t) => {
	const scan = scanVfioHolders({root: written});
	t.is(scan.error, null);
	t.deepEqual(scan.holders, [
		{
			pid: 77,
			comm: 'cloud-hypervisor',
			cmdline: ['cloud-hypervisor', '--api-socket', '/run/ch.sock'],
			qemu: null,
			files: [
				{fd: 5, path: '/dev/vfio/devices/vfio0'},
				{fd: 6, path: '/dev/vfio/vfio'},
			],
			deviceFds: 0,
		},
		{
			pid: 4242,
			comm: 'qemu-system-x86',
			cmdline: ['/usr/bin/qemu-system-x86_64', '-name', 'guest=win,,11,debug-threads=on', '-uuid', 'c0ffee00-0000-4000-8000-000000000001', '-m', '4096'],
			qemu: {name: 'win,11', uuid: 'c0ffee00-0000-4000-8000-000000000001'},
			files: [
				{fd: 11, path: '/dev/vfio/vfio'},
				{fd: 12, path: '/dev/vfio/7'},
			],
			deviceFds: 1,
		},
	]);
	t.deepEqual(scan.unknown, [{pid: 900, code: 'ENOTDIR'}]);
	t.deepEqual(holdersOfGroup(scan, 7).map((h) => h.pid), [4242]);
	t.deepEqual(holdersOfGroup(scan, 8), []);
	t.deepEqual(holdersOfCdev(scan, 'vfio0').map((h) => h.pid), [77]);
	t.is(holderName(holderRef(holdersOfGroup(scan, 7)[0]!)), 'qemu-system-x86 pid 4242 (VM win,11, uuid c0ffee00-0000-4000-8000-000000000001)');
	t.is(holderName(holderRef(holdersOfCdev(scan, 'vfio0')[0]!)), 'cloud-hypervisor pid 77');
});

test('no /proc: an error value on the scan, not an exception', (t) => {
	const scan = scanVfioHolders({root: join(base, 'no-such-root')});
	t.deepEqual(scan.holders, []);
	t.is(scan.error?.code, 'ENOENT');
	t.regex(scan.error?.message ?? '', /holders are unknown/);
});

test('QEMU command lines: -name forms, -uuid, and other programs', (t) => {
	t.deepEqual(qemuIdentity(['qemu-system-x86_64', '-name', 'vm1', '-uuid', 'u1']), {name: 'vm1', uuid: 'u1'});
	t.deepEqual(qemuIdentity(['qemu-kvm', '-name', 'guest=a,debug-threads=on']), {name: 'a', uuid: null});
	t.deepEqual(qemuIdentity(['/usr/libexec/qemu-kvm', '--name', 'b,process=qemu:b']), {name: 'b', uuid: null});
	t.deepEqual(qemuIdentity(['qemu-system-x86_64', '-name', 'process=x']), {name: null, uuid: null});
	t.deepEqual(qemuIdentity(['qemu-system-aarch64']), {name: null, uuid: null});
	t.is(qemuIdentity(['crosvm', '-name', 'x']), null);
	t.is(qemuIdentity([]), null);
});

// The live process table under a tree: bind-mounted there in a mount namespace of the child's own.
/** A live process holding `<root>/dev/vfio/<group>` as its fd 3, until the test ends. */
async function holdGroupFile(t: ExecutionContext, root: string, group: number): Promise<ChildProcess> {
	mkdirSync(join(root, 'dev/vfio'), {recursive: true});
	const file = join(root, 'dev/vfio', String(group));
	writeFileSync(file, '');
	const fd = openSync(file, 'r');
	const holder = spawn('sleep', ['30'], {stdio: ['ignore', 'ignore', 'ignore', fd]});
	closeSync(fd);
	t.teardown(() => holder.kill('SIGKILL'));
	await new Promise((r) => holder.once('spawn', r));
	return holder;
}

(canMountProc ? test.serial : test.skip)('the real /proc: a process holding a file under <root>/dev/vfio is found, with its pid (as root: /proc mounted in the tree)', async (t) => {
	const root = join(base, 'real');
	mkdirSync(join(root, 'proc'), {recursive: true});
	const holder = await holdGroupFile(t, root, 5);
	const script = `import {holderRef, holdersOfGroup, scanVfioHolders} from ${JSON.stringify(join(here, '../src/owners/holders.ts'))};
import {holderName} from ${JSON.stringify(join(here, '../src/model/probe.ts'))};
const found = holdersOfGroup(scanVfioHolders({root: ${JSON.stringify(root)}}), 5);
console.log(JSON.stringify({found: found.map((h) => ({pid: h.pid, comm: h.comm, files: h.files, qemu: h.qemu})), described: found.map((h) => holderName(holderRef(h)))}));`;
	const r = runWithProcAt(root, script);
	t.is(r.status, 0, r.stderr);
	t.deepEqual(JSON.parse(r.stdout), {
		found: [{pid: holder.pid!, comm: 'sleep', files: [{fd: 3, path: '/dev/vfio/5'}], qemu: null}],
		described: [`sleep pid ${holder.pid}`],
	});
});

test.serial('a tree whose proc is a link to /proc does not read this machine\'s processes', async (t) => {
	const root = join(base, 'proc-link');
	mkdirSync(root, {recursive: true});
	symlinkSync('/proc', join(root, 'proc'));
	const holder = await holdGroupFile(t, root, 5);
	const scan = scanVfioHolders({root});
	// Followed under the tree, `proc -> /proc` leads to itself: a loop, as an error value.
	t.deepEqual(scan.holders, []);
	t.deepEqual(scan.unknown, []);
	t.is(scan.scanned, 0);
	t.like(scan.error, {code: 'ELOOP'});
	// Nor through a pid directory: the lookup of one process's fds is confined the same way.
	t.like(findDeviceFd({root, pid: holder.pid!, uuid: 'u', iommuGroup: 5}), {kind: 'unreadable', code: 'ELOOP'});
	t.like(findDeviceFd({root, pid: process.pid, uuid: 'u', iommuGroup: 5}), {kind: 'unreadable', code: 'ELOOP'});
});

test('a tree\'s proc/<pid>/fd linked out of the tree and a huge cmdline: confined, no host data', (t) => {
	const root = join(base, 'hostile-proc');
	proc(root, 30, {fds: {3: '/dev/vfio/7'}, comm: 'big'});
	// cmdline sparse and over the cap: not a command line, so none is kept.
	writeFileSync(join(root, 'proc/30/cmdline'), 'qemu-system-x86_64\0-name\0big\0');
	truncateSync(join(root, 'proc/30/cmdline'), 8 * 1024 * 1024);
	// pid 31's and 32's fd directories are this process's own, by an absolute link and by a relative one.
	mkdirSync(join(root, 'proc/31'));
	symlinkSync(`/proc/${process.pid}/fd`, join(root, 'proc/31/fd'));
	mkdirSync(join(root, 'proc/32'));
	symlinkSync(`${'../'.repeat(40)}proc/${process.pid}/fd`, join(root, 'proc/32/fd'));
	const scan = scanVfioHolders({root});
	t.deepEqual(scan.holders, [{pid: 30, comm: 'big', cmdline: null, qemu: null, files: [{fd: 3, path: '/dev/vfio/7'}], deviceFds: 0}]);
	// Both links lead under the tree, where there is no such directory: gone, like an exited process.
	t.deepEqual(scan.unknown, []);
	t.is(scan.scanned, 1);
	t.like(findDeviceFd({root, pid: 31, uuid: 'u', iommuGroup: 7}), {kind: 'unreadable', code: 'ENOENT'});
});

test.serial('as an unprivileged user, other users\' processes are unknown, not errors', (t) => {
	if (process.getuid?.() !== 0) {
		// Already unprivileged: scan directly; pid 1 belongs to root.
		const scan = scanVfioHolders();
		t.is(scan.error, null);
		t.true(scan.unknown.some((u) => u.pid === 1 && u.code === 'EACCES'));
		return;
	}
	const script = join(base, 'scan-as-nobody.ts');
	writeFileSync(
		script,
		`import {scanVfioHolders} from ${JSON.stringify(new URL('../src/owners/holders.ts', import.meta.url).pathname)};
const s = scanVfioHolders(); console.log(JSON.stringify({error: s.error, pid1: s.unknown.find((u) => u.pid === 1) ?? null}));`,
	);
	chmodSync(base, 0o755);
	const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script], {uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/'});
	t.is(r.status, 0, r.stderr);
	t.deepEqual(JSON.parse(r.stdout), {error: null, pid1: {pid: 1, code: 'EACCES'}});
});
