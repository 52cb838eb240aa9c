// Borrowing a held device's fd (issue 10) against Debian's real 6.1 and 6.12 kernels with the mdev
// samples: QEMU-like holders (test/vm/holder.c --keep-using, named qemu-system-x86_64 with -name
// and -uuid) hold container, group and device of mtty, mdpy and mbochs, one process each, and call
// VFIO_DEVICE_GET_INFO every 100 ms while the real CLI probes them: `--json --probe --probe-held`
// answers through their fds, marked with the lender; without the flag they are busy; as nobody
// nothing is borrowed and the reason is said; in-process, no fd stays open. Then one holder with
// two devices: ambiguous, nothing borrowed. Every holder must exit 0 (its own calls never failed).
import test from 'ava';
import type {ProbeResult} from '../../src/model/probe.js';
import type {HostModel, Instance} from '../../src/model/types.js';
import {RUN_SH, runInVm, sectionReader, vmKernelRelease, type VmSeries} from './vm.js';

const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';
const VM_NAME: Record<string, string> = {[MTTY]: 'vdi-mtty', [MDPY]: 'vdi-mdpy', [MBOCHS]: 'vdi-mbochs'};
const HOLDER: Record<string, string> = {[MTTY]: 'hmtty', [MDPY]: 'hmdpy', [MBOCHS]: 'hmbochs'};

// In-process, as root: the held probe of every instance, three rounds, /proc/self/fd counted around each.
const heldJs = `
import {readdirSync, readlinkSync} from "node:fs";
import {basename} from "node:path";
import {probeHeldInstance} from "./src/probe/borrow.ts";
const count = () => readdirSync("/proc/self/fd").length;
const rows = [];
for (let round = 0; round < 3; round++) {
	for (const uuid of readdirSync("/sys/bus/mdev/devices").sort()) {
		const iommuGroup = Number(basename(readlinkSync("/sys/bus/mdev/devices/" + uuid + "/iommu_group")));
		const before = count();
		const r = probeHeldInstance({uuid, iommuGroup});
		rows.push({uuid, outcome: r.outcome, via: r.via, summary: r.summary, before, after: count()});
	}
}
console.log(JSON.stringify(rows));
`;

// As nobody, given the holder's pid and device fd (which nobody cannot look up): pidfd_getfd itself.
const getfdJs = `
import {borrowFd, refusalContext, refusalMessage} from "./src/probe/borrow.ts";
const pid = Number(process.env.BORROW_PID);
const fd = Number(process.env.BORROW_FD);
const result = borrowFd(pid, fd);
const out = {uid: process.getuid(), pid, fd, result};
if (!result.ok && result.step !== "arch") out.message = refusalMessage(result.step, result.errno, refusalContext(pid, "holder pid " + pid), fd);
console.log(JSON.stringify(out));
`;

