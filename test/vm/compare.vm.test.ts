// Issue 5's acceptance on real kernels: snapshots taken inside the 6.1 and 6.12 guests with the
// bundle (`node dist/cli.js --json --probe`, as root, the probes asking the real devices), then
// compared on this machine: 6.12 -> 6.12 lets mtty migrate, 6.12 -> 6.1 blocks it (6.1's mtty has
// no migration) and names the kernel difference, mdpy and mbochs are blocked everywhere. Needs
// `node scripts/build.mjs` (npm run test:vm builds first).
import {execFile} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import type {Comparison, InstanceVerdict} from '../../src/compare/compare.js';
import type {ProbeResult} from '../../src/model/probe.js';
import type {HostModel, Instance} from '../../src/model/types.js';
import {CRASH_RETRIES, runInVm, vmKernelRelease, type VmSeries} from './vm.js';

const project = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = path.join(project, 'dist', 'cli.js');
const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';

// Node has crashed with SIGSEGV under software emulation now and then (see probes.vm.test.ts):
// such a run is repeated, and said so; any other failure fails the test. Each command's output
// is a section `@@@ begin NAME` ... `@@@ end NAME rc=N` on stdout.
const guestScript = (compareWith: string | null) => `
set -u
run() {
	name=$1; shift
	try=0
	while :; do
		try=$((try + 1))
		"$@" >"$MDEVSCOPE_VM_OUT/$name.out" 2>/tmp/$name.err
		rc=$?
		if [ $rc = 139 ] && [ $try -le ${CRASH_RETRIES} ]; then echo "@@@ retry $name rc=$rc" >&2; continue; fi
		break
	done
	cat /tmp/$name.err >&2
	echo "@@@ begin $name"; cat "$MDEVSCOPE_VM_OUT/$name.out"; echo "@@@ end $name rc=$rc"
}
run snap node dist/cli.js --json --probe
${compareWith === null ? '' : `run compare node dist/cli.js compare ${JSON.stringify(compareWith)} local --json`}
`;

function sections(stdout: string): Map<string, {text: string; rc: number}> {
	const out = new Map<string, {text: string; rc: number}>();
	for (const m of stdout.matchAll(/^@@@ begin (\S+)\n([\s\S]*?)\n?@@@ end \1 rc=(\d+)$/gm)) out.set(m[1]!, {text: m[2]!, rc: Number(m[3])});
	return out;
}

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}

function cli(...args: string[]): Promise<Run> {
	return new Promise((resolve) => {
		execFile(process.execPath, [dist, ...args], {cwd: project, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) =>
			resolve({code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr}),
		);
	});
}

type Recorded = Omit<HostModel, 'instances'> & {instances: Array<Instance & {probe?: ProbeResult}>};

const dir = mkdtempSync('/var/tmp/mdevscope-compare-vm-');
const files: Partial<Record<VmSeries, string>> = {};
const snapshots: Partial<Record<VmSeries, Recorded>> = {};
/** `compare snap-6.12.json local --json`, run inside the 6.1 guest (DEST scanned and probed live). */
let localCompare: {rc: number; text: string} | null = null;

test.before('take a snapshot in each guest; in the 6.1 guest, also compare the 6.12 snapshot with it live', async (t) => {
	if (!existsSync(dist)) throw new Error('dist/cli.js is missing: run `node scripts/build.mjs` first');
	for (const series of ['6.12', '6.1'] as VmSeries[]) {
		if (!vmKernelRelease(series)) throw new Error(`the ${series} VM is not built: run test/vm/build.sh ${series}`);
		// The guest sees this machine's /var/tmp (read-only), so it can read the 6.12 snapshot.
		const vm = await runInVm(series, guestScript(series === '6.1' ? files['6.12']! : null), {timeoutMs: 540_000});
		if (vm.stderr.includes('@@@ retry')) t.log(`${series}: repeated after node crashed in the guest: ${vm.stderr}`);
		const s = sections(vm.stdout);
		const taken = s.get('snap');
		if (vm.rc !== 0 || !taken || taken.rc !== 0) throw new Error(`${series}: the snapshot failed (exit ${vm.rc}, snap rc ${taken?.rc}):\n${vm.stdout}\n${vm.stderr}`);
		const file = path.join(dir, `snap-${series}.json`);
		writeFileSync(file, taken.text);
		files[series] = file;
		snapshots[series] = JSON.parse(taken.text) as Recorded;
		if (series === '6.1') localCompare = s.get('compare') ?? null;
	}
});

