// Owners and the doctor against Debian's real 6.1 and 6.12 kernels with the mdev samples (issue 4's
// acceptance): a QEMU-like process (test/vm/holder.c, started with libvirt's kind of command line)
// holds the mdpy instance's group; the real CLI names it as the owner in --json and --plain, the
// probe of that instance says busy and names it, and the holder still uses its device afterwards.
// `doctor` passes on the guest and fails, with the fixes, on a tree without the vfio modules.
import test from 'ava';
import type {DoctorReport} from '../../src/doctor/index.js';
import type {ProbeResult} from '../../src/model/probe.js';
import type {HostModel, Instance} from '../../src/model/types.js';
import type {Owner} from '../../src/owners/join.js';
import {retriesIn, HOLDER_SH, RUN_SH, runInVm, sections, vmKernelRelease, type Section, type VmSeries} from './vm.js';

const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';
const VM_UUID = 'c0ffee00-0000-4000-8000-000000000042';
// What libvirt puts on QEMU's command line for a domain named vdi-42 (its master key secret).
const HOLDER_ARGS = [
	'-name',
	'guest=vdi-42,debug-threads=on',
	'-object',
	'secret,id=masterKey0,format=raw,file=/var/lib/libvirt/qemu/domain-7-vdi-42/master-key.aes',
	'-uuid',
	VM_UUID,
];

const script = `
set -u
cli="node --import tsx src/cli.tsx"
${RUN_SH}
${HOLDER_SH}

start_holder ${MDPY} ${HOLDER_ARGS.join(' ')}
echo "@@@ holder pid=$hp group=$g"
run json $cli --json
run cmdline $cli --json --with-cmdline
run plain $cli --plain
run probe $cli --json --probe
kill -USR1 $hp
wait $hp
echo "@@@ holder rc=$?"
echo "@@@ begin holder.out"; cat /tmp/holder.out; echo "@@@ end holder.out rc=0"
run after $cli --json

run doctor $cli doctor
run doctorjson $cli doctor --json
run emptydoctor $cli doctor --root test/fixtures/trees/empty --json
`;

type Listed = Instance & {owners: Owner[] | null; ownersUnknown?: string; probe?: ProbeResult};
const instancesOf = (json: string): Map<string, Listed> => {
	const model = JSON.parse(json) as Omit<HostModel, 'instances'> & {instances: Listed[]};
	return new Map(model.instances.map((i) => [i.uuid, i]));
};

