// The doctor's checks as lines of text: for `mdevscope doctor`, --plain and the TUI's doctor view.
// What a check quotes from sysfs or a tree can hold anything: it goes through the one terminal
// sanitizer (src/present/text.ts, by way of plain's clean), which drops escape sequences whole.
import {summarize, type DoctorCheck, type Verdict} from '../doctor/index.js';
import {clean} from '../present/text.js';

const LABEL: Record<Verdict, string> = {ok: '[ OK ]', warn: '[WARN]', fail: '[FAIL]'};

/** A line of the doctor's text, with what it is: the summary, a check's verdict line, or its fix. */
export type DoctorRow = {kind: 'summary'; text: string} | {kind: 'check'; verdict: Verdict; text: string} | {kind: 'fix'; text: string};

/**
 * One line per check (`[FAIL] vfio module: /sys/module/vfio is missing ...`), the fix on the line
 * below it, a summary line first. ASCII only.
 */
export function doctorRows(checks: readonly DoctorCheck[]): DoctorRow[] {
	const s = summarize(checks);
	const rows: DoctorRow[] = [{kind: 'summary', text: `mdevscope doctor: ${s.ok} ok, ${s.warn} warn, ${s.fail} fail`}];
	for (const c of checks) {
		rows.push({kind: 'check', verdict: c.verdict, text: `${LABEL[c.verdict]} ${clean(c.title)}: ${clean(c.seen)}`});
		if (c.fix) rows.push({kind: 'fix', text: `       fix: ${clean(c.fix)}`});
	}
	return rows;
}

/** doctorRows as text, for `mdevscope doctor` and --plain. */
export function formatDoctor(checks: readonly DoctorCheck[]): string[] {
	return doctorRows(checks).map((r) => r.text);
}
