// compare on hosts built from the scanned fixture trees plus the probe answers the real kernels gave
// (test/fixtures/captured/README.md: mtty migrates on 6.12 with STOP_COPY|P2P|PRE_COPY and not on
// 6.1, mdpy and mbochs never), changed per case the way another host would differ. Then the CLI:
// snapshot files on disk, `compare` spawned, its report and exit codes.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {compareHosts as compareSides, exitCode, unknownUuids, type Comparison, type InstanceVerdict, type Reason, type Side} from '../src/compare/compare.js';
import {renderCompareJson, renderComparePlain} from '../src/output/compare.js';
import type {FeatureAnswer, ProbeResult} from '../src/model/probe.js';
import type {DriverModule, HostModel} from '../src/model/types.js';
import {renderJson} from '../src/output/json.js';
import {scanHost} from '../src/sysfs/scan.js';
import {withProbes} from '../src/model/instances.js';
import {cli as runCli} from './helpers/cli.js';

const project = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const trees = path.join(project, 'test', 'fixtures', 'trees');

const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';
const K612 = '6.12.117+deb12-amd64';
const K61 = '6.1.0-56-amd64';

// ---- recorded probe results, as the kernels answered (fixtures README) -------------------------------

const yes: FeatureAnswer = {supported: true};
const no = (code: string): FeatureAnswer => ({supported: false, code});
const MIGRATION_FLAGS: Array<[number, string]> = [
	[1, 'STOP_COPY'],
	[2, 'P2P'],
	[4, 'PRE_COPY'],
];

function recorded(uuid: string, answers: {region: FeatureAnswer; dmabuf: FeatureAnswer; migration: number | string; numRegions?: number}): ProbeResult {
	const m = answers.migration;
	const migration: ProbeResult['migration'] =
		typeof m === 'number'
			? {supported: true, flags: m, flagNames: MIGRATION_FLAGS.filter(([bit]) => m & bit).map(([, name]) => name)}
			: {supported: false, code: m, flags: null, flagNames: []};
	const step = (name: string, a?: FeatureAnswer) => (a && a.supported === false ? {step: name, ok: false, errno: a.code === 'ENOTTY' ? 25 : 22, code: a.code} : {step: name, ok: true});
	return {
		uuid,
		outcome: 'ok',
		summary: 'recorded',
		probedAt: '2026-11-23T10:00:00.000Z',
		durationMs: 400,
		via: 'direct',
		steps: [
			step('open /dev/vfio/vfio'),
			step(`VFIO_GROUP_GET_DEVICE_FD(${uuid})`),
			step('VFIO_DEVICE_GET_INFO'),
			step('VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|REGION)', answers.region),
			step('VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|DMABUF)', answers.dmabuf),
			step('VFIO_DEVICE_FEATURE(PROBE|GET|MIGRATION)', typeof m === 'number' ? yes : no(m)),
		],
		device: {flags: 2, flagNames: ['PCI'], numRegions: answers.numRegions ?? 9, numIrqs: 5},
		regions: [],
		irqs: [],
		display: {region: answers.region, dmabuf: answers.dmabuf, plane: null, planeNote: null},
		migration,
		dmaLogging: no('ENOTTY'),
	};
}

/** What the kernel said on each capture (6.12: mtty migration flags 0x7; 6.1: ENOTTY). */
function samplesProbes(kernel: '6.1' | '6.12'): Map<string, ProbeResult> {
	return new Map([
		[MTTY, recorded(MTTY, {region: no('ENOTTY'), dmabuf: no('ENOTTY'), migration: kernel === '6.12' ? 0x7 : 'ENOTTY'})],
		[MDPY, recorded(MDPY, {region: yes, dmabuf: no('EINVAL'), migration: 'ENOTTY'})],
		[MBOCHS, recorded(MBOCHS, {region: no('EINVAL'), dmabuf: yes, migration: 'ENOTTY', numRegions: 10})],
	]);
}

/** A Side whose recorded probes a case may change: they are given to its model's instances when compared. */
type TestSide = Side & {probes: Map<string, ProbeResult>};

const observed = (s: TestSide): Side => ({name: s.name, model: withProbes(s.model, s.probes.values())});
const compareHosts = (source: TestSide, dest: TestSide, opts?: {uuids?: readonly string[]}): Comparison => compareSides(observed(source), observed(dest), opts);

