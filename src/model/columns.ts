// What each abbreviated column of the TUI's lists shows, in one place: the `?` help reads its legend
// from here (src/components/help-lines.ts). Plain data, no rendering.

export interface ColumnMeaning {
	/** The column title as the list draws it. */
	column: string;
	means: string;
}

export const COLUMN_LEGEND: ReadonlyArray<ColumnMeaning> = [
	{
		column: 'inst',
		means:
			'active instances (types pane: of the type; parents pane: of the parent), as the kernel counts them; instances only defined in mdevctl, not started, are not counted',
	},
	{
		column: 'avail',
		means: "available_instances from sysfs: how many more of the type the parent can create now (0: no room left; n/a: the kernel did not say)",
	},
	{column: 'grp', means: "the instance's IOMMU group, /dev/vfio/<grp> (- when it has none: defined, not active)"},
	{column: 'start', means: "mdevctl's start policy for the instance: auto (at boot) or manual (- when mdevctl has no definition of it)"},
	{column: 'api', means: "the type's device_api: the VFIO device interface its instances offer (vfio-pci, vfio-ccw, vfio-ap)"},
	{
		column: 'owner',
		means: 'the process (and VM) that holds the instance\'s VFIO group or device open: - nobody, ? unknown (the detail says why), .. not looked yet',
	},
	{
		column: 'display',
		means: "the probe's display answer (VFIO_DEVICE_QUERY_GFX_PLANE): REGION, DMABUF or none; - not probed, .. probing, or what stopped the probe",
	},
	{column: 'mig', means: "the probe's migration answer (VFIO_DEVICE_FEATURE_MIGRATION): yes or no; - not probed, ? not asked"},
];
