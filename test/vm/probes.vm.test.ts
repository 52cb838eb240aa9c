// The live probes against Debian's real 6.1 and 6.12 kernels with the mdev samples (the
// reference for issue 3): the real CLI (`--json --probe`, probe children and all) as root, with
// the mdpy group held by a QEMU-like process (test/vm/holder.c), and as nobody; and the engine
// in-process, counting its fds around every probe on each of those paths.
import test from 'ava';
import type {ProbeResult} from '../../src/model/probe.js';
import type {HostModel, Instance} from '../../src/model/types.js';
import {HOLDER_SH, RUN_SH, runInVm, sections, vmKernelRelease, type Section, type VmSeries} from './vm.js';

const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';

// Counts /proc/self/fd around each probe of every instance, three rounds, in this process.
const fdScript = `
import {readdirSync, readlinkSync} from "node:fs";
import {basename} from "node:path";
import {probeInstance} from "./src/probe/engine.ts";
const count = () => readdirSync("/proc/self/fd").length;
const rows = [];
for (let round = 0; round < 3; round++) {
	for (const uuid of readdirSync("/sys/bus/mdev/devices").sort()) {
		const iommuGroup = Number(basename(readlinkSync("/sys/bus/mdev/devices/" + uuid + "/iommu_group")));
		const before = count();
		const r = probeInstance({uuid, iommuGroup});
		rows.push({uuid, outcome: r.outcome, before, after: count()});
	}
}
console.log(JSON.stringify(rows));
`;

const script = `
set -u
cli="node --import tsx src/cli.tsx --json --probe"
fds="node --import tsx --input-type=module -e"
nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
${RUN_SH}
${HOLDER_SH}
fdjs='${fdScript.trim()}'

run free $cli
run freefds $fds "$fdjs"

start_holder ${MDPY} -name guest=holder-vm,debug-threads=on -uuid ${MDPY}
echo "@@@ holder pid=$hp"
run busy $cli
run busyfds $fds "$fdjs"
kill -USR1 $hp
wait $hp
echo "@@@ holder rc=$?"
echo "@@@ begin holder.out"; cat /tmp/holder.out; echo "@@@ end holder.out rc=0"
run after $cli

run nonroot $nobody $cli
run nonrootfds $nobody $fds "$fdjs"
`;

type Probed = Instance & {probe?: ProbeResult};
const probesOf = (json: string): Map<string, ProbeResult> => {
	const model = JSON.parse(json) as Omit<HostModel, 'instances'> & {instances: Probed[]};
	return new Map(model.instances.map((i) => [i.uuid, i.probe!]));
};

