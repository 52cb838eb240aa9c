// What the list columns mean, in one place: the counts the TUI's panes and `--plain` show, and the
// one-line legend of each abbreviated column, which the `?` help reads (src/present/help-lines.ts).
// Pure.
import type {HostModel, Instance} from './types.js';

/** A host without mediated devices: no parent and no instance (active or defined); its screen is the doctor's findings. */
export function isEmptyHost(model: Pick<HostModel, 'parents' | 'instances'>): boolean {
	return model.parents.length === 0 && model.instances.length === 0;
}

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

export interface ColumnMeaning {
	/** The column title as the list draws it. */
	column: string;
	means: string;
}

/** One entry per abbreviated column of the TUI's lists (`--plain` uses the same counts: INSTANCES is `inst`). */
export const COLUMN_LEGEND: ReadonlyArray<ColumnMeaning> = [
	{
		column: 'inst',
		means:
			'active instances (types pane: of the type; parents pane: of the parent), as the kernel counts them against avail; instances only defined in mdevctl, not started, are in def',
	},
	{column: 'def', means: 'mdevctl definitions that are not active now (mdevctl start creates them); never counted in inst'},
	{
		column: 'avail',
		means: 'available_instances from sysfs: how many more of the type the parent can create now (0: no room left; n/a: the kernel did not say)',
	},
	{column: 'grp', means: "the instance's IOMMU group, /dev/vfio/<grp> (- when it has none: defined, not active)"},
	{column: 'start', means: "mdevctl's start policy for the instance: auto (at boot) or manual (- when mdevctl has no definition of it)"},
	{column: 'api', means: "the type's device_api: the VFIO device interface its instances offer (vfio-pci, vfio-ccw, vfio-ap)"},
	{column: 'type', means: "the instance's type by its name (GRID T4-2Q, mdpy-hd), its id where it has no name; the detail has both"},
	{
		column: 'VM',
		means: "the VM that holds the instance's VFIO group or device open (QEMU's -name guest=, else libvirt's domain), else the process as qemu pid N: - nobody, ? unknown (the detail says why), .. not looked yet",
	},
	{column: 'driver', means: "the driver the instance is bound to (vfio_mdev, or the vendor's); - none"},
	{
		column: 'display',
		means: "the probe's display answer (VFIO_DEVICE_QUERY_GFX_PLANE): REGION, DMABUF or none; - not probed, .. probing, or what stopped the probe",
	},
	{column: 'mig', means: "the probe's migration answer (VFIO_DEVICE_FEATURE_MIGRATION): yes or no; - not probed, ? not asked"},
];
