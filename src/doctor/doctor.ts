// The host doctor: checks over the scanned model and the facts read by facts.ts, each with a
// verdict, what was seen and the fix in one line. Pure: the same model and facts give the same
// checks. Which of libvirt's virt-host-validate checks this covers: docs/doctor.md.
import type {HostModel, Instance, MdevType, Parent} from '../model/types.js';
import {quirksFor} from '../quirks/table.js';
import type {DoctorEnv, NodeFacts, PciDisplayFacts} from './facts.js';

export type Verdict = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
	/** Stable id: `iommu`, `module-vfio`, `type-available:<parent>/<type>`, ... */
	id: string;
	/** What is checked, short (`vfio module`). */
	title: string;
	verdict: Verdict;
	/** What was seen, with the paths it was read from. */
	seen: string;
	/** The fix in one line; null when there is nothing to do. */
	fix: string | null;
	/** The user problem behind this check (its number in docs/doctor.md, with its public sources), when there is one. */
	fieldNote: number | null;
	/** The model items this check is about (for the TUI to link to). */
	parent?: string;
	mdevType?: string;
	instances?: string[];
	/** Ids of the vendor quirks (src/quirks/table.ts) the explanation draws on. */
	quirks?: string[];
}

// Expected device numbers (include/linux/miscdevice.h): VFIO_MINOR 196 and KVM_MINOR 232 on misc major 10.
const MISC_MAJOR = 10;
const VFIO_MINOR = 196;
const KVM_MINOR = 232;

const check = (c: Omit<DoctorCheck, 'fieldNote'> & {fieldNote?: number | null}): DoctorCheck => ({
	...c,
	fieldNote: c.fieldNote ?? null,
});

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;
const octal = (mode: number) => '0' + mode.toString(8).padStart(3, '0');

/** `-rw` style permission string (`crw-rw-rw-`) of a stat'ed node. */
function lsMode(node: NodeFacts): string {
	if (node.mode === null) return '?';
	const type = node.kind === 'char' ? 'c' : node.kind === 'block' ? 'b' : node.kind === 'dir' ? 'd' : '-';
	const rwx = (bits: number) => (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? 'x' : '-');
	return type + rwx(node.mode >> 6) + rwx(node.mode >> 3) + rwx(node.mode);
}

function describeNode(node: NodeFacts): string {
	const dev = node.major !== null ? ` ${node.major}, ${node.minor}` : '';
	return `${node.path} ${lsMode(node)} uid ${node.uid} gid ${node.gid}${dev}`;
}

/** Kernel command line parameters that decide the IOMMU (Documentation/admin-guide/kernel-parameters.txt). */
export function iommuCmdline(cmdline: string | null): string[] {
	if (cmdline === null) return [];
	return cmdline.split(/\s+/).filter((w) => /^(intel_iommu|amd_iommu|iommu|iommu\.passthrough|iommu\.strict)=/.test(w));
}

/** `i915.enable_gvt=<v>` on the kernel command line: its value, or null when absent. */
export function cmdlineEnableGvt(cmdline: string | null): string | null {
	if (cmdline === null) return null;
	let value: string | null = null;
	for (const w of cmdline.split(/\s+/)) {
		const m = /^i915\.enable_gvt=(.*)$/.exec(w);
		if (m) value = m[1]!; // the last one wins, as for any module parameter
	}
	return value;
}

/** kstrtobool's "true" spellings (lib/kstrtox.c), which bool module parameters accept. */
const isTrue = (v: string | null) => v !== null && /^(1|y|Y|on|ON|On|oN)$/.test(v.trim());

const isNvidiaParent = (p: Parent) => p.driver === 'nvidia';
const isGvtgParent = (p: Parent) => p.driver === 'i915';
/** NVIDIA's vendor-specific VFIO framework: vGPUs are SR-IOV VFs, not mdevs (user problem #11 in docs/doctor.md). */
const isSriovParent = (p: Parent) => p.kind === 'nvidia-sriov';

function activeOf(model: HostModel, parent: Parent, type: MdevType): string[] {
	const uuids = new Set(type.instances);
	for (const i of model.instances) if (i.active && i.parent === parent.name && i.mdevType === type.id) uuids.add(i.uuid);
	return [...uuids].sort();
}

// --- the checks, in the order they are printed ---

function checkIommu(model: HostModel, env: DoctorEnv): DoctorCheck {
	const groups = model.host.iommuGroups;
	const hw = env.iommu.hardware;
	const params = iommuCmdline(model.host.cmdline);
	const mdevGroups = new Set(model.instances.filter((i) => i.kind === 'mdev' && i.active && i.iommuGroup !== null).map((i) => i.iommuGroup));
	const parts: string[] = [];
	parts.push(groups === null ? '/sys/kernel/iommu_groups is missing' : `${plural(groups, 'IOMMU group')} in /sys/kernel/iommu_groups`);
	if (hw === null) parts.push('/sys/class/iommu missing');
	else parts.push(hw.length > 0 ? `hardware IOMMU: ${hw.join(', ')}` : 'no hardware IOMMU registered (/sys/class/iommu is empty)');
	if (env.iommu.acpiDmar) parts.push('ACPI DMAR table present');
	if (env.iommu.acpiIvrs) parts.push('ACPI IVRS table present');
	parts.push(
		model.host.cmdline === null
			? 'kernel command line unreadable'
			: params.length > 0
				? `kernel command line has ${params.join(' ')}`
				: 'kernel command line sets no IOMMU option',
	);
	const cmdlineFix =
		'enable VT-d/AMD-Vi in the firmware; on Intel add intel_iommu=on iommu=pt to the kernel command line (AMD-Vi is on by default once the firmware enables it), then reboot';
	if (groups === null) {
		return check({
			id: 'iommu',
			title: 'IOMMU',
			verdict: 'fail',
			seen: parts.join('; ') + '. Without IOMMU groups VFIO has nothing to attach.',
			fix: `use a kernel with IOMMU support (CONFIG_IOMMU_API, VFIO); ${cmdlineFix}`,
		});
	}
	if (groups > 0) {
		const onlyMdev = (hw === null || hw.length === 0) && mdevGroups.size === groups;
		return check({
			id: 'iommu',
			title: 'IOMMU',
			verdict: 'ok',
			seen:
				parts.join('; ') +
				(onlyMdev
					? `. ${groups === 1 ? 'The group belongs' : `The ${groups} groups all belong`} to mdev instances: the mdev core gives each instance its own group, so mdev works without a hardware IOMMU (PCI passthrough and NVIDIA SR-IOV vGPUs would need one).`
					: '.'),
			fix: null,
		});
	}
	return check({
		id: 'iommu',
		title: 'IOMMU',
		verdict: 'warn',
		seen:
			parts.join('; ') +
			'. No group exists yet: mdev instances get their own groups when created, but PCI passthrough and NVIDIA SR-IOV vGPUs need the hardware IOMMU enabled.',
		fix: cmdlineFix,
	});
}