function side(tree: string, probes: Map<string, ProbeResult> = new Map(), name = `${tree}.json`): TestSide {
	return {name, model: scanHost(path.join(trees, tree)), probes};
}

const samples = (kernel: '6.1' | '6.12'): TestSide => side(kernel === '6.12' ? 'debian-6.12' : 'debian-6.1', samplesProbes(kernel));

/** The same host seen as another one: no instance with SOURCE's uuids (a fresh destination). */
function withoutInstances(s: TestSide): TestSide {
	return {...s, model: {...s.model, instances: [], parents: s.model.parents.map((p) => ({...p, types: p.types.map((t) => ({...t, instances: []}))}))}, probes: new Map()};
}

function setModule(s: TestSide, parent: string, module: DriverModule | null): TestSide {
	return {...s, model: {...s.model, parents: s.model.parents.map((p) => (p.name === parent ? {...p, driverModule: module} : p))}};
}

const only = (c: Comparison, uuid: string): InstanceVerdict => c.instances.find((i) => i.uuid === uuid)!;
const reasons = (v: InstanceVerdict, check: Reason['check']): Reason[] => v.reasons.filter((r) => r.check === check);
const one = (v: InstanceVerdict, check: Reason['check']): Reason => {
	const found = reasons(v, check);
	if (found.length !== 1) throw new Error(`expected one ${check} reason, got ${JSON.stringify(v.reasons, null, 1)}`);
	return found[0]!;
};

// ---- the acceptance cases on the captured hosts ----------------------------------------------------

test('6.12 -> 6.12: mtty ok (migration STOP_COPY|P2P|PRE_COPY on both, same module build, same kernel); mdpy and mbochs blocked', (t) => {
	const c = compareHosts(samples('6.12'), samples('6.12'));
	const mtty = only(c, MTTY);
	t.is(mtty.verdict, 'ok');
	t.deepEqual(mtty.reasons, [
		{check: 'type', verdict: 'ok', message: 'type mtty-1 (Single port serial) exists on DEST (mtty)'},
		{check: 'capacity', verdict: 'ok', message: 'DEST already has this instance (same uuid, type mtty-1 on mtty): no free instance is needed'},
		{check: 'migration', verdict: 'ok', message: 'SOURCE: migration supported, STOP_COPY|P2P|PRE_COPY (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance)'},
		{check: 'migration', verdict: 'ok', message: 'DEST: migration supported, STOP_COPY|P2P|PRE_COPY (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance)'},
		{check: 'migration-flags', verdict: 'ok', message: 'same migration flags (STOP_COPY|P2P|PRE_COPY)', source: 'STOP_COPY|P2P|PRE_COPY', dest: 'STOP_COPY|P2P|PRE_COPY'},
		{check: 'driver', verdict: 'ok', message: 'mtty 0.1 on both', source: 'mtty 0.1', dest: 'mtty 0.1'},
		{check: 'kernel', verdict: 'ok', message: `same kernel ${K612}`, source: K612, dest: K612},
	]);
	t.deepEqual(mtty.dest, {parent: 'mtty', mdevType: 'mtty-1', availableInstances: 23});
	for (const uuid of [MDPY, MBOCHS]) {
		const v = only(c, uuid);
		t.is(v.verdict, 'blocked', uuid);
		t.deepEqual(
			reasons(v, 'migration').map((r) => [r.verdict, r.message]),
			[
				['blocked', 'SOURCE: the device does not support migration (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: ENOTTY)'],
				['blocked', 'DEST: the device does not support migration (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: ENOTTY)'],
			],
		);
		// mdpy and mbochs declare no MODULE_VERSION and have no srcversion: nothing to compare.
		t.is(one(v, 'driver').verdict, 'risky');
	}
	t.deepEqual(c.counts, {ok: 1, risky: 0, blocked: 2});
	t.is(c.verdict, 'blocked');
	t.is(exitCode(c), 2);
	const mttyOnly = compareHosts(samples('6.12'), samples('6.12'), {uuids: [MTTY]});
	t.deepEqual(mttyOnly.instances.map((i) => i.uuid), [MTTY]);
	t.is(exitCode(mttyOnly), 0);
});