test.after.always(() => {
	if (!process.env.MDEVSCOPE_VM_KEEP) rmSync(dir, {recursive: true, force: true});
});

const snap = (series: VmSeries): Recorded => snapshots[series]!;
const file = (series: VmSeries): string => files[series]!;

test.serial('the snapshots hold what migration needs: kernel release, vendor driver module versions, probed migration flags', (t) => {
	for (const series of ['6.1', '6.12'] as VmSeries[]) {
		const m = snap(series);
		t.is(m.host.kernelRelease, vmKernelRelease(series));
		const mtty = m.parents.find((p) => p.name === 'mtty')!;
		// mtty's module declares MODULE_VERSION("0.1"); its srcversion is a hash of its sources.
		t.like(mtty.driverModule, {name: 'mtty', version: '0.1', via: 'mdev-driver-link'}, series);
		t.regex(mtty.driverModule?.srcversion ?? '', /^[0-9A-F]{23}$/);
		for (const name of ['mdpy', 'mbochs']) {
			t.deepEqual(m.parents.find((p) => p.name === name)!.driverModule, {name, version: null, srcversion: null, via: 'mdev-driver-link'});
		}
		const probes = new Map(m.instances.map((i) => [i.uuid, i.probe]));
		for (const uuid of [MTTY, MDPY, MBOCHS]) t.is(probes.get(uuid)?.outcome, 'ok', `${series} ${uuid}: ${probes.get(uuid)?.summary}`);
		t.deepEqual(
			probes.get(MTTY)?.migration,
			series === '6.12' ? {supported: true, flags: 7, flagNames: ['STOP_COPY', 'P2P', 'PRE_COPY']} : {supported: false, code: 'ENOTTY', flags: null, flagNames: []},
		);
	}
	t.not(snap('6.1').parents.find((p) => p.name === 'mtty')!.driverModule!.srcversion, snap('6.12').parents.find((p) => p.name === 'mtty')!.driverModule!.srcversion);
});

test.serial('--from a guest snapshot: the same JSON, marked as recorded', async (t) => {
	const r = await cli('--from', file('6.12'), '--json');
	t.is(r.code, 0, r.stderr);
	const m = JSON.parse(r.stdout) as Recorded;
	// The guest never set a host name: the kernel says "(none)", so the snapshot is named by its file.
	t.is(snap('6.12').host.hostname, '(none)');
	t.deepEqual(m.source, {kind: 'snapshot', label: 'snap-6.12.json', recordedAt: snap('6.12').scannedAt});
	t.deepEqual({...m, source: null}, {...snap('6.12'), source: null});
	const plain = await cli('--from', file('6.12'), '--plain');
	t.is(plain.stdout.split('\n')[1], `Source    snapshot snap-6.12.json, recorded ${snap('6.12').scannedAt}`);
});

async function compare(from: VmSeries, to: VmSeries, ...extra: string[]): Promise<{run: Run; report: Comparison}> {
	const run = await cli('compare', file(from), file(to), '--json', ...extra);
	t_log.push(`compare ${from} -> ${to}${extra.length ? ` ${extra.join(' ')}` : ''}: exit ${run.code}`);
	return {run, report: JSON.parse(run.stdout) as Comparison};
}
const t_log: string[] = [];

const byUuid = (c: Comparison, uuid: string): InstanceVerdict => c.instances.find((i) => i.uuid === uuid)!;