function checkModule(model: HostModel, env: DoctorEnv, name: 'vfio' | 'vfio_iommu_type1' | 'mdev'): DoctorCheck {
	const loaded = model.host.modules[name];
	const what: Record<typeof name, string> = {
		vfio: 'the VFIO core (/dev/vfio, groups, device fds)',
		vfio_iommu_type1: 'the VFIO container IOMMU backend that maps guest memory (also for mdev)',
		mdev: 'the mediated device core (/sys/class/mdev_bus, /sys/bus/mdev)',
	};
	if (loaded) {
		return check({
			id: `module-${name}`,
			title: `${name} module`,
			verdict: 'ok',
			seen: `/sys/module/${name} present: ${what[name]} is loaded or built in.`,
			fix: null,
		});
	}
	const sriov = model.parents.filter(isSriovParent);
	if (name === 'mdev' && sriov.length > 0 && !model.parents.some((p) => p.kind === 'mdev')) {
		return check({
			id: `module-${name}`,
			title: `${name} module`,
			verdict: 'ok',
			seen: `/sys/module/mdev is missing, and not needed here: the NVIDIA SR-IOV GPUs (${sriov.map((p) => p.name).join(', ')}) hand out their vGPUs as PCI VFs, without mdev.`,
			fix: null,
			fieldNote: 11,
		});
	}
	// With CONFIG_IOMMUFD_VFIO_CONTAINER, iommufd provides the container in place of vfio_iommu_type1.
	const iommufdInstead = name === 'vfio_iommu_type1' && env.modules.iommufd;
	return check({
		id: `module-${name}`,
		title: `${name} module`,
		verdict: iommufdInstead ? 'warn' : 'fail',
		seen:
			`/sys/module/${name} is missing: ${what[name]} is not loaded.` +
			(iommufdInstead ? ' iommufd is loaded; if the kernel has IOMMUFD_VFIO_CONTAINER it serves /dev/vfio/vfio instead.' : ''),
		fix: `modprobe ${name}`,
	});
}

function checkContainer(model: HostModel, env: DoctorEnv, live: boolean): DoctorCheck {
	const node = env.devVfio.container;
	const expect = `crw-rw-rw- root root ${MISC_MAJOR}, ${VFIO_MINOR}`;
	const base = {id: 'dev-vfio-container', title: '/dev/vfio/vfio'};
	if (!node.exists) {
		if (!live && !env.devPresent) {
			return check({
				...base,
				verdict: 'warn',
				seen: `the tree has no /dev, so /dev/vfio/vfio could not be checked. On the host, with vfio loaded, expect ${expect} (the VFIO container, world read/write by design).`,
				fix: 'check on the host itself: ls -l /dev/vfio/vfio',
			});
		}
		if (!model.host.modules.vfio) {
			return check({...base, verdict: 'fail', seen: '/dev/vfio/vfio is missing because vfio is not loaded.', fix: 'modprobe vfio'});
		}
		return check({
			...base,
			verdict: live ? 'fail' : 'warn',
			seen: `/dev/vfio/vfio is missing although vfio is loaded (expected ${expect}); udev or devtmpfs did not create it.`,
			fix: 'check that /dev is devtmpfs and udev runs; reloading vfio (modprobe -r vfio_iommu_type1 vfio; modprobe vfio_iommu_type1) recreates it',
		});
	}
	if (node.kind !== 'char') {
		if (!live) {
			// A tree records that the node existed; it cannot hold the node itself.
			return check({
				...base,
				verdict: 'ok',
				seen: `${node.path} is recorded in the tree (as a ${node.kind}: a tree cannot hold device nodes, so its type, numbers and mode are the host's to check; expect ${expect}).`,
				fix: null,
			});
		}
		return check({
			...base,
			verdict: 'fail',
			seen: `${node.path} exists but is a ${node.kind}, not a character device; expected ${expect}.`,
			fix: 'remove the stray file and reload vfio so devtmpfs recreates the node',
		});
	}
	const problems: string[] = [];
	if (node.major !== MISC_MAJOR || node.minor !== VFIO_MINOR) problems.push(`device ${node.major}, ${node.minor} is not ${MISC_MAJOR}, ${VFIO_MINOR}`);
	if (node.mode !== null && (node.mode & 0o006) !== 0o006) problems.push(`mode ${octal(node.mode)} is not world read/write (the kernel creates it 0666)`);
	if (node.readWrite === false && !env.isRoot) problems.push('this user cannot open it read/write');
	if (problems.length === 0) {
		return check({...base, verdict: 'ok', seen: `${describeNode(node)}: the VFIO container, usable by every user.`, fix: null});
	}
	return check({
		...base,
		verdict: 'warn',
		seen: `${describeNode(node)}: ${problems.join('; ')}.`,
		fix: 'chmod 0666 /dev/vfio/vfio (or a udev rule KERNEL=="vfio", MODE="0666"); non-root QEMU needs it',
	});
}

