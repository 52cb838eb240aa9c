// A seeded generator of corrupted sysfs trees for the scanner's fuzz test (test/fuzz.test.ts).
// It copies the fixture trees (the two captured from real Debian kernels and the hand-written
// ones in the kernel's layout) once, then each case mutates one to three of the paths the
// scanner reads, scans, renders, checks, and puts every path back as it was. Each mutation says
// what the scanner must make of it: an error on the item that names the path, the item absent,
// or a value; the properties that hold for every case are checked on top (see checkCase).
// A case depends only on its seed, so any failure can be replayed alone.
// Each copy also gets a process table and dev nodes (proc/4242 holding an instance's group, dev/vfio),
// so that proc/ and dev/ are corrupted too: there every case checks that the owner scan and the
// doctor's facts stay inside the tree (no process or node of this machine) and nothing throws.
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {
	chmodSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	readlinkSync,
	realpathSync,
	renameSync,
	rmSync,
	symlinkSync,
	truncateSync,
	writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {isDeepStrictEqual} from 'node:util';
import type {HostModel, ItemError} from '../../src/model/types.js';
import {readDoctorFacts} from '../../src/doctor/index.js';
import {renderJson} from '../../src/output/json.js';
import {joinOwners} from '../../src/owners/join.js';
import {withOwners} from '../../src/model/instances.js';
import {scanVfioHolders} from '../../src/owners/holders.js';
import {renderPlain} from '../../src/output/plain.js';
import {ATTR_MAX_BYTES} from '../../src/sysfs/env.js';
import {clearPciIdsCache} from '../../src/sysfs/pciids.js';
import {scanHost} from '../../src/sysfs/scan.js';

export const fixtureTrees = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'trees');

/** The trees cases are drawn from: the real captures and the well-formed hand-written hosts. */
export const FUZZ_TREES = ['debian-6.12', 'debian-6.1', 'nvidia-grid', 'intel-gvtg', 's390', 'hostile-names'] as const;

// ---- seeded randomness (mulberry32: small, fast, and the same on every platform) ----------------

export class Rng {
	private state: number;
	constructor(seed: number) {
		this.state = seed >>> 0;
	}

	next(): number {
		let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	}

	int(n: number): number {
		return Math.floor(this.next() * n);
	}

	pick<T>(items: readonly T[]): T {
		return items[this.int(items.length)]!;
	}

	bytes(n: number): Buffer {
		const out = Buffer.alloc(n);
		for (let i = 0; i < n; i++) out[i] = this.int(256);
		return out;
	}
}

// ---- what can be mutated ---------------------------------------------------------------------

export type Owner =
	| {kind: 'host'}
	| {kind: 'parent'; parent: string}
	| {kind: 'type'; parent: string; type: string}
	| {kind: 'instance'; uuid: string; parent: string | null};

type FileRole = 'proc' | 'numa' | 'pciId' | 'typeName' | 'deviceApi' | 'description' | 'available' | 'definition' | 'pciIds' | 'pidFile' | 'devNode';
type LinkRole = 'mdevBusEntry' | 'subsystem' | 'parentDriver' | 'mdevType' | 'iommuGroup' | 'instDriver' | 'busEntry' | 'devicesLink' | 'fdLink';
type DirRole = 'parentDir' | 'typesDir' | 'typeDir' | 'devicesDir' | 'instanceDir' | 'vfioDev' | 'procDir' | 'devDir';
export type Role = FileRole | LinkRole | DirRole;

const FILE_ROLES: readonly Role[] = ['proc', 'numa', 'pciId', 'typeName', 'deviceApi', 'description', 'available', 'definition', 'pciIds', 'pidFile', 'devNode'];
const LINK_ROLES: readonly Role[] = ['mdevBusEntry', 'subsystem', 'parentDriver', 'mdevType', 'iommuGroup', 'instDriver', 'busEntry', 'devicesLink', 'fdLink'];
const DIR_ROLES: readonly Role[] = ['parentDir', 'typesDir', 'typeDir', 'devicesDir', 'instanceDir', 'vfioDev', 'procDir', 'devDir'];
/**
 * The process table and dev nodes each copy gets (see addProcessTable): read by the owner scan and
 * the doctor, not the scanner, so what is checked of them is checkCase's confinement, for every case.
 */
const PROC_DEV_ROLES: ReadonlySet<Role> = new Set(['pidFile', 'devNode', 'fdLink', 'procDir', 'devDir']);
/** The one process of every fuzzed tree's proc/. */
export const TREE_PID = 4242;
/** Roles whose failure takes the whole item (and what is inside it) with it. */
const STRUCTURAL: ReadonlySet<Role> = new Set(['mdevBusEntry', 'parentDir', 'typesDir', 'typeDir', 'busEntry', 'instanceDir']);

export interface Target {
	/** Path relative to the tree's root, as the scanner reaches it (real directories, the link itself for links). */
	rel: string;
	role: Role;
	owner: Owner;
	/** Other paths an error may name instead: the links that lead to this directory. */
	aliases: string[];
}

const exists = (p: string): boolean => {
	try {
		lstatSync(p);
		return true;
	} catch {
		return false;
	}
};