test.serial('6.12 -> 6.12: mtty ok (migration supported on both ends); mdpy and mbochs blocked', async (t) => {
	const {run, report} = await compare('6.12', '6.12');
	t.is(run.code, 2, run.stderr);
	const mtty = byUuid(report, MTTY);
	t.is(mtty.verdict, 'ok', JSON.stringify(mtty.reasons, null, 1));
	t.deepEqual(
		mtty.reasons.filter((r) => r.check.startsWith('migration')).map((r) => r.message),
		[
			'SOURCE: migration supported, STOP_COPY|P2P|PRE_COPY (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance)',
			'DEST: migration supported, STOP_COPY|P2P|PRE_COPY (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance)',
			'same migration flags (STOP_COPY|P2P|PRE_COPY)',
		],
	);
	for (const uuid of [MDPY, MBOCHS]) t.is(byUuid(report, uuid).verdict, 'blocked');
	const only = await compare('6.12', '6.12', '--uuid', MTTY);
	t.is(only.run.code, 0, only.run.stdout);
	t.deepEqual(only.report.instances.map((i) => [i.uuid, i.verdict]), [[MTTY, 'ok']]);
});

test.serial('6.12 -> 6.1: mtty blocked (no migration on the destination), the kernel difference reported', async (t) => {
	const {run, report} = await compare('6.12', '6.1');
	t.is(run.code, 2);
	const mtty = byUuid(report, MTTY);
	t.is(mtty.verdict, 'blocked');
	t.true(mtty.reasons.some((r) => r.verdict === 'blocked' && r.message === 'DEST: the device does not support migration (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: ENOTTY)'));
	const k612 = vmKernelRelease('6.12')!;
	const k61 = vmKernelRelease('6.1')!;
	t.deepEqual(mtty.reasons.find((r) => r.check === 'kernel'), {check: 'kernel', verdict: 'risky', message: `kernels differ: ${k612} on SOURCE, ${k61} on DEST`, source: k612, dest: k61});
	t.like(mtty.reasons.find((r) => r.check === 'driver'), {verdict: 'risky', source: 'mtty 0.1', dest: 'mtty 0.1'});
	const plain = await cli('compare', file('6.12'), file('6.1'));
	t.is(plain.code, 2);
	t.log(plain.stdout);
});

test.serial('mdpy and mbochs are blocked in every direction: neither supports migration', async (t) => {
	for (const [from, to] of [
		['6.12', '6.12'],
		['6.12', '6.1'],
		['6.1', '6.12'],
		['6.1', '6.1'],
	] as Array<[VmSeries, VmSeries]>) {
		const {run, report} = await compare(from, to);
		t.is(run.code, 2);
		for (const uuid of [MDPY, MBOCHS]) {
			const v = byUuid(report, uuid);
			t.is(v.verdict, 'blocked', `${from} -> ${to} ${uuid}`);
			t.deepEqual(
				v.reasons.filter((r) => r.check === 'migration').map((r) => [r.verdict, r.message]),
				[
					['blocked', 'SOURCE: the device does not support migration (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: ENOTTY)'],
					['blocked', 'DEST: the device does not support migration (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: ENOTTY)'],
				],
			);
		}
	}
	// 6.1's mtty cannot migrate either.
	t.is(byUuid((await compare('6.1', '6.12')).report, MTTY).verdict, 'blocked');
	t.log(t_log.join('\n'));
});

test.serial('inside the 6.1 guest, compare snap-6.12.json local: DEST probed live, mtty blocked, exit 2', (t) => {
	t.truthy(localCompare, 'the 6.1 guest printed no compare section');
	t.is(localCompare!.rc, 2);
	const report = JSON.parse(localCompare!.text) as Comparison;
	t.like(report.dest, {name: 'this host', kind: 'live', kernelRelease: vmKernelRelease('6.1')});
	t.like(report.source, {kind: 'snapshot', label: 'snap-6.12.json', kernelRelease: vmKernelRelease('6.12')});
	const mtty = byUuid(report, MTTY);
	t.is(mtty.verdict, 'blocked');
	t.true(mtty.reasons.some((r) => r.message === 'DEST: the device does not support migration (VFIO_DEVICE_FEATURE_MIGRATION, asked of this instance: ENOTTY)'));
	for (const uuid of [MDPY, MBOCHS]) t.is(byUuid(report, uuid).verdict, 'blocked');
});