test('6.12 -> 6.1: mtty blocked (no migration on the destination), the kernel difference and mtty\'s other build reported', (t) => {
	const c = compareHosts(samples('6.12'), samples('6.1'));
	const mtty = only(c, MTTY);
	t.is(mtty.verdict, 'blocked');
	t.deepEqual(reasons(mtty, 'migration'), [
		{check: 'migration', verdict: 'ok', message: 'SOURCE: migration supported, STOP_COPY|P2P|PRE_COPY (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance)'},
		{check: 'migration', verdict: 'blocked', message: 'DEST: the device does not support migration (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: ENOTTY)'},
	]);
	t.deepEqual(reasons(mtty, 'migration-flags'), [], 'no flags to compare when one side has no migration');
	t.deepEqual(one(mtty, 'kernel'), {check: 'kernel', verdict: 'risky', message: `kernels differ: ${K612} on SOURCE, ${K61} on DEST`, source: K612, dest: K61});
	// The real srcversions of the two captures' mtty.ko.
	t.deepEqual(one(mtty, 'driver'), {
		check: 'driver',
		verdict: 'risky',
		message: 'mtty 0.1 on both, but different builds (srcversion 0CFBC3668084E605BBD06DA on SOURCE, 43B83662CF2A38CCDEE7D52 on DEST)',
		source: 'mtty 0.1',
		dest: 'mtty 0.1',
	});
	t.deepEqual(c.instances.map((i) => i.verdict), ['blocked', 'blocked', 'blocked']);
	t.is(exitCode(c), 2);
	// And back: the source itself cannot migrate mtty on 6.1.
	const back = only(compareHosts(samples('6.1'), samples('6.12')), MTTY);
	t.is(reasons(back, 'migration')[0]!.message, 'SOURCE: the device does not support migration (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: ENOTTY)');
});

// ---- each reason ------------------------------------------------------------------------------------

test('type missing on DEST: blocked, with what DEST offers', (t) => {
	const c = compareHosts(samples('6.12'), side('nvidia-grid'));
	const mtty = only(c, MTTY);
	t.is(mtty.verdict, 'blocked');
	t.is(mtty.dest, null);
	t.deepEqual(one(mtty, 'type'), {
		check: 'type',
		verdict: 'blocked',
		message: 'type mtty-1 is missing on DEST (DEST offers nvidia-222, nvidia-223, nvidia-230, nvidia-231, nvidia-234)',
		source: 'mtty-1',
		dest: null,
	});
	t.deepEqual(reasons(mtty, 'capacity'), []);
	t.deepEqual(reasons(mtty, 'driver'), [], 'no parent on DEST to compare drivers with');
	t.deepEqual(reasons(mtty, 'migration').map((r) => r.message), ['SOURCE: migration supported, STOP_COPY|P2P|PRE_COPY (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance)']);
	const empty = compareHosts(samples('6.12'), side('empty'), {uuids: [MTTY]});
	t.is(one(only(empty, MTTY), 'type').message, 'type mtty-1 is missing on DEST (DEST has no mdev types at all)');
});

test('a DEST type with 0 available instances: blocked (the T4 in nvidia-grid already runs nvidia-231 vGPUs)', (t) => {
	// SOURCE: a T4 host with a GRID T4-1B (nvidia-222) vGPU; DEST: the nvidia-grid tree, where
	// nvidia-222 has available_instances 0 because its GPU already hosts nvidia-231 vGPUs.
	const src = side('nvidia-grid');
	const U = '0b5e6a2c-7d41-4f3e-9c8a-1e2d3c4b5a69';
	const gpu = src.model.parents[0]!;
	src.model = {
		...src.model,
		parents: [{...gpu, types: gpu.types.map((x) => (x.id === 'nvidia-222' ? {...x, instances: [U]} : {...x, instances: []}))}],
		instances: [{...src.model.instances[0]!, uuid: U, mdevType: 'nvidia-222', definition: null}],
	};
	const c = compareHosts(src, side('nvidia-grid'));
	const v = only(c, U);
	t.is(v.verdict, 'blocked');
	t.deepEqual(v.dest, {parent: '0000:3b:00.0', mdevType: 'nvidia-222', availableInstances: 0});
	t.deepEqual(one(v, 'type'), {check: 'type', verdict: 'ok', message: 'type nvidia-222 (GRID T4-1B) exists on DEST (0000:3b:00.0)'});
	t.deepEqual(one(v, 'capacity'), {
		check: 'capacity',
		verdict: 'blocked',
		message: 'no free instance of nvidia-222 on 0000:3b:00.0 on DEST: available_instances is 0',
		source: null,
		dest: '0',
	});
	// The same on the captured 6.12 host made full: mtty-1 at 0, with the one instance already there counted.
	const full = samples('6.12');
	const fresh = withoutInstances(samples('6.12'));
	fresh.model.parents = full.model.parents.map((p) => ({...p, types: p.types.map((x) => (x.id === 'mtty-1' ? {...x, availableInstances: 0, instances: ['44444444-4444-4444-4444-444444444444']} : x))}));
	const m = only(compareHosts(full, fresh, {uuids: [MTTY]}), MTTY);
	t.is(one(m, 'capacity').message, 'no free instance of mtty-1 on mtty on DEST: available_instances is 0; 1 instance of this type already there');
	t.is(m.verdict, 'blocked');
});