for (const series of ['6.1', '6.12'] as VmSeries[]) {
	test.serial(`${series}: the probes answer as the kernel does, hold no fd, respect a holder and need root`, async (t) => {
		t.truthy(vmKernelRelease(series), `the ${series} VM is not built: run test/vm/build.sh ${series}`);
		const vm = await runInVm(series, script, {timeoutMs: 540_000});
		t.is(vm.rc, 0, `exit ${vm.rc}\nstdout:\n${vm.stdout}\nstderr:\n${vm.stderr}`);
		const s = sections(vm.stdout);
		const retries = vm.stdout.match(/^@@@ retry .*$/gm) ?? [];
		if (retries.length > 0) t.log(`repeated after node crashed in the guest: ${retries.join('; ')}`);
		const get = (name: string): Section => {
			const sec = s.get(name);
			if (!sec) throw new Error(`no section ${name} in the guest's output:\n${vm.stdout}\n${vm.stderr}`);
			return sec;
		};
		for (const name of ['free', 'busy', 'after', 'nonroot']) t.is(get(name).rc, 0, `${name}: ${get(`${name}.stderr`).text}`);

		// ---- as root, nothing else holding the devices ----
		const free = probesOf(get('free').text);
		t.log(`${series} probes:\n${[...free.values()].map((p) => `  ${p.uuid.slice(0, 8)} ${p.outcome}: ${p.summary}`).join('\n')}`);
		for (const [uuid, p] of free) {
			t.is(p.outcome, 'ok', `${uuid}: ${p.summary}`);
			t.is(p.via, 'direct');
			t.is(p.device?.flags, 0x2);
			t.deepEqual(p.device?.flagNames, ['PCI']);
			t.is(p.device?.numRegions, uuid === MBOCHS ? 10 : 9);
			t.is(p.device?.numIrqs, 5);
			t.is(p.regions.find((r) => r.index === 7)?.name, 'CONFIG');
		}

		const mtty = free.get(MTTY)!;
		t.deepEqual(mtty.display.region, {supported: false, code: 'ENOTTY'});
		t.deepEqual(mtty.display.dmabuf, {supported: false, code: 'ENOTTY'});
		t.is(mtty.display.plane, null);
		if (series === '6.1') {
			t.deepEqual(mtty.migration, {supported: false, code: 'ENOTTY', flags: null, flagNames: []});
		} else {
			t.deepEqual(mtty.migration, {supported: true, flags: 0x7, flagNames: ['STOP_COPY', 'P2P', 'PRE_COPY']});
		}
		// Measured: 6.12's mtty also accepts the DMA logging probe.
		t.deepEqual(mtty.dmaLogging, series === '6.1' ? {supported: false, code: 'ENOTTY'} : {supported: true});

		const mdpy = free.get(MDPY)!;
		t.deepEqual(mdpy.display.region, {supported: true});
		t.deepEqual(mdpy.display.dmabuf, {supported: false, code: 'EINVAL'});
		t.like(mdpy.display.plane, {drmFormat: 'XR24', drmFormatNumber: 0x34325258, width: 1920, height: 1080, stride: 7680, regionIndex: 16});
		t.true((mdpy.display.plane?.size ?? 0) >= 1920 * 1080 * 4);
		t.is(mdpy.summary, 'REGION display (XR24 1920x1080), no migration, no DMA logging');
		// The device fd came from the call the engine marks as the device open (what quirks look for).
		t.like(mdpy.steps.find((st) => st.kind === 'device-open'), {step: `VFIO_GROUP_GET_DEVICE_FD(${MDPY})`, ok: true});
		t.deepEqual([...new Set(mdpy.steps.map((st) => st.kind))], ['container-open', 'query', 'group-open', 'device-open', 'close']);

		const mbochs = free.get(MBOCHS)!;
		t.deepEqual(mbochs.display.dmabuf, {supported: true});
		t.deepEqual(mbochs.display.region, {supported: false, code: 'EINVAL'});
		// The guest never set a mode on the mbochs device: the real query answers an empty plane.
		t.is(mbochs.display.plane, null);
		t.regex(mbochs.display.planeNote ?? '', /^no plane yet/);
		t.like(mbochs.regions.find((r) => r.index === 9), {caps: [{id: 2, name: 'TYPE', type: 1, subtype: 1}]});

		for (const uuid of [MDPY, MBOCHS]) {
			t.deepEqual(free.get(uuid)!.migration, {supported: false, code: 'ENOTTY', flags: null, flagNames: []});
		}

		// ---- no fd left open, on the ok, busy and needs-root paths ----
		for (const name of ['freefds', 'busyfds', 'nonrootfds']) {
			t.is(get(name).rc, 0, `${name}: ${get(`${name}.stderr`).text}`);
			const rows = JSON.parse(get(name).text) as Array<{uuid: string; outcome: string; before: number; after: number}>;
			t.is(rows.length, 9);
			for (const row of rows) t.is(row.after, row.before, `${name} ${row.uuid} (${row.outcome}) left fds open`);
		}

		// ---- the mdpy group held by another process ----
		const holderPid = Number(/^@@@ holder pid=(\d+)$/m.exec(vm.stdout)?.[1]);
		t.true(holderPid > 1);
		const busy = probesOf(get('busy').text);
		const held = busy.get(MDPY)!;
		t.is(held.outcome, 'busy');
		t.is(held.summary, `in use by qemu-holder pid ${holderPid} (VM holder-vm, uuid ${MDPY})`);
		t.like(held.steps.at(-2), {kind: 'group-open', ok: false, code: 'EBUSY', meaning: 'group in use by another process (not retried)'});
		// Stopped at the group: every question is "not asked" as data, not only in words.
		for (const answer of [held.display.region, held.display.dmabuf, held.migration, held.dmaLogging]) t.is(answer.notAsked, 'device-not-opened');
		t.is(held.device, null);
		t.is(busy.get(MTTY)!.outcome, 'ok');
		t.is(busy.get(MBOCHS)!.outcome, 'ok');
		const busyRows = JSON.parse(get('busyfds').text) as Array<{uuid: string; outcome: string}>;
		t.deepEqual([...new Set(busyRows.filter((r) => r.uuid === MDPY).map((r) => r.outcome))], ['busy']);
		// The holder still had a working device after being probed, and exited cleanly.
		t.is(/^@@@ holder rc=(\d+)$/m.exec(vm.stdout)?.[1], '0', get('holder.out').text);
		t.regex(get('holder.out').text, /^info flags=0x2 regions=9 irqs=5$/m);
		// Once it let go, the probe opens the device again.
		t.is(probesOf(get('after').text).get(MDPY)!.outcome, 'ok');

		// ---- as nobody: the inventory still works, the probes need root ----
		const nonrootModel = JSON.parse(get('nonroot').text) as Omit<HostModel, 'instances'> & {instances: Probed[]};
		t.deepEqual(
			nonrootModel.instances.map((i) => i.uuid),
			[MTTY, MDPY, MBOCHS],
		);
		t.is(nonrootModel.parents.length, 3);
		for (const i of nonrootModel.instances) {
			t.is(i.probe?.outcome, 'needs-root', `${i.uuid}: ${i.probe?.summary}`);
			t.regex(i.probe?.summary ?? '', /^needs root: no permission to open \/dev\/vfio\/\d+ \(run as root\)$/);
			t.like(i.probe?.steps.find((st) => !st.ok), {kind: 'group-open', code: 'EACCES'});
		}
		const nonrootRows = JSON.parse(get('nonrootfds').text) as Array<{outcome: string}>;
		t.deepEqual([...new Set(nonrootRows.map((r) => r.outcome))], ['needs-root']);
	});
}
