// Scans and probes while instances come and go, on Debian's real kernels with the mdev samples:
// a shell loop in the guest creates and removes instances of mtty-2, mdpy-vga and mbochs-small
// (writing a uuid to the type's `create`, then 1 to the instance's `remove`), while one node
// process scans the live host 100 times and probes every active instance after each scan
// (test/vm/races-worker.ts), and the shipped CLI runs --json and --json --probe a few times.
// No crash; every scan internally consistent; an instance that vanished in between is one
// "gone" fact, not an error per file; the three instances the churn does not touch read the same
// every time and probe ok; the worker ends with the fds it started with.
import test from 'ava';
import type {ProbeResult} from '../../src/model/probe.js';
import type {HostModel, Instance} from '../../src/model/types.js';
import {bundle, bundleEntry} from '../safety/bundle.js';
import {consistency, STABLE, type RaceReport} from './races-worker.js';
import {RUN_SH, runInVm, sectionReader, vmKernelRelease, type VmSeries} from './vm.js';

const ITERATIONS = 100;

function script(cli: string, worker: string): string {
	return `
set -u
${RUN_SH}

# Each instance lives while the next three are made, so scans meet them at every stage: being
# made, there, being removed (a removal waits while a probe has the device open).
churn() {
	made=0; removed=0; refused=0; older=""; old=""; new=""
	drop() {
		[ -z "$1" ] && return
		if echo 1 >/sys/bus/mdev/devices/$1/remove 2>/dev/null; then removed=$((removed + 1)); else refused=$((refused + 1)); fi
	}
	while [ ! -e /tmp/stop-churn ]; do
		for pt in mtty/mtty-2 mdpy/mdpy-vga mbochs/mbochs-small; do
			u=$(cat /proc/sys/kernel/random/uuid)
			if echo "$u" >/sys/class/mdev_bus/\${pt%/*}/mdev_supported_types/\${pt#*/}/create 2>/dev/null; then
				made=$((made + 1))
				drop "$older"
				older=$old; old=$new; new=$u
			fi
		done
	done
	for u in $older $old $new; do drop "$u"; done
	echo "made=$made removed=$removed refused=$refused" >/tmp/churn.count
}

churn &
churner=$!
sleep 1
run worker node ${worker} ${ITERATIONS}
for i in 1 2 3; do run json$i node ${cli} --json; done
for i in 1 2 3; do run probe$i node ${cli} --json --probe; done
touch /tmp/stop-churn
wait $churner
echo "@@@ churn $(cat /tmp/churn.count)"
echo "@@@ left $(ls /sys/bus/mdev/devices | tr '\\n' ' ')"
`;
}

type Probed = Instance & {probe?: ProbeResult};

test.after.always(async () => (await bundle({under: '/var/tmp'})).remove());

for (const series of ['6.12', '6.1'] as VmSeries[]) {
	test.serial(`${series}: ${ITERATIONS} scans and probes while instances are created and removed: consistent, no crash, vanished means gone`, async (t) => {
		t.truthy(vmKernelRelease(series), `the ${series} VM is not built: run test/vm/build.sh ${series}`);
		// The guest sees this machine's root read-only, but not its /tmp: the CLI is built under /var/tmp.
		const built = await bundle({under: '/var/tmp'});
		const workerJs = await bundleEntry(built, 'races-worker', 'test/vm/races-worker.ts');
		const vm = await runInVm(series, script(built.cli, workerJs), {timeoutMs: 540_000});
		t.is(vm.rc, 0, `exit ${vm.rc}\nstdout:\n${vm.stdout}\nstderr:\n${vm.stderr}`);
		const {get} = sectionReader(vm);

		// The churn really ran, all along.
		const churn = /^@@@ churn made=(\d+) removed=(\d+) refused=(\d+)$/m.exec(vm.stdout);
		t.truthy(churn, vm.stdout);
		const [made, removed, refused] = churn!.slice(1).map(Number) as [number, number, number];
		t.log(`${series}: churn made ${made} instances, removed ${removed}, ${refused} removals refused`);
		t.true(made >= 50, `only ${made} instances were made`);
		t.is(made, removed + refused);
		// What the churn made, it removed (or the kernel kept it): only the stable three are left.
		t.is(/^@@@ left (.*)$/m.exec(vm.stdout)?.[1]?.trim(), Object.keys(STABLE).join(' '));

		// ---- the in-process loop ----
		const worker = get('worker');
		t.is(worker.rc, 0, get('worker.stderr').text);
		const report = JSON.parse(worker.text) as RaceReport;
		t.log(
			`${series}: ${report.iterations} scans+probes in ${report.ms} ms; churned instances seen ${report.churnSeen} times (${report.churnGone} gone, ${report.churnHalfway.length} halfway); probes ${JSON.stringify(report.probes)}, stable ${JSON.stringify(report.stableProbes)}`,
		);
		for (const [what, summary] of Object.entries(report.probeSamples)) t.log(`  ${what}: ${summary}`);
		for (const h of report.churnHalfway.slice(0, 5)) t.log(`  halfway ${h.uuid}: ${h.errors.map((e) => `${e.code} ${e.path}`).join('; ')}`);
		t.deepEqual(report.problems, []);
		t.is(report.fdsAfter, report.fdsBefore, 'the worker holds no more fds than it started with');
		t.true(report.churnSeen >= ITERATIONS, `the scans saw churned instances only ${report.churnSeen} times`);
		// Caught halfway (made or being removed, the scan's second look too): its missing links, no more.
		for (const h of report.churnHalfway) {
			t.true(h.errors.length <= 3, `${h.uuid}: ${JSON.stringify(h.errors)}`);
			for (const e of h.errors) t.true(e.code === 'ENOENT' && e.path.includes(h.uuid), `${h.uuid}: ${JSON.stringify(e)}`);
		}
		t.deepEqual(Object.keys(report.stableProbes), ['ok'], 'the untouched instances always probe ok');
		t.is(report.stableProbes.ok, ITERATIONS * 3);

		// ---- the shipped CLI, a few times, during the churn ----
		for (const name of ['json1', 'json2', 'json3', 'probe1', 'probe2', 'probe3']) {
			const sec = get(name);
			t.is(sec.rc, 0, `${name}: ${get(`${name}.stderr`).text}`);
			const model = JSON.parse(sec.text) as Omit<HostModel, 'instances'> & {instances: Probed[]};
			t.deepEqual(consistency(model as HostModel, name), []);
			if (name.startsWith('probe')) {
				for (const i of model.instances) {
					if (STABLE[i.uuid]) t.is(i.probe?.outcome, 'ok', `${name} ${i.uuid}: ${i.probe?.summary}`);
					// An instance gone by the time it was probed says so; nothing else but ok.
					else if (i.probe) t.true(['ok', 'vanished', 'error'].includes(i.probe.outcome), `${name} ${i.uuid}: ${i.probe.outcome} ${i.probe.summary}`);
				}
			}
		}
	});
}
