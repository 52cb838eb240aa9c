// `--probe --advice`: per probed instance, what to put in libvirt XML and on the QEMU command line.
import {adviceFor, formatAdvice, type Advice} from '../advice/index.js';
import type {ProbeResult} from '../model/probe.js';
import type {HostModel} from '../model/types.js';
import {probeOf} from '../model/instances.js';

/** Advice for every instance that has a probe result, keyed by uuid. */
export function adviceByInstance(model: HostModel, probes: ReadonlyMap<string, ProbeResult>): Map<string, Advice> {
	const out = new Map<string, Advice>();
	for (const instance of model.instances) {
		// The active instance's: a definition of the same uuid under another parent has no probe.
		const probe = probeOf(probes, instance);
		if (!probe) continue;
		const parent = model.parents.find((p) => p.name === instance.parent) ?? null;
		const type = parent?.types.find((t) => t.id === instance.mdevType) ?? null;
		out.set(instance.uuid, adviceFor(instance, probe, parent, type));
	}
	return out;
}

/** The plain-text advice section printed after the table. */
export function renderAdvicePlain(advice: ReadonlyMap<string, Advice>): string {
	const lines: string[] = ['Advice (from each instance\'s probe)', ''];
	for (const a of advice.values()) lines.push(...formatAdvice(a), '');
	return `${lines.join('\n').trimEnd()}\n`;
}
