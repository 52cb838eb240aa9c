// `mdevscope doctor`: runs the checks over the scanned model and the facts read under the same root,
// prints them (plain or JSON) and returns the exit code (1 when any check fails).
import process from 'node:process';
import {doctorExitCode, doctorReport, readDoctorEnv, runDoctor} from '../doctor/index.js';
import {formatDoctor} from '../output/doctor.js';
import type {HostModel} from '../model/types.js';
import {jsonText} from '../output/json.js';

export function runDoctorCommand(model: HostModel, root: string, opts: {json: boolean}): number {
	const checks = runDoctor(model, readDoctorEnv(root));
	if (opts.json) process.stdout.write(`${jsonText(doctorReport(checks))}\n`);
	else process.stdout.write(`${formatDoctor(checks).join('\n')}\n`);
	return doctorExitCode(checks);
}
