// Records real ProbeResults inside a test VM, through the real scanner and runner, for the
// feature-bit tests (test/fixtures/probes/debian-<series>.json holds what it printed):
//
//   node --import tsx test/vm/record-probes.ts all             every active instance
//   node --import tsx test/vm/record-probes.ts timeout UUID    one instance with a 1 ms timeout
//   node --import tsx test/vm/record-probes.ts vanished UUID   scan, remove the instance (sysfs
//                                                              `remove`, in the guest), then probe
// Prints a JSON array of ProbeResults. Run only in the guest: `vanished` removes an instance.
import {writeFileSync} from 'node:fs';
import {probeInstances} from '../../src/probe/runner.js';
import {scanHost} from '../../src/sysfs/scan.js';

const [kind, uuid] = process.argv.slice(2);
if (!process.env.MDEVSCOPE_VM) {
	process.stderr.write('record-probes: run this inside the test VM (MDEVSCOPE_VM is not set)\n');
	process.exit(2);
}
const model = scanHost('/');
const active = model.instances.filter((i) => i.active).map((i) => i.uuid);
let results;
if (kind === 'all') results = await probeInstances(model, active);
else if (kind === 'timeout' && uuid) results = await probeInstances(model, [uuid], {timeoutMs: 1});
else if (kind === 'vanished' && uuid) {
	// The model still lists the instance (and its group): the probe meets what a removal during a
	// scan leaves behind.
	writeFileSync(`/sys/bus/mdev/devices/${uuid}/remove`, '1');
	results = await probeInstances(model, [uuid]);
} else {
	process.stderr.write('usage: record-probes.ts all | timeout UUID | vanished UUID\n');
	process.exit(2);
}
process.stdout.write(JSON.stringify(results) + '\n');
