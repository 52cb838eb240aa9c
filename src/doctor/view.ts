// The doctor for the TUI's `d` view: reads the facts under the model's root (src/doctor/facts.ts,
// reads only) and runs the checks, when the view opens and on `r` while it is open.
import type {HostModel} from '../model/types.js';
import {runDoctor, type DoctorCheck} from './doctor.js';
import {readDoctorEnv} from './facts.js';

export type DoctorView = {checks: DoctorCheck[]} | {unavailable: string};

export function doctorOf(model: HostModel): DoctorView {
	// A snapshot's root names the recorded host's files, not files here: checking them would mix this
	// machine's modules and /dev with another host's devices.
	if (model.source.kind === 'snapshot') {
		return {
			unavailable: `The doctor checks this host or a tree on disk; this is a recording (${model.source.label ?? 'snapshot'}), so there is nothing here to check. Run mdevscope doctor on that host.`,
		};
	}
	try {
		return {checks: runDoctor(model, readDoctorEnv(model.root))};
	} catch (error) {
		return {unavailable: `The doctor could not run: ${error instanceof Error ? error.message : String(error)}`};
	}
}