test('free instances on DEST: ok with the count; unreadable available_instances: risky "unknown" with the read error', (t) => {
	const free = only(compareHosts(samples('6.12'), withoutInstances(samples('6.12'))), MTTY);
	t.deepEqual(one(free, 'capacity'), {check: 'capacity', verdict: 'ok', message: '23 free instances of mtty-1 on mtty on DEST', dest: '23'});
	// broken-garbage's mtty-1/available_instances holds "abc".
	const garbage = withoutInstances(side('broken-garbage'));
	const v = only(compareHosts(samples('6.12'), garbage), MTTY);
	t.deepEqual(one(v, 'capacity'), {
		check: 'capacity',
		verdict: 'risky',
		message:
			'free instances of mtty-1 on mtty on DEST unknown: available_instances could not be read (Reading /sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/available_instances: expected a count of instances, found "abc".)',
		source: null,
		dest: null,
	});
	t.deepEqual(v.dest, {parent: 'mtty', mdevType: 'mtty-1', availableInstances: null});
});

test('DEST already has an instance with this uuid of another type: blocked', (t) => {
	const dest = samples('6.12');
	dest.model = {...dest.model, instances: dest.model.instances.map((i) => (i.uuid === MTTY ? {...i, mdevType: 'mtty-2'} : i))};
	const v = only(compareHosts(samples('6.12'), dest), MTTY);
	t.is(v.verdict, 'blocked');
	t.is(
		one(v, 'capacity').message,
		`DEST already has an instance with this uuid, of type mtty-2 on mtty: remove it there (mdevctl stop/undefine -u ${MTTY}) or give the VM another uuid`,
	);
});

test('migration not measured: a snapshot without --probe, a busy device, no instance of the type on DEST: risky, saying why', (t) => {
	const unprobed = only(compareHosts(side('debian-6.12'), samples('6.12')), MTTY);
	t.deepEqual(reasons(unprobed, 'migration')[0], {
		check: 'migration',
		verdict: 'risky',
		message: 'SOURCE: migration support not measured: SOURCE was recorded without --probe (take it again with `mdevscope --json --probe`)',
	});
	t.is(unprobed.verdict, 'risky');

	// The VM's own device is busy (held by QEMU); no sibling of the same type to ask.
	const busy = samples('6.12');
	busy.probes.set(MTTY, {...busy.probes.get(MTTY)!, outcome: 'busy', summary: 'in use by pid 4242 (qemu-system-x86_64)'});
	const b = only(compareHosts(busy, samples('6.12')), MTTY);
	t.is(
		reasons(b, 'migration')[0]!.message,
		'SOURCE: migration support not measured: the probe could not open the device of type mtty-1: this instance: busy (in use by pid 4242 (qemu-system-x86_64))',
	);

	// With a sibling of the same type that answered, its answer is used and named.
	const SIB = '55555555-5555-5555-5555-555555555555';
	busy.model = {...busy.model, instances: [...busy.model.instances, {...busy.model.instances.find((i) => i.uuid === MTTY)!, uuid: SIB, iommuGroup: 5}]};
	busy.probes.set(SIB, recorded(SIB, {region: no('ENOTTY'), dmabuf: no('ENOTTY'), migration: 0x7}));
	const s = only(compareHosts(busy, samples('6.12'), {uuids: [MTTY]}), MTTY);
	t.is(reasons(s, 'migration')[0]!.message, `SOURCE: migration supported, STOP_COPY|P2P|PRE_COPY (VFIO_DEVICE_FEATURE_MIGRATION, asked of instance ${SIB} of the same type)`);
	t.is(s.verdict, 'ok');

	const nothing = only(compareHosts(samples('6.12'), withoutInstances(samples('6.12'))), MTTY);
	t.is(reasons(nothing, 'migration')[1]!.message, 'DEST: migration support not measured: DEST has no active instance of type mtty-1 to probe (create one and probe it)');

	// A probe that could not ask (supported null) is not measured either.
	const notAsked = samples('6.12');
	notAsked.probes.set(MTTY, {...notAsked.probes.get(MTTY)!, migration: {supported: null, reason: 'not asked: the device was not opened', flags: null, flagNames: []}});
	t.is(
		reasons(only(compareHosts(samples('6.12'), notAsked), MTTY), 'migration')[1]!.message,
		'DEST: migration support not measured (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: not asked: the device was not opened)',
	);
});

