// The runner: child processes, streaming, timeouts, crashes, cancellation, and the cases where
// nothing is spawned. The hang is real: the container path is a file this test holds a read lease
// on (fcntl F_SETLEASE), so the child's open(O_RDWR) blocks in the kernel (__break_lease) until
// the lease is released or the child is killed. (A FIFO would not do: open(O_RDWR) of a FIFO
// never blocks on Linux.)
import test from 'ava';
import {closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {ProbeResult} from '../src/model/probe.js';
import type {HostModel, Instance} from '../src/model/types.js';
import {probeInstances} from '../src/probe/runner.js';
import {ffi, leasedTree as leasedTreeIn} from './helpers/lease.js';

const base = mkdtempSync(join(tmpdir(), 'mdevscope-runner-'));
test.after.always(() => rmSync(base, {recursive: true, force: true}));

const leasedTree = (name: string) => leasedTreeIn(base, name);

function instance(uuid: string, over: Partial<Instance> = {}): Instance {
	return {uuid, kind: 'mdev', parent: 'mdpy', mdevType: 'mdpy-hd', active: true, iommuGroup: 1, driver: 'mdpy', vfioDev: null, definition: null, errors: [], ...over};
}

function model(instances: Instance[], over: Partial<HostModel> = {}): HostModel {
	return {
		schemaVersion: 1,
		root: '/',
		source: {kind: 'live', label: null, recordedAt: null},
		scannedAt: new Date().toISOString(),
		host: {
			kernelRelease: null,
			hostname: null,
			modules: {vfio: true, vfio_iommu_type1: true, mdev: true},
			vfioContainer: true,
			iommuGroups: 1,
			mdevBus: true,
			cmdline: null,
		},
		parents: [],
		instances,
		errors: [],
		...over,
	};
}

const uuids = (n: number): string[] => Array.from({length: n}, (_, i) => `${i + 1}`.repeat(8) + '-1111-1111-1111-111111111111');

/** Our probe children still alive (their parent is this process). */
function liveChildren(): number[] {
	return readdirSync('/proc')
		.filter((e) => /^\d+$/.test(e))
		.filter((pid) => {
			try {
				const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
				const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
				return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('probe/child-main.ts');
			} catch {
				return false;
			}
		})
		.map(Number);
}

const waitFor = async (what: () => boolean, ms: number): Promise<boolean> => {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		if (what()) return true;
		await new Promise((r) => setTimeout(r, 50));
	}
	return what();
};

test.serial('a model not read live from / is answered not-live without spawning', async (t) => {
	const [a, b] = uuids(2);
	const seen: string[] = [];
	for (const m of [
		model([instance(a!), instance(b!)], {source: {kind: 'tree', label: 'debian-6.12', recordedAt: null}, root: '/srv/tree'}),
		model([instance(a!), instance(b!)], {root: '/srv/other-root'}),
		model([instance(a!), instance(b!)], {source: {kind: 'snapshot', label: 'host1', recordedAt: null}}),
	]) {
		const results = await probeInstances(m, [a!, b!], {onResult: (r) => seen.push(r.outcome)});
		t.deepEqual(
			results.map((r) => [r.uuid, r.outcome, r.steps.length]),
			[
				[a, 'not-live', 0],
				[b, 'not-live', 0],
			],
		);
		t.regex(results[0]!.summary, /not probed: this view was read from/);
		t.is(liveChildren().length, 0);
	}
	t.is(seen.length, 6);
});

test('unknown, inactive and group-less instances get a clear result without opening anything', async (t) => {
	const [a, b, c] = uuids(3);
	const results = await probeInstances(model([instance(b!, {active: false, iommuGroup: null}), instance(c!, {iommuGroup: null})]), [a!, b!, c!], {
		devRoot: join(base, 'nothing-here'),
	});
	t.deepEqual(
		results.map((r) => [r.outcome, r.steps.length]),
		[
			['error', 0],
			['error', 0],
			['error', 0],
		],
	);
	t.regex(results[0]!.summary, /no instance .* in the scan/);
	t.regex(results[1]!.summary, /defined but not active.*mdevctl start/);
	t.regex(results[2]!.summary, /no IOMMU group/);
});

test('results stream per instance and come back in the order asked', async (t) => {
	const tree = leasedTree('stream'); // not held: a plain regular file
	t.teardown(tree.close);
	const ids = uuids(5);
	const streamed: ProbeResult[] = [];
	const results = await probeInstances(model(ids.map((u) => instance(u))), ids, {devRoot: tree.root, onResult: (r) => streamed.push(r)});
	t.deepEqual(
		results.map((r) => r.uuid),
		ids,
	);
	t.true(results.every((r) => r.outcome === 'no-vfio' && r.steps[1]!.code === 'ENOTTY'));
	t.is(streamed.length, 5);
	t.deepEqual(streamed.map((r) => r.uuid).sort(), ids);
});

