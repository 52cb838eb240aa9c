// The plain data model of a host's mediated devices. No imports, no effects: sysfs/ fills it,
// probe/ adds live answers keyed by instance uuid, components/ and output/ only read it.
// Field names are the JSON schema (README "JSON schema"); bump SCHEMA_VERSION on any breaking change.

export const SCHEMA_VERSION = 1;

/** A problem on the item it belongs to. Never thrown out of a scan. */
export interface ItemError {
	/** The file, link or directory that was tried (as seen under the root, e.g. `/sys/class/mdev_bus/mtty`). */
	path: string;
	/** errno name (`ENOENT`, `EACCES`, `ELOOP`, ...) or a parse problem (`EPARSE`, `ETOOBIG`). */
	code: string;
	/** What was tried, what happened, what to do. */
	message: string;
}

export interface HostInfo {
	/** `proc/sys/kernel/osrelease`, else the 3rd word of `proc/version`; null when neither is readable. */
	kernelRelease: string | null;
	/** `proc/sys/kernel/hostname` or `etc/hostname`; null when unknown. */
	hostname: string | null;
	/** Presence of `sys/module/<name>` for the modules mdev needs. */
	modules: {vfio: boolean; vfio_iommu_type1: boolean; mdev: boolean};
	/** `dev/vfio/vfio` exists. */
	vfioContainer: boolean;
	/** Number of entries of `sys/kernel/iommu_groups/`; null when the directory is missing. */
	iommuGroups: number | null;
	/** `sys/class/mdev_bus/` exists. */
	mdevBus: boolean;
	/** Kernel command line (`proc/cmdline`), null when unreadable. */
	cmdline: string | null;
}

export interface PciIds {
	/** `0x10de` style, as in the sysfs `vendor` file. */
	vendorId: string | null;
	deviceId: string | null;
	subsystemVendorId: string | null;
	subsystemDeviceId: string | null;
	/** From pci.ids when available, else null (the ids are still shown). */
	vendorName: string | null;
	deviceName: string | null;
}

export interface MdevType {
	/** Directory name under `mdev_supported_types/`, e.g. `nvidia-222`, `mtty-1`, `i915-GVTg_V5_4`. */
	id: string;
	name: string | null;
	description: string | null;
	/** `vfio-pci`, `vfio-ccw`, `vfio-ap`, ... */
	deviceApi: string | null;
	availableInstances: number | null;
	/** UUIDs listed in the type's `devices/` directory. */
	instances: string[];
	errors: ItemError[];
}

export interface Parent {
	/** Entry name in `sys/class/mdev_bus/` (`0000:3b:00.0`, `mtty`, `0.0.0313`, `matrix`). */
	name: string;
	/** The resolved device directory, relative to the root, e.g. `/sys/devices/virtual/mtty/mtty`. */
	devicePath: string | null;
	/** Name of the `subsystem` link target (`pci`, `css`, `ap`, `mtty`, ...). */
	bus: string | null;
	/** Name of the `driver` link target (`nvidia`, `i915`, `vfio_ccw`, ...); null when unbound or not a bus device. */
	driver: string | null;
	/** Only for PCI parents. */
	pci: PciIds | null;
	/** `numa_node`; null when absent or -1 is not given (-1 is kept as -1: "no node"). */
	numaNode: number | null;
	types: MdevType[];
	errors: ItemError[];
}

/** An mdevctl definition (`etc/mdevctl.d/<parent>/<uuid>`). */
export interface Definition {
	path: string;
	mdevType: string | null;
	/** `start: "auto"` in the file. */
	autostart: boolean;
	attrs: Array<Record<string, string>>;
}

export interface Instance {
	uuid: string;
	/** Parent name (as in `sys/class/mdev_bus/`). */
	parent: string | null;
	/** Type id (directory name), from the `mdev_type` link or the definition. */
	mdevType: string | null;
	/** Present in `sys/bus/mdev/devices/`. False: only defined in mdevctl's store ("defined, not active"). */
	active: boolean;
	iommuGroup: number | null;
	/** Bound mdev driver (`mtty`, `nvidia-vgpu-vfio`, `vfio_mdev`, ...). */
	driver: string | null;
	/** The instance has a `vfio-dev/` child (6.x with the vfio device cdev class), with its name (`vfio3`). */
	vfioDev: string | null;
	/** The mdevctl definition for this uuid, if any. */
	definition: Definition | null;
	errors: ItemError[];
}

export interface HostModel {
	schemaVersion: typeof SCHEMA_VERSION;
	/** The root that was scanned (`/` for this host). */
	root: string;
	/** Where the data comes from: this host now, a tree on disk (fixture/captured), or a recorded snapshot. */
	source: {kind: 'live' | 'tree' | 'snapshot'; label: string | null; recordedAt: string | null};
	scannedAt: string;
	host: HostInfo;
	parents: Parent[];
	/** Active instances and mdevctl-defined ones, sorted by uuid. */
	instances: Instance[];
	/** Host-level problems (no mdev_bus, unreadable directories, ...). */
	errors: ItemError[];
}