/** Every path of a scanned, well-formed tree that the scanner reads, with its role and owner. */
export function targetsOf(root: string, model: HostModel): Target[] {
	const out: Target[] = [];
	const add = (rel: string, role: Role, owner: Owner, aliases: string[] = []) => {
		if (exists(path.join(root, rel))) out.push({rel, role, owner, aliases});
	};
	const host: Owner = {kind: 'host'};
	for (const rel of ['proc/sys/kernel/osrelease', 'proc/sys/kernel/hostname', 'proc/cmdline', 'proc/version', 'etc/hostname']) add(rel, 'proc', host);
	add('usr/share/misc/pci.ids', 'pciIds', host);
	const pid = `proc/${TREE_PID}`;
	for (const rel of ['proc', pid, `${pid}/fd`]) add(rel, 'procDir', host);
	for (const rel of [`${pid}/comm`, `${pid}/cmdline`, `${pid}/fdinfo/12`]) add(rel, 'pidFile', host);
	for (const fd of ['11', '12']) add(`${pid}/fd/${fd}`, 'fdLink', host);
	for (const rel of ['dev', 'dev/vfio']) add(rel, 'devDir', host);
	for (const name of exists(path.join(root, 'dev/vfio')) ? readdirSync(path.join(root, 'dev/vfio')) : []) add(`dev/vfio/${name}`, 'devNode', host);
	add('dev/kvm', 'devNode', host);
	for (const p of model.parents) {
		if (p.devicePath === null) continue;
		const owner: Owner = {kind: 'parent', parent: p.name};
		const entry = `sys/class/mdev_bus/${p.name}`;
		const dev = p.devicePath.slice(1);
		add(entry, 'mdevBusEntry', owner);
		add(dev, 'parentDir', owner, [entry]);
		add(`${dev}/subsystem`, 'subsystem', owner);
		add(`${dev}/driver`, 'parentDriver', owner);
		add(`${dev}/numa_node`, 'numa', owner);
		if (p.pci) for (const f of ['vendor', 'device', 'subsystem_vendor', 'subsystem_device']) add(`${dev}/${f}`, 'pciId', owner);
		add(`${dev}/mdev_supported_types`, 'typesDir', owner);
		for (const t of p.types) {
			const tOwner: Owner = {kind: 'type', parent: p.name, type: t.id};
			const dir = `${dev}/mdev_supported_types/${t.id}`;
			add(dir, 'typeDir', tOwner);
			add(`${dir}/name`, 'typeName', tOwner);
			add(`${dir}/description`, 'description', tOwner);
			add(`${dir}/device_api`, 'deviceApi', tOwner);
			add(`${dir}/available_instances`, 'available', tOwner);
			add(`${dir}/devices`, 'devicesDir', tOwner);
			for (const uuid of t.instances) add(`${dir}/devices/${uuid}`, 'devicesLink', tOwner);
		}
	}
	for (const i of model.instances) {
		const owner: Owner = {kind: 'instance', uuid: i.uuid, parent: i.parent};
		if (i.definition) add(i.definition.path.slice(1), 'definition', owner);
		if (!i.active) continue;
		const entry = `sys/bus/mdev/devices/${i.uuid}`;
		add(entry, 'busEntry', owner);
		let dir: string;
		try {
			dir = path.relative(root, realpathSync(path.join(root, entry)));
		} catch {
			continue;
		}
		add(dir, 'instanceDir', owner, [entry]);
		add(`${dir}/mdev_type`, 'mdevType', owner);
		add(`${dir}/iommu_group`, 'iommuGroup', owner);
		add(`${dir}/driver`, 'instDriver', owner);
		add(`${dir}/vfio-dev`, 'vfioDev', owner);
	}
	return out;
}

// ---- what the scanner must make of a mutation -----------------------------------------------------

export type Expect =
	/** The owner is in the model and one of its errors names the path (with this code, when given). */
	| {kind: 'report'; code?: string}
	/** The owner is not in the model. */
	| {kind: 'absent'}
	/** The owner is in the model and none of its errors names the path. */
	| {kind: 'clean'}
	/** Only the properties every case has. */
	| {kind: 'quiet'}
	/** A specific check: a problem, or null. */
	| {kind: 'check'; what: string; check: (m: HostModel, t: Target) => string | null};

const report = (code?: string): Expect => ({kind: 'report', code});
const absent: Expect = {kind: 'absent'};
const clean: Expect = {kind: 'clean'};
const quiet: Expect = {kind: 'quiet'};

interface Ctx {
	abs: string;
	target: Target;
	rng: Rng;
	/** Moves what is at `abs` aside; it comes back when the case is undone. */
	stash(): void;
	/** Something the mutation made outside `abs`, removed when the case is undone. */
	made(p: string): void;
	chmod(p: string, mode: number): void;
	rename(to: string): void;
	/** A place outside the tree whose files all say CANARY: nothing may ever read them. */
	canary: string;
}

interface Mutation {
	name: string;
	/** Only as root (mknod), or only unprivileged (permission bits mean nothing to root). */
	who?: 'root' | 'nonroot';
	roles: readonly Role[];
	apply(ctx: Ctx): Expect;
}

const isNumeric = (r: Role) => r === 'available' || r === 'numa' || r === 'pciId';
const REQUIRED_FILE: ReadonlySet<Role> = new Set(['typeName', 'deviceApi', 'available', 'pciId']);

/** A file that is there but says the wrong thing: reported, except where any text is a value. */
const badContent = (role: Role): Expect => (role === 'pciIds' ? quiet : report());

/**
 * A file that is not there: removed, or a link to nothing. mdevctl's store is listed, so a link
 * to nothing there is a definition that cannot be read.
 */