function checkGroupNodes(model: HostModel, env: DoctorEnv, live: boolean): DoctorCheck | null {
	const wanted = [...new Set(model.instances.filter((i) => i.active && i.iommuGroup !== null).map((i) => i.iommuGroup!))].sort(
		(a, b) => a - b,
	);
	if (wanted.length === 0) return null; // no active instance: no group node is expected
	const byGroup = new Map(env.devVfio.groups.map((g) => [g.path.split('/').pop()!, g]));
	const uuidsOf = (g: number) => model.instances.filter((i) => i.active && i.iommuGroup === g).map((i) => i.uuid);
	const base = {id: 'dev-vfio-groups', title: 'VFIO group nodes', instances: wanted.flatMap(uuidsOf)};
	const list = wanted.map((g) => `/dev/vfio/${g}`).join(', ');
	if (!live && !env.devPresent) {
		return check({
			...base,
			verdict: 'warn',
			seen: `the tree has no /dev, so the group nodes could not be checked. On the host expect ${list} (crw------- root root, or owned by the VM's user while libvirt runs it), one per active instance's group.`,
			fix: `check on the host itself: ls -l ${list}`,
		});
	}
	const missing = wanted.filter((g) => !byGroup.get(String(g))?.exists);
	const standIns = wanted.map((g) => byGroup.get(String(g))).filter((n) => n?.exists && n.kind !== 'char');
	if (missing.length > 0) {
		return check({
			...base,
			verdict: live ? 'fail' : 'warn',
			seen: `missing: ${missing.map((g) => `/dev/vfio/${g} (instances ${uuidsOf(g).join(', ')})`).join('; ')}. The vendor driver registered no VFIO device for them, or udev did not create the node.`,
			fix: 'check that each instance is bound to its vendor driver (ls -l /sys/bus/mdev/devices/<uuid>/driver; an SR-IOV vGPU: /sys/bus/pci/devices/<VF>/driver) and that vfio is loaded',
		});
	}
	if (standIns.length > 0) {
		if (live) {
			return check({
				...base,
				verdict: 'fail',
				seen: `${standIns.map((n) => `${n!.path} is a ${n!.kind}`).join('; ')}: not character devices.`,
				fix: 'remove the stray files and reload vfio so devtmpfs recreates the nodes',
			});
		}
		return check({
			...base,
			verdict: 'ok',
			seen: `${list} recorded in the tree, one per active instance's group (as plain files: a tree cannot hold device nodes, so their type and mode are the host's to check).`,
			fix: null,
		});
	}
	const closed = wanted.map((g) => byGroup.get(String(g))!).filter((n) => n.readWrite === false);
	const seen = wanted.map((g) => describeNode(byGroup.get(String(g))!)).join('; ');
	if (closed.length > 0 && !env.isRoot) {
		return check({
			...base,
			verdict: 'warn',
			seen: `${seen}. This user cannot open ${closed.map((n) => n.path).join(', ')}: probes of those instances will say "needs root".`,
			fix: 'run as root, or give the user the group node (libvirt chowns it to the VM user while the VM runs)',
		});
	}
	return check({...base, verdict: 'ok', seen: `${seen}.`, fix: null});
}

function checkRoot(env: DoctorEnv, live: boolean): DoctorCheck {
	const base = {id: 'root', title: 'root privileges'};
	// A tree is read as data: this machine's uid says nothing about who runs mdevscope on its host.
	if (!live || env.isRoot === null) {
		return check({
			...base,
			verdict: 'warn',
			seen: 'not known for a tree: who runs mdevscope is judged on the live host only (this tree is read as data; no probe runs on it).',
			fix: 'run mdevscope doctor on the host itself, as the user that will probe (root)',
		});
	}
	if (env.isRoot) {
		return check({...base, verdict: 'ok', seen: 'root (effective uid 0): probes can open /dev/vfio/* nodes.', fix: null});
	}
	return check({
		...base,
		verdict: 'warn',
		seen: 'not root: listing works, but probes need root or write access to /dev/vfio/<group>, and processes of other users may be hidden from the owner scan.',
		fix: 'run as root (sudo mdevscope ...) to probe instances',
	});
}

function hintsForNoParents(env: DoctorEnv, cmdline: string | null): string {
	const hints: string[] = [];
	for (const gpu of env.pciDisplay) {
		if (gpu.vendorId === '0x10de' && gpu.driver === 'nvidia') {
			hints.push(
				gpu.nvidiaCreatableVgpuTypes || (gpu.sriovTotalVfs ?? 0) > 0
					? `NVIDIA ${gpu.address} is an SR-IOV vGPU device: types are chosen per VF in nvidia/creatable_vgpu_types, not through mdev`
					: `NVIDIA ${gpu.address} runs the plain nvidia driver: install NVIDIA's vGPU host driver`,
			);
		}
		if (gpu.vendorId === '0x8086' && gpu.driver === 'i915' && !isTrue(cmdlineEnableGvt(cmdline))) {
			hints.push(`Intel ${gpu.address} runs i915 without GVT-g: add i915.enable_gvt=1 to the kernel command line and load kvmgt`);
		}
	}
	return hints.length > 0
		? hints.join('; ')
		: 'load a driver with mdev support: the NVIDIA vGPU host driver, i915 with i915.enable_gvt=1 and kvmgt, vfio_ccw/vfio_ap on s390, or the mtty/mdpy/mbochs samples';
}