test.serial('a probe that hangs in the kernel is killed at its timeout; a fresh child probes the next', async (t) => {
	const tree = leasedTree('hang');
	t.teardown(tree.close);
	tree.hold();
	const [a, b] = uuids(2);
	const timeoutMs = 1500;
	const order: string[] = [];
	const results = await probeInstances(model([instance(a!), instance(b!)]), [a!, b!], {
		devRoot: tree.root,
		timeoutMs,
		concurrency: 1,
		onResult: (r) => {
			order.push(r.uuid);
			// Let the next child's open go through, so it answers (ENOTTY: a regular file).
			if (r.outcome === 'timeout') tree.release();
		},
	});
	const [hung, next] = results;
	t.is(hung!.outcome, 'timeout');
	t.is(hung!.summary, `no answer in ${timeoutMs} ms: the kernel did not return from open ${tree.root}/dev/vfio/vfio; the probe child was killed`);
	t.deepEqual(hung!.steps.map((s) => [s.step, s.ok]), [[`open ${tree.root}/dev/vfio/vfio`, false]]);
	// Not before its time. How soon after is the machine's load, not the runner's: the lease is held
	// until this result arrives, so without the timeout the run would never end (the test's own
	// timeout would fail it).
	t.true(hung!.durationMs >= timeoutMs, `durationMs ${hung!.durationMs}`);
	t.deepEqual(order, [a, b], 'the hung probe is answered first, then the next child probes');
	t.is(next!.outcome, 'no-vfio');
	t.is(next!.steps[1]!.code, 'ENOTTY');
	t.true(await waitFor(() => liveChildren().length === 0, 60_000), 'the killed child is gone');
});

test.serial('at most `concurrency` children run at once, in parallel', async (t) => {
	const tree = leasedTree('parallel');
	t.teardown(tree.close);
	tree.hold();
	t.teardown(tree.release);
	const ids = uuids(4);
	let most = 0;
	// Parallel means two children blocked in the kernel's open at the same moment (wchan), not a
	// wall-clock comparison, which a loaded machine can break. The timeout is long enough that
	// neither is killed before the other starts, however slow the machine; the lease is then
	// released and every probe answers.
	const blockedNow = () =>
		liveChildren().filter((pid) => {
			try {
				return readFileSync(`/proc/${pid}/wchan`, 'utf8').includes('break_lease');
			} catch {
				return false;
			}
		}).length;
	const poll = setInterval(() => (most = Math.max(most, liveChildren().length)), 50);
	const run = probeInstances(model(ids.map((u) => instance(u))), ids, {devRoot: tree.root, timeoutMs: 120_000, concurrency: 2});
	t.true(await waitFor(() => blockedNow() === 2, 45_000), 'two probes were in the kernel at once');
	tree.release();
	const results = await run;
	clearInterval(poll);
	// Released: the container is a regular file, so each open returns and the API query fails.
	t.deepEqual(
		results.map((r) => r.outcome),
		['no-vfio', 'no-vfio', 'no-vfio', 'no-vfio'],
	);
	t.is(most, 2);
});

test.serial('a child that crashes costs only the instance it was probing', async (t) => {
	const tree = leasedTree('crash');
	t.teardown(tree.close);
	tree.hold();
	const [a, b] = uuids(2);
	const run = probeInstances(model([instance(a!), instance(b!)]), [a!, b!], {devRoot: tree.root, timeoutMs: 20_000, concurrency: 1});
	// Wait until the child is blocked in the kernel, then crash it for real.
	t.true(
		await waitFor(() => liveChildren().some((pid) => readFileSync(`/proc/${pid}/wchan`, 'utf8').includes('break_lease')), 60_000),
		'the child reached the hanging open',
	);
	for (const pid of liveChildren()) process.kill(pid, 'SIGSEGV');
	tree.release();
	const [crashed, next] = await run;
	t.is(crashed!.outcome, 'error');
	t.regex(crashed!.summary, new RegExp(`^the probe child was killed by SIGSEGV during open ${tree.root}/dev/vfio/vfio`));
	t.is(next!.outcome, 'no-vfio');
});

test.serial('aborting kills the children and reports what was not answered as cancelled', async (t) => {
	const tree = leasedTree('abort');
	t.teardown(tree.close);
	tree.hold();
	t.teardown(tree.release);
	const [a, b] = uuids(2);
	const controller = new AbortController();
	// The lease is held throughout and the timeout is beyond the test's own: only the abort can end
	// the run, and 'cancelled' (not 'timeout') says it did.
	const run = probeInstances(model([instance(a!), instance(b!)]), [a!, b!], {devRoot: tree.root, timeoutMs: 600_000, concurrency: 1, signal: controller.signal});
	t.true(await waitFor(() => liveChildren().length === 1, 60_000));
	controller.abort();
	const results = await run;
	t.deepEqual(
		results.map((r) => [r.outcome, r.summary]),
		[
			['error', 'not probed: cancelled'],
			['error', 'not probed: cancelled'],
		],
	);
	t.true(await waitFor(() => liveChildren().length === 0, 60_000));
});