function missingFile(role: Role, how: 'removed' | 'dangling'): Expect {
	if (REQUIRED_FILE.has(role) || (role === 'definition' && how === 'dangling')) return report('ENOENT');
	if (role === 'description') return field('description is null', (m, t) => ownerType(m, t)?.description ?? null);
	if (role === 'numa') return field('numaNode is null', (m, t) => ownerParent(m, t)?.numaNode ?? null);
	if (role === 'definition') {
		return {
			kind: 'check',
			what: 'no definition',
			check: (m, t) => {
				const i = m.instances.find((x) => t.owner.kind === 'instance' && x.uuid === t.owner.uuid);
				return i && i.definition !== null ? `the instance still has a definition: ${JSON.stringify(i.definition)}` : null;
			},
		};
	}
	return quiet;
}

function field(what: string, get: (m: HostModel, t: Target) => unknown, want: unknown = null): Expect {
	return {
		kind: 'check',
		what,
		check: (m, t) => {
			const value = get(m, t);
			return isDeepStrictEqual(value, want) ? null : `expected ${JSON.stringify(want)}, got ${JSON.stringify(value)}`;
		},
	};
}

const ownerParent = (m: HostModel, t: Target) =>
	t.owner.kind === 'parent' || t.owner.kind === 'type' ? m.parents.find((p) => p.name === (t.owner as {parent: string}).parent) : undefined;
const ownerType = (m: HostModel, t: Target) =>
	t.owner.kind === 'type' ? ownerParent(m, t)?.types.find((x) => x.id === (t.owner as {type: string}).type) : undefined;
const ownerInstance = (m: HostModel, t: Target) =>
	t.owner.kind === 'instance' ? m.instances.find((i) => i.uuid === (t.owner as {uuid: string}).uuid) : undefined;

const CONTROL_TEXT = 'x\x1b]0;pwned\x07\x1b[2J\u009b31m\x00y\n';
const WORDS = ['abc', '-7', '99999999999999999999', '0x1g', '1e3', '12 34', '+5', ' ', '0b11'];

function mknod(p: string): void {
	const r = spawnSync('mknod', [p, 'c', '1', '3'], {encoding: 'utf8'});
	if (r.status !== 0) throw new Error(`mknod ${p}: ${r.stderr}`);
}

function mkfifo(p: string): void {
	const r = spawnSync('mkfifo', [p], {encoding: 'utf8'});
	if (r.status !== 0) throw new Error(`mkfifo ${p}: ${r.stderr}`);
}