const script = `
set -u
cli="node --import tsx src/cli.tsx --json --probe"
js="node --import tsx --input-type=module -e"
nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
${RUN_SH}
heldjs='${heldJs.trim()}'
getfdjs='${getfdJs.trim()}'

# Named like QEMU, so its comm is qemu-system-x86 and the owner scan reads -name and -uuid.
gcc -O2 -Wall -Werror -o /tmp/qemu-system-x86_64 test/vm/holder.c || exit 90
grp() { basename "$(readlink /sys/bus/mdev/devices/$1/iommu_group)"; }
# hold NAME STOPFILE GROUP:UUID... ARGS...: a holder in the background, once it says ready.
hold() {
	name=$1; shift
	/tmp/qemu-system-x86_64 --keep-using "$@" >/tmp/$name.out 2>&1 &
	echo $! >/tmp/$name.pid
	i=0
	while ! grep -q '^ready' /tmp/$name.out; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 "$(cat /tmp/$name.pid)" 2>/dev/null; then cat /tmp/$name.out; exit 91; fi
		sleep 0.1
	done
}
# release NAME...: after the stop file: each holder's output and exit code.
release() {
	for name in "$@"; do
		wait "$(cat /tmp/$name.pid)"; rc=$?
		echo "@@@ begin $name"; cat /tmp/$name.out; echo "@@@ end $name rc=$rc"
	done
}
# fdinfo NAME: the holder's VFIO fds, and what the kernel says in fdinfo about each device fd.
fdinfo() {
	p=$(cat /tmp/$1.pid)
	echo "@@@ begin fdinfo.$1"
	for f in /proc/$p/fd/*; do
		l=$(readlink "$f")
		case "$l" in
		/dev/vfio/*) echo "fd \${f##*/} -> $l";;
		"anon_inode:[vfio-device]") echo "fd \${f##*/} -> $l"; sed 's/^/    /' /proc/$p/fdinfo/\${f##*/};;
		esac
	done
	echo "@@@ end fdinfo.$1 rc=0"
}

hold hmtty /tmp/stop1 "$(grp ${MTTY}):${MTTY}" -name guest=vdi-mtty,debug-threads=on -uuid ${MTTY}
hold hmdpy /tmp/stop1 "$(grp ${MDPY}):${MDPY}" -name guest=vdi-mdpy,debug-threads=on -uuid ${MDPY}
hold hmbochs /tmp/stop1 "$(grp ${MBOCHS}):${MBOCHS}" -name guest=vdi-mbochs,debug-threads=on -uuid ${MBOCHS}
echo "@@@ pids hmtty=$(cat /tmp/hmtty.pid) hmdpy=$(cat /tmp/hmdpy.pid) hmbochs=$(cat /tmp/hmbochs.pid)"
fdinfo hmtty; fdinfo hmdpy; fdinfo hmbochs

run held $cli --probe-held
run busy $cli
run nonroot $nobody $cli --probe-held
run nonrootgetfd env BORROW_PID="$(cat /tmp/hmdpy.pid)" BORROW_FD="$(sed -n 's/^device fd=\\([0-9]*\\) .*/\\1/p' /tmp/hmdpy.out)" $nobody $js "$getfdjs"
run heldfds $js "$heldjs"
touch /tmp/stop1
release hmtty hmdpy hmbochs

hold htwo /tmp/stop2 "$(grp ${MDPY}):${MDPY}" "$(grp ${MBOCHS}):${MBOCHS}" -name guest=vdi-two -uuid ${MDPY}
echo "@@@ pids htwo=$(cat /tmp/htwo.pid)"
fdinfo htwo
run ambiguous $cli --probe-held
touch /tmp/stop2
release htwo
`;

type Probed = Instance & {probe?: ProbeResult};
const probesOf = (json: string): Map<string, ProbeResult> => {
	const model = JSON.parse(json) as Omit<HostModel, 'instances'> & {instances: Probed[]};
	return new Map(model.instances.map((i) => [i.uuid, i.probe!]));
};