test('migration flags differ: DEST without PRE_COPY is risky and names the flag; extra flags on DEST are fine', (t) => {
	const noPreCopy = samples('6.12');
	noPreCopy.probes.set(MTTY, recorded(MTTY, {region: no('ENOTTY'), dmabuf: no('ENOTTY'), migration: 0x3}));
	const v = only(compareHosts(samples('6.12'), noPreCopy), MTTY);
	t.is(v.verdict, 'risky');
	t.deepEqual(one(v, 'migration-flags'), {
		check: 'migration-flags',
		verdict: 'risky',
		message: 'DEST lacks PRE_COPY (STOP_COPY|P2P|PRE_COPY on SOURCE, STOP_COPY|P2P on DEST): QEMU can only use what both ends support, so the migration may fall back or fail',
		source: 'STOP_COPY|P2P|PRE_COPY',
		dest: 'STOP_COPY|P2P',
	});
	const back = only(compareHosts(noPreCopy, samples('6.12')), MTTY);
	t.deepEqual(one(back, 'migration-flags'), {
		check: 'migration-flags',
		verdict: 'ok',
		message: 'DEST offers every migration flag SOURCE has (STOP_COPY|P2P on SOURCE, STOP_COPY|P2P|PRE_COPY on DEST)',
		source: 'STOP_COPY|P2P',
		dest: 'STOP_COPY|P2P|PRE_COPY',
	});
	t.is(back.verdict, 'ok');
});

