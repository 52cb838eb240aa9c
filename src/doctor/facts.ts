// The doctor's only effects: reads (stat, readdir, small files) under a root, gathered once into a
// plain object that runDoctor() judges. Nothing here opens a device, writes, or signals a process.
// Paths go through the sysfs Env (one place builds paths from the root); the few the scanner does
// not need are named once in PATHS below, relative to the root. Every stat, listing and read is
// one of the Env's, so under a tree nothing here leads to this host's /dev, /proc or /run.
import {accessSync, constants, type Stats} from 'node:fs';
import path from 'node:path';
import type {ItemError} from '../model/types.js';
import {listDir, makeEnv, presentUnder, readAttr, readLinkName, statUnder, type Env} from '../sysfs/env.js';

const PATHS = {
	dev: 'dev',
	devKvm: 'dev/kvm',
	/** Hardware IOMMUs the kernel registered (`dmar0` Intel VT-d, `ivhd0` AMD-Vi, ...). */
	sysClassIommu: 'sys/class/iommu',
	/** The ACPI tables virt-host-validate looks for: DMAR (Intel VT-d), IVRS (AMD-Vi). */
	acpiDmar: 'sys/firmware/acpi/tables/DMAR',
	acpiIvrs: 'sys/firmware/acpi/tables/IVRS',
	/** i915's module parameter (Documentation/gpu/i915.rst): `Y` when GVT-g is enabled. */
	i915EnableGvt: 'sys/module/i915/parameters/enable_gvt',
	sysBusPciDevices: 'sys/bus/pci/devices',
	/** nvidia-vgpu-mgr keeps its pid file here (the directory exists while the service runs, and may linger). */
	runNvidiaVgpuMgr: 'run/nvidia-vgpu-mgr',
} as const;

/** Modules the doctor looks at beyond the three the scanner reports (`sys/module/<name>`). */
export const EXTRA_MODULES = ['kvm', 'kvm_intel', 'kvm_amd', 'kvmgt', 'i915', 'nvidia', 'nvidia_vgpu_vfio', 'iommufd'] as const;
export type ExtraModule = (typeof EXTRA_MODULES)[number];

/** A device node (or what stands where one should be) as stat(2) saw it. */
export interface NodeFacts {
	/** Path as seen under the root (`/dev/vfio/vfio`). */
	path: string;
	exists: boolean;
	kind: 'char' | 'block' | 'dir' | 'file' | 'other' | null;
	/** Permission bits (`0o666`), null when missing. */
	mode: number | null;
	uid: number | null;
	gid: number | null;
	/** Device numbers of a char/block node (major 10 minor 196 for the VFIO container: include/linux/miscdevice.h VFIO_MINOR). */
	major: number | null;
	minor: number | null;
	/** access(R_OK|W_OK) for this process; null when the node is missing. */
	readWrite: boolean | null;
	error: ItemError | null;
}

export interface PciDisplayFacts {
	/** `0000:3b:00.0` */
	address: string;
	vendorId: string | null;
	/** `0x030000` style, as in the `class` file. */
	classCode: string | null;
	driver: string | null;
	/** `sriov_totalvfs`, null when absent (not an SR-IOV device). */
	sriovTotalVfs: number | null;
	/** `nvidia/creatable_vgpu_types` exists: an NVIDIA SR-IOV vGPU function (vGPU 17+; user problem #11 in docs/doctor.md). */
	nvidiaCreatableVgpuTypes: boolean;
}

export interface DoctorFacts {
	root: string;
	/** The root has a `dev` directory at all (captured trees usually do not). */
	devPresent: boolean;
	devVfio: {
		dirExists: boolean;
		container: NodeFacts;
		/** `dev/vfio/<N>` group nodes, by group number. */
		groups: NodeFacts[];
	};
	devKvm: NodeFacts;
	iommu: {
		/** Entries of sys/class/iommu; null when that directory is missing. */
		hardware: string[] | null;
		acpiDmar: boolean;
		acpiIvrs: boolean;
	};
	modules: Record<ExtraModule, boolean>;
	/** Content of i915's `enable_gvt` parameter (`Y`/`N`), null when unreadable or i915 is not loaded. */
	i915EnableGvt: string | null;
	nvidiaVgpuMgr: {
		/** pids whose `comm` is nvidia-vgpu-mgr; null when the root has no process list to look at. */
		pids: number[] | null;
		/** How many processes were looked at (0 for a tree without /proc/<pid>). */
		processesSeen: number;
		runDir: boolean;
	};
	/** Display-class (0x03xxxx) PCI functions. */
	pciDisplay: PciDisplayFacts[];
	/** Reads that failed for another reason than "not there". */
	errors: ItemError[];
}

export interface DoctorEnv extends DoctorFacts {
	/** Effective uid 0; null on a tree (`--root` other than /): who will run mdevscope on that host is not known here. */
	isRoot: boolean | null;
}

function kindOf(st: Stats): NodeFacts['kind'] {
	if (st.isCharacterDevice()) return 'char';
	if (st.isBlockDevice()) return 'block';
	if (st.isDirectory()) return 'dir';
	if (st.isFile()) return 'file';
	return 'other';
}

// Linux dev_t encoding (glibc's gnu_dev_major/gnu_dev_minor, <sys/sysmacros.h>).
const devMajor = (rdev: number) => {
	const d = BigInt(rdev);
	return Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & 0xfffff000n));
};
const devMinor = (rdev: number) => {
	const d = BigInt(rdev);
	return Number((d & 0xffn) | ((d >> 12n) & 0xffffff00n));
};

