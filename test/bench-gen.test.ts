// The benchmark's tree generator (bench/gen.mjs): its trees must scan to exactly the counts they
// were made with, with no error anywhere, or the benchmark would time a scan of something else.
// The expected counts come from the parameters and from the tree's own directories, not from the
// scanner. Small trees keep `npm test` fast; bench/run.mjs checks the large and huge trees' counts
// (mdevscope's and mdevctl's) itself before it times anything.
import {createHash} from 'node:crypto';
import {lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import test from 'ava';
import {ensureTree, PRESETS, STAMP, writeTree, type TreeParams} from '../bench/gen.mjs';
import type {HostModel} from '../src/model/types.js';
import {scanHost} from '../src/sysfs/scan.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function temp(t: {teardown(fn: () => void): void}): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'bench-gen-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	return dir;
}

function allErrors(m: HostModel) {
	return [
		...m.errors,
		...m.parents.flatMap((p) => [...p.errors, ...p.types.flatMap((ty) => ty.errors)]),
		...m.instances.flatMap((i) => i.errors),
	];
}

/** Every entry under root: path, kind, and the link target or a hash of the content. */
function listing(root: string): string[] {
	const out: string[] = [];
	const walk = (rel: string) => {
		for (const name of readdirSync(path.join(root, rel)).sort()) {
			const r = path.join(rel, name);
			const abs = path.join(root, r);
			const st = lstatSync(abs);
			if (st.isSymbolicLink()) out.push(`${r} -> ${readlinkSync(abs)}`);
			else if (st.isDirectory()) {
				out.push(`${r}/`);
				walk(r);
			} else out.push(`${r} ${(st.mode & 0o777).toString(8)} ${createHash('sha1').update(readFileSync(abs)).digest('hex')}`);
		}
	};
	walk('');
	return out;
}

/** The checks every generated tree must pass, from its parameters and its own directories. */
function checkTree(t: import('ava').ExecutionContext, root: string, params: TreeParams) {
	const m = scanHost(root);
	t.deepEqual(allErrors(m), [], 'no error anywhere in the scan');

	// Counts from the tree's own directories, read here without the scanner.
	const definitionFiles = readdirSync(path.join(root, 'etc/mdevctl.d'))
		.filter((d) => d !== 'scripts.d')
		.flatMap((d) => readdirSync(path.join(root, 'etc/mdevctl.d', d)));
	const active = m.instances.filter((i) => i.active);
	const definedOnly = m.instances.filter((i) => !i.active);

	t.is(m.parents.length, params.parents);
	t.is(m.parents.reduce((n, p) => n + p.types.length, 0), params.parents * params.typesPerParent);
	t.is(active.length, params.instances);
	t.is(definedOnly.length, params.definedOnly);
	t.is(m.instances.length, params.instances + params.definedOnly);
	t.is(m.instances.filter((i) => i.definition !== null).length, definitionFiles.length);
	t.is(readdirSync(path.join(root, 'sys/bus/mdev/devices')).length, params.instances);
	t.is(m.host.iommuGroups, params.parents + params.instances);
	t.deepEqual(m.host.modules, {vfio: true, vfio_iommu_type1: true, mdev: true});
	t.true(m.host.vfioContainer);
	t.is(m.host.kernelRelease, '6.12.117+deb12-amd64');

	// Per item: the problems found, asserted once (thousands of items).
	const problems: string[] = [];
	const expect = (ok: boolean, what: string) => {
		if (!ok) problems.push(what);
	};
	for (const p of m.parents) {
		expect(/^0000:[0-9a-f]{2}:[0-9a-f]{2}\.0$/.test(p.name), `parent name ${p.name}`);
		expect(p.devicePath === `/sys/devices/pci0000:00/${p.name}`, `${p.name} devicePath ${p.devicePath}`);
		expect(p.bus === 'pci' && p.driver === 'nvidia', `${p.name} bus ${p.bus} driver ${p.driver}`);
		expect(p.pci?.vendorId === '0x10de', `${p.name} vendor ${p.pci?.vendorId}`);
		expect(p.numaNode === 0 || p.numaNode === 1, `${p.name} numa ${p.numaNode}`);
		expect(p.types.length === params.typesPerParent, `${p.name} has ${p.types.length} types`);
		for (const ty of p.types) {
			expect(ty.deviceApi === 'vfio-pci' && !!ty.name && !!ty.description, `${p.name}/${ty.id} fields`);
			expect(Number.isInteger(ty.availableInstances) && ty.availableInstances! >= 0, `${p.name}/${ty.id} available ${ty.availableInstances}`);
		}
	}
	// Each active instance is listed by exactly the type its mdev_type link names, on its parent.
	const listedBy = new Map<string, string>();
	for (const p of m.parents) for (const ty of p.types) for (const uuid of ty.instances) listedBy.set(uuid, `${p.name}/${ty.id}`);
	t.is(listedBy.size, params.instances);
	const groups = new Set<number>();
	for (const i of active) {
		expect(UUID.test(i.uuid), `uuid ${i.uuid}`);
		expect(listedBy.get(i.uuid) === `${i.parent}/${i.mdevType}`, `${i.uuid} listed by ${listedBy.get(i.uuid)}, links say ${i.parent}/${i.mdevType}`);
		expect(i.driver === 'nvidia-vgpu-vfio', `${i.uuid} driver ${i.driver}`);
		expect(/^vfio\d+$/.test(i.vfioDev ?? ''), `${i.uuid} vfioDev ${i.vfioDev}`);
		expect(i.iommuGroup !== null && i.iommuGroup >= params.parents, `${i.uuid} group ${i.iommuGroup}`);
		if (i.iommuGroup !== null) groups.add(i.iommuGroup);
	}
	t.is(groups.size, params.instances, 'one IOMMU group per instance');
	for (const i of definedOnly) {
		expect(UUID.test(i.uuid), `uuid ${i.uuid}`);
		const parent = m.parents.find((p) => p.name === i.parent);
		expect(!!parent?.types.some((ty) => ty.id === i.definition?.mdevType), `defined-only ${i.uuid}: ${i.parent}/${i.definition?.mdevType} is not a type of the tree`);
	}
	t.deepEqual(problems, []);
	return m;
}