export const MUTATIONS: readonly Mutation[] = [
	// ---- file contents ----
	{
		name: 'empty',
		roles: FILE_ROLES,
		apply(c) {
			c.stash();
			writeFileSync(c.abs, '');
			const r = c.target.role;
			return isNumeric(r) || r === 'definition' ? report('EPARSE') : quiet;
		},
	},
	{
		name: 'truncated',
		roles: FILE_ROLES,
		apply(c) {
			const text = readFileSync(c.abs);
			c.stash();
			writeFileSync(c.abs, text.subarray(0, Math.floor(text.length / 2)));
			return c.target.role === 'definition' || c.target.role === 'pciId' ? report('EPARSE') : quiet;
		},
	},
	{
		name: 'binary',
		roles: FILE_ROLES,
		apply(c) {
			const bytes = c.rng.bytes(1 + c.rng.int(48));
			bytes[c.rng.int(bytes.length)] = 0; // a NUL at least: never text
			c.stash();
			writeFileSync(c.abs, bytes);
			return badContent(c.target.role);
		},
	},
	{
		name: 'huge',
		roles: FILE_ROLES,
		apply(c) {
			c.stash();
			writeFileSync(c.abs, '1\n');
			// Sparse: bigger than the cap, cheap to make.
			truncateSync(c.abs, (c.target.role === 'pciIds' ? 16 * 1024 * 1024 : ATTR_MAX_BYTES) + 1 + c.rng.int(4 * ATTR_MAX_BYTES));
			if (c.target.role !== 'pciIds') return report('ETOOBIG');
			return {
				kind: 'check',
				what: 'a pci.ids over the cap is not used',
				check: (m) => (m.parents.some((p) => p.pci?.vendorName) ? 'a vendor name was read from it' : null),
			};
		},
	},
	{
		name: 'escape-sequences',
		roles: FILE_ROLES,
		apply(c) {
			c.stash();
			writeFileSync(c.abs, c.target.role === 'pciIds' ? `10de  NV\x1b]0;pwned\x07IDIA\x1b[2J\n\t1eb8  T4\u009b2J\n` : CONTROL_TEXT);
			return badContent(c.target.role);
		},
	},
	{
		name: 'not-a-number',
		roles: ['numa', 'pciId', 'available'],
		apply(c) {
			c.stash();
			writeFileSync(c.abs, `${c.rng.pick(WORDS)}\n`);
			return report('EPARSE');
		},
	},
	{
		name: 'bad-definition',
		roles: ['definition'],
		apply(c) {
			c.stash();
			writeFileSync(
				c.abs,
				c.rng.pick(['[]', '"x"', 'null', '{"mdev_type": 5, "start": "auto"}', '{"mdev_type": "x", "start": "sometimes"}', '{"mdev_type": "x", "start": "auto", "attrs": {}}']),
			);
			return report('EPARSE');
		},
	},
	{
		name: 'directory-instead',
		roles: FILE_ROLES,
		apply(c) {
			c.stash();
			mkdirSync(c.abs);
			return c.target.role === 'pciIds' ? quiet : report('EISDIR');
		},
	},
	{
		name: 'self-loop',
		roles: [...FILE_ROLES, ...DIR_ROLES],
		apply(c) {
			c.stash();
			symlinkSync(path.basename(c.abs), c.abs);
			return c.target.role === 'pciIds' ? quiet : report('ELOOP');
		},
	},
	{
		name: 'removed',
		roles: FILE_ROLES,
		apply(c) {
			c.stash();
			return missingFile(c.target.role, 'removed');
		},
	},
	{
		name: 'dangling-link',
		roles: FILE_ROLES,
		apply(c) {
			c.stash();
			symlinkSync(`nowhere-${c.rng.int(1000)}`, c.abs);
			return missingFile(c.target.role, 'dangling');
		},
	},
	{
		name: 'fifo',
		roles: FILE_ROLES,
		apply(c) {
			c.stash();
			mkfifo(c.abs);
			// Opened O_NONBLOCK with no writer, a FIFO reads as empty: it must never hang the scan.
			const r = c.target.role;
			return isNumeric(r) || r === 'definition' ? report('EPARSE') : quiet;
		},
	},
	{
		name: 'device-node',
		who: 'root',
		roles: FILE_ROLES,
		apply(c) {
			c.stash();
			mknod(c.abs);
			return c.target.role === 'pciIds' ? quiet : report('EUNSAFE');
		},
	},
	{
		name: 'link-out-of-tree',
		roles: FILE_ROLES,
		apply(c) {
			c.stash();
			const name = c.target.role === 'pciIds' ? 'pci.ids' : path.basename(c.abs);
			const outside = path.join(c.canary, name);
			symlinkSync(c.rng.next() < 0.5 ? outside : path.relative(path.dirname(c.abs), outside), c.abs);
			// Followed under the root instead, where there is nothing: a link to nothing.
			return missingFile(c.target.role, 'dangling');
		},
	},
	{
		// What a tree must never reach: this machine's own /proc and /dev, by an absolute link.
		name: 'link-to-host',
		roles: [...PROC_DEV_ROLES],
		apply(c) {
			const host: Partial<Record<Role, readonly string[]>> = {
				procDir: ['/proc', '/proc/self', `/proc/${process.pid}`, '/proc/self/fd', '/proc/1'],
				pidFile: ['/proc/self/comm', '/proc/self/cmdline', '/proc/self/fdinfo/0'],
				fdLink: ['/proc/self/fd/0', '/dev/vfio/vfio'],
				devDir: ['/dev', '/dev/vfio', '/dev/kvm'],
				devNode: ['/dev/null', '/dev/zero', '/dev/kvm', '/dev/tty'],
			};
			c.stash();
			symlinkSync(c.rng.pick(host[c.target.role]!), c.abs);
			return quiet;
		},
	},
	{
		name: 'unreadable',
		who: 'nonroot',
		roles: FILE_ROLES,
		apply(c) {
			c.chmod(c.abs, 0);
			return c.target.role === 'pciIds' ? quiet : report('EACCES');
		},
	},

	// ---- links ----
	{
		name: 'link-removed',
		roles: LINK_ROLES,
		apply(c) {
			c.stash();
			switch (c.target.role) {
				case 'mdevBusEntry':
					return absent;
				case 'busEntry':
					// Its definition, if any, keeps it as "defined, not active".
					return {
						kind: 'check',
						what: 'absent or defined only',
						check: (m, t) => {
							const i = ownerInstance(m, t);
							return i && (i.active || i.definition === null) ? `still there: ${JSON.stringify(i)}` : null;
						},
					};
				case 'parentDriver':
					return field('driver is null', (m, t) => ownerParent(m, t)?.driver ?? null);
				case 'instDriver':
					return field('driver is null', (m, t) => ownerInstance(m, t)?.driver ?? null);
				case 'devicesLink':
					return quiet;
				default:
					return report('ENOENT');
			}
		},
	},
	{
		name: 'link-dangling',
		roles: LINK_ROLES,
		apply(c) {
			const to = `nowhere-${c.rng.int(1000)}`;
			c.stash();
			symlinkSync(`../${to}`, c.abs);
			switch (c.target.role) {
				case 'subsystem':
					return field('bus is the dangling name', (m, t) => ownerParent(m, t)?.bus, to);
				case 'parentDriver':
					return field('driver is the dangling name', (m, t) => ownerParent(m, t)?.driver, to);
				case 'instDriver':
					return field('driver is the dangling name', (m, t) => ownerInstance(m, t)?.driver, to);
				case 'devicesLink':
					return quiet;
				case 'busEntry':
				case 'mdevBusEntry':
					return {
						kind: 'check',
						what: 'one error naming the link, and marked gone',
						check: (m, t) => {
							const item = t.role === 'busEntry' ? ownerInstance(m, t) : ownerParent(m, t);
							if (!item) return 'absent';
							if (item.gone !== true) return `not marked gone: ${JSON.stringify(item)}`;
							const about = item.errors.filter((e) => names(e, t));
							return about.length === 1 && about[0]!.path === `/${t.rel}` ? null : `errors: ${JSON.stringify(item.errors)}`;
						},
					};
				default:
					return report('ENOENT');
			}
		},
	},
	{
		name: 'link-self-loop',
		roles: LINK_ROLES,
		apply(c) {
			c.stash();
			symlinkSync(path.basename(c.abs), c.abs);
			switch (c.target.role) {
				// Only the name matters for these: a link to itself is read as its own name.
				case 'subsystem':
					return field('bus is the link name', (m, t) => ownerParent(m, t)?.bus, 'subsystem');
				case 'parentDriver':
					return field('driver is the link name', (m, t) => ownerParent(m, t)?.driver, 'driver');
				case 'instDriver':
					return field('driver is the link name', (m, t) => ownerInstance(m, t)?.driver, 'driver');
				case 'devicesLink':
					return quiet;
				default:
					return report('ELOOP');
			}
		},
	},
	{
		name: 'file-instead-of-link',
		roles: LINK_ROLES,
		apply(c) {
			c.stash();
			writeFileSync(c.abs, 'x\n');
			if (c.target.role === 'devicesLink') return quiet;
			return c.target.role === 'mdevBusEntry' ? report('ENOTDIR') : report('EINVAL');
		},
	},
	{
		name: 'link-to-control-characters',
		roles: LINK_ROLES,
		apply(c) {
			c.stash();
			symlinkSync(`../evil\x1b]0;pwned\x07\x1b[2J${c.rng.int(100)}`, c.abs);
			return c.target.role === 'devicesLink' ? quiet : report();
		},
	},
	{
		name: 'group-not-a-number',
		roles: ['iommuGroup'],
		apply(c) {
			const real = realpathSync(c.abs);
			const bogus = path.join(path.dirname(real), `abc${c.rng.int(100)}`);
			mkdirSync(bogus);
			c.made(bogus);
			c.stash();
			symlinkSync(path.relative(path.dirname(c.abs), bogus), c.abs);
			return report('EPARSE');
		},
	},
	{
		name: 'link-made-absolute',
		roles: LINK_ROLES,
		apply(c) {
			const root = c.abs.slice(0, c.abs.length - c.target.rel.length - 1);
			const target = path.resolve(path.dirname(c.abs), readlinkSync(c.abs));
			c.stash();
			// As a host would have it: `/sys/...`, which under a root means <root>/sys/...
			symlinkSync(`/${path.relative(root, target)}`, c.abs);
			return c.target.role === 'devicesLink' ? quiet : clean;
		},
	},
	{
		name: 'link-out-of-tree',
		roles: LINK_ROLES,
		apply(c) {
			c.stash();
			symlinkSync(c.rng.next() < 0.5 ? c.canary : path.relative(path.dirname(c.abs), c.canary), c.abs);
			return quiet;
		},
	},
	{
		name: 'entry-renamed-with-control-characters',
		roles: ['mdevBusEntry', 'busEntry', 'typeDir'],
		apply(c) {
			const to = `${c.abs}\x1b]0;pwned\x07\x1b[2J`;
			c.rename(to);
			const name = path.basename(to);
			return {
				kind: 'check',
				what: 'the renamed item is there and says its name holds control characters',
				check: (m, t) => {
					const item =
						t.role === 'busEntry'
							? m.instances.find((i) => i.uuid === name)
							: t.role === 'mdevBusEntry'
								? m.parents.find((p) => p.name === name)
								: ownerParent(m, t)?.types.find((x) => x.id === name);
					if (!item) return `no item named ${JSON.stringify(name)}`;
					return item.errors.some((e) => e.code === 'EPARSE' && e.path === `/${path.dirname(t.rel)}/${name}`)
						? null
						: `no EPARSE error on it: ${JSON.stringify(item.errors)}`;
				},
			};
		},
	},

	// ---- directories ----
	{
		name: 'dir-removed',
		roles: DIR_ROLES,
		apply(c) {
			c.stash();
			switch (c.target.role) {
				case 'typeDir':
					return absent;
				case 'vfioDev':
					return field('vfioDev is null', (m, t) => ownerInstance(m, t)?.vfioDev ?? null);
				default:
					return report('ENOENT');
			}
		},
	},
	{
		name: 'file-instead-of-dir',
		roles: DIR_ROLES,
		apply(c) {
			c.stash();
			writeFileSync(c.abs, 'not a directory\n');
			return report('ENOTDIR');
		},
	},
	{
		name: 'dir-unreadable',
		who: 'nonroot',
		roles: DIR_ROLES,
		apply(c) {
			c.chmod(c.abs, 0);
			return report('EACCES');
		},
	},
];