export function statNode(env: Env, absolute: string): NodeFacts {
	const base: NodeFacts = {
		path: env.shown(absolute),
		exists: false,
		kind: null,
		mode: null,
		uid: null,
		gid: null,
		major: null,
		minor: null,
		readWrite: null,
		error: null,
	};
	const stat = statUnder(env, absolute);
	if (!stat.ok) {
		const {code} = stat.error;
		if (code === 'ENOENT' || code === 'ENOTDIR') return base;
		return {...base, exists: presentUnder(env, absolute), error: stat.error};
	}
	const st: Stats = stat.value;
	const kind = kindOf(st);
	let readWrite: boolean;
	try {
		// access(2) only checks permissions; nothing is opened. Asked of the node stat found.
		accessSync(stat.real ?? absolute, constants.R_OK | constants.W_OK);
		readWrite = true;
	} catch {
		readWrite = false;
	}
	const isDev = kind === 'char' || kind === 'block';
	return {
		...base,
		exists: true,
		kind,
		mode: st.mode & 0o7777,
		uid: st.uid,
		gid: st.gid,
		major: isDev ? devMajor(st.rdev) : null,
		minor: isDev ? devMinor(st.rdev) : null,
		readWrite,
	};
}

function readPidComm(env: Env, pid: string): string | null {
	const comm = readAttr(env, path.join(env.proc, pid, 'comm'));
	return comm.ok ? comm.value : null; // a process that exited or hidepid: not ours to report
}

function readPciDisplay(env: Env, errors: ItemError[]): PciDisplayFacts[] {
	const dir = env.at(PATHS.sysBusPciDevices);
	if (!presentUnder(env, dir)) return [];
	const list = listDir(env, dir);
	if (!list.ok) {
		errors.push(list.error);
		return [];
	}
	const out: PciDisplayFacts[] = [];
	for (const address of list.value) {
		const devDir = path.join(dir, address);
		const cls = readAttr(env, path.join(devDir, 'class'));
		if (!cls.ok || !/^0x03/i.test(cls.value)) continue;
		const vendor = readAttr(env, path.join(devDir, 'vendor'));
		const driverLink = path.join(devDir, 'driver');
		const driver = presentUnder(env, driverLink) ? readLinkName(env, driverLink) : null;
		if (driver && !driver.ok) errors.push(driver.error);
		const vfs = readAttr(env, path.join(devDir, 'sriov_totalvfs'));
		const vfCount = vfs.ok && /^\d+$/.test(vfs.value) ? Number(vfs.value) : null;
		out.push({
			address,
			vendorId: vendor.ok ? vendor.value.toLowerCase() : null,
			classCode: cls.value.toLowerCase(),
			driver: driver?.ok ? driver.value : null,
			sriovTotalVfs: vfCount,
			nvidiaCreatableVgpuTypes: presentUnder(env, path.join(devDir, 'nvidia', 'creatable_vgpu_types')),
		});
	}
	return out;
}

/** Everything the doctor needs beyond the HostModel, read under `root`. Never throws for a bad tree. */
export function readDoctorFacts(root: string): DoctorFacts {
	const env = makeEnv(root);
	const errors: ItemError[] = [];

	const devVfioDir = statNode(env, env.devVfio);
	const groups: NodeFacts[] = [];
	if (devVfioDir.kind === 'dir') {
		const list = listDir(env, env.devVfio);
		if (list.ok) {
			for (const name of list.value.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b))) {
				groups.push(statNode(env, path.join(env.devVfio, name)));
			}
		} else errors.push(list.error);
	}

	const iommuDir = env.at(PATHS.sysClassIommu);
	let hardware: string[] | null = null;
	if (presentUnder(env, iommuDir)) {
		const list = listDir(env, iommuDir);
		if (list.ok) hardware = list.value;
		else errors.push(list.error);
	}

	const modules = Object.fromEntries(EXTRA_MODULES.map((m) => [m, presentUnder(env, path.join(env.sysModule, m))])) as Record<
		ExtraModule,
		boolean
	>;

	const gvt = readAttr(env, env.at(PATHS.i915EnableGvt));

	let pids: number[] | null = null;
	let processesSeen = 0;
	const procDir = env.proc;
	if (presentUnder(env, procDir)) {
		const list = listDir(env, procDir);
		if (list.ok) {
			const numeric = list.value.filter((n) => /^\d+$/.test(n));
			processesSeen = numeric.length;
			if (numeric.length > 0) {
				pids = numeric.filter((pid) => readPidComm(env, pid) === 'nvidia-vgpu-mgr').map(Number).sort((a, b) => a - b);
			}
		} else errors.push(list.error);
	}

	const container = statNode(env, env.devVfioContainer);
	const devKvm = statNode(env, env.at(PATHS.devKvm));
	for (const node of [devVfioDir, container, devKvm, ...groups]) if (node.error) errors.push(node.error);

	return {
		root: env.root,
		devPresent: presentUnder(env, env.at(PATHS.dev)),
		devVfio: {dirExists: devVfioDir.kind === 'dir', container, groups},
		devKvm,
		iommu: {hardware, acpiDmar: presentUnder(env, env.at(PATHS.acpiDmar)), acpiIvrs: presentUnder(env, env.at(PATHS.acpiIvrs))},
		modules,
		i915EnableGvt: gvt.ok ? gvt.value : null,
		nvidiaVgpuMgr: {pids, processesSeen, runDir: presentUnder(env, env.at(PATHS.runNvidiaVgpuMgr))},
		pciDisplay: readPciDisplay(env, errors),
		errors,
	};
}

/** readDoctorFacts plus who we run as (the CLI's `mdevscope doctor`); on a tree, not this machine's uid. */
export function readDoctorEnv(root: string): DoctorEnv {
	const live = path.resolve(root) === '/';
	return {...readDoctorFacts(root), isRoot: live ? typeof process.geteuid === 'function' && process.geteuid() === 0 : null};
}
