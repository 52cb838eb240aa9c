// Feature bits from real probe answers: test/fixtures/probes/debian-<series>.json holds the
// ProbeResults the runner returned in the 6.1 and 6.12 test VMs (test/vm/record-probes.ts), free,
// with the mdpy group held, as nobody, timed out and after a removal. And the `features` command
// itself on a captured tree (nothing live there: every bit unknown, never 0).
import {readFileSync} from 'node:fs';
import test from 'ava';
import {ALL_FEATURE_BITS, FEATURES, featureBits, SEED_FEATURE_BITS} from '../src/features/bits.js';
import {featuresLine, renderFeaturesJson, type FeaturesJson} from '../src/output/features.js';
import type {ProbeResult} from '../src/model/probe.js';
import type {Instance} from '../src/model/types.js';
import {probeInstances} from '../src/probe/runner.js';
import {scanHost} from '../src/sysfs/scan.js';
import {cliSync} from './helpers/cli.js';

const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';
const TYPES: Record<string, string> = {[MTTY]: 'mtty-1', [MDPY]: 'mdpy-hd', [MBOCHS]: 'mbochs-large'};

type Recorded = {kernel: string; cases: Record<'free' | 'busy' | 'nonroot' | 'timeout' | 'vanished', ProbeResult[]>};
const recorded = (series: '6.1' | '6.12'): Recorded =>
	JSON.parse(readFileSync(new URL(`fixtures/probes/debian-${series}.json`, import.meta.url), 'utf8')) as Recorded;
const pick = (results: ProbeResult[], uuid: string): ProbeResult => {
	const r = results.find((x) => x.uuid === uuid);
	if (!r) throw new Error(`no recorded result for ${uuid}`);
	return r;
};
const line = (r: ProbeResult): string => featuresLine({uuid: r.uuid, mdevType: TYPES[r.uuid] ?? null}, featureBits(r.uuid, r));

test('the bits have the seed names and values', (t) => {
	t.deepEqual(SEED_FEATURE_BITS, {
		VFIO_DEVICE_FEATURE_DISPLAY_REGION: 0x1,
		VFIO_DEVICE_FEATURE_DISPLAY_DMABUF: 0x2,
		VFIO_DEVICE_FEATURE_MIGRATION: 0x4,
	});
	t.deepEqual(
		FEATURES.map((f) => [f.name, f.seedName, f.bit]),
		[
			['display_region', 'VFIO_DEVICE_FEATURE_DISPLAY_REGION', 1],
			['display_dmabuf', 'VFIO_DEVICE_FEATURE_DISPLAY_DMABUF', 2],
			['migration', 'VFIO_DEVICE_FEATURE_MIGRATION', 4],
		],
	);
	t.is(ALL_FEATURE_BITS, 0x7);
});

