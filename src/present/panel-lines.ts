// The text of the doctor (`d`) and advice (`x`) views, as Lines wrapped to a width. Pure: the lines
// are the same ones `mdevscope doctor` and `--advice` print (formatDoctor, formatAdvice), given a
// tone per kind of line so the verdicts stand out; TextOverlay only frames and scrolls them.

import {formatAdvice, qemuLines, type Advice} from '../advice/index.js';
import type {DoctorCheck} from '../doctor/index.js';
import {formatDoctor} from '../output/doctor.js';
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

const VERDICT_TONE: Array<[string, Tone]> = [
	['[FAIL]', 'error'],
	['[WARN]', 'warn'],
	['[ OK ]', 'ok'],
];

/**
 * The doctor's checks (formatDoctor's lines: the summary, then per check its verdict and what was
 * seen, and the fix under it), or why there are none.
 */
export function doctorLines(doctor: {checks: readonly DoctorCheck[]} | {unavailable: string}, width: number): Line[] {
	if ('unavailable' in doctor) return wrapped(doctor.unavailable, width, 'warn');
	const [summary, ...rest] = formatDoctor(doctor.checks);
	const lines: Line[] = [[seg(summary!, 'title')]];
	for (const text of rest) {
		const tone = VERDICT_TONE.find(([label]) => text.startsWith(label))?.[1];
		// A check's text hangs under its title, past the `[WARN] ` label.
		lines.push(...wrapped(text, width, tone ?? (text.trimStart().startsWith('fix:') ? 'key' : undefined), tone ? '       ' : '     '));
	}
	return lines;
}

const HEADINGS = new Set(['based on:', 'libvirt domain XML:', 'QEMU:', 'notes:']);

/** formatAdvice's lines: what the advice rests on, the XML, the QEMU arguments and the notes. */
export function adviceLines(advice: Advice, width: number): Line[] {
	const [first, ...rest] = formatAdvice(advice);
	const lines: Line[] = [[seg(first!, 'title')]];
	let heading = '';
	for (const text of rest) {
		if (HEADINGS.has(text)) lines.push([seg((heading = text), 'dim')]);
		// The QEMU arguments: broken between arguments only, as one shell command.
		else if (heading === 'QEMU:') lines.push(...qemuLines(advice.qemuArgs, width).map((line) => [seg(line)]));
		else lines.push(...wrapped(text, width, undefined, text.trimStart().startsWith('- ') ? '  ' : '    '));
	}
	return lines;
}
