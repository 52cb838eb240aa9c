// The doctor's results as data: the summary counts and the report `mdevscope doctor --json` prints
// (docs/doctor.md). Their lines of text are src/output/doctor.ts's.
import type {DoctorCheck} from './doctor.js';
import {doctorExitCode} from './doctor.js';

export interface DoctorSummary {
	ok: number;
	warn: number;
	fail: number;
}

export function summarize(checks: readonly DoctorCheck[]): DoctorSummary {
	const s: DoctorSummary = {ok: 0, warn: 0, fail: 0};
	for (const c of checks) s[c.verdict]++;
	return s;
}

/** The version of `mdevscope doctor --json`'s shape (docs/doctor.md): raised when a field changes meaning or goes. */
export const DOCTOR_SCHEMA_VERSION = 1;

export interface DoctorReport {
	schemaVersion: typeof DOCTOR_SCHEMA_VERSION;
	summary: DoctorSummary;
	/** What `mdevscope doctor` exits with: 1 when any check fails. */
	exitCode: number;
	checks: DoctorCheck[];
}

/** The JSON shape of `mdevscope doctor --json`. Strings stay as read (JSON escapes them). */
export function doctorReport(checks: readonly DoctorCheck[]): DoctorReport {
	return {schemaVersion: DOCTOR_SCHEMA_VERSION, summary: summarize(checks), exitCode: doctorExitCode(checks), checks: checks.map((c) => ({...c}))};
}