test('vendor driver versions: same major risky, different major blocked, unknown scheme risky with both shown', (t) => {
	const gpu = '0000:3b:00.0';
	const nvidia = (version: string): DriverModule => ({name: 'nvidia', version, srcversion: null, via: 'driver-link'});
	const A = '8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21';
	const driverOf = (src: string, dst: string) => one(only(compareHosts(setModule(side('nvidia-grid'), gpu, nvidia(src)), setModule(side('nvidia-grid'), gpu, nvidia(dst))), A), 'driver');

	t.deepEqual(driverOf('535.129.03', '535.129.03'), {check: 'driver', verdict: 'ok', message: 'nvidia 535.129.03 on both', source: 'nvidia 535.129.03', dest: 'nvidia 535.129.03'});
	t.deepEqual(driverOf('535.129.03', '535.154.05'), {
		check: 'driver',
		verdict: 'risky',
		message: 'nvidia 535.129.03 on SOURCE, 535.154.05 on DEST: same major version (535), different release',
		source: 'nvidia 535.129.03',
		dest: 'nvidia 535.154.05',
	});
	t.deepEqual(driverOf('535.129.03', '550.54.14'), {
		check: 'driver',
		verdict: 'blocked',
		message: 'nvidia 535.129.03 on SOURCE, 550.54.14 on DEST: different major versions (535 and 550)',
		source: 'nvidia 535.129.03',
		dest: 'nvidia 550.54.14',
	});
	t.is(driverOf('535.129.03', 'R550 beta').verdict, 'risky');
	t.is(driverOf('535.129.03', 'R550 beta').message, "nvidia 535.129.03 on SOURCE, R550 beta on DEST: not in NVIDIA's major.minor.patch (a branch is the major number) form, so how far apart they are is unknown");

	// A driver whose version scheme is not known: risky, both versions shown.
	const mtty = (version: string | null, srcversion: string | null): DriverModule => ({name: 'mtty', version, srcversion, via: 'mdev-driver-link'});
	const mttyDriver = (a: DriverModule | null, b: DriverModule | null) =>
		one(only(compareHosts(setModule(samples('6.12'), 'mtty', a), setModule(samples('6.12'), 'mtty', b)), MTTY), 'driver');
	t.deepEqual(mttyDriver(mtty('0.1', null), mtty('0.2', null)), {
		check: 'driver',
		verdict: 'risky',
		message: 'mtty 0.1 on SOURCE, 0.2 on DEST: no known version scheme, so how far apart they are is unknown',
		source: 'mtty 0.1',
		dest: 'mtty 0.2',
	});
	// Only srcversion hashes: equal is the same build, different is unknown distance.
	t.is(mttyDriver(mtty(null, 'AAA'), mtty(null, 'AAA')).verdict, 'ok');
	t.deepEqual(mttyDriver(mtty(null, 'AAA'), mtty(null, 'BBB')), {
		check: 'driver',
		verdict: 'risky',
		message: 'mtty: no version declared, different builds (srcversion AAA on SOURCE, BBB on DEST)',
		source: 'mtty srcversion AAA',
		dest: 'mtty srcversion BBB',
	});
	t.is(mttyDriver(mtty('0.1', null), mtty(null, null)).message, 'mtty: version 0.1 on SOURCE, not declared on DEST');
	t.deepEqual(mttyDriver(mtty('0.1', null), null), {
		check: 'driver',
		verdict: 'risky',
		message: 'vendor driver module unknown on DEST: its version cannot be compared',
		source: 'mtty 0.1',
		dest: null,
	});
	t.is(mttyDriver(mtty('0.1', null), {name: 'other', version: '0.1', srcversion: null, via: 'name'}).message, 'different vendor driver modules: mtty on SOURCE, other on DEST');
});

test('kernel release unknown on one side: risky', (t) => {
	const dest = samples('6.12');
	dest.model = {...dest.model, host: {...dest.model.host, kernelRelease: null}};
	t.deepEqual(one(only(compareHosts(samples('6.12'), dest), MTTY), 'kernel'), {
		check: 'kernel',
		verdict: 'risky',
		message: 'kernel release unknown on DEST',
		source: K612,
		dest: null,
	});
});

test('NVIDIA types match by id and name: the same id naming another profile on DEST is blocked', (t) => {
	const A = '8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21';
	const dest = side('nvidia-grid');
	const gpu = dest.model.parents[0]!;
	dest.model = {
		...withoutInstances(dest).model,
		parents: [{...gpu, types: gpu.types.map((x) => (x.id === 'nvidia-231' ? {...x, name: 'GRID A16-2Q', instances: []} : x))}],
	};
	const v = only(compareHosts(side('nvidia-grid'), dest), A);
	t.is(v.verdict, 'blocked');
	t.is(v.dest, null);
	t.is(
		one(v, 'type').message,
		'type nvidia-231 on DEST is "GRID A16-2Q", not "GRID T4-2Q": NVIDIA numbers its types per GPU model, so this is another vGPU profile (another GPU)',
	);
	// For other vendors a name difference is only noted.
	const renamed = withoutInstances(samples('6.12'));
	renamed.model.parents = renamed.model.parents.map((p) => ({...p, types: p.types.map((x) => (x.id === 'mtty-1' ? {...x, name: 'Serial'} : x))}));
	const m = only(compareHosts(samples('6.12'), renamed), MTTY);
	t.deepEqual(one(m, 'type'), {
		check: 'type',
		verdict: 'risky',
		message: 'type mtty-1 exists on DEST (mtty) under another name: "Serial", on SOURCE "Single port serial"',
		source: 'Single port serial',
		dest: 'Serial',
	});
});

test('a defined, not active instance: type, capacity, driver and kernel only (no VM state to migrate)', (t) => {
	const D = 'f0e1d2c3-b4a5-4968-8776-655443322110';
	const v = only(compareHosts(side('nvidia-grid'), side('nvidia-grid')), D);
	t.false(v.active);
	t.deepEqual(v.reasons.map((r) => r.check), ['type', 'capacity', 'driver', 'kernel']);
	// The nvidia-grid tree declares no module version: unknown, so risky.
	t.is(v.verdict, 'risky');
});