// ---- running cases -----------------------------------------------------------------------------

interface Applied {
	target: Target;
	mutation: string;
	expect: Expect;
}

interface Undo {
	run(): void;
}

/** `text` mentions the path `shown` as a whole path (`/a/subsystem` is not in `/a/subsystem_vendor`). */
function mentions(text: string, shown: string): boolean {
	for (let at = text.indexOf(shown); at !== -1; at = text.indexOf(shown, at + 1)) {
		if (!/[\w.:-]/.test(text[at + shown.length] ?? '')) return true;
	}
	return false;
}

/** Whether the error names the target (or a link that leads to it, or something inside it). */
function names(e: ItemError, t: Target): boolean {
	for (const rel of [t.rel, ...t.aliases]) {
		const shown = `/${rel}`;
		if (e.path === shown || e.path.startsWith(`${shown}/`) || shown.startsWith(`${e.path}/`) || mentions(e.message, shown)) return true;
	}
	return false;
}

function ownerOf(m: HostModel, t: Target): {errors: ItemError[]} | undefined {
	switch (t.owner.kind) {
		case 'host':
			return {errors: m.errors};
		case 'parent':
			return ownerParent(m, t);
		case 'type':
			return ownerType(m, t);
		case 'instance':
			return ownerInstance(m, t);
	}
}

