// The plain data model of a host's mediated devices, the one value every view reads: sysfs/ fills
// it, probe/ and owners/ add their answers to its instances (through src/model/instances.ts, the
// only place that matches them to instances), present/, output/ and components/ only read it.
// No effects. Field names are the JSON schema (README "JSON schema"); `--json` writes this value,
// a snapshot loads back to it. Bump SCHEMA_VERSION on any breaking change.
import type {ProbeResult} from './probe.js';

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

/**
 * How a parent offers its virtual devices. `mdev`: the kernel's mediated device framework (a parent
 * in `sys/class/mdev_bus/`, instances in `sys/bus/mdev/devices/`). `nvidia-sriov`: NVIDIA's
 * vendor-specific VFIO framework (vGPU 17+ on Ada, Hopper, Blackwell; user problem #11 in docs/doctor.md): the GPU is a
 * PCI physical function, each vGPU is one of its SR-IOV virtual functions (VFs), chosen per VF by
 * writing a type id to `<VF>/nvidia/current_vgpu_type`; no mdev at all.
 */
export type ParentKind = 'mdev' | 'nvidia-sriov';

export interface MdevType {
	/**
	 * Directory name under `mdev_supported_types/`, e.g. `nvidia-222`, `mtty-1`, `i915-GVTg_V5_4`.
	 * nvidia-sriov: the numeric vGPU type id as the driver prints it (`1414`, from `1414 : NVIDIA H200X-1-18C`
	 * in a VF's `nvidia/creatable_vgpu_types`, or a VF's `nvidia/current_vgpu_type`).
	 */
	id: string;
	name: string | null;
	description: string | null;
	/** `vfio-pci`, `vfio-ccw`, `vfio-ap`, ... */
	deviceApi: string | null;
	/**
	 * nvidia-sriov: how many free VFs (current_vgpu_type 0) list the type in `creatable_vgpu_types`
	 * now. Each VF's list is its own snapshot: creating a vGPU on one VF may shrink the others' lists,
	 * so this many may not all be creatable at once.
	 */
	availableInstances: number | null;
	/** UUIDs listed in the type's `devices/` directory. nvidia-sriov: the BDFs of the VFs whose current_vgpu_type is this type. */
	instances: string[];
	/**
	 * Listed, but its directory does not exist (any more) when it was read: removed while the scan
	 * ran, or a link left pointing nowhere. Its other fields are then null or empty and its one error
	 * says which. Absent (not false) for an item that is there.
	 */
	gone?: boolean;
	errors: ItemError[];
}

/**
 * The vendor driver's kernel module, for telling two hosts' drivers apart (migration compare).
 * Found, in this order: the parent's driver's `module` link (`sys/bus/<bus>/drivers/<driver>/module`);
 * for a parent without a driver (virtual parents: mtty, mdpy, mbochs register a class device, not a
 * bus device) the `module` link of the mdev driver bound to one of its instances
 * (`sys/bus/mdev/drivers/<driver>/module`); else a `sys/module/<name>` named like the parent's
 * driver or, without a driver, like the parent itself (a name match, said so by `via`).
 */
export interface DriverModule {
	/** Directory name in `sys/module/` (`nvidia`, `i915`, `mtty`: underscores, where drivers may use dashes). */
	name: string;
	/** `sys/module/<name>/version` (the module's MODULE_VERSION, e.g. `535.129.03`); null when it declares none (mdpy, mbochs) or is built in. */
	version: string | null;
	/** `sys/module/<name>/srcversion`: a hash of the module's sources, written by modpost; null when absent. */
	srcversion: string | null;
	/** How the module was found: the parent driver's `module` link, an instance's mdev driver's `module` link, or a name match. */
	via: 'driver-link' | 'mdev-driver-link' | 'name';
}

/** A PCI physical function's SR-IOV state (Documentation/ABI/testing/sysfs-bus-pci). */
export interface SriovInfo {
	/** `sriov_totalvfs`: how many VFs the device can have; null when unreadable. */
	totalVfs: number | null;
	/** `sriov_numvfs`: how many are enabled now (0: SR-IOV off; NVIDIA's `sriov-manage -e` enables them). */
	numVfs: number | null;
	/** BDFs of the enabled VFs, in `virtfnN` order. */
	vfs: string[];
}

