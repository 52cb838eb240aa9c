// Every read mdevscope does of a root (the scan, both renderers, the owner scan of its proc/, the
// doctor's facts and checks), as text with the root's own path taken out, so two copies of a tree
// can be compared. Shared by test/safety.test.ts in-process and, as nobody, in a child.
import {doctorReport, readDoctorEnv, readDoctorFacts, runDoctor} from '../../src/doctor/index.js';
import {formatDoctor} from '../../src/output/doctor.js';
import type {HostModel} from '../../src/model/types.js';
import {ownersByInstance} from '../../src/owners/join.js';
import {renderJson} from '../../src/output/json.js';
import {renderPlain} from '../../src/output/plain.js';
import {clearPciIdsCache} from '../../src/sysfs/pciids.js';
import {scanHost} from '../../src/sysfs/scan.js';

export function readEverything(root: string): Record<string, string> {
	clearPciIdsCache();
	const model = scanHost(root);
	const norm = (text: string) => text.split(root).join('<root>');
	const stable: HostModel = {...model, scannedAt: '<time>'};
	const checks = runDoctor(model, readDoctorEnv(root));
	return {
		model: norm(renderJson(stable)),
		plain: norm(renderPlain(stable)),
		owners: norm(JSON.stringify([...ownersByInstance(model, root)])),
		doctorFacts: norm(JSON.stringify(readDoctorFacts(root))),
		doctor: norm(formatDoctor(checks).join('\n')),
		doctorJson: norm(JSON.stringify(doctorReport(checks))),
	};
}