/** A mutation of a structural path of the item, or of an item it lives in, excuses the item's other mutations. */
function covers(a: Applied, b: Applied): boolean {
	if (a === b) return false;
	// PCI ids are read only for a parent whose subsystem link says pci.
	if (a.target.role === 'subsystem' && b.target.role === 'pciId') return a.target.owner.kind === 'parent' && b.target.owner.kind === 'parent' && a.target.owner.parent === b.target.owner.parent;
	if (!STRUCTURAL.has(a.target.role)) return false;
	// An instance's mdev_type link points into its type's directory.
	if (a.target.role === 'typeDir' && b.target.role === 'mdevType') return true;
	const x = a.target.owner;
	const y = b.target.owner;
	if (x.kind === 'parent') {
		return (y.kind === 'parent' || y.kind === 'type') && y.parent === x.parent || (y.kind === 'instance' && y.parent === x.parent);
	}
	if (x.kind === 'type') return y.kind === 'type' && y.parent === x.parent && y.type === x.type;
	if (x.kind === 'instance') return y.kind === 'instance' && y.uuid === x.uuid;
	return false;
}

const PLAIN_SAFE = /^[\n\u0020-\u007e]*$/;

/** The properties of one scanned case (`base`: the unmutated tree's model); returns the problems found. */
export function checkCase(root: string, applied: Applied[], base: HostModel): string[] {
	const problems: string[] = [];
	let model: HostModel;
	let json: string;
	let plain: string;
	try {
		clearPciIdsCache();
		model = scanHost(root);
	} catch (err) {
		return [`scanHost threw: ${(err as Error).stack ?? String(err)}`];
	}
	try {
		plain = renderPlain(model);
	} catch (err) {
		return [`renderPlain threw: ${(err as Error).stack ?? String(err)}`];
	}
	try {
		json = renderJson(model);
	} catch (err) {
		return [`renderJson threw: ${(err as Error).stack ?? String(err)}`];
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(json);
	} catch (err) {
		problems.push(`the JSON does not parse: ${(err as Error).message}`);
	}
	if (parsed !== undefined && !isDeepStrictEqual(parsed, model)) problems.push('the JSON does not round-trip to the model');
	// eslint-disable-next-line no-control-regex
	if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/.test(json)) problems.push('the JSON holds a raw control character');
	if (!PLAIN_SAFE.test(plain)) {
		const bad = [...plain].find((ch) => !PLAIN_SAFE.test(ch))!;
		problems.push(`the plain output holds ${JSON.stringify(bad)} (only printable ASCII and \\n may appear)`);
	}
	if (json.includes('CANARY')) problems.push('a file outside the tree was read (CANARY is in the model)');
	problems.push(...checkProcAndDev(root, model, applied));
	const errors = [model.errors, ...model.parents.flatMap((p) => [p.errors, ...p.types.map((t) => t.errors)]), ...model.instances.map((i) => i.errors)].flat();
	for (const e of errors) {
		if (typeof e.path !== 'string' || typeof e.code !== 'string' || typeof e.message !== 'string' || e.message.length < 10) {
			problems.push(`a malformed error: ${JSON.stringify(e)}`);
		}
	}
	// Every uuid a type lists is an instance of the model (maybe gone), or the type says why not.
	const uuids = new Set(model.instances.map((i) => i.uuid.toLowerCase()));
	for (const p of model.parents) {
		for (const t of p.types) {
			for (const u of t.instances) {
				if (!uuids.has(u.toLowerCase()) && !t.errors.some((e) => e.path.endsWith(`/devices/${u}`))) {
					problems.push(`type ${p.name}/${t.id} lists ${JSON.stringify(u)}, which is neither an instance nor explained`);
				}
			}
		}
	}

	for (const a of applied) {
		if (applied.some((other) => covers(other, a))) continue;
		const t = a.target;
		const owner = ownerOf(model, t);
		const where = `${a.mutation} on ${JSON.stringify(t.rel)} (${t.role})`;
		const expect = a.expect;
		switch (expect.kind) {
			case 'report': {
				if (!owner) {
					problems.push(`${where}: the ${t.owner.kind} is missing from the model; expected an error on it`);
					break;
				}
				const hits = owner.errors.filter((e) => names(e, t));
				if (hits.length === 0) problems.push(`${where}: no error on the ${t.owner.kind} names the path; its errors: ${JSON.stringify(owner.errors)}`);
				else if (expect.code && !hits.some((e) => e.code === expect.code)) {
					problems.push(`${where}: expected ${expect.code}, got ${JSON.stringify(hits)}`);
				}
				break;
			}
			case 'absent':
				if (owner) problems.push(`${where}: the ${t.owner.kind} is still in the model`);
				break;
			case 'clean': {
				// No error about the path that the unmutated tree did not have already.
				const before = (ownerOf(base, t)?.errors ?? []).filter((e) => names(e, t));
				const now = owner?.errors.filter((e) => names(e, t) && !before.some((b) => isDeepStrictEqual(b, e)));
				if (!owner) problems.push(`${where}: the ${t.owner.kind} is missing from the model`);
				else if (now!.length > 0) problems.push(`${where}: unexpected errors ${JSON.stringify(now)}`);
				break;
			}
			case 'check': {
				const problem = expect.check(model, t);
				if (problem) problems.push(`${where}: ${expect.what}: ${problem}`);
				break;
			}
			case 'quiet':
				break;
		}
	}
	return problems;
}

