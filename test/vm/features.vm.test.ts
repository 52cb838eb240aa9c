// Feature bits and the export against Debian's real 6.1 and 6.12 kernels with the mdev samples:
// `features` and `export` as root (the real scanner, runner and probe children); the mdpy group
// held by a QEMU-like process (test/vm/holder.c); an instance removed through sysfs; and the udev
// rule example (src/features/examples/) loaded into a real systemd-udevd in the guest, fired by
// the kernel's own uevents for an mdev created and removed, with the uevents themselves recorded
// (test/vm/uevents.c) to show which keys the kernel sends.
//
// The guest has no systemd as PID 1, so `systemctl` is the one stand-in: a script bound over
// /usr/bin/systemctl in the guest that logs its arguments and runs the unit's ExecStart line
// (read from mdevscope-export.service) with systemd's search path, as `systemctl start` would.
// `mdevscope` on that path is a wrapper running this checkout's bundle (dist/cli.js, which
// `npm run test:vm` builds first).
import test, {type ExecutionContext} from 'ava';
import type {FeaturesJson} from '../../src/output/features.js';
import {CRASH_RETRIES, HOLDER_SH, RUN_SH, runInVm, sectionReader, vmKernelRelease, type Section, type VmResult, type VmSeries} from './vm.js';

const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';
const NEW = '44444444-4444-4444-4444-444444444444';

const prelude = `
set -u
F="node dist/cli.js"
out=/tmp/export
${RUN_SH}
${HOLDER_SH}
# dump DIR NAME: every directory and file under DIR, files as path=content.
dump() {
	echo "@@@ begin $2"
	if [ -d "$1" ]; then
		(cd "$1" && find . -mindepth 1 -type d | sort | sed 's/^/dir /' && find . -type f | sort | while read -r f; do printf '%s=%s\\n' "$f" "$(cat "$f")"; done)
	fi
	echo "@@@ end $2 rc=0"
}
sysfs() {
	echo "@@@ begin sysfs"
	for f in /sys/class/mdev_bus/*/mdev_supported_types/*/available_instances; do echo "$f=$(cat $f)"; done
	for m in mtty mdpy mbochs; do for v in version srcversion; do [ -e /sys/module/$m/$v ] && echo "/sys/module/$m/$v=$(cat /sys/module/$m/$v)"; done; done
	echo "@@@ end sysfs rc=0"
}

`;

const mainScript = `${prelude}
run features $F features
run featuresjson $F features --json
run export1 $F export --dir $out
dump $out tree1
sysfs

start_holder ${MDPY} -name guest=holder-vm -uuid ${MDPY}
echo "@@@ holder pid=$hp"
run busyfeatures $F features ${MDPY}
run borrowed $F features --probe-held ${MDPY}
run export2 $F export --dir $out
dump $out tree2
kill -USR1 $hp
wait $hp
echo "@@@ holder rc=$?"

echo 1 >/sys/bus/mdev/devices/${MBOCHS}/remove || exit 92
run export3 $F export --dir $out
dump $out tree3

`;

