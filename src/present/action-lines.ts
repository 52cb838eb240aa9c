// An action's plan in words (issue 18): the writes of --dry-run, and the one-line question the TUI
// asks before it writes. Pure.
import type {Plan} from '../actions/plan.js';
import {clean} from './text.js';

/** The writes of a plan as lines: `write "1" to /sys/...`, or the mdevctl command and what it will write. */
export function planLines(plan: Plan): string[] {
	const lines: string[] = [];
	for (const step of plan.steps) {
		if (step.kind === 'sysfs') lines.push(`write ${JSON.stringify(step.value)} to ${step.shown}`);
		else if (step.kind === 'store') lines.push(`write ${step.shown} (via a temp file and rename):`, ...step.content.split('\n').map((l) => `    ${l}`));
		else if (step.kind === 'unlink') lines.push(`remove ${step.shown}`);
		else {
			lines.push(`run ${step.argv.join(' ')}`);
			for (const w of step.writes) lines.push(w.value.includes('\n') ? `    which writes ${w.shown}` : `    which writes ${JSON.stringify(w.value)} to ${w.shown}`);
		}
	}
	if (plan.undo) lines.push(`if a later step fails: ${plan.undo.steps.map((s) => s.what).join(', ')}`);
	return lines.map(clean);
}


/** The TUI's confirmation: what will be written where, on one line (`create … : write "…" to /sys/…? y/n`). */
export function planQuestion(plan: Plan): string {
	const writes = plan.steps.map((step) => {
		switch (step.kind) {
			case 'sysfs':
				return `write ${JSON.stringify(step.value)} to ${step.shown}`;
			case 'store':
				return `write ${step.shown}`;
			case 'unlink':
				return `remove ${step.shown}`;
			case 'mdevctl':
				return `run ${step.argv.join(' ')}`;
		}
	});
	return clean(`${plan.summary}: ${writes.join(', then ')}? y writes, n/other: nothing`);
}