/**
 * proc/ and dev/ of a case: the owner scan and the doctor's facts run without throwing, see no
 * process but the tree's own (TREE_PID) and no node but the tree's (a char or block node only
 * where the case made one with mknod), read nothing outside the tree, and write safe JSON.
 */
function checkProcAndDev(root: string, model: HostModel, applied: Applied[]): string[] {
	const problems: string[] = [];
	let holders: ReturnType<typeof scanVfioHolders>;
	try {
		holders = scanVfioHolders({root});
	} catch (err) {
		return [`scanVfioHolders threw: ${(err as Error).stack ?? String(err)}`];
	}
	const foreign = [...holders.holders.map((h) => h.pid), ...holders.unknown.map((u) => u.pid)].filter((pid) => pid !== TREE_PID);
	if (foreign.length > 0 || holders.scanned > 1) {
		problems.push(`the owner scan saw processes the tree does not have (pids ${foreign.slice(0, 5).join(', ')}; ${holders.scanned} fd directories read)`);
	}
	try {
		const owners = renderJson(withOwners(model, joinOwners(model, holders, path.join(root, 'proc'))), {withCmdline: true});
		JSON.parse(owners);
		if (owners.includes('CANARY')) problems.push('a file outside the tree was read (CANARY is in the owners)');
		// eslint-disable-next-line no-control-regex
		if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/.test(owners)) problems.push('the JSON with owners holds a raw control character');
	} catch (err) {
		problems.push(`the JSON with owners failed: ${(err as Error).stack ?? String(err)}`);
	}
	let facts: ReturnType<typeof readDoctorFacts>;
	try {
		facts = readDoctorFacts(root);
	} catch (err) {
		return [...problems, `readDoctorFacts threw: ${(err as Error).stack ?? String(err)}`];
	}
	if (JSON.stringify(facts).includes('CANARY')) problems.push('a file outside the tree was read (CANARY is in the doctor facts)');
	// The processes the tree holds (nvidia-grid's: init and the QEMU of a VM); the doctor sees no more.
	const treePids = (() => {
		try {
			return readdirSync(path.join(root, 'proc')).filter((name) => /^\d+$/.test(name)).length;
		} catch {
			return 0;
		}
	})();
	if (facts.nvidiaVgpuMgr.processesSeen > treePids) problems.push(`the doctor saw ${facts.nvidiaVgpuMgr.processesSeen} processes; the tree has ${treePids}`);
	const made = new Set(applied.filter((a) => a.mutation === 'device-node').map((a) => `/${a.target.rel}`));
	for (const node of [facts.devVfio.container, facts.devKvm, ...facts.devVfio.groups]) {
		if ((node.kind === 'char' || node.kind === 'block') && !made.has(node.path)) {
			problems.push(`the doctor saw a ${node.kind} device at ${node.path} (${node.major}:${node.minor}) that the tree does not hold`);
		}
	}
	return problems;
}

/**
 * Gives a copy a process table and dev nodes: pid TREE_PID, a QEMU holding the group of the first
 * active instance with a group and a device fd next to it, and `dev/vfio/{vfio,<group>}` as files.
 */
function addProcessTable(root: string, model: HostModel): void {
	const group = model.instances.find((i) => i.active && i.iommuGroup !== null)?.iommuGroup ?? 0;
	const pid = path.join(root, 'proc', String(TREE_PID));
	mkdirSync(path.join(pid, 'fd'), {recursive: true});
	mkdirSync(path.join(pid, 'fdinfo'));
	symlinkSync(`/dev/vfio/${group}`, path.join(pid, 'fd', '11'));
	symlinkSync('anon_inode:[vfio-device]', path.join(pid, 'fd', '12'));
	writeFileSync(path.join(pid, 'fdinfo', '12'), 'pos:\t0\nflags:\t02000002\n');
	writeFileSync(path.join(pid, 'comm'), 'qemu-system-x86\n');
	writeFileSync(path.join(pid, 'cmdline'), `${['/usr/bin/qemu-system-x86_64', '-name', 'guest=fuzz', '-uuid', 'c0ffee00-0000-4000-8000-00000000f022'].join('\0')}\0`);
	mkdirSync(path.join(root, 'dev', 'vfio'), {recursive: true});
	for (const name of ['vfio', String(group)]) if (!exists(path.join(root, 'dev', 'vfio', name))) writeFileSync(path.join(root, 'dev', 'vfio', name), '');
}

export interface FuzzOptions {
	cases: number;
	seed: number;
	/** Run only these case numbers (replaying a failure). */
	only?: number[];
	/** Running unprivileged: permission mutations are used, mknod is not. */
	unprivileged?: boolean;
	trees?: readonly string[];
}

export interface FuzzFailure {
	case: number;
	tree: string;
	mutations: string[];
	problems: string[];
}

export interface FuzzReport {
	cases: number;
	failures: FuzzFailure[];
	ms: number;
	mutations: Record<string, number>;
	/** Paths whose state after all cases differs from the copy's (the undo is tested too). */
	notRestored: string[];
}