const udevScript = `${prelude}
# ---- the udev rule example, in a real udevd, on the kernel's own uevents ----
gcc -O2 -Wall -Werror -o /tmp/uevents test/vm/uevents.c || exit 93
/tmp/uevents >/tmp/uevents.out 2>&1 &
up=$!
i=0
while ! grep -q '^ready' /tmp/uevents.out; do
	i=$((i + 1)); [ $i -gt 100 ] && exit 94
	sleep 0.1
done
mount -t tmpfs -o mode=0755 tmpfs /run || exit 95
mkdir -p /run/udev/rules.d
cp src/features/examples/90-mdevscope-export.rules /run/udev/rules.d/ || exit 96
unit=$PWD/src/features/examples/mdevscope-export.service
mount -t tmpfs -o mode=0755 tmpfs /usr/local/bin || exit 97
printf '#!/bin/sh\\ncd %s && exec %s dist/cli.js "$@"\\n' "$PWD" "$(command -v node)" >/usr/local/bin/mdevscope
chmod 755 /usr/local/bin/mdevscope
cat >/tmp/systemctl <<EOF
#!/bin/sh
echo "systemctl \\$*" >>/tmp/systemctl.log
[ "\\$*" = "--no-block start mdevscope-export.service" ] || exit 1
line=\\$(sed -n 's/^ExecStart=//p' "$unit")
# node dies by SIGSEGV now and then under TCG (see RUN_SH in vm.ts): such a run is repeated (CRASH_RETRIES).
for try in ${Array.from({length: CRASH_RETRIES + 1}, (_, i) => i + 1).join(' ')}; do
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin sh -c "\\$line" >>/tmp/export-runs.log 2>&1
	rc=\\$?
	[ \\$rc = 139 ] && [ \\$try -le ${CRASH_RETRIES} ] && { echo "@@@ retry udev-export rc=139" >>/tmp/retries.log; continue; }
	break
done
echo "rc=\\$rc" >>/tmp/systemctl.log
EOF
chmod 755 /tmp/systemctl
mount --bind /tmp/systemctl /usr/bin/systemctl || exit 98
# udevadm settle does nothing in a chroot ("Running in chroot, ignoring request"): wait_runs N
# waits until the stand-in was called N times, every call has returned and udevd's queue is empty.
wait_runs() {
	end=$(($(date +%s) + 240))
	while :; do
		calls=$(grep -c '^systemctl' /tmp/systemctl.log 2>/dev/null)
		rcs=$(grep -c '^rc=' /tmp/systemctl.log 2>/dev/null)
		[ "\${calls:-0}" -ge "$1" ] && [ "$calls" = "$rcs" ] && [ ! -e /run/udev/queue ] && return 0
		[ "$(date +%s)" -gt "$end" ] && return 1
		sleep 0.5
	done
}
# Every export probes every instance: with only mtty's left, the four runs fit the time a boot has.
echo 1 >/sys/bus/mdev/devices/${MDPY}/remove || exit 103
echo 1 >/sys/bus/mdev/devices/${MBOCHS}/remove || exit 104
/lib/systemd/systemd-udevd --daemon 2>/dev/null || exit 99
i=0
while [ ! -S /run/udev/control ]; do i=$((i + 1)); [ $i -gt 300 ] && exit 100; sleep 0.1; done
run udevtest udevadm test --action=add /sys/bus/mdev/devices/${MTTY}
echo ${NEW} >/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create || exit 101
wait_runs 2
echo "@@@ settled-add rc=$?"
dump /run/mdevscope udevadd
echo 1 >/sys/bus/mdev/devices/${NEW}/remove || exit 102
wait_runs 4
echo "@@@ settled-remove rc=$?"
dump /run/mdevscope udevremove
kill $up
echo "@@@ begin uevents"; cat /tmp/uevents.out; echo "@@@ end uevents rc=0"
echo "@@@ begin systemctl"; cat /tmp/systemctl.log; echo "@@@ end systemctl rc=0"
echo "@@@ begin runs"; cat /tmp/export-runs.log; echo "@@@ end runs rc=0"
cat /tmp/retries.log 2>/dev/null || true
`;

/** `./uuid/features/migration=1` lines → {'uuid/features/migration': '1'}; directories as 'dir uuid/features'. */
function tree(text: string): Record<string, string | undefined> {
	const out: Record<string, string | undefined> = {};
	for (const line of text.split('\n').filter(Boolean)) {
		if (line.startsWith('dir ./')) out[`dir ${line.slice(6)}`] = '';
		else {
			const eq = line.indexOf('=');
			out[line.slice(2, eq)] = line.slice(eq + 1);
		}
	}
	return out;
}

const features = (files: Record<string, string | undefined>, uuid: string) => ({
	display_region: files[`${uuid}/features/display_region`],
	display_dmabuf: files[`${uuid}/features/display_dmabuf`],
	migration: files[`${uuid}/features/migration`],
});

type Get = (name: string) => Section;

