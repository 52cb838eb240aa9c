// The screen for a host without mediated devices: where mdevscope looked, and what the doctor
// found there (the doctor is the one judge of what a host lacks; `d` shows what each check saw).
// Pure: EmptyHost frames the TUI's lines, --plain prints emptyHostText.

import type {DoctorCheck, DoctorView} from '../doctor/index.js';
import type {HostModel} from '../model/types.js';
import {formatDoctor} from '../output/doctor.js';
import {seg, type Line} from './line.js';
import {clean, wrap} from './text.js';

const LABEL = {warn: '[WARN]', fail: '[FAIL]', ok: '[ OK ]'} as const;

/** What the checks found, short: each failure and warning with its fix; the passed ones by title. */
function findings(checks: readonly DoctorCheck[], width: number): Line[] {
	const lines: Line[] = [];
	// Failures first: on a short screen the lines cut are the warnings'.
	const found = [...checks.filter((c) => c.verdict === 'fail'), ...checks.filter((c) => c.verdict === 'warn')];
	for (const c of found) {
		const text = `${LABEL[c.verdict]} ${clean(c.title)}${c.fix ? `: ${clean(c.fix)}` : ''}`;
		for (const [index, part] of wrap(text, Math.max(10, width - 2), '       ').entries()) {
			lines.push([seg('  ' + part, index === 0 ? (c.verdict === 'fail' ? 'error' : 'warn') : undefined)]);
		}
	}
	const passed = checks.filter((c) => c.verdict === 'ok').map((c) => clean(c.title));
	if (passed.length > 0) for (const part of wrap(`[ OK ] ${passed.join(', ')}`, Math.max(10, width - 2), '       ')) lines.push([seg('  ' + part, 'ok')]);
	return lines;
}

export function emptyLines(model: HostModel, doctor: DoctorView | null, width: number, canOpenSample: boolean): Line[] {
	const lines: Line[] = [[seg('No mediated devices found.', 'title')]];
	for (const text of wrap(`Looked under root ${clean(model.root)} for mdev parents, types and instances.`, width)) lines.push([seg(text)]);
	lines.push([seg('What the doctor found (d: what each check saw):')]);
	if (doctor === null) lines.push([seg('  checking the host...', 'dim')]);
	else if ('unavailable' in doctor) for (const text of wrap(doctor.unavailable, Math.max(10, width - 2))) lines.push([seg('  ' + text, 'warn')]);
	else lines.push(...findings(doctor.checks, width));
	lines.push([]);
	if (canOpenSample) {
		const text = "Press s to open the sample host recorded on Debian 6.12 with the kernel's mdev sample drivers, with the probe answers it gave there.";
		for (const line of wrap(text, width)) lines.push([seg(line, 'key')]);
	} else {
		lines.push([seg("No sample host is available (the package's test/fixtures/captured is missing).", 'dim')]);
	}
	return lines;
}

/** --plain on a host without mediated devices: where it looked, the doctor's whole report, the sample to try. */
export function emptyHostText(model: HostModel, doctor: DoctorView | undefined, trySample: boolean): string[] {
	const out = [`No mediated devices (mdev) found${model.root === '/' ? ' on this host' : ` under ${clean(model.root)}`}.`, ''];
	if (doctor === undefined) out.push('mdevscope doctor says what is missing and the fix.');
	else if ('unavailable' in doctor) out.push(clean(doctor.unavailable));
	else out.push('What is missing, and the fix (mdevscope doctor):', ...formatDoctor(doctor.checks).map((line) => `  ${line}`));
	out.push('');
	if (trySample) {
		out.push('To see what mdevscope shows on a host that has mediated devices:');
		out.push("  try: mdevscope --sample (a host recorded on Debian 6.12 with the kernel's mdev sample drivers)");
	}
	return out;
}