function checkParents(model: HostModel, env: DoctorEnv): DoctorCheck {
	const base = {id: 'mdev-parents', title: 'mdev parents', fieldNote: 3};
	const mdev = model.parents.filter((p) => p.kind === 'mdev');
	const sriov = model.parents.filter(isSriovParent);
	const sriovText = `${plural(sriov.length, 'NVIDIA SR-IOV GPU')} with vGPUs as VFs, not mdevs (${sriov.map((p) => p.name).join(', ')})`;
	if (!model.host.mdevBus || mdev.length === 0) {
		if (sriov.length > 0) {
			return check({
				...base,
				verdict: 'ok',
				seen: `${model.host.mdevBus ? '/sys/class/mdev_bus has no parent' : '/sys/class/mdev_bus is missing'}, and none is needed here: ${sriovText}.`,
				fix: null,
				fieldNote: 11,
			});
		}
		return check({
			...base,
			verdict: 'fail',
			seen: model.host.mdevBus
				? '/sys/class/mdev_bus exists but no parent is registered in it: no device offers mediated devices.'
				: '/sys/class/mdev_bus is missing: no driver has registered an mdev parent (the mdev core creates it with the first one).',
			fix: hintsForNoParents(env, model.host.cmdline),
		});
	}
	const list = mdev.map((p) => `${p.name} (${p.driver ?? p.bus ?? 'no driver'}, ${plural(p.types.length, 'type')})`);
	const also = sriov.length > 0 ? `; also ${sriovText}` : '';
	return check({...base, verdict: 'ok', seen: `${plural(mdev.length, 'parent')} in /sys/class/mdev_bus: ${list.join(', ')}${also}.`, fix: null});
}

function checkParentTypes(parent: Parent): DoctorCheck | null {
	// An SR-IOV GPU without types (SR-IOV off, or full) is checkSriovParent's to explain.
	if (parent.types.length > 0 || isSriovParent(parent)) return null;
	const base = {id: `parent-types:${parent.name}`, parent: parent.name};
	if (parent.devicePath === null && parent.errors.length > 0) {
		return check({
			...base,
			title: 'mdev parent',
			verdict: 'warn',
			seen: `${parent.name} is listed in mdev_bus but could not be read: ${parent.errors[0]!.message}`,
			fix: 'if the device is going away this clears itself; otherwise reload its driver',
		});
	}
	if (isNvidiaParent(parent)) {
		return check({
			...base,
			title: 'NVIDIA vGPU host driver',
			verdict: 'fail',
			seen: `${parent.name} is bound to nvidia but has no mdev_supported_types: that is the plain driver, not NVIDIA's vGPU host driver.`,
			fix: "install NVIDIA's vGPU host driver (the KVM/Linux host package) instead of the plain nvidia driver",
			fieldNote: 2,
		});
	}
	if (isGvtgParent(parent)) {
		return check({
			...base,
			title: 'GVT-g types',
			verdict: 'fail',
			seen: `${parent.name} is bound to i915 but has no mdev_supported_types: GVT-g is not active on it.`,
			fix: 'add i915.enable_gvt=1 to the kernel command line, load kvmgt, and reboot (GVT-g covers Broadwell to Comet Lake GPUs)',
			fieldNote: 2,
		});
	}
	return check({
		...base,
		title: 'mdev types',
		verdict: 'warn',
		seen: `${parent.name} (${parent.driver ?? parent.bus ?? 'no driver'}) is registered in mdev_bus but lists no mdev_supported_types.`,
		fix: "check the vendor driver's log (dmesg) for why it offers no type",
	});
}

function vgpuMgrState(env: DoctorEnv): {running: boolean | null; seen: string} {
	const {pids, processesSeen, runDir} = env.nvidiaVgpuMgr;
	if (pids !== null && pids.length > 0) return {running: true, seen: `nvidia-vgpu-mgr runs (pid ${pids.join(', ')})`};
	if (pids !== null) {
		const hidden = env.isRoot ? '' : ' (as non-root, processes of other users may be hidden)';
		return {
			running: env.isRoot ? false : null,
			seen: `no nvidia-vgpu-mgr among ${plural(processesSeen, 'process', 'processes')}${hidden}${runDir ? '; /run/nvidia-vgpu-mgr exists (left over?)' : ''}`,
		};
	}
	return {
		running: null,
		seen: runDir
			? '/run/nvidia-vgpu-mgr exists, but there is no process list under this root to confirm nvidia-vgpu-mgr runs'
			: 'no process list under this root and no /run/nvidia-vgpu-mgr: could not tell whether nvidia-vgpu-mgr runs',
	};
}

/** A vendor module the vendor's mdev needs (`sys/module/<name>`, read by facts.ts); user problem #2 in docs/doctor.md. */
function vendorModule(
	env: DoctorEnv,
	name: 'nvidia_vgpu_vfio' | 'kvmgt',
	text: {id?: string; present: string; missing: string; fix: string; quirks?: string[]},
): DoctorCheck {
	const loaded = env.modules[name];
	return check({
		id: text.id ?? `module-${name}`,
		title: `${name} module`,
		verdict: loaded ? 'ok' : 'fail',
		seen: loaded ? `/sys/module/${name} present: ${text.present}.` : `/sys/module/${name} is missing: ${text.missing}.`,
		fix: loaded ? null : text.fix,
		fieldNote: 2,
		...(text.quirks ? {quirks: text.quirks} : {}),
	});
}