test('--uuid: only those instances; unknown ones are listed; exit codes 0 / 1 / 2', (t) => {
	const src = samples('6.12');
	t.deepEqual(unknownUuids(src.model, [MTTY, 'aaaaaaaa-0000-0000-0000-000000000000', MTTY.toUpperCase()]), ['aaaaaaaa-0000-0000-0000-000000000000']);
	t.is(exitCode({verdict: 'ok'}), 0);
	t.is(exitCode({verdict: 'risky'}), 1);
	t.is(exitCode({verdict: 'blocked'}), 2);
	const c = compareHosts(src, samples('6.1'), {uuids: [MDPY]});
	t.deepEqual(c.instances.map((i) => i.uuid), [MDPY]);
	const none = compareHosts(side('empty'), samples('6.12'));
	t.deepEqual([none.instances, none.verdict, exitCode(none)], [[], 'ok', 0]);
});

test('plain report: both sides, the result line, one row per instance with its reasons; JSON adds the exit code', (t) => {
	const c = compareHosts({...samples('6.12'), name: 'a.json'}, {...samples('6.1'), name: 'b.json'}, {uuids: [MTTY]});
	c.source.recordedAt = '2026-11-23T10:00:00.000Z';
	c.dest.recordedAt = null;
	c.source.kind = 'snapshot';
	c.source.label = 'host-a';
	t.is(
		renderComparePlain(c),
		[
			`SOURCE  a.json: snapshot of host-a, recorded 2026-11-23T10:00:00.000Z, kernel ${K612}`,
			`DEST    b.json: the tree ${path.join(trees, 'debian-6.1')}, kernel ${K61}`,
			'Result  blocked (exit 2): 1 instance, 0 ok, 0 risky, 1 blocked',
			'',
			'INSTANCE                              TYPE         STATE   ON DEST                VERDICT',
			`${MTTY}  mtty/mtty-1  active  mtty/mtty-1 (23 free)  blocked`,
			'    ok       type       type mtty-1 (Single port serial) exists on DEST (mtty)',
			'    ok       capacity   DEST already has this instance (same uuid, type mtty-1 on mtty): no free instance is needed',
			'    ok       migration  SOURCE: migration supported, STOP_COPY|P2P|PRE_COPY (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance)',
			'    blocked  migration  DEST: the device does not support migration (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: ENOTTY)',
			'    risky    driver     mtty 0.1 on both, but different builds (srcversion 0CFBC3668084E605BBD06DA on SOURCE, 43B83662CF2A38CCDEE7D52 on DEST)',
			`    risky    kernel     kernels differ: ${K612} on SOURCE, ${K61} on DEST`,
			'',
			'ok: nothing found against it. risky: it may work; check what is named. blocked: it cannot work as recorded.',
			'Exit 0 when all are ok, 1 when any is risky, 2 when any is blocked.',
			'',
		].join('\n'),
	);
	const json = JSON.parse(renderCompareJson(c)) as Comparison & {exitCode: number};
	t.is(json.exitCode, 2);
	t.is(json.verdict, 'blocked');
	t.deepEqual(json.instances, JSON.parse(JSON.stringify(c.instances)));
});

// ---- the command -------------------------------------------------------------------------------------

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}

const cli = (...args: string[]): Promise<Run> => runCli(args);

/** A snapshot file as `--json --probe` writes it: the scanned tree with the recorded probes joined in. */
function snapshotFile(dir: string, name: string, s: TestSide, edit: (m: HostModel) => HostModel = (m) => m): string {
	const file = path.join(dir, name);
	writeFileSync(file, renderJson(edit({...observed(s).model, source: {kind: 'live', label: null, recordedAt: null}, root: '/'})));
	return file;
}