async function boot(t: ExecutionContext, series: VmSeries, script: string): Promise<{vm: VmResult; get: Get}> {
	t.truthy(vmKernelRelease(series), `the ${series} VM is not built: run test/vm/build.sh ${series}`);
	const vm = await runInVm(series, script, {timeoutMs: 540_000});
	t.is(vm.rc, 0, `exit ${vm.rc}\nstdout:\n${vm.stdout}\nstderr:\n${vm.stderr}`);
	const {get, retries} = sectionReader(vm);
	if (retries.length > 0) t.log(`${series}: repeated after a crash of node under TCG: ${retries.join(', ')}`);
	return {vm, get};
}

for (const series of ['6.1', '6.12'] as VmSeries[]) {
	test.serial(`${series}: features and export as root, with a held device, and after a removal`, async (t) => {
		const {vm, get} = await boot(t, series, mainScript);
		for (const name of ['features', 'featuresjson', 'export1', 'busyfeatures', 'export2', 'export3']) {
			t.is(get(name).rc, 0, `${name}: ${get(`${name}.stderr`).text}`);
			t.is(get(`${name}.stderr`).text, '', name);
		}

		// ---- features ----
		const migration = series === '6.12';
		t.log(`${series} features:\n${get('features').text}`);
		t.deepEqual(get('features').text.trimEnd().split('\n'), [
			migration ? `${MTTY} mtty-1 bits=0x4 known=0x7 migration` : `${MTTY} mtty-1 bits=0x0 known=0x7 none`,
			`${MDPY} mdpy-hd bits=0x1 known=0x7 display_region`,
			`${MBOCHS} mbochs-large bits=0x2 known=0x7 display_dmabuf`,
		]);
		const doc = JSON.parse(get('featuresjson').text) as FeaturesJson;
		t.deepEqual(
			doc.instances.map((i) => [i.uuid, i.bits, i.known, i.answeredThrough]),
			[
				[MTTY, migration ? 4 : 0, 7, 'direct'],
				[MDPY, 1, 7, 'direct'],
				[MBOCHS, 2, 7, 'direct'],
			],
		);
		t.deepEqual(doc.source, {kind: 'live', label: null, recordedAt: null});

		// ---- export ----
		const t1 = tree(get('tree1').text);
		t.deepEqual(features(t1, MDPY), {display_region: '1', display_dmabuf: '0', migration: '0'});
		t.deepEqual(features(t1, MBOCHS), {display_region: '0', display_dmabuf: '1', migration: '0'});
		t.deepEqual(features(t1, MTTY), {display_region: '0', display_dmabuf: '0', migration: migration ? '1' : '0'});
		const sysfs = tree(
			get('sysfs')
				.text.split('\n')
				.map((l) => `./${l}`)
				.join('\n'),
		);
		for (const [uuid, parent, type] of [
			[MTTY, 'mtty', 'mtty-1'],
			[MDPY, 'mdpy', 'mdpy-hd'],
			[MBOCHS, 'mbochs', 'mbochs-large'],
		] as const) {
			t.is(t1[`${uuid}/mdev_type`], type);
			t.is(t1[`${uuid}/parent`], parent);
			t.is(t1[`${uuid}/host_driver`], parent);
			t.is(t1[`${uuid}/available_instances`], sysfs[`/sys/class/mdev_bus/${parent}/mdev_supported_types/${type}/available_instances`]);
			t.regex(t1[`${uuid}/probed_at`] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
			t.is(t1[`${uuid}/host_driver_version`], sysfs[`/sys/module/${parent}/version`] ?? sysfs[`/sys/module/${parent}/srcversion`]);
		}
		// Measured: mtty declares a MODULE_VERSION, mdpy and mbochs do not.
		t.is(t1[`${MTTY}/host_driver_version`], '0.1');
		t.is(t1[`${MDPY}/host_driver_version`], undefined);
		t.regex(get('export1').text, /^exported 3 instances to \/tmp\/export \(\d+ files changed, 0 removed\)$/m);

		// ---- the mdpy group held by another process ----
		const holderPid = Number(/^@@@ holder pid=(\d+)$/m.exec(vm.stdout)?.[1]);
		t.true(holderPid > 1);
		t.is(
			get('busyfeatures').text.trimEnd(),
			`${MDPY} mdpy-hd bits=0x0 known=0x0 unknown: busy (in use by qemu-holder pid ${holderPid} (VM holder-vm, uuid ${MDPY}))`,
		);
		// Asked through the holder's own fd (pidfd_getfd), the same answers, marked so.
		t.is(get('borrowed').rc, 0, get('borrowed.stderr').text);
		t.is(get('borrowed').text.trimEnd(), `${MDPY} mdpy-hd bits=0x1 known=0x7 display_region (answered through a borrowed fd)`);
		const t2 = tree(get('tree2').text);
		t.deepEqual(features(t2, MDPY), {display_region: undefined, display_dmabuf: undefined, migration: undefined});
		t.false(`dir ${MDPY}/features` in t2);
		t.is(t2[`${MDPY}/mdev_type`], 'mdpy-hd');
		t.is(t2[`${MDPY}/parent`], 'mdpy');
		t.deepEqual(features(t2, MBOCHS), features(t1, MBOCHS));
		t.regex(get('export2').text, new RegExp(`^${MDPY} mdpy-hd: written; absent: features/\\* \\(busy: in use by qemu-holder pid ${holderPid} `, 'm'));
		t.is(/^@@@ holder rc=(\d+)$/m.exec(vm.stdout)?.[1], '0');

		// ---- an instance removed: its directory goes ----
		const t3 = tree(get('tree3').text);
		t.false(Object.keys(t3).some((k) => k.includes(MBOCHS)));
		t.regex(get('export3').text, new RegExp(`^${MBOCHS}: removed \\(the instance is gone\\)$`, 'm'));
		t.deepEqual(features(t3, MDPY), {display_region: '1', display_dmabuf: '0', migration: '0'});
	});

	test.serial(`${series}: the udev rule example in a real udevd, on the kernel's own uevents for an mdev`, async (t) => {
		const {vm, get} = await boot(t, series, udevScript);
		const migration = series === '6.12';
		// What the kernel sends for an mdev: the keys the rule matches.
		const uevents = get('uevents').text.split('\n').filter((l) => l.includes(`/${NEW}`) && !l.includes('vfio-dev'));
		t.log(`${series} uevents for ${NEW}:\n${uevents.join('\n')}`);
		const mdevEvents = uevents.map((l) => {
			const fields = Object.fromEntries(l.split(' | ').slice(1).map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
			return [fields.ACTION, fields.SUBSYSTEM, fields.DRIVER ?? null];
		});
		t.deepEqual(mdevEvents, [
			['add', 'mdev', null],
			['bind', 'mdev', 'mtty'],
			['unbind', 'mdev', null],
			['remove', 'mdev', null],
		]);
		t.regex(get('udevtest').text + get('udevtest.stderr').text, /90-mdevscope-export\.rules:\d+ RUN '\/usr\/bin\/systemctl --no-block start mdevscope-export\.service'/);
		t.is(/^@@@ settled-add rc=(\d+)$/m.exec(vm.stdout)?.[1], '0');
		t.is(/^@@@ settled-remove rc=(\d+)$/m.exec(vm.stdout)?.[1], '0');
		const call = 'systemctl --no-block start mdevscope-export.service';
		t.log(`${series} exports run by the udev rule:\n${get('runs').text}`);
		t.deepEqual(get('systemctl').text.trimEnd().split('\n'), [call, 'rc=0', call, 'rc=0', call, 'rc=0', call, 'rc=0'], get('runs').text);
		const added = tree(get('udevadd').text);
		t.is(added[`${NEW}/mdev_type`], 'mtty-2');
		t.deepEqual(features(added, NEW), {display_region: '0', display_dmabuf: '0', migration: migration ? '1' : '0'});
		t.deepEqual(Object.keys(added).filter((k) => k.startsWith('dir ') && !k.includes('/')), [`dir ${MTTY}`, `dir ${NEW}`]);
		const removed = tree(get('udevremove').text);
		t.false(Object.keys(removed).some((k) => k.includes(NEW)), get('runs').text);
		t.is(removed[`${MTTY}/mdev_type`], 'mtty-1');
	});
}
