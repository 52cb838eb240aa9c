// The `--json` view: the HostModel as it is (field names are the schema, see src/model/types.ts),
// with `probe` (a ProbeResult) added to an instance only when it was probed. Control characters in
// sysfs strings are escaped by JSON itself.
import type {Advice} from '../advice/index.js';
import type {ProbeResult} from '../model/probe.js';
import type {HostModel} from '../model/types.js';

export function renderJson(
	model: HostModel,
	probes?: ReadonlyMap<string, ProbeResult> | null,
	advice?: ReadonlyMap<string, Advice> | null,
): string {
	const out = probes
		? {
				...model,
				instances: model.instances.map((i) => {
					const probe = probes.get(i.uuid);
					const advised = advice?.get(i.uuid);
					return probe ? {...i, probe, ...(advised ? {advice: advised} : {})} : i;
				}),
			}
		: model;
	return `${JSON.stringify(out, null, 2)}\n`;
}