for (const series of ['6.1', '6.12'] as VmSeries[]) {
	test.serial(`${series}: the holder of a group is its owner in --json and --plain, the probe names it, and doctor judges the guest and a host without vfio`, async (t) => {
		t.truthy(vmKernelRelease(series), `the ${series} VM is not built: run test/vm/build.sh ${series}`);
		const vm = await runInVm(series, script, {timeoutMs: 540_000});
		t.is(vm.rc, 0, `exit ${vm.rc}\nstdout:\n${vm.stdout}\nstderr:\n${vm.stderr}`);
		const s = sections(vm.stdout);
		const retries = retriesIn(vm.stdout);
		if (retries.length > 0) t.log(`repeated after node crashed in the guest: ${retries.join('; ')}`);
		const get = (name: string): Section => {
			const sec = s.get(name);
			if (!sec) throw new Error(`no section ${name} in the guest's output:\n${vm.stdout}\n${vm.stderr}`);
			return sec;
		};
		for (const name of ['json', 'cmdline', 'plain', 'probe', 'after', 'doctor', 'doctorjson']) t.is(get(name).rc, 0, `${name}: ${get(`${name}.stderr`).text}`);

		const held = /^@@@ holder pid=(\d+) group=(\d+)$/m.exec(vm.stdout);
		const pid = Number(held?.[1]);
		const group = Number(held?.[2]);
		t.true(pid > 1);
		// --json leaves the argv out (it can hold secrets: the -object secret here); VM name and uuid stay.
		const owner: Owner = {
			pid,
			comm: 'qemu-holder',
			vmName: 'vdi-42',
			vmUuid: VM_UUID,
			libvirtDomain: 'vdi-42',
			// Only the instance's own file: the container and the anonymous device fd are not its.
			files: [`/dev/vfio/${group}`],
		};

		// ---- --json: the holder is mdpy's owner; nobody holds the others (as root every fd is read) ----
		const listed = instancesOf(get('json').text);
		t.deepEqual(listed.get(MDPY)!.owners, [owner]);
		t.false('ownersUnknown' in listed.get(MDPY)!);
		t.deepEqual(listed.get(MTTY)!.owners, []);
		t.deepEqual(listed.get(MBOCHS)!.owners, []);
		t.false(get('json').text.includes('masterKey0'), 'no argv in --json');
		// ---- --json --with-cmdline: the same owner with its whole command line, as the kernel gave it ----
		t.deepEqual(instancesOf(get('cmdline').text).get(MDPY)!.owners, [{...owner, cmdline: ['/tmp/qemu-holder', String(group), MDPY, ...HOLDER_ARGS]}]);

		// ---- --plain: the OWNER column ----
		const plain = get('plain').text.split('\n');
		t.true(plain.some((l) => l.startsWith(`  ${MDPY}  mdpy-hd`) && l.endsWith(`  qemu pid ${pid} vm=vdi-42`)), get('plain').text);
		t.true(plain.some((l) => l.startsWith(`  ${MTTY}  mtty-1`) && l.endsWith('  -')), get('plain').text);
		t.false(plain.some((l) => l.startsWith('Owners')), 'no owner is unknown');

		// ---- --json --probe: busy, naming the holder; the owners agree ----
		const probed = instancesOf(get('probe').text);
		const busy = probed.get(MDPY)!.probe!;
		t.is(busy.outcome, 'busy');
		t.is(busy.summary, `in use by qemu-holder pid ${pid} (VM vdi-42, uuid ${VM_UUID})`);
		t.like(busy.steps.find((step) => !step.ok), {step: `open /dev/vfio/${group}`, code: 'EBUSY'});
		t.is(busy.device, null);
		t.deepEqual(probed.get(MDPY)!.owners, [owner]);
		t.is(probed.get(MTTY)!.probe!.outcome, 'ok');
		t.is(probed.get(MBOCHS)!.probe!.outcome, 'ok');

		// ---- the holder still had a working device after all that, and exited cleanly ----
		t.is(/^@@@ holder rc=(\d+)$/m.exec(vm.stdout)?.[1], '0', get('holder.out').text);
		t.regex(get('holder.out').text, /^info flags=0x2 regions=9 irqs=5$/m);
		t.deepEqual(instancesOf(get('after').text).get(MDPY)!.owners, []);

		// ---- doctor on the guest: no check fails ----
		const doctor = get('doctor').text;
		t.regex(doctor, /^mdevscope doctor: \d+ ok, \d+ warn, 0 fail$/m);
		t.false(doctor.includes('[FAIL]'), doctor);
		const report = JSON.parse(get('doctorjson').text) as DoctorReport;
		t.is(report.exitCode, 0);
		t.is(report.summary.fail, 0);
		const verdict = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id)?.verdict;
		for (const id of ['iommu', 'module-vfio', 'module-vfio_iommu_type1', 'module-mdev', 'dev-vfio-container', 'dev-vfio-groups', 'root', 'mdev-parents']) {
			t.is(verdict(report, id), 'ok', `${id}: ${JSON.stringify(report.checks.find((c) => c.id === id))}`);
		}
		t.log(`${series} doctor: ${doctor.split('\n')[0]}; warnings: ${report.checks.filter((c) => c.verdict === 'warn').map((c) => c.id).join(', ') || 'none'}`);

		// ---- doctor on a host tree without the vfio modules: exit 1, the failing checks, the fixes ----
		const empty = get('emptydoctor');
		t.is(empty.rc, 1, get('emptydoctor.stderr').text);
		const failed = JSON.parse(empty.text) as DoctorReport;
		t.is(failed.exitCode, 1);
		const fixOf = (id: string) => {
			const c = failed.checks.find((x) => x.id === id);
			return c ? {verdict: c.verdict, fix: c.fix} : null;
		};
		t.deepEqual(fixOf('module-vfio'), {verdict: 'fail', fix: 'modprobe vfio'});
		t.deepEqual(fixOf('module-vfio_iommu_type1'), {verdict: 'fail', fix: 'modprobe vfio_iommu_type1'});
		t.deepEqual(fixOf('module-mdev'), {verdict: 'fail', fix: 'modprobe mdev'});
		t.deepEqual(fixOf('dev-vfio-container'), {verdict: 'fail', fix: 'modprobe vfio'});
	});
}