/** Type, mode, size and content (or link target) of every path, links not followed. */
function fingerprint(root: string): Map<string, string> {
	const out = new Map<string, string>();
	const walk = (rel: string) => {
		const abs = path.join(root, rel);
		const st = lstatSync(abs);
		let what: string;
		if (st.isSymbolicLink()) what = `l ${readlinkSync(abs)}`;
		else if (st.isDirectory()) what = 'd';
		else if (st.isFile()) what = `f ${createHash('sha1').update(readFileSync(abs)).digest('hex')}`;
		else what = `o ${st.mode}`;
		out.set(rel, `${what} ${st.mode.toString(8)}`);
		if (st.isDirectory()) for (const name of readdirSync(abs)) walk(path.join(rel, name));
	};
	walk('.');
	return out;
}

function isInside(a: string, b: string): boolean {
	return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

export function runFuzz(opts: FuzzOptions): FuzzReport {
	const started = performance.now();
	const work = mkdtempSync(path.join(tmpdir(), 'mdevscope-fuzz-'));
	chmodSync(work, 0o755);
	try {
		const canary = path.join(work, 'outside');
		mkdirSync(canary);
		for (const name of ['name', 'description', 'device_api', 'available_instances', 'numa_node', 'vendor', 'device', 'osrelease', 'hostname', 'cmdline', 'version', 'pci.ids', 'comm', '12', 'vfio', 'kvm', '0']) {
			writeFileSync(path.join(canary, name), 'CANARY\n');
		}
		mkdirSync(path.join(canary, 'mdev_supported_types', 'CANARY'), {recursive: true});
		writeFileSync(path.join(canary, 'mdev_supported_types', 'CANARY', 'name'), 'CANARY\n');
		const stash = path.join(work, 'stash');
		mkdirSync(stash);
		const trees = (opts.trees ?? FUZZ_TREES).map((name) => {
			const root = path.join(work, name);
			const cp = spawnSync('cp', ['-a', path.join(fixtureTrees, name), root], {encoding: 'utf8'});
			if (cp.status !== 0) throw new Error(`copying the fixture tree ${name} failed (run npm run fixtures?): ${cp.stderr}`);
			addProcessTable(root, scanHost(root));
			const model = scanHost(root);
			const byRole = new Map<Role, Target[]>();
			for (const t of targetsOf(root, model)) byRole.set(t.role, [...(byRole.get(t.role) ?? []), t]);
			return {name, root, model, byRole, roles: [...byRole.keys()], print: fingerprint(root)};
		});
		const counts: Record<string, number> = {};
		const failures: FuzzFailure[] = [];
		const unprivileged = opts.unprivileged ?? process.getuid?.() !== 0;
		const usable = MUTATIONS.filter((m) => !m.who || (m.who === 'root') === !unprivileged);
		const list = opts.only ?? Array.from({length: opts.cases}, (_, i) => i);
		let stashed = 0;
		for (const n of list) {
			const rng = new Rng((Math.imul(opts.seed, 1_000_003) + n) >>> 0);
			const tree = rng.pick(trees);
			const undo: Undo[] = [];
			const applied: Applied[] = [];
			const chosen: Target[] = [];
			const want = 1 + rng.int(3);
			for (let tries = 0; chosen.length < want && tries < 20; tries++) {
				// A role first, then a path of it: rare roles (pci.ids, a definition) come up as often as names.
				const t = rng.pick(tree.byRole.get(rng.pick(tree.roles))!);
				if (!chosen.some((c) => isInside(c.rel, t.rel))) chosen.push(t);
			}
			const labels: string[] = [];
			try {
				for (const target of chosen) {
					const mutation = rng.pick(usable.filter((m) => m.roles.includes(target.role)));
					const abs = path.join(tree.root, target.rel);
					const ctx: Ctx = {
						abs,
						target,
						rng,
						canary,
						stash() {
							const away = path.join(stash, String(stashed++));
							renameSync(abs, away);
							undo.push({
								run() {
									rmSync(abs, {recursive: true, force: true});
									renameSync(away, abs);
								},
							});
						},
						made(p) {
							undo.push({run: () => rmSync(p, {recursive: true, force: true})});
						},
						chmod(p, mode) {
							const before = lstatSync(p).mode & 0o7777;
							chmodSync(p, mode);
							undo.push({run: () => chmodSync(p, before)});
						},
						rename(to) {
							renameSync(abs, to);
							undo.push({run: () => renameSync(to, abs)});
						},
					};
					labels.push(`${mutation.name} ${JSON.stringify(target.rel)}`);
					counts[mutation.name] = (counts[mutation.name] ?? 0) + 1;
					const expect = mutation.apply(ctx);
					// proc/ and dev/ are the owner scan's and the doctor's: checkProcAndDev, for every case.
					applied.push({target, mutation: mutation.name, expect: PROC_DEV_ROLES.has(target.role) ? quiet : expect});
				}
				const problems = checkCase(tree.root, applied, tree.model);
				if (problems.length > 0) failures.push({case: n, tree: tree.name, mutations: labels, problems});
			} finally {
				for (const u of undo.reverse()) u.run();
			}
		}
		const notRestored: string[] = [];
		for (const tree of trees) {
			const now = fingerprint(tree.root);
			for (const [rel, what] of tree.print) if (now.get(rel) !== what) notRestored.push(`${tree.name}/${rel}`);
			for (const rel of now.keys()) if (!tree.print.has(rel)) notRestored.push(`${tree.name}/${rel} (new)`);
		}
		return {cases: list.length, failures, ms: performance.now() - started, mutations: counts, notRestored};
	} finally {
		rmSync(work, {recursive: true, force: true});
	}
}