for (const series of ['6.1', '6.12'] as const) {
	const rec = recorded(series);

	test(`${series}: what the kernel answered, as bits (${rec.kernel})`, (t) => {
		const free = rec.cases.free;
		const mdpy = featureBits(MDPY, pick(free, MDPY));
		t.like(mdpy, {bits: 0x1, known: 0x7, answeredThrough: 'direct', outcome: 'ok'});
		t.deepEqual(mdpy.features, {display_region: {value: true}, display_dmabuf: {value: false, code: 'EINVAL'}, migration: {value: false, code: 'ENOTTY'}});
		t.is(mdpy.probedAt, pick(free, MDPY).probedAt);

		const mbochs = featureBits(MBOCHS, pick(free, MBOCHS));
		t.like(mbochs, {bits: 0x2, known: 0x7});
		t.deepEqual(mbochs.features, {display_region: {value: false, code: 'EINVAL'}, display_dmabuf: {value: true}, migration: {value: false, code: 'ENOTTY'}});

		const mtty = featureBits(MTTY, pick(free, MTTY));
		// mtty gained migration (VFIO_DEVICE_FEATURE_MIGRATION, flags 0x7) after 6.1: known on both, set on 6.12.
		t.like(mtty, {bits: series === '6.12' ? 0x4 : 0x0, known: 0x7});
		t.deepEqual(mtty.features.migration, series === '6.12' ? {value: true} : {value: false, code: 'ENOTTY'});

		t.is(line(pick(free, MDPY)), `${MDPY} mdpy-hd bits=0x1 known=0x7 display_region`);
		t.is(line(pick(free, MBOCHS)), `${MBOCHS} mbochs-large bits=0x2 known=0x7 display_dmabuf`);
		t.is(line(pick(free, MTTY)), series === '6.12' ? `${MTTY} mtty-1 bits=0x4 known=0x7 migration` : `${MTTY} mtty-1 bits=0x0 known=0x7 none`);
	});

	test(`${series}: a device another process holds has its bits unknown, not 0`, (t) => {
		const busy = pick(rec.cases.busy, MDPY);
		t.is(busy.outcome, 'busy');
		const fb = featureBits(MDPY, busy);
		t.like(fb, {bits: 0, known: 0, answeredThrough: null, outcome: 'busy'});
		for (const f of FEATURES) t.deepEqual(fb.features[f.name], {value: null, reason: `busy: ${busy.summary}`});
		t.regex(busy.summary, /^in use by qemu-holder pid \d+ \(VM holder-vm, uuid 2{8}-/);
		t.is(line(busy), `${MDPY} mdpy-hd bits=0x0 known=0x0 unknown: busy (${busy.summary})`);
		// The others were probed meanwhile as usual.
		t.like(featureBits(MBOCHS, pick(rec.cases.busy, MBOCHS)), {bits: 0x2, known: 0x7});
	});

	test(`${series}: non-root, timeout and vanished leave every bit unknown`, (t) => {
		for (const r of rec.cases.nonroot) {
			t.is(r.outcome, 'needs-root');
			t.like(featureBits(r.uuid, r), {bits: 0, known: 0});
			t.is(line(r), `${r.uuid} ${TYPES[r.uuid]} bits=0x0 known=0x0 unknown: needs-root (${r.summary})`);
			t.regex(line(r), /unknown: needs-root \(needs root: no permission to open \/dev\/vfio\/\d+ \(run as root\)\)$/);
		}
		const timeout = pick(rec.cases.timeout, MBOCHS);
		t.is(timeout.outcome, 'timeout');
		t.like(featureBits(MBOCHS, timeout), {bits: 0, known: 0});
		t.regex(line(timeout), /bits=0x0 known=0x0 unknown: timeout \(no answer in 1 ms: /);
		const vanished = pick(rec.cases.vanished, MTTY);
		t.is(vanished.outcome, 'vanished');
		t.like(featureBits(MTTY, vanished), {bits: 0, known: 0});
		t.regex(line(vanished), /bits=0x0 known=0x0 unknown: vanished \(vanished: \/dev\/vfio\/0 is gone/);
	});
}

test('a question the kernel could not answer is unknown on its own, with its reason', (t) => {
	// The real 6.12 mtty answer, with the migration question failing the way featureAnswer reports
	// an errno other than ENOTTY/EINVAL (src/probe/engine.ts).
	const real = pick(recorded('6.12').cases.free, MTTY);
	const r: ProbeResult = {...real, migration: {supported: null, code: 'EIO', reason: 'VFIO_DEVICE_FEATURE(PROBE|GET|MIGRATION) failed: I/O error', flags: null, flagNames: []}};
	const fb = featureBits(MTTY, r);
	t.like(fb, {bits: 0, known: 0x3});
	t.deepEqual(fb.features.migration, {value: null, code: 'EIO', reason: 'VFIO_DEVICE_FEATURE(PROBE|GET|MIGRATION) failed: I/O error'});
	t.is(line(r), `${MTTY} mtty-1 bits=0x0 known=0x3 none unknown: migration (VFIO_DEVICE_FEATURE(PROBE|GET|MIGRATION) failed: I/O error)`);
});

test('answers through a borrowed fd count as answered, marked so', (t) => {
	const real = pick(recorded('6.12').cases.free, MDPY);
	for (const r of [{...real, via: 'borrowed'}, {...real, borrowed: {pid: 184, fd: 7}}] as unknown as ProbeResult[]) {
		const fb = featureBits(MDPY, r);
		t.like(fb, {bits: 0x1, known: 0x7, answeredThrough: 'borrowed'});
		t.is(line(r), `${MDPY} mdpy-hd bits=0x1 known=0x7 display_region (answered through a borrowed fd)`);
	}
	t.is(featureBits(MDPY, {...real, borrowed: false} as ProbeResult).answeredThrough, 'direct');
});

test('an instance that was not probed at all has nothing known', (t) => {
	const fb = featureBits(MDPY, null);
	t.like(fb, {bits: 0, known: 0, outcome: null, probedAt: null});
	t.is(featuresLine({uuid: MDPY, mdevType: 'mdpy-hd'}, fb), `${MDPY} mdpy-hd bits=0x0 known=0x0 unknown: not probed`);
});

const tree = new URL('fixtures/trees/debian-6.12', import.meta.url).pathname;

test('a tree is never probed: not-live, every bit unknown (the real runner, nothing spawned)', async (t) => {
	const model = scanHost(tree);
	const results = await probeInstances(model, [MTTY, MDPY, MBOCHS]);
	for (const r of results) {
		const fb = featureBits(r.uuid, r);
		t.like(fb, {bits: 0, known: 0, outcome: 'not-live', probedAt: null});
		t.regex(featuresLine(model.instances.find((i) => i.uuid === r.uuid)!, fb), /bits=0x0 known=0x0 unknown: not-live \(not probed: this view was read from a tree/);
	}
});

test('the JSON document: the bits, every question and where the answers came from', (t) => {
	const model = scanHost(tree);
	const free = recorded('6.12').cases.free;
	const busy = pick(recorded('6.12').cases.busy, MDPY);
	const rows = model.instances.map((instance: Instance) => ({
		instance,
		bits: featureBits(instance.uuid, instance.uuid === MDPY ? busy : pick(free, instance.uuid)),
	}));
	const doc = JSON.parse(renderFeaturesJson(model, rows)) as FeaturesJson;
	t.is(doc.schemaVersion, 1);
	t.is(doc.root, model.root);
	t.deepEqual(doc.featureBits, {display_region: 1, display_dmabuf: 2, migration: 4});
	t.deepEqual(
		doc.instances.map((i) => [i.uuid, i.parent, i.mdevType, i.bits, i.known, i.set, i.answeredThrough, i.outcome]),
		[
			[MTTY, 'mtty', 'mtty-1', 4, 7, ['migration'], 'direct', 'ok'],
			[MDPY, 'mdpy', 'mdpy-hd', 0, 0, [], null, 'busy'],
			[MBOCHS, 'mbochs', 'mbochs-large', 2, 7, ['display_dmabuf'], 'direct', 'ok'],
		],
	);
	t.deepEqual(doc.instances[1]!.features.display_region, {value: null, reason: `busy: ${busy.summary}`});
	t.is(doc.instances[0]!.probedAt, pick(free, MTTY).probedAt);
	t.deepEqual(Object.keys(doc.instances[0]!), ['uuid', 'bits', 'known', 'features', 'answeredThrough', 'outcome', 'summary', 'probedAt', 'parent', 'mdevType', 'set']);
});

// The command through the real CLI.
const run = (...args: string[]) => cliSync(args);

test('features on a tree: one line per active instance, exit 0; JSON parses', (t) => {
	const plain = run('features', '--root', tree);
	t.is(plain.status, 0, plain.stderr);
	const lines = plain.stdout.trimEnd().split('\n');
	t.is(lines.length, 3);
	t.regex(lines[0]!, /^11111111-1111-1111-1111-111111111111 mtty-1 bits=0x0 known=0x0 unknown: not-live \(/);
	t.regex(lines[1]!, /^22222222-2222-2222-2222-222222222222 mdpy-hd bits=0x0 known=0x0 unknown: not-live \(/);
	const json = run('features', '--json', '--root', tree, MBOCHS);
	t.is(json.status, 0, json.stderr);
	const doc = JSON.parse(json.stdout) as FeaturesJson;
	t.deepEqual(
		doc.instances.map((i) => [i.uuid, i.mdevType, i.known]),
		[[MBOCHS, 'mbochs-large', 0]],
	);
});

test('features: a UUID not on the host is exit 1 (the others still print), a non-UUID exit 64 (usage)', (t) => {
	const missing = run('features', '--root', tree, MDPY, '44444444-4444-4444-4444-444444444444');
	t.is(missing.status, 1);
	t.regex(missing.stdout, /^22222222-2222-2222-2222-222222222222 mdpy-hd bits=0x0 known=0x0 /);
	t.regex(missing.stderr, /no instance 44444444-4444-4444-4444-444444444444 under .*debian-6\.12 \(the active ones: 1{8}-1111-1111-1111-1{12}, 2{8}/);
	const bad = run('features', '--root', tree, 'mdpy');
	t.is(bad.status, 64);
	t.regex(bad.stderr, /"mdpy" is not a UUID/);
	t.is(bad.stdout, '');
});