test('compare on the command line: snapshot files, exit 2 / 1 / 0, --json, and local as DEST', async (t) => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-compare-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const a = snapshotFile(dir, 'a.json', samples('6.12'));
	const b = snapshotFile(dir, 'b.json', samples('6.1'));
	const c = snapshotFile(dir, 'c.json', samples('6.12'), (m) => ({...m, host: {...m.host, kernelRelease: '6.12.118+deb12-amd64'}}));

	const blocked = await cli('compare', a, b);
	t.is(blocked.code, 2, blocked.stderr);
	t.is(blocked.stderr, '');
	// No hostname in the tree: the snapshot is named by its file, which the line already shows.
	t.regex(blocked.stdout, new RegExp(`^SOURCE  ${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: snapshot, recorded \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, kernel ${K612.replace(/[.+]/g, '\\$&')}\n`));
	t.true(blocked.stdout.includes('Result  blocked (exit 2): 3 instances, 0 ok, 0 risky, 3 blocked\n'));
	t.true(blocked.stdout.includes('    blocked  migration  DEST: the device does not support migration (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: ENOTTY)\n'));

	const risky = await cli('compare', a, c, '--uuid', MTTY);
	t.is(risky.code, 1, risky.stdout);
	t.true(risky.stdout.includes(`    risky    kernel           kernels differ: ${K612} on SOURCE, 6.12.118+deb12-amd64 on DEST\n`), risky.stdout);

	const ok = await cli('compare', a, a, '--uuid', MTTY, '--json');
	t.is(ok.code, 0, ok.stderr);
	const report = JSON.parse(ok.stdout) as Comparison & {exitCode: number};
	t.deepEqual([report.verdict, report.exitCode, report.instances.map((i) => [i.uuid, i.verdict])], ['ok', 0, [[MTTY, 'ok']]]);
	t.deepEqual(report.source.kind, 'snapshot');

	// `local` with --root: the 6.1 tree read now (a tree: nothing to probe, so DEST is not measured).
	const local = await cli('compare', a, 'local', '--root', path.join(trees, 'debian-6.1'), '--uuid', MTTY, '--json');
	t.is(local.code, 1, local.stderr);
	const l = JSON.parse(local.stdout) as Comparison;
	t.is(l.dest.name, `--root ${path.join(trees, 'debian-6.1')}`);
	t.is(l.dest.kernelRelease, K61);
	t.true(
		l.instances[0]!.reasons.some((r) => r.verdict === 'risky' && r.message.startsWith('DEST: migration support not measured: the probe could not open the device of type mtty-1: this instance: not-live')),
		JSON.stringify(l.instances[0]!.reasons),
	);
});

test('compare: wrong arguments exit 64, bad files 66 (no verdict uses them), with only a message on stderr', async (t) => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-compare-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const a = snapshotFile(dir, 'a.json', samples('6.12'));
	const usage = (message: string, command = 'compare') => `mdevscope: ${message}\nRun \`mdevscope${command && ` ${command}`} --help\` for the options.\n`;
	t.deepEqual(await cli('compare', a), {
		code: 64,
		stdout: '',
		stderr: usage('compare needs two arguments, SOURCE and DEST (each a snapshot file, or - or local for this host); got 1.'),
	});
	t.deepEqual(await cli('compare', a, a, '--uuid', 'aaaaaaaa-0000-0000-0000-000000000000'), {
		code: 64,
		stdout: '',
		stderr: usage(`--uuid aaaaaaaa-0000-0000-0000-000000000000: not an instance of SOURCE (${a}); its instances are ${MTTY}, ${MDPY}, ${MBOCHS}.`),
	});
	t.deepEqual(await cli('--uuid', MTTY, '--json'), {code: 64, stdout: '', stderr: usage('--uuid belongs to compare (mdevscope compare SOURCE DEST --uuid UUID) and to start, stop, define, undefine and modify (-u UUID).', '')});
	const missing = path.join(dir, 'nope.json');
	t.deepEqual(await cli('compare', a, missing), {code: 66, stdout: '', stderr: `mdevscope: snapshot ${missing}: cannot read it: ENOENT, it does not exist.\n`});
	const garbage = path.join(dir, 'garbage.json');
	writeFileSync(garbage, '{"schemaVersion": 1, "root": "/"');
	const r = await cli('compare', garbage, a);
	t.is(r.code, 66);
	t.is(r.stdout, '');
	t.regex(r.stderr, /^mdevscope: snapshot .*garbage\.json: not JSON \(.+\)\. A snapshot is what `mdevscope --json --probe > FILE` writes; take it again with this version\.\n$/);
});
