// Renderers for doctor results: plain ASCII lines (for `mdevscope doctor`, --plain and the TUI's
// doctor view) and a JSON-safe report. Pure; no ink/react (the non-interactive paths import this).
import type {DoctorCheck, Verdict} from './doctor.js';
import {doctorExitCode} from './doctor.js';

const LABEL: Record<Verdict, string> = {ok: '[ OK ]', warn: '[WARN]', fail: '[FAIL]'};

/**
 * Text from sysfs or a tree can hold anything: control characters (ESC sequences that would drive
 * the terminal) are dropped and anything outside printable ASCII becomes `?`.
 */
export function asciiSafe(text: string): string {
	let out = '';
	for (const ch of text) {
		const c = ch.codePointAt(0)!;
		if (c === 0x09) out += ' ';
		else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) continue;
		else out += c < 0x7f ? ch : '?';
	}
	return out;
}

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

/**
 * One line per check (`[FAIL] vfio module: /sys/module/vfio is missing ...`), the fix on the line
 * below it, a summary line first. ASCII only.
 */
export function formatDoctor(checks: readonly DoctorCheck[]): string[] {
	const s = summarize(checks);
	const lines = [`mdevscope doctor: ${s.ok} ok, ${s.warn} warn, ${s.fail} fail`];
	for (const c of checks) {
		lines.push(`${LABEL[c.verdict]} ${asciiSafe(c.title)}: ${asciiSafe(c.seen)}`);
		if (c.fix) lines.push(`       fix: ${asciiSafe(c.fix)}`);
	}
	return lines;
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