function checkNvidia(model: HostModel, env: DoctorEnv): DoctorCheck[] {
	const gpus = model.parents.filter(isNvidiaParent);
	if (gpus.length === 0) return [];
	const out: DoctorCheck[] = [];
	const mgr = vgpuMgrState(env);
	out.push(
		check({
			id: 'nvidia-vgpu-mgr',
			title: 'nvidia-vgpu-mgr',
			verdict: mgr.running === true ? 'ok' : mgr.running === false ? 'fail' : 'warn',
			seen: `${mgr.seen}. NVIDIA vGPUs start only through it, from a QEMU that passes -uuid.`,
			fix:
				mgr.running === true
					? null
					: mgr.running === false
						? 'systemctl enable --now nvidia-vgpu-mgr (journalctl -u nvidia-vgpu-mgr says why it stopped)'
						: 'check on the host: systemctl status nvidia-vgpu-mgr',
			fieldNote: 6,
			quirks: ['nvidia-needs-vm'],
		}),
	);
	// The mdev side's VFIO driver; SR-IOV VFs are registered with VFIO by nvidia itself (kubevirt#17642).
	if (gpus.some((p) => p.kind === 'mdev')) {
		out.push(
			vendorModule(env, 'nvidia_vgpu_vfio', {
				present: 'NVIDIA vGPU instances can bind to it',
				missing: 'vGPU instances have no VFIO driver to bind to',
				fix: 'modprobe nvidia_vgpu_vfio (part of the vGPU host driver)',
			}),
		);
	}
	return out;
}

function checkGvtg(model: HostModel, env: DoctorEnv): DoctorCheck[] {
	const parents = model.parents.filter(isGvtgParent);
	const cmdValue = cmdlineEnableGvt(model.host.cmdline);
	// Only where GVT-g is wanted: an i915 parent, or the admin already asked for it.
	if (parents.length === 0 && cmdValue === null && !env.modules.kvmgt) return [];
	const out: DoctorCheck[] = [];
	const base = {id: 'gvtg-enable_gvt', title: 'i915.enable_gvt', fieldNote: 2};
	const withTypes = parents.some((p) => p.types.some((t) => t.id.startsWith('i915-GVTg')));
	if (isTrue(cmdValue)) {
		out.push(check({...base, verdict: 'ok', seen: `kernel command line has i915.enable_gvt=${cmdValue}.`, fix: null}));
	} else if (cmdValue !== null) {
		out.push(
			check({
				...base,
				verdict: 'fail',
				seen: `kernel command line has i915.enable_gvt=${cmdValue}, which turns GVT-g off.`,
				fix: 'set i915.enable_gvt=1 on the kernel command line and reboot',
			}),
		);
	} else if (isTrue(env.i915EnableGvt)) {
		out.push(
			check({
				...base,
				verdict: 'ok',
				seen: `/sys/module/i915/parameters/enable_gvt is ${env.i915EnableGvt}: GVT-g is enabled through module options (not on the kernel command line; keep them in the initramfs so they apply at boot).`,
				fix: null,
			}),
		);
	} else {
		const param = env.i915EnableGvt;
		const paramSeen =
			param === null
				? '/sys/module/i915/parameters/enable_gvt is not readable here'
				: `/sys/module/i915/parameters/enable_gvt is ${param}`;
		out.push(
			check({
				...base,
				verdict: 'fail',
				seen:
					`the kernel command line has no i915.enable_gvt=1 (${model.host.cmdline === null ? 'unreadable' : 'it reads: ' + model.host.cmdline.trim()}); ${paramSeen}.` +
					(withTypes
						? ' GVT-g types are listed now, so it was set some other way, which a reboot may not repeat.'
						: ' Without it i915 offers no GVT-g types.'),
				fix: 'add i915.enable_gvt=1 to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub) and reboot',
			}),
		);
	}
	out.push(
		vendorModule(env, 'kvmgt', {
			id: 'gvtg-kvmgt',
			present: 'GVT-g vGPUs can be opened by KVM guests',
			missing: 'GVT-g vGPUs cannot be opened (KVMGT is the VFIO side of GVT-g)',
			fix: 'modprobe kvmgt (and add it to /etc/modules to load at boot)',
			quirks: ['gvtg-needs-kvm'],
		}),
	);
	return out;
}

function checkSriovNvidia(model: HostModel, env: DoctorEnv): DoctorCheck[] {
	// Parents, and the VFs of SR-IOV parents, are looked at by their own checks.
	const parentNames = new Set(model.parents.flatMap((p) => [p.name, ...(p.sriov?.vfs ?? [])]));
	const gpus = env.pciDisplay.filter((g: PciDisplayFacts) => g.vendorId === '0x10de' && g.driver === 'nvidia' && !parentNames.has(g.address));
	return gpus.map((gpu) => {
		const sriov = gpu.nvidiaCreatableVgpuTypes || (gpu.sriovTotalVfs ?? 0) > 0;
		return check({
			id: `nvidia-gpu:${gpu.address}`,
			title: 'NVIDIA GPU without mdev',
			verdict: sriov ? 'ok' : 'warn',
			seen: sriov
				? `${gpu.address} is bound to nvidia and not an mdev parent; it is an SR-IOV vGPU device (${gpu.nvidiaCreatableVgpuTypes ? 'nvidia/creatable_vgpu_types' : `sriov_totalvfs ${gpu.sriovTotalVfs}`}): vGPU types are chosen per VF (nvidia/current_vgpu_type), not through mdev, and reset on reboot.`
				: `${gpu.address} is bound to nvidia but offers no mdev types and no SR-IOV: the plain driver, not NVIDIA's vGPU host driver.`,
			fix: sriov ? null : "install NVIDIA's vGPU host driver; on Ada and newer GPUs enable the VFs (sriov-manage -e) and pick types per VF",
			fieldNote: sriov ? 11 : 2,
		});
	});
}

