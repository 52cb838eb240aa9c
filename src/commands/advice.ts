// `--probe --advice` in plain text: per probed instance, what to put in libvirt XML and on the QEMU command line.
import {adviceOf, formatAdvice} from '../advice/index.js';
import type {HostModel} from '../model/types.js';

/** The plain-text advice section printed after the table: one block per instance with a probe result. */
export function renderAdvicePlain(model: HostModel): string {
	const lines: string[] = ['Advice (from each instance\'s probe)', ''];
	for (const instance of model.instances) if (instance.probe) lines.push(...formatAdvice(adviceOf(model, instance)), '');
	return `${lines.join('\n').trimEnd()}\n`;
}
