// fd hygiene over many probes, on Debian's real kernels with the mdev samples, on every path:
// mtty and mbochs open (ok), mdpy held by a QEMU-like process (test/vm/holder.c: busy), an
// instance removed before the probes (vanished: its group node is gone) and a uuid that never
// existed. 1,000 probes with the probe engine in one process, fds counted around each probe;
// then the runner (child processes and their pipes) 10 times over the same instances, fds
// counted in the calling process before and after. The holder's device still answers afterwards.
// (test/vm/probes.vm.test.ts checks each outcome's details and a few rounds; this is the long run.)
import test from 'ava';
import {bundle, bundleEntry} from '../safety/bundle.js';
import type {FdReport} from './fds-worker.js';
import {HOLDER_SH, RUN_SH, runInVm, sectionReader, vmKernelRelease, type VmSeries} from './vm.js';

const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';
const NEVER = 'ffffffff-0000-4000-8000-000000000000';
const ROUNDS = 200; // x 5 instances = 1,000 probes
const RUNNER_CALLS = 10;

const script = (worker: string) => `
set -u
${RUN_SH}
${HOLDER_SH}
group() { basename "$(readlink /sys/bus/mdev/devices/$1/iommu_group)"; }

start_holder ${MDPY} -name guest=holder-vm -uuid ${MDPY}

# An instance made and removed again: its uuid and group number are what a stale scan holds.
gone=$(cat /proc/sys/kernel/random/uuid)
echo "$gone" >/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create || exit 92
gg=$(group "$gone")
echo 1 >/sys/bus/mdev/devices/$gone/remove || exit 93
[ -e /dev/vfio/$gg ] && { echo "/dev/vfio/$gg still there"; exit 94; }
echo "@@@ gone $gone $gg"

jobs="${MTTY}:$(group ${MTTY}) ${MBOCHS}:$(group ${MBOCHS}) ${MDPY}:$(group ${MDPY}) $gone:$gg ${NEVER}:9999"
run engine node ${worker} engine ${ROUNDS} $jobs
run runner node ${worker} runner ${RUNNER_CALLS} $jobs

kill -USR1 $hp
wait $hp
echo "@@@ holder rc=$?"
echo "@@@ begin holder.out"; cat /tmp/holder.out; echo "@@@ end holder.out rc=0"
`;

test.after.always(async () => (await bundle({under: '/var/tmp'})).remove());

for (const series of ['6.12', '6.1'] as VmSeries[]) {
	test.serial(`${series}: 1,000 probes (ok, busy, vanished, never existed) and ${RUNNER_CALLS} runner calls leave the fds as they were; the holder still works`, async (t) => {
		t.truthy(vmKernelRelease(series), `the ${series} VM is not built: run test/vm/build.sh ${series}`);
		// Bundled like the CLI (node under emulation is slow to start, through tsx slower still), under
		// /var/tmp: the guest sees this machine's root, but not its /tmp.
		const worker = await bundleEntry(await bundle({under: '/var/tmp'}), 'fds-worker', 'test/vm/fds-worker.ts');
		const vm = await runInVm(series, script(worker), {timeoutMs: 540_000});
		t.is(vm.rc, 0, `exit ${vm.rc}\nstdout:\n${vm.stdout}\nstderr:\n${vm.stderr}`);
		const {get} = sectionReader(vm);
		const gone = /^@@@ gone (\S+) (\d+)$/m.exec(vm.stdout)!;
		t.truthy(gone, vm.stdout);
		const GONE = gone[1]!;

		// ---- the engine, 1,000 times, in one process ----
		t.is(get('engine').rc, 0, get('engine.stderr').text);
		const engine = JSON.parse(get('engine').text) as FdReport;
		t.log(`${series}: ${engine.probes} engine probes in ${engine.ms} ms; fds ${engine.fdsBefore} -> ${engine.fdsAfter}`);
		t.is(engine.probes, ROUNDS * 5);
		t.deepEqual(engine.leaks, [], 'a probe left an fd open (or closed one it did not open)');
		t.is(engine.fdsAfter, engine.fdsBefore);
		t.deepEqual(engine.outcomes, {
			[MTTY]: {ok: ROUNDS},
			[MBOCHS]: {ok: ROUNDS},
			[MDPY]: {busy: ROUNDS},
			[GONE]: {vanished: ROUNDS},
			[NEVER]: {vanished: ROUNDS},
		}, JSON.stringify(engine.summaries, null, 1));
		t.regex(engine.summaries[`${MDPY} busy`] ?? '', /^in use by qemu-holder pid \d+ \(VM holder-vm/);

		// ---- the runner, from a parent process: children, pipes and timers all closed ----
		t.is(get('runner').rc, 0, get('runner.stderr').text);
		const runner = JSON.parse(get('runner').text) as FdReport;
		t.log(`${series}: ${runner.probes} probes through the runner in ${runner.ms} ms; the parent's fds ${runner.fdsBefore} -> ${runner.fdsAfter}`);
		t.is(runner.probes, RUNNER_CALLS * 5);
		t.is(runner.fdsAfter, runner.fdsBefore);
		t.deepEqual(runner.outcomes, {
			[MTTY]: {ok: RUNNER_CALLS},
			[MBOCHS]: {ok: RUNNER_CALLS},
			[MDPY]: {busy: RUNNER_CALLS},
			[GONE]: {vanished: RUNNER_CALLS},
			[NEVER]: {vanished: RUNNER_CALLS},
		}, JSON.stringify(runner.summaries, null, 1));

		// ---- the holder: its device fd still answers after 1,000 + probes tried to take it ----
		t.is(/^@@@ holder rc=(\d+)$/m.exec(vm.stdout)?.[1], '0', get('holder.out').text);
		t.regex(get('holder.out').text, /^info flags=0x2 regions=9 irqs=5$/m);
	});
}
