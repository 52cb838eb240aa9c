// The doctor's checks as lines of text: for `mdevscope doctor`, --plain and the TUI's doctor view.
// What a check quotes from sysfs or a tree can hold anything: it goes through the one terminal
// sanitizer (src/present/text.ts, by way of plain's clean), which drops escape sequences whole.
import {summarize, type DoctorCheck, type Verdict} from '../doctor/index.js';
import {clean} from './plain.js';

const LABEL: Record<Verdict, string> = {ok: '[ OK ]', warn: '[WARN]', fail: '[FAIL]'};

/**
 * One line per check (`[FAIL] vfio module: /sys/module/vfio is missing ...`), the fix on the line
 * below it, a summary line first. ASCII only.
 */
export function formatDoctor(checks: readonly DoctorCheck[]): string[] {
	const s = summarize(checks);
	const lines = [`mdevscope doctor: ${s.ok} ok, ${s.warn} warn, ${s.fail} fail`];
	for (const c of checks) {
		lines.push(`${LABEL[c.verdict]} ${clean(c.title)}: ${clean(c.seen)}`);
		if (c.fix) lines.push(`       fix: ${clean(c.fix)}`);
	}
	return lines;
}