test('the small preset scans to exactly its counts, with no errors', (t) => {
	const root = path.join(temp(t), 'tree');
	const info = writeTree(root, PRESETS.small, 1);
	checkTree(t, root, PRESETS.small);
	t.is(info.expected.active, PRESETS.small.instances);
});

test('a mid-sized tree (several parents, hundreds of instances) scans to exactly its counts', (t) => {
	const params = {parents: 4, typesPerParent: 12, instances: 300, definedShare: 0.75, definedOnly: 30};
	const {root, info, generated} = ensureTree('mid', {seed: 6, cache: temp(t), params});
	t.true(generated);
	const m = checkTree(t, root, params);
	// The stamp's per-parent counts (what bench/run.mjs compares with) agree with the scan.
	const perParent: Record<string, number> = {};
	for (const i of m.instances) if (i.active) perParent[i.parent!] = (perParent[i.parent!] ?? 0) + 1;
	t.deepEqual(perParent, info.expected.activePerParent);
});

test('the large preset has the sizes of the issue', (t) => {
	t.deepEqual(PRESETS.large, {parents: 16, typesPerParent: 48, instances: 2048, definedShare: 0.75, definedOnly: 256});
});

test('the huge preset has the sizes of the issue', (t) => {
	t.deepEqual(PRESETS.huge, {parents: 256, typesPerParent: 20, instances: 8192, definedShare: 0.75, definedOnly: 1024});
});

test('a seed gives the same tree every time, another seed another tree', (t) => {
	const dir = temp(t);
	writeTree(path.join(dir, 'a'), PRESETS.small, 7);
	writeTree(path.join(dir, 'b'), PRESETS.small, 7);
	writeTree(path.join(dir, 'c'), PRESETS.small, 8);
	const a = listing(path.join(dir, 'a'));
	t.deepEqual(listing(path.join(dir, 'b')), a);
	const uuids = (root: string) => readdirSync(path.join(root, 'sys/bus/mdev/devices')).sort();
	t.notDeepEqual(uuids(path.join(dir, 'c')), uuids(path.join(dir, 'a')));
});

test('ensureTree writes a tree once, marks it complete, and reuses it', (t) => {
	const cache = temp(t);
	const first = ensureTree('small', {seed: 3, cache});
	t.true(first.generated);
	t.is(first.root, path.join(cache, 'small-3'));
	t.deepEqual(JSON.parse(readFileSync(path.join(first.root, STAMP), 'utf8')).params, PRESETS.small);
	const second = ensureTree('small', {seed: 3, cache});
	t.false(second.generated);
	t.deepEqual(readdirSync(cache), ['small-3'], 'no partial directory is left behind');
	t.throws(() => ensureTree('enormous', {cache}), {message: /unknown tree preset "enormous"/});
});
