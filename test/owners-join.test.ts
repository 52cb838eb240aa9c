// Who owns each instance: written /proc trees (the shapes the kernel shows: QEMU from libvirt and by
// hand, a cdev holder, unreadable and hidden processes) joined to the tree captured from a real 6.12
// kernel (groups 0-2, vfio0-2), and the real /proc with a real process holding a group file, read
// as root and as nobody.
import test from 'ava';
import {spawn, spawnSync} from 'node:child_process';
import {chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {HostModel} from '../src/model/types.js';
import {libvirtDomain, ownersByInstance as ownersByKey, type InstanceOwners, type Owner} from '../src/owners/join.js';
import {instanceOwners, withOwners} from '../src/model/instances.js';
import {parseSnapshot} from '../src/snapshot/load.js';
import {ownersCell, ownerWords, unknownReasons} from '../src/owners/text.js';
import {renderJson} from '../src/output/json.js';
import {scanHost} from '../src/sysfs/scan.js';
import {canMountProc, runWithProcAt} from './helpers/proc-mount.js';

/** The owners read for each instance, by uuid (each uuid of these trees is under one parent). */
const ownersByInstance = (model: HostModel, root?: string): Map<string, InstanceOwners> =>
	new Map([...ownersByKey(model, root)].map(([key, entry]) => [key.slice(key.lastIndexOf('/') + 1), entry]));

const TREE = fileURLToPath(new URL('fixtures/trees/debian-6.12', import.meta.url));
const MTTY = '11111111-1111-1111-1111-111111111111'; // group 0, vfio0
const MDPY = '22222222-2222-2222-2222-222222222222'; // group 1, vfio1
const MBOCHS = '33333333-3333-3333-3333-333333333333'; // group 2, vfio2

const base = mkdtempSync(join(tmpdir(), 'mdevscope-owners-join-'));
test.after.always(() => rmSync(base, {recursive: true, force: true}));

function scan(): HostModel {
	if (!existsSync(TREE)) throw new Error(`${TREE} is missing: run npm run fixtures`);
	return scanHost(TREE);
}

interface Proc {
	fds?: Record<number, string>;
	comm?: string;
	cmdline?: string[];
	/** `fd` is a file, so listing it fails (ENOTDIR), as an unreadable fd directory would. */
	fdUnreadable?: boolean;
}

/** A root whose proc/ holds these processes (fd links as the kernel shows them). */
function procTree(name: string, procs: Record<number, Proc>): string {
	const root = join(base, name);
	mkdirSync(join(root, 'proc'), {recursive: true});
	for (const [pid, p] of Object.entries(procs)) {
		const dir = join(root, 'proc', pid);
		mkdirSync(dir);
		if (p.fdUnreadable) writeFileSync(join(dir, 'fd'), '');
		else {
			mkdirSync(join(dir, 'fd'));
			for (const [fd, target] of Object.entries(p.fds ?? {})) symlinkSync(target, join(dir, 'fd', fd));
		}
		if (p.comm !== undefined) writeFileSync(join(dir, 'comm'), `${p.comm}\n`);
		if (p.cmdline) writeFileSync(join(dir, 'cmdline'), `${p.cmdline.join('\0')}\0`);
	}
	return root;
}

// The shape of a libvirt-started QEMU's command line (libvirt's own test data shows it this way).
const LIBVIRT_QEMU = [
	'/usr/bin/qemu-system-x86_64',
	'-name',
	'guest=vdi-42,debug-threads=on',
	'-S',
	'-object',
	'{"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/libvirt/qemu/domain-7-vdi-42/master-key.aes"}',
	'-uuid',
	'c0ffee00-0000-4000-8000-000000000042',
	'-chardev',
	'socket,id=charmonitor,fd=31,server=on,wait=off',
	'-device',
	`{"driver":"vfio-pci","id":"hostdev0","sysfsdev":"/sys/bus/mdev/devices/${MBOCHS}","display":"on"}`,
];
const HAND_QEMU = ['qemu-system-x86_64', '-name', 'guest=lab,debug-threads=on', '-uuid', 'c0ffee00-0000-4000-8000-000000000007', '-device', 'vfio-pci,sysfsdev=/sys/bus/mdev/devices/x'];

const HOST: Record<number, Proc> = {
	1: {fds: {0: '/dev/null', 3: 'socket:[1]'}, comm: 'systemd', cmdline: ['/sbin/init']},
	4242: {
		fds: {0: '/dev/null', 21: '/dev/vfio/vfio', 22: '/dev/vfio/2', 23: 'anon_inode:[vfio-device]'},
		comm: 'qemu-system-x86',
		cmdline: LIBVIRT_QEMU,
	},
	// The iommufd way: the device cdev, no group file.
	5150: {fds: {9: '/dev/iommu', 10: '/dev/vfio/devices/vfio1'}, comm: 'qemu-system-x86', cmdline: HAND_QEMU},
};

const vdi42: Owner = {
	pid: 4242,
	comm: 'qemu-system-x86',
	cmdline: LIBVIRT_QEMU,
	vmName: 'vdi-42',
	vmUuid: 'c0ffee00-0000-4000-8000-000000000042',
	libvirtDomain: 'vdi-42',
	files: ['/dev/vfio/2'],
};
const lab: Owner = {
	pid: 5150,
	comm: 'qemu-system-x86',
	cmdline: HAND_QEMU,
	vmName: 'lab',
	vmUuid: 'c0ffee00-0000-4000-8000-000000000007',
	libvirtDomain: null,
	files: ['/dev/vfio/devices/vfio1'],
};

test('each instance gets the process holding its group or its cdev, with the VM name, uuid and libvirt domain', (t) => {
	const owners = ownersByInstance(scan(), procTree('host', HOST));
	t.deepEqual(Object.fromEntries(owners), {
		[MBOCHS]: {owners: [vdi42], unknown: null},
		[MDPY]: {owners: [lab], unknown: null},
		// Every process was read and none holds /dev/vfio/0 or vfio0: free, said as a fact.
		[MTTY]: {owners: [], unknown: null},
	});
	t.is(ownersCell(owners.get(MBOCHS)), 'qemu pid 4242 vm=vdi-42');
	t.is(ownersCell(owners.get(MTTY)), '-');
	t.deepEqual(unknownReasons(owners.values()), []);
});

test('a process holding both the group and the cdev is one owner with both files', (t) => {
	const root = procTree('both', {1: HOST[1]!, 77: {fds: {4: '/dev/vfio/0', 5: '/dev/vfio/devices/vfio0'}, comm: 'holder', cmdline: ['./holder', '0']}});
	t.deepEqual(ownersByInstance(scan(), root).get(MTTY), {
		owners: [{pid: 77, comm: 'holder', cmdline: ['./holder', '0'], vmName: null, vmUuid: null, libvirtDomain: null, files: ['/dev/vfio/0', '/dev/vfio/devices/vfio0']}],
		unknown: null,
	});
});

test('unreadable processes make a free-looking instance unknown, not free and not an error', (t) => {
	const root = procTree('hidden', {...HOST, 900: {fdUnreadable: true, comm: 'someone-else'}});
	const owners = ownersByInstance(scan(), root);
	// What was seen is still shown...
	t.deepEqual(owners.get(MBOCHS), {owners: [vdi42], unknown: null});
	// ...but nobody-found is not "free" when a process could not be looked at.
	const mtty = owners.get(MTTY)!;
	t.is(mtty.owners, null);
	t.is(mtty.unknown, "1 process's open files could not be read (ENOTDIR: another user's, or /proc mounted with hidepid); run as root to see every holder.");
	t.is(ownersCell(mtty), '?');
	t.deepEqual(unknownReasons(owners.values()), [mtty.unknown]);
});

test('a tree without a process table, and a root without /proc: unknown with the reason', (t) => {
	const model = scan();
	// The captured tree itself: proc/ holds cmdline and version, no process.
	for (const entry of ownersByInstance(model).values()) {
		t.is(entry.owners, null);
		t.is(entry.unknown, `no process's open files could be read under ${TREE}/proc (a captured tree has no process table): who holds it is unknown here; run mdevscope on the host itself.`);
	}
	const noProc = join(base, 'no-proc');
	mkdirSync(noProc);
	for (const entry of ownersByInstance(model, noProc).values()) {
		t.is(entry.owners, null);
		t.regex(entry.unknown ?? '', /^Listing .*no-proc\/proc to find who holds \/dev\/vfio files failed \(ENOENT\); holders are unknown/);
	}
});

test('a device fd without its group file cannot be attributed: instances nobody else holds are unknown', (t) => {
	const root = procTree('loose', {1: HOST[1]!, 4242: HOST[4242]!, 31: {fds: {3: '/dev/vfio/vfio', 4: 'anon_inode:[vfio-device]'}, comm: 'closer', cmdline: ['closer']}});
	const owners = ownersByInstance(scan(), root);
	t.deepEqual(owners.get(MBOCHS), {owners: [vdi42], unknown: null});
	t.deepEqual(owners.get(MTTY), {
		owners: null,
		unknown: 'closer pid 31 holds VFIO device fds without their group or device file open, and the kernel does not say which device they are: it may be this one.',
	});
});

test('defined-only instances have no owner; an active one without group or vfio-dev is unknown', (t) => {
	const model = scan();
	const instances = model.instances.map((i) =>
		i.uuid === MTTY ? {...i, active: false, iommuGroup: null, vfioDev: null} : i.uuid === MDPY ? {...i, iommuGroup: null, vfioDev: null} : i,
	);
	const owners = ownersByInstance({...model, instances}, procTree('host-2', HOST));
	t.deepEqual(owners.get(MTTY), {owners: [], unknown: null});
	t.is(owners.get(MDPY)!.owners, null);
	t.regex(owners.get(MDPY)!.unknown!, /no IOMMU group and no vfio-dev/);
});

test('libvirt domain: only with libvirt marks on the command line, not from -name alone', (t) => {
	t.is(libvirtDomain(LIBVIRT_QEMU, 'vdi-42'), 'vdi-42');
	// Older libvirt: the secret as QEMU options, not JSON.
	t.is(libvirtDomain(['qemu-kvm', '-object', 'secret,id=masterKey0,format=raw,file=/var/lib/libvirt/qemu/domain--1-win10/master-key.aes'], 'win10'), 'win10');
	t.is(libvirtDomain(['qemu-kvm', '-chardev', 'socket,id=charmonitor,path=/run/x.sock,server=on,wait=off'], 'w'), 'w');
	t.is(libvirtDomain(HAND_QEMU, 'lab'), null);
	t.is(libvirtDomain(LIBVIRT_QEMU, null), null);
	t.is(ownerWords({...lab, comm: null, vmName: null}), 'pid 5150');
});

test('--json owners survive a snapshot: the snapshot reads them back on its instances, and says when there were none', (t) => {
	const model = scan();
	const root = procTree('host-3', {...HOST, 900: {fdUnreadable: true}});
	const owned = withOwners(model, ownersByKey(model, root));
	const owners = ownersByInstance(model, root);
	type Json = {instances: Array<HostModel['instances'][number] & {owners?: unknown; ownersUnknown?: unknown}>};
	const json = JSON.parse(renderJson(owned)) as Json;
	// Without --with-cmdline the argv stays out; what the views use (VM name, uuid, libvirt domain) was taken from it at scan time.
	const {cmdline: _argv, ...vdi42Kept} = vdi42;
	t.deepEqual(json.instances.find((i) => i.uuid === MBOCHS)?.owners, [vdi42Kept]);
	t.is(json.instances.find((i) => i.uuid === MTTY)?.owners, null);
	t.is(json.instances.find((i) => i.uuid === MTTY)?.ownersUnknown as string, owners.get(MTTY)!.unknown as string);
	const recorded = (text: string, uuid: string) => {
		const back = parseSnapshot(text, 'host.json').model;
		return instanceOwners(back, back.instances.find((i) => i.uuid === uuid)!);
	};
	t.deepEqual(recorded(renderJson(owned), MBOCHS), {owners: [vdi42Kept], unknown: null});
	t.is(ownersCell(recorded(renderJson(owned), MBOCHS)), 'qemu pid 4242 vm=vdi-42');
	// A snapshot taken with --with-cmdline reads back with its argv.
	t.deepEqual(recorded(renderJson(owned, {withCmdline: true}), MBOCHS), owners.get(MBOCHS));
	t.deepEqual(recorded(renderJson(owned), MTTY), {owners: null, unknown: `when recorded: ${owners.get(MTTY)!.unknown}`});
	// One taken by an mdevscope that did not record owners.
	t.regex(recorded(renderJson(model), MTTY)!.unknown!, /recorded without owners/);
});

// The live process table under the tree: bind-mounted there in a mount namespace of the child's own
// (a `proc -> /proc` link is not followed to this host: see owners.test.ts).
(canMountProc ? test.serial : test.skip)('the real /proc: a process holding an instance\'s group file is its owner (as root: /proc mounted in the tree)', async (t) => {
	const root = join(base, 'real');
	mkdirSync(join(root, 'dev/vfio'), {recursive: true});
	mkdirSync(join(root, 'proc'));
	writeFileSync(join(root, 'dev/vfio/1'), '');
	const fd = openSync(join(root, 'dev/vfio/1'), 'r');
	// A QEMU-looking command line on a real process: node, idle, with argv[0] set to qemu-system-x86_64
	// and QEMU's -name and -uuid after the script (node leaves them to the script).
	const args = ['-e', 'setTimeout(() => {}, 30000)', '--', '-name', 'guest=real-vm', '-uuid', 'c0ffee00-0000-4000-8000-0000000000aa'];
	const holder = spawn(process.execPath, args, {argv0: 'qemu-system-x86_64', stdio: ['ignore', 'ignore', 'ignore', fd]});
	closeSync(fd);
	t.teardown(() => holder.kill('SIGKILL'));
	await new Promise((r) => holder.once('spawn', r));
	const modelFile = join(base, 'real-model.json');
	writeFileSync(modelFile, JSON.stringify(scan()));
	const script = `import {readFileSync} from 'node:fs';
import {ownersByInstance} from ${JSON.stringify(fileURLToPath(new URL('../src/owners/join.ts', import.meta.url)))};
const byKey = ownersByInstance(JSON.parse(readFileSync(${JSON.stringify(modelFile)}, 'utf8')), ${JSON.stringify(root)});
const owners = new Map([...byKey].map(([key, entry]) => [key.slice(key.lastIndexOf('/') + 1), entry]));
console.log(JSON.stringify({mdpy: owners.get(${JSON.stringify(MDPY)}), mtty: owners.get(${JSON.stringify(MTTY)})}));`;
	const r = runWithProcAt(root, script);
	t.is(r.status, 0, r.stderr);
	const {mdpy, mtty} = JSON.parse(r.stdout) as {mdpy: InstanceOwners; mtty: InstanceOwners};
	t.deepEqual(mdpy, {
		owners: [
			{
				pid: holder.pid!,
				comm: 'node',
				cmdline: ['qemu-system-x86_64', ...args],
				vmName: 'real-vm',
				vmUuid: 'c0ffee00-0000-4000-8000-0000000000aa',
				libvirtDomain: null,
				files: ['/dev/vfio/1'],
			},
		],
		unknown: null,
	});
	// This machine's /proc was read completely (as root): nobody holds the others.
	t.deepEqual(mtty, {owners: [], unknown: null});
});

test.serial('a tree whose proc links to /proc: its owners are unknown, none of this machine\'s processes', async (t) => {
	const root = join(base, 'proc-link');
	mkdirSync(join(root, 'dev/vfio'), {recursive: true});
	symlinkSync('/proc', join(root, 'proc'));
	writeFileSync(join(root, 'dev/vfio/1'), '');
	const fd = openSync(join(root, 'dev/vfio/1'), 'r');
	const holder = spawn('sleep', ['30'], {stdio: ['ignore', 'ignore', 'ignore', fd]});
	closeSync(fd);
	t.teardown(() => holder.kill('SIGKILL'));
	await new Promise((r) => holder.once('spawn', r));
	const owners = ownersByInstance(scan(), root);
	t.deepEqual(owners.get(MDPY), {
		owners: null,
		unknown: `Listing ${root}/proc to find who holds /dev/vfio files failed (ELOOP); holders are unknown. Is /proc mounted?`,
	});
	t.true([...owners.values()].every((o) => o.owners === null || o.owners.length === 0));
});

test.serial('as nobody on the real /proc: other users\' processes make owners unknown, with "run as root"', (t) => {
	if (process.getuid?.() !== 0) {
		const entry = ownersByInstance(scan(), '/').get(MTTY)!;
		t.is(entry.owners, null);
		t.regex(entry.unknown!, /could not be read \(EACCES.*run as root/);
		return;
	}
	const dir = join(base, 'as-nobody');
	mkdirSync(dir);
	writeFileSync(join(dir, 'model.json'), JSON.stringify(scan()));
	const script = join(dir, 'owners.ts');
	writeFileSync(
		script,
		`import {readFileSync} from 'node:fs';
import {ownersByInstance} from ${JSON.stringify(fileURLToPath(new URL('../src/owners/join.ts', import.meta.url)))};
const model = JSON.parse(readFileSync(${JSON.stringify(join(dir, 'model.json'))}, 'utf8'));
console.log(JSON.stringify([...ownersByInstance(model, '/')].find(([key]) => key.endsWith(${JSON.stringify('/' + MTTY)}))?.[1]));`,
	);
	chmodSync(base, 0o755);
	chmodSync(dir, 0o755);
	const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script], {uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/'});
	t.is(r.status, 0, r.stderr);
	const entry = JSON.parse(r.stdout) as InstanceOwners;
	t.is(entry.owners, null);
	t.regex(entry.unknown!, /^\d+ process(es'|'s) open files could not be read \(EACCES[^)]*\); run as root to see every holder\.$/);
});
