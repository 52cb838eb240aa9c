// The text of the doctor (`d`) and advice (`x`) views, as Lines wrapped to a width. Pure: the lines
// are the same ones `mdevscope doctor` and `--advice` print (formatDoctor, formatAdvice), given a
// tone per kind of line so the verdicts stand out; TextOverlay only frames and scrolls them.

import {adviceRows, qemuLines, type Advice} from '../advice/index.js';
import type {DoctorCheck, Verdict} from '../doctor/index.js';
import {doctorRows} from '../output/doctor.js';
import {seg, type Line, type Tone} from './line.js';
import {wrap} from './text.js';

/**
 * Wraps one line under its own indentation (XML and the doctor's fix lines keep their shape), at
 * spaces only: a word longer than the line (a path, an argument) stays whole, and the view scrolls
 * sideways to it, so that what is copied from the screen is what was meant.
 */
function wrapped(text: string, width: number, tone?: Tone, hang = '  '): Line[] {
	const lead = /^ */.exec(text)![0];
	return wrap(text.slice(lead.length), Math.max(8, width - lead.length), hang, 'keep').map((part) => [seg(lead + part, tone)]);
}

const VERDICT_TONE: Record<Verdict, Tone> = {fail: 'error', warn: 'warn', ok: 'ok'};

/**
 * The doctor's checks (doctorRows: the summary, then per check its verdict and what was seen, and
 * the fix under it), or why there are none.
 */
export function doctorLines(doctor: {checks: readonly DoctorCheck[]} | {unavailable: string}, width: number): Line[] {
	if ('unavailable' in doctor) return wrapped(doctor.unavailable, width, 'warn');
	return doctorRows(doctor.checks).flatMap((row): Line[] => {
		if (row.kind === 'summary') return [[seg(row.text, 'title')]];
		// A check's text hangs under its title, past the `[WARN] ` label.
		if (row.kind === 'check') return wrapped(row.text, width, VERDICT_TONE[row.verdict], '       ');
		return wrapped(row.text, width, 'key', '     ');
	});
}

/** adviceRows: what the advice rests on, the XML, the QEMU arguments and the notes. */
export function adviceLines(advice: Advice, width: number): Line[] {
	return adviceRows(advice).flatMap((row): Line[] => {
		if (row.kind === 'title') return [[seg(row.text, 'title')]];
		if (row.kind === 'heading') return [[seg(row.text, 'dim')]];
		// The QEMU arguments: broken between arguments only, as one shell command.
		if (row.kind === 'qemu') return qemuLines(advice.qemuArgs, width).map((line) => [seg(line)]);
		return wrapped(row.text, width, undefined, row.kind === 'note' ? '  ' : '    ');
	});
}