for (const series of ['6.1', '6.12'] as VmSeries[]) {
	test.serial(`${series}: a held device is probed read-only through its holder's fd, only with --probe-held, and the holder never notices`, async (t) => {
		t.truthy(vmKernelRelease(series), `the ${series} VM is not built: run test/vm/build.sh ${series}`);
		const vm = await runInVm(series, script, {timeoutMs: 570_000});
		t.is(vm.rc, 0, `exit ${vm.rc}\nstdout:\n${vm.stdout}\nstderr:\n${vm.stderr}`);
		const {get, retries} = sectionReader(vm);
		if (retries.length > 0) t.log(`repeated after node crashed in the guest: ${retries.join('; ')}`);
		for (const name of ['held', 'busy', 'nonroot', 'nonrootgetfd', 'heldfds', 'ambiguous']) t.is(get(name).rc, 0, `${name}: ${get(`${name}.stderr`).text}`);

		// `@@@ pids hmtty=12 hmdpy=13 ...`: the holders' pids.
		const pids: Record<string, number> = {};
		for (const line of vm.stdout.match(/^@@@ pids .*$/gm) ?? []) {
			for (const [, name, pid] of line.matchAll(/(\w+)=(\d+)/g)) pids[name!] = Number(pid);
		}
		// Each holder's device fd, as it printed it.
		const deviceFd = (holder: string, uuid: string): number => Number(new RegExp(`^device fd=(\\d+) uuid=${uuid}$`, 'm').exec(get(holder).text)?.[1]);

		// ---- what the kernel shows of a holder's fds (does fdinfo name the device?) ----
		for (const h of ['hmtty', 'hmdpy', 'hmbochs', 'htwo']) {
			const text = get(`fdinfo.${h}`).text;
			t.log(`${series} ${h} fds:\n${text}`);
			t.is((text.match(/-> anon_inode:\[vfio-device\]$/gm) ?? []).length, h === 'htwo' ? 2 : 1);
			t.regex(text, /-> \/dev\/vfio\/vfio$/m);
			// Neither kernel names the device in fdinfo (that came in 6.18): one device fd per process is how it is known.
			t.false(text.includes('vfio-device-syspath'), `${series} fdinfo names the device:\n${text}`);
		}

		// ---- --probe-held: answered through each holder's own fd ----
		const held = probesOf(get('held').text);
		t.log(`${series} --probe-held:\n${[...held.values()].map((p) => `  ${p.uuid.slice(0, 8)} ${p.outcome} via ${p.via}: ${p.summary}`).join('\n')}`);
		for (const [uuid, p] of held) {
			const pid = pids[HOLDER[uuid]!]!;
			t.true(pid > 1);
			t.is(p.outcome, 'ok', `${uuid}: ${p.summary}`);
			t.is(p.via, 'borrowed');
			t.deepEqual(p.borrowedFrom, {pid, comm: 'qemu-system-x86', vmName: VM_NAME[uuid], vmUuid: uuid, fd: deviceFd(HOLDER[uuid]!, uuid), foundBy: 'only-device'});
			t.deepEqual(p.holders, [{pid, comm: 'qemu-system-x86', vmName: VM_NAME[uuid], vmUuid: uuid}]);
			t.true(p.summary.endsWith(`; borrowed from qemu-system-x86 pid ${pid} (VM ${VM_NAME[uuid]}, uuid ${uuid})`), p.summary);
			t.is(p.device?.flags, 0x2);
			t.is(p.device?.numRegions, uuid === MBOCHS ? 10 : 9);
			t.is(p.device?.numIrqs, 5);
			t.is(p.regions.find((r) => r.index === 7)?.name, 'CONFIG');
			const names = p.steps.map((st) => st.step);
			t.true(names.some((n) => n.startsWith(`pidfd_getfd(pidfd of ${pid}, fd ${p.borrowedFrom!.fd})`)));
			t.regex(names.at(-1)!, /^close borrowed fd \d+$/);
			// Only PROBE plane queries were made on the borrowed fd.
			t.deepEqual(names.filter((n) => n.startsWith('VFIO_DEVICE_QUERY_GFX_PLANE')), ['VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|REGION)', 'VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|DMABUF)']);
			t.is(p.display.plane, null);
		}
		const mdpy = held.get(MDPY)!;
		t.deepEqual(mdpy.display.region, {supported: true});
		t.deepEqual(mdpy.display.dmabuf, {supported: false, code: 'EINVAL'});
		t.regex(mdpy.display.planeNote ?? '', /^not asked: the primary plane is never queried through a borrowed fd/);
		t.is(mdpy.display.planeNotAsked, 'borrowed-fd');
		t.is(mdpy.summary, `REGION display (plane not asked), no migration, no DMA logging; borrowed from qemu-system-x86 pid ${pids.hmdpy} (VM vdi-mdpy, uuid ${MDPY})`);
		const mbochs = held.get(MBOCHS)!;
		t.deepEqual(mbochs.display.dmabuf, {supported: true});
		t.deepEqual(mbochs.display.region, {supported: false, code: 'EINVAL'});
		t.like(mbochs.regions.find((r) => r.index === 9), {caps: [{id: 2, name: 'TYPE', type: 1, subtype: 1}]});
		const mtty = held.get(MTTY)!;
		t.deepEqual(mtty.display.region, {supported: false, code: 'ENOTTY'});
		t.deepEqual(mtty.display.dmabuf, {supported: false, code: 'ENOTTY'});
		t.regex(mtty.summary, /^no display, /);
		if (series === '6.1') t.deepEqual(mtty.migration, {supported: false, code: 'ENOTTY', flags: null, flagNames: []});
		else t.deepEqual(mtty.migration, {supported: true, flags: 0x7, flagNames: ['STOP_COPY', 'P2P', 'PRE_COPY']});
		t.deepEqual(mtty.dmaLogging, series === '6.1' ? {supported: false, code: 'ENOTTY'} : {supported: true});
		for (const uuid of [MDPY, MBOCHS]) t.deepEqual(held.get(uuid)!.migration, {supported: false, code: 'ENOTTY', flags: null, flagNames: []});

		// ---- without the flag: busy, the holder named ----
		const busy = probesOf(get('busy').text);
		for (const [uuid, p] of busy) {
			const pid = pids[HOLDER[uuid]!]!;
			t.is(p.outcome, 'busy');
			t.is(p.summary, `in use by qemu-system-x86 pid ${pid} (VM ${VM_NAME[uuid]}, uuid ${uuid})`);
			t.deepEqual(p.holders, [{pid, comm: 'qemu-system-x86', vmName: VM_NAME[uuid], vmUuid: uuid}]);
			t.is(p.via, null);
			t.is(p.borrowedFrom, undefined);
			t.is(p.borrowRefused, undefined);
			t.false(p.steps.some((st) => st.step.startsWith('pidfd_')));
		}

		// ---- as nobody: nothing borrowed, and why ----
		for (const [uuid, p] of probesOf(get('nonroot').text)) {
			t.is(p.outcome, 'needs-root', `${uuid}: ${p.summary}`);
			t.like(p.borrowRefused, {pid: null, code: 'NO-HOLDER'});
			t.regex(
				p.summary,
				/^needs root: no permission to open \/dev\/vfio\/\d+ \(run as root\); not borrowed: no holder to borrow from: \d+ processes' fds could not be read as uid 65534: run as root$/,
			);
			t.is(p.via, null);
		}
		const getfd = JSON.parse(get('nonrootgetfd').text) as {uid: number; pid: number; fd: number; result: unknown; message: string};
		t.is(getfd.uid, 65534);
		t.is(getfd.pid, pids.hmdpy);
		t.is(getfd.fd, deviceFd('hmdpy', MDPY));
		t.deepEqual(getfd.result, {ok: false, step: 'pidfd_getfd', errno: 1});
		t.regex(getfd.message, /^not permitted: taking an fd from holder pid \d+ \(pidfd_getfd\) needs root or CAP_SYS_PTRACE over that process; this runs as uid 65534 without CAP_SYS_PTRACE \(EPERM\)\. Run as root\./);
		t.log(`${series} as nobody: ${getfd.message}`);

		// ---- in-process: every borrow closes what it took ----
		const rows = JSON.parse(get('heldfds').text) as Array<{uuid: string; outcome: string; via: string; summary: string; before: number; after: number}>;
		t.is(rows.length, 9);
		for (const row of rows) {
			t.is(row.outcome, 'ok', row.summary);
			t.is(row.via, 'borrowed');
			t.is(row.after, row.before, `${row.uuid} left fds open`);
		}

		// ---- the holders kept using their devices and exited 0 ----
		for (const h of ['hmtty', 'hmdpy', 'hmbochs', 'htwo']) {
			const out = get(h);
			t.is(out.rc, 0, `${h}: ${out.text}`);
			const calls = Number(/^held calls=(\d+) flags=0x2 regions=(9|10) irqs=5$/m.exec(out.text)?.[1]);
			t.true(calls >= 10, `${h} made ${calls} GET_INFO calls:\n${out.text}`);
		}

		// ---- one process holding two devices: ambiguous, nothing borrowed ----
		const amb = probesOf(get('ambiguous').text);
		for (const uuid of [MDPY, MBOCHS]) {
			const p = amb.get(uuid)!;
			t.is(p.outcome, 'busy', p.summary);
			t.like(p.borrowRefused, {pid: pids.htwo, code: 'AMBIGUOUS'});
			t.true(p.summary.includes(`; not borrowed: ambiguous: 2 devices open in pid ${pids.htwo} `), p.summary);
			t.false(p.steps.some((st) => st.step.startsWith('pidfd_')));
			t.log(`${series} ${uuid.slice(0, 8)}: ${p.summary}`);
		}
		// Not held: probed directly, as without the flag.
		t.is(amb.get(MTTY)!.outcome, 'ok');
		t.is(amb.get(MTTY)!.via, 'direct');
	});
}
