// Proves the VM harness itself against Debian's real kernels: the guest runs the kernel build.sh
// built for, the mdev samples are loaded with the fixtures' instances, VFIO's nodes exist, and a
// command run from the project sees this machine's node, as root and as an unprivileged user.
import test from 'ava';
import {runInVm, vmKernelRelease, type VmSeries} from './vm.js';

// The instances the guest's init creates, as in test/fixtures/captured (see the README there).
const instances = [
	{uuid: '11111111-1111-1111-1111-111111111111', parent: 'mtty', type: 'mtty-1'},
	{uuid: '22222222-2222-2222-2222-222222222222', parent: 'mdpy', type: 'mdpy-hd'},
	{uuid: '33333333-3333-3333-3333-333333333333', parent: 'mbochs', type: 'mbochs-large'},
];

// One boot answers everything: "key=value" lines on stdout, a line on stderr, and a distinctive
// exit code, so that passing the command's output and exit code back is checked too.
const probeScript = `
set -u
echo "uname=$(uname -r)"
echo "parents=$(ls /sys/class/mdev_bus | tr '\\n' ' ')"
for u in ${instances.map((i) => i.uuid).join(' ')}; do
	d=/sys/bus/mdev/devices/$u
	g=$(basename "$(readlink "$d/iommu_group")")
	echo "type.$u=$(readlink -f "$d/mdev_type")"
	echo "group.$u=$g"
	echo "groupdev.$u=$(stat -c %F "/dev/vfio/$g")"
done
echo "container=$(stat -c %F /dev/vfio/vfio)"
echo "cwd=$(pwd)"
echo "node=$(node -e 'console.log(process.version)')"
echo "nobody=$(setpriv --reuid=65534 --regid=65534 --clear-groups node -e '
	const fs = require("node:fs");
	let open;
	try { fs.closeSync(fs.openSync("/dev/vfio/0", "r+")); open = "opened"; } catch (e) { open = e.code; }
	console.log([process.getuid(), process.getgid(), process.getgroups().join(","), open].join(":"));
')"
echo "to stderr" >&2
exit 3
`;

const parse = (stdout: string): Map<string, string> =>
	new Map(
		stdout
			.split('\n')
			.filter((line) => line.includes('='))
			.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
	);

for (const series of ['6.1', '6.12'] as VmSeries[]) {
	test.serial(`${series}: the guest runs the built kernel with the mdev samples and this machine's node`, async (t) => {
		const release = vmKernelRelease(series);
		t.truthy(release, `the ${series} VM is not built: run test/vm/build.sh ${series}`);
		t.true(release!.startsWith(`${series}.`), `build.sh recorded ${release} for ${series}`);

		const result = await runInVm(series, probeScript);
		const got = parse(result.stdout);
		t.is(result.rc, 3, `stderr: ${result.stderr}`);
		t.is(result.stderr, 'to stderr\n');
		t.regex(result.console, /MDEVSCOPE-VM-RC=3/);

		t.is(got.get('uname'), release!);
		t.is(got.get('parents'), 'mbochs mdpy mtty ');
		const groups = new Set<string>();
		for (const {uuid, parent, type} of instances) {
			t.is(got.get(`type.${uuid}`), `/sys/devices/virtual/${parent}/${parent}/mdev_supported_types/${type}`);
			const group = got.get(`group.${uuid}`) ?? '';
			t.regex(group, /^\d+$/, `iommu group of ${uuid}`);
			groups.add(group);
			t.is(got.get(`groupdev.${uuid}`), 'character special file', `/dev/vfio/${group}`);
		}
		t.is(groups.size, 3, 'each mdev instance has its own IOMMU group');
		t.is(got.get('container'), 'character special file');

		t.is(got.get('cwd'), process.cwd(), 'the command runs in the project directory');
		t.is(got.get('node'), process.version, "the guest runs this machine's node");
		// uid:gid:groups (node adds the egid to an empty list):opening a root-only (0600) group node.
		t.is(got.get('nobody'), '65534:65534:65534:EACCES');
	});
}

test.serial('6.1: a command that outlives its timeout rejects instead of passing for an exit code', async (t) => {
	const error = await t.throwsAsync(runInVm('6.1', 'sleep 600', {timeoutMs: 30_000}));
	t.regex(error?.message ?? '', /gave no exit code[\s\S]*timed out after 30s/);
});