/** The GPU's address as nvidia-smi spells it (`00000000:41:00.0`; user problem #12 in docs/doctor.md). */
function nvidiaSmiBusId(bdf: string): string {
	const m = /^([0-9a-f]{4,8}):(.*)$/i.exec(bdf);
	return m ? `${m[1]!.padStart(8, '0')}:${m[2]}`.toUpperCase() : bdf;
}

/**
 * An NVIDIA SR-IOV GPU (user problem #11 in docs/doctor.md): are its VFs enabled, and what can its free VFs still take.
 * What each VF offers is its `nvidia/creatable_vgpu_types`; the counts are the scanner's (free VFs
 * that list a type). Which heterogeneous mode the GPU runs in is not in sysfs: said so, not guessed.
 */
function checkSriovParent(model: HostModel, env: DoctorEnv, parent: Parent): DoctorCheck[] {
	const pf = parent.name;
	const s = parent.sriov;
	if (s === null || parent.devicePath === null) return [];
	const out: DoctorCheck[] = [];
	const files = `/sys/bus/pci/devices/${pf}`;
	const carried = model.instances.filter((i) => i.kind === 'nvidia-sriov' && i.parent === pf);
	const base = {parent: pf, fieldNote: 11};
	const vfsBase = {...base, id: `sriov-vfs:${pf}`, title: `SR-IOV VFs of ${pf}`};
	if (s.numVfs === 0) {
		out.push(
			check({
				...vfsBase,
				verdict: 'fail',
				seen: `SR-IOV is off on ${pf} (${parent.driver ?? 'no driver'}): ${files}/sriov_numvfs is 0 of sriov_totalvfs ${s.totalVfs ?? '?'}. Its vGPUs would be VFs, so it offers none until they are enabled; the VFs, and the vGPU types chosen on them, are gone after every reboot or driver reload.`,
				fix: `/usr/lib/nvidia/sriov-manage -e ${pf} (as root, from NVIDIA's vGPU host driver; again after every boot, e.g. from a systemd unit before the VMs start)`,
			}),
		);
		return out;
	}
	if (s.numVfs === null) {
		out.push(check({...vfsBase, verdict: 'warn', seen: `${files}/sriov_numvfs could not be read, so whether the VFs are enabled is unknown (see the parent's errors).`, fix: `cat ${files}/sriov_numvfs as root`}));
	} else {
		out.push(
			check({
				...vfsBase,
				verdict: 'ok',
				seen: `${s.numVfs} of ${s.totalVfs ?? '?'} VFs enabled (${files}/sriov_numvfs), ${carried.length} with a vGPU. They do not survive a reboot: sriov-manage -e and the types must be set again at boot.`,
				fix: null,
			}),
		);
	}

	// What the free VFs offer. Unknown counts (a VF that could not be read): nothing to judge.
	if (s.vfs.length === 0 || parent.types.some((t) => t.availableInstances === null)) return out;
	const free = s.vfs.length - carried.length;
	const label = (id: string | null) => {
		const name = parent.types.find((t) => t.id === id)?.name;
		return name ? `${id} (${name})` : (id ?? '?');
	};
	const carriedText = [...new Set(carried.map((i) => i.mdevType))]
		.map((id) => `${label(id)} on ${carried.filter((i) => i.mdevType === id).map((i) => i.uuid).join(', ')}`)
		.join('; ');
	const offered = parent.types.filter((t) => (t.availableInstances ?? 0) > 0);
	const offeredText = offered.map((t) => `${label(t.id)} on ${plural(t.availableInstances!, 'VF')}`).join(', ');
	const typesBase = {...base, id: `sriov-types:${pf}`, instances: carried.map((i) => i.uuid)};
	const clear = `clear a vGPU no VM uses: echo 0 > /sys/bus/pci/devices/<VF>/nvidia/current_vgpu_type (its VM stopped)`;
	if (carried.length === 0) {
		if (offered.length > 0) return out;
		const mgr = vgpuMgrState(env);
		out.push(
			check({
				...typesBase,
				title: `vGPU types on ${pf}`,
				verdict: mgr.running === false ? 'fail' : 'warn',
				seen: `none of the ${plural(free, 'VF')} of ${pf} carries a vGPU, and none lists a type in nvidia/creatable_vgpu_types; ${mgr.seen}.`,
				fix: mgr.running === false ? 'systemctl enable --now nvidia-vgpu-mgr' : `check nvidia-smi vgpu -c -i ${nvidiaSmiBusId(pf)} (creatable types) and journalctl -u nvidia-vgpu-mgr`,
				fieldNote: 6,
			}),
		);
		return out;
	}
	if (free === 0) {
		const more = s.numVfs !== null && s.totalVfs !== null && s.numVfs < s.totalVfs;
		out.push(
			check({
				...typesBase,
				title: `vGPU room on ${pf}`,
				verdict: 'warn',
				seen: `every enabled VF of ${pf} carries a vGPU (${carriedText}).`,
				fix: more ? `/usr/lib/nvidia/sriov-manage -e ${pf} enables all ${s.totalVfs} VFs` : `${clear}, or use another GPU`,
				fieldNote: 1,
			}),
		);
	} else if (offered.length === 0) {
		out.push(
			check({
				...typesBase,
				title: `vGPU room on ${pf}`,
				verdict: 'warn',
				seen: `the ${plural(free, 'free VF')} of ${pf} list no type in nvidia/creatable_vgpu_types: the vGPUs already there (${carriedText}) hold what the GPU has (its framebuffer, or all its MIG slices).`,
				fix: `${clear}, or use another GPU`,
				fieldNote: 1,
			}),
		);
	} else {
		out.push(
			check({
				...typesBase,
				title: `mixed vGPU sizes on ${pf}`,
				verdict: 'warn',
				seen: `${pf} carries ${carriedText}; its ${plural(free, 'free VF')} offer only ${offeredText}. Unless the GPU runs in heterogeneous (mixed-size) mode, NVIDIA lets the free VFs take only vGPUs of the framebuffer size already in use, so other sizes are not listed; sysfs does not say which mode is on (nvidia-smi -q: vGPU Heterogeneous Mode).`,
				fix: `to mix sizes: stop the GPU's VMs and clear its vGPUs (echo 0 > /sys/bus/pci/devices/<VF>/nvidia/current_vgpu_type), run /usr/lib/nvidia/sriov-manage -e ${pf}, then nvidia-smi vgpu -i ${nvidiaSmiBusId(pf)} -shm 1 before creating vGPUs (the mode is lost at every sriov-manage and reboot)`,
				fieldNote: 1,
			}),
		);
	}
	return out;
}