export interface Parent {
	/** Entry name in `sys/class/mdev_bus/` (`0000:3b:00.0`, `mtty`, `0.0.0313`, `matrix`). nvidia-sriov: the GPU's (PF's) PCI address. */
	name: string;
	kind: ParentKind;
	/** The resolved device directory, relative to the root, e.g. `/sys/devices/virtual/mtty/mtty`. */
	devicePath: string | null;
	/** Name of the `subsystem` link target (`pci`, `css`, `ap`, `mtty`, ...). */
	bus: string | null;
	/** Name of the `driver` link target (`nvidia`, `i915`, `vfio_ccw`, ...); null when unbound or not a bus device. */
	driver: string | null;
	/** The vendor driver's module and its version (see DriverModule); null when none was found or the parent is gone. */
	driverModule: DriverModule | null;
	/** Only for PCI parents. */
	pci: PciIds | null;
	/** `numa_node`; null when absent or -1 is not given (-1 is kept as -1: "no node"). */
	numaNode: number | null;
	/** nvidia-sriov only (null for mdev parents): the PF's SR-IOV state. */
	sriov: SriovInfo | null;
	/** nvidia-sriov: the union of the types its VFs list in `creatable_vgpu_types` and the types they carry. */
	types: MdevType[];
	/**
	 * Listed, but its directory does not exist (any more) when it was read: removed while the scan
	 * ran, or a link left pointing nowhere. Its other fields are then null or empty and its one error
	 * says which. Absent (not false) for an item that is there.
	 */
	gone?: boolean;
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

/** One process holding an instance open (`instances[i].owners[j]` in `--json`; src/owners/ finds them). */
export interface Owner {
	pid: number;
	/** /proc/<pid>/comm (15 characters at most: `qemu-system-x86`); null when unreadable. */
	comm: string | null;
	/**
	 * /proc/<pid>/cmdline split at NULs; null when unreadable. Read at scan time (vmName, vmUuid and
	 * libvirtDomain come from it); absent from --json, and so from snapshots, unless --with-cmdline.
	 */
	cmdline?: string[] | null;
	/** QEMU's `-name` (the `guest=` value, or the plain name); null for other programs or without -name. */
	vmName: string | null;
	/** QEMU's `-uuid`; null for other programs or without -uuid. */
	vmUuid: string | null;
	/** The libvirt domain, when the command line shows libvirt started it (src/owners/join.ts libvirtDomain). */
	libvirtDomain: string | null;
	/** Which of the instance's files it has open: `/dev/vfio/2`, `/dev/vfio/devices/vfio2`. */
	files: string[];
}

/** Who holds an instance, as the views read it (src/model/instances.ts instanceOwners). */
export interface InstanceOwners {
	/** The processes holding the instance; [] when none does; null when that could not be told. */
	owners: Owner[] | null;
	/** Why `owners` is null (what was tried, what happened, what to do); null otherwise. */
	unknown: string | null;
}

export interface Instance {
	/**
	 * The mdev's UUID. nvidia-sriov: the VF's PCI address (`0000:41:00.4`), which is also the device
	 * name VFIO_GROUP_GET_DEVICE_FD takes, so probes address it the same way.
	 */
	uuid: string;
	/** `mdev`: an mdev device. `nvidia-sriov`: a VF whose `nvidia/current_vgpu_type` is not 0. */
	kind: ParentKind;
	/** Parent name (as in `sys/class/mdev_bus/`; nvidia-sriov: the PF's address, from the VF's `physfn`). */
	parent: string | null;
	/** Type id (directory name), from the `mdev_type` link or the definition. nvidia-sriov: `nvidia/current_vgpu_type`. */
	mdevType: string | null;
	/** Present in `sys/bus/mdev/devices/`. False: only defined in mdevctl's store ("defined, not active"). nvidia-sriov: always true. */
	active: boolean;
	iommuGroup: number | null;
	/** Bound mdev driver (`mtty`, `nvidia-vgpu-vfio`, `vfio_mdev`, ...); nvidia-sriov: the VF's PCI driver (`nvidia`). */
	driver: string | null;
	/** The instance has a `vfio-dev/` child (6.x with the vfio device cdev class), with its name (`vfio3`). */
	vfioDev: string | null;
	/**
	 * The mdevctl definition for this uuid under this parent, if any. mdevctl lets one uuid be defined
	 * under several parents: each definition is an instance of its own parent, and at most one of them
	 * (the one whose parent holds the live device) is active.
	 */
	definition: Definition | null;
	/**
	 * Listed, but its directory does not exist (any more) when it was read: removed while the scan
	 * ran, or a link left pointing nowhere. Its other fields are then null or empty and its one error
	 * says which. Absent (not false) for an item that is there.
	 */
	gone?: boolean;
	errors: ItemError[];
	/**
	 * Who holds it (src/owners/): the processes with its group or device file open, [] when nobody
	 * does, null when that could not be told (ownersUnknown says why). Absent until /proc was read
	 * (and in a snapshot taken by an mdevscope that did not record owners).
	 */
	owners?: Owner[] | null;
	/** Why `owners` is null; absent otherwise. */
	ownersUnknown?: string;
	/** The live answers of the device behind it (src/probe/), once it was probed; only an active instance has one. */
	probe?: ProbeResult;
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
	/**
	 * Active instances and mdevctl-defined ones, and nvidia-sriov VFs that carry a vGPU, sorted by uuid,
	 * then parent. One per (uuid, parent): a uuid defined under several parents is here once for each,
	 * at most one of them active (src/model/instances.ts joins probes and owners to that one).
	 */
	instances: Instance[];
	/** Host-level problems (no mdev_bus, unreadable directories, ...). */
	errors: ItemError[];
}

/** A UUID as mdev and mdevctl spell one: 8-4-4-4-12 hexadecimal digits (either case). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A PCI function's address as sysfs names it (`0000:41:00.4`): an NVIDIA SR-IOV vGPU's VF. */
export const PCI_ADDRESS_PATTERN = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i;
