// What the list columns mean, in one place: the counts the TUI's panes and `--plain` show, and the
// one-line legend of each column (for the help screen). Pure.
import type {Instance} from './types.js';

/**
 * `inst`: the active instances (what the kernel has created, which is what counts against
 * `available_instances`); instances read while they were removed (`gone`) are not counted.
 */
export function activeCount(instances: readonly Instance[]): number {
	let n = 0;
	for (const i of instances) if (i.active && !i.gone) n++;
	return n;
}

/** `def`: mdevctl definitions that are not active (never part of `inst`). */
export function definedCount(instances: readonly Instance[]): number {
	let n = 0;
	for (const i of instances) if (!i.active) n++;
	return n;
}

/** The instances of one type among a parent's. */
export function ofType(instances: readonly Instance[], typeId: string): Instance[] {
	return instances.filter((i) => i.mdevType === typeId);
}

/** One line per column of the TUI's lists (`--plain` uses the same counts: INSTANCES is `inst`). */
export const COLUMN_LEGEND: ReadonlyArray<{column: string; means: string}> = [
	{column: 'inst', means: 'active instances (created by the kernel; they count against avail); defined-only ones are in def'},
	{column: 'def', means: 'mdevctl definitions not active now (mdevctl start creates them)'},
	{column: 'avail', means: 'available_instances: how many more of the type the parent can create now'},
	{column: 'api', means: 'device_api: the VFIO device kind a VM sees (vfio-pci, vfio-ccw, vfio-ap)'},
	{column: 'grp', means: 'IOMMU group: /dev/vfio/<grp> opens the instance'},
	{column: 'start', means: 'mdevctl definition: auto (started at boot), manual, - (none)'},
	{column: 'owner', means: 'the processes holding its /dev/vfio files; - nobody, ? unknown (detail says why)'},
	{column: 'display', means: 'probe: REGION or DMABUF display (VFIO_DEVICE_QUERY_GFX_PLANE), none; - not probed; other words: why it could not be opened'},
	{column: 'mig', means: 'probe: VFIO migration (VFIO_DEVICE_FEATURE_MIGRATION) yes or no; ? not asked; - not probed'},
];