function checkAvailability(model: HostModel, env: DoctorEnv, parent: Parent, type: MdevType): DoctorCheck | null {
	if (type.availableInstances !== 0 || isSriovParent(parent)) return null;
	const id = `type-available:${parent.name}/${type.id}`;
	const title = `${type.id} on ${parent.name}`;
	const same = activeOf(model, parent, type);
	const others = parent.types
		.filter((t) => t.id !== type.id)
		.map((t) => ({type: t.id, uuids: activeOf(model, parent, t)}))
		.filter((o) => o.uuids.length > 0);
	const quirkIds = quirksFor(parent, type).map((q) => q.id);
	const base = {id, title, parent: parent.name, mdevType: type.id, fieldNote: 1};
	const sameText =
		same.length > 0 ? `${plural(same.length, 'instance')} of ${type.id} already ${same.length === 1 ? 'exists' : 'exist'} here (${same.join(', ')})` : '';
	const othersText = others.map((o) => `${o.type}: ${o.uuids.join(', ')}`).join('; ');

	if (isNvidiaParent(parent)) {
		if (others.length > 0) {
			return check({
				...base,
				verdict: 'warn',
				seen: `available_instances is 0 because this GPU already hosts another type (${othersText}): time-sliced NVIDIA vGPUs on one GPU must all be the same type unless the card runs in heterogeneous mode.${sameText ? ' ' + sameText + '.' : ''}`,
				fix: `create ${others.map((o) => o.type).join('/')} instances here, or remove the other type's instances (mdevctl stop -u <uuid>) before switching this GPU to ${type.id}`,
				instances: others.flatMap((o) => o.uuids),
				quirks: quirkIds,
			});
		}
		if (same.length > 0) {
			return check({
				...base,
				verdict: 'warn',
				seen: `available_instances is 0: the GPU is full with ${sameText}.`,
				fix: 'remove an instance (mdevctl stop -u <uuid>) or use another GPU',
				instances: same,
				quirks: quirkIds,
			});
		}
		const mgr = vgpuMgrState(env);
		return check({
			...base,
			verdict: mgr.running === false ? 'fail' : 'warn',
			seen: `available_instances is 0 and no instance sits on this GPU; ${mgr.seen}.`,
			fix:
				mgr.running === false
					? 'systemctl enable --now nvidia-vgpu-mgr'
					: 'check nvidia-smi vgpu -c (creatable types) and journalctl -u nvidia-vgpu-mgr',
			fieldNote: 6,
			quirks: quirkIds,
		});
	}

	if (isGvtgParent(parent)) {
		const used = [...same.map((u) => `${type.id}: ${u}`), ...others.flatMap((o) => o.uuids.map((u) => `${o.type}: ${u}`))];
		return check({
			...base,
			verdict: 'warn',
			seen:
				`available_instances is 0: GVT-g vGPUs share the graphics aperture/GTT set in the firmware` +
				(used.length > 0 ? `, and these instances hold it: ${used.join('; ')}.` : ', and it is too small for this type even with no instance.'),
			fix: used.length > 0 ? 'remove an instance (mdevctl stop -u <uuid>) or raise the aperture size in the firmware' : 'raise the aperture size (DVMT/aperture) in the firmware setup',
			instances: [...same, ...others.flatMap((o) => o.uuids)],
			quirks: quirkIds,
		});
	}

	if (same.length > 0 || others.length > 0) {
		return check({
			...base,
			verdict: 'warn',
			seen:
				'available_instances is 0: ' +
				[sameText, others.length > 0 ? `the parent's capacity is shared with other types' instances (${othersText})` : '']
					.filter(Boolean)
					.join('; ') +
				'.',
			fix: 'remove an instance (mdevctl stop -u <uuid>) or use another parent',
			instances: [...same, ...others.flatMap((o) => o.uuids)],
			quirks: quirkIds,
		});
	}
	return check({
		...base,
		verdict: 'warn',
		seen: `available_instances is 0 and no instance sits on ${parent.name}: the driver${parent.driver ? ` (${parent.driver})` : ''} reports no free capacity for another reason.`,
		fix: "check the vendor driver's log (dmesg) and its documentation for the resource this type needs",
		quirks: quirkIds,
	});
}

function checkKvm(env: DoctorEnv, live: boolean): DoctorCheck {
	const node = env.devKvm;
	const base = {id: 'dev-kvm', title: '/dev/kvm'};
	if (!node.exists) {
		if (!live && !env.devPresent) {
			return check({
				...base,
				verdict: 'warn',
				seen: `the tree has no /dev, so /dev/kvm could not be checked. On the host expect crw-rw---- root kvm ${MISC_MAJOR}, ${KVM_MINOR}; GVT-g and NVIDIA vGPUs only work in KVM guests.`,
				fix: 'check on the host itself: ls -l /dev/kvm',
			});
		}
		const mod = env.modules.kvm_intel ? 'kvm_intel' : env.modules.kvm_amd ? 'kvm_amd' : null;
		return check({
			...base,
			verdict: 'warn',
			seen: `/dev/kvm is missing${mod ? ` although ${mod} is loaded` : ' and neither kvm_intel nor kvm_amd is loaded'}: VMs would run without KVM, and GVT-g/NVIDIA vGPUs only open in KVM guests.`,
			fix: 'enable VT-x/AMD-V in the firmware and modprobe kvm_intel (or kvm_amd)',
		});
	}
	if (node.kind === 'char') {
		// virt-host-validate's "is accessible" check: access(R_OK|W_OK) for whoever runs QEMU.
		if (node.readWrite === false && !env.isRoot) {
			return check({
				...base,
				verdict: 'warn',
				seen: `${describeNode(node)}: this user cannot open it read/write.`,
				fix: 'add the user to the group that owns /dev/kvm (usually kvm), or run QEMU as root',
			});
		}
		return check({...base, verdict: 'ok', seen: `${describeNode(node)}.`, fix: null});
	}
	if (!live) {
		return check({
			...base,
			verdict: 'ok',
			seen: `${node.path} is recorded in the tree (as a ${node.kind}: a tree cannot hold device nodes; expect crw-rw---- root kvm ${MISC_MAJOR}, ${KVM_MINOR}).`,
			fix: null,
		});
	}
	return check({
		...base,
		verdict: 'warn',
		seen: `${node.path} exists but is a ${node.kind}, not a character device.`,
		fix: 'remove the stray file and modprobe kvm_intel (or kvm_amd) so devtmpfs recreates /dev/kvm',
	});
}

function checkDefinitions(model: HostModel): DoctorCheck | null {
	const inactive = model.instances.filter((i: Instance) => !i.active && i.definition !== null);
	if (inactive.length === 0) return null;
	const auto = inactive.filter((i) => i.definition!.autostart);
	return check({
		id: 'defined-not-active',
		title: 'defined, not active',
		verdict: 'warn',
		seen:
			`${plural(inactive.length, 'mdevctl definition')} not started: ${inactive.map((i) => `${i.uuid} (${i.mdevType ?? '?'} on ${i.parent ?? '?'}${i.definition!.autostart ? ', autostart' : ''})`).join(', ')}.` +
			(auto.length > 0 ? ' Those marked autostart should be active after boot; that they are not means their start failed.' : ''),
		fix: 'mdevctl start -u <uuid> (and mdevctl modify --auto -u <uuid> for one that must come back after a reboot)',
		fieldNote: 14,
		instances: inactive.map((i) => i.uuid),
	});
}

function checkReadErrors(model: HostModel, env: DoctorEnv): DoctorCheck | null {
	const errors = [
		...model.errors,
		...model.parents.flatMap((p) => [...p.errors, ...p.types.flatMap((t) => t.errors)]),
		...model.instances.flatMap((i) => i.errors),
		...env.errors,
	];
	if (errors.length === 0) return null;
	const first = errors[0]!;
	return check({
		id: 'read-errors',
		title: 'read errors',
		verdict: 'warn',
		seen: `${plural(errors.length, 'file')} could not be read as expected; first: ${first.path}: ${first.message}`,
		fix: errors.some((e) => e.code === 'EACCES' || e.code === 'EPERM') ? 'run as root to read them' : 'see each item\'s error in mdevscope --plain',
		fieldNote: 4,
	});
}

/**
 * All checks for a host. `env` holds the facts facts.ts read under the same root plus who we are.
 * Checks that apply only to some hosts (GVT-g, NVIDIA, per-type availability, group nodes) appear
 * only where they apply; nothing is reported as passed without having been looked at.
 */
export function runDoctor(model: HostModel, env: DoctorEnv): DoctorCheck[] {
	const live = model.source.kind === 'live';
	const out: DoctorCheck[] = [];
	const push = (c: DoctorCheck | null) => {
		if (c) out.push(c);
	};
	push(checkIommu(model, env));
	push(checkModule(model, env, 'vfio'));
	push(checkModule(model, env, 'vfio_iommu_type1'));
	push(checkModule(model, env, 'mdev'));
	push(checkContainer(model, env, live));
	push(checkGroupNodes(model, env, live));
	push(checkKvm(env, live));
	push(checkRoot(env, live));
	push(checkParents(model, env));
	for (const p of model.parents) push(checkParentTypes(p));
	out.push(...checkNvidia(model, env));
	out.push(...checkSriovNvidia(model, env));
	for (const p of model.parents.filter(isSriovParent)) out.push(...checkSriovParent(model, env, p));
	out.push(...checkGvtg(model, env));
	for (const p of model.parents) for (const t of p.types) push(checkAvailability(model, env, p, t));
	push(checkDefinitions(model));
	push(checkReadErrors(model, env));
	return out;
}

/** The exit status for `mdevscope doctor`: 1 when any check fails, else 0 (warnings do not fail scripts). */
export function doctorExitCode(checks: readonly DoctorCheck[]): number {
	return checks.some((c) => c.verdict === 'fail') ? 1 : 0;
}
