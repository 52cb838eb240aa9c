// Vendor quirks: the one table of what a vendor's mdev driver does differently, keyed on the parent's
// driver and the type ids, each row citing where it was seen (the number of the user problem in
// docs/doctor.md as its `fieldNote`, and the public reports in `seenIn`). Pure functions over the model and probe
// results; the doctor, the advice and the probe views all read this table, nothing else holds quirks.
import type {MdevType, Parent} from '../model/types.js';
import {displayKind, displayOffered, type ProbeResult, type ProbeStep} from '../model/probe.js';

export interface Quirk {
	/** Stable id (`gvtg-needs-kvm`), for JSON and tests. */
	id: string;
	title: string;
	/** What the vendor's driver does and what that means for the admin. */
	text: string;
	/** The user problem this comes from (its number in docs/doctor.md); null when it comes from the kernel's own docs/samples only. */
	fieldNote: number | null;
	/** Where it was seen or documented (issue trackers, kernel docs), as the field notes name it. */
	seenIn: string;
}

/** A parent/type pair a rule looks at. `type` is null when only the parent is known. */
interface Subject {
	parent: Parent;
	type: MdevType | null;
}

interface QuirkRule extends Quirk {
	match(s: Subject): boolean;
	/**
	 * When opening the device failed with one of these errnos, the vendor's words for it.
	 * Absent: this quirk says nothing about failed opens.
	 */
	openFailure?: {codes: readonly string[]; text(step: ProbeStep): string};
}

// --- matchers (parent driver names are the `driver` link names sysfs shows) ---

/** Intel GVT-g: parent bound to i915, types named `i915-GVTg_V<gen>_<n>` (Documentation/gpu/i915.rst, gvt). */
const isGvtg = ({parent, type}: Subject): boolean =>
	parent.driver === 'i915' && (type === null || type.id.startsWith('i915-GVTg'));

/** NVIDIA time-sliced vGPU: parent bound to `nvidia` (the vGPU host driver), types `nvidia-<number>`. */
const isNvidiaVgpu = ({parent, type}: Subject): boolean =>
	parent.driver === 'nvidia' && (type === null || /^nvidia-\d+$/.test(type.id));

const deviceApiOf = (s: Subject): string | null => s.type?.deviceApi ?? null;

/** s390 adjunct processors: `vfio_ap` driver on the `matrix` parent, device_api `vfio-ap` (the type's
 * own device_api decides; the parent only when the type has none or none is given). */
const isVfioAp = (s: Subject): boolean =>
	deviceApiOf(s) === 'vfio-ap' || (deviceApiOf(s) === null && (s.parent.driver === 'vfio_ap' || s.parent.name === 'matrix'));

/** s390 channel I/O: subchannels bound to `vfio_ccw`, device_api `vfio-ccw`. */
const isVfioCcw = (s: Subject): boolean =>
	deviceApiOf(s) === 'vfio-ccw' || (deviceApiOf(s) === null && s.parent.driver === 'vfio_ccw');

/** The kernel's samples/vfio-mdev drivers: virtual parents `mtty`, `mdpy`, `mbochs`, types `<name>-<variant>`. */
const SAMPLE_DRIVERS = ['mtty', 'mdpy', 'mbochs'] as const;
const isSample = ({parent, type}: Subject): boolean =>
	SAMPLE_DRIVERS.some(
		(name) =>
			(type !== null ? type.id.startsWith(name + '-') : false) ||
			(type === null && (parent.name === name || parent.bus === name)),
	);

// The errnos a failed device open carries when the vendor driver's open_device refused it, as
// opposed to busy (EBUSY), no permission (EACCES/EPERM) or gone (ENOENT), which have their own
// outcomes: ESRCH (KVMGT without KVM), EEXIST (already attached), EIO/EINVAL/ENODEV/ENXIO/EFAULT
// (vendor refusals; NVIDIA's "error getting device from group N: Input/output error", user problem #5 in docs/doctor.md).
const REFUSED_OPEN = ['ESRCH', 'EEXIST', 'EIO', 'EINVAL', 'ENODEV', 'ENXIO', 'EFAULT'] as const;

const RULES: readonly QuirkRule[] = [
	{
		id: 'gvtg-needs-kvm',
		title: 'GVT-g devices open only inside a KVM guest',
		text:
			'KVMGT (i915 GVT-g) refuses to open a vGPU that is not associated with a KVM instance: only a QEMU ' +
			'process with KVM that has attached the VFIO group to its VM can open it. Probe answers for this ' +
			'device (regions, display, migration) therefore need a running VM; a failed open from outside is ' +
			'not "unsupported".',
		fieldNote: 7,
		seenIn: 'the seed thread; kernel drivers/gpu/drm/i915/gvt/kvmgt.c ("KVM is required to use Intel vGPU")',
		match: isGvtg,
		openFailure: {
			codes: REFUSED_OPEN,
			text: (step) =>
				step.code === 'EEXIST'
					? `KVMGT refused ${step.step} with EEXIST: this vGPU is already attached to a KVM guest. Stop that VM to probe it, or read its QEMU command line.`
					: `KVMGT refused ${step.step} with ${step.code ?? 'an error'}: a GVT-g vGPU opens only inside a KVM guest (the kernel log says "KVM is required to use Intel vGPU"). This is not "unsupported": start a VM with this vGPU to use it; its display and regions can only be seen from that VM.`,
		},
	},
	{
		id: 'gvtg-aperture',
		title: 'GVT-g instances are limited by the graphics aperture',
		text:
			'How many GVT-g vGPUs fit is limited by the aperture/GTT size set in the firmware (BIOS "Aperture ' +
			'Size", "DVMT pre-allocated"); creating one more fails with "No space left on device" and the ' +
			'types show available_instances 0. A larger aperture in the firmware gives more instances.',
		fieldNote: 1,
		seenIn: 'intel/gvt-linux #122, #172',
		match: isGvtg,
	},
	{
		id: 'gvtg-no-migration',
		title: 'GVT-g vGPUs cannot be migrated',
		text: 'GVT-g has no migration region; QEMU reports "VFIO device doesn\'t support migration" for these vGPUs.',
		fieldNote: 9,
		seenIn: 'intel/gvt-linux #207, #209',
		match: isGvtg,
	},
	{
		id: 'nvidia-needs-vm',
		title: 'NVIDIA vGPUs open only from a VM with the vGPU manager running',
		text:
			'An NVIDIA vGPU is opened through nvidia-vgpu-mgr, which refuses to start a vGPU without the VM\'s ' +
			'UUID on the QEMU command line ("Failed to get VM UUID"). It cannot be probed or opened outside a ' +
			'QEMU process that passes -uuid, and not at all while nvidia-vgpu-mgr is stopped.',
		fieldNote: 6,
		seenIn: 'vgpu_unlock #71; cloud-hypervisor #5319',
		match: isNvidiaVgpu,
		openFailure: {
			codes: REFUSED_OPEN,
			text: (step) =>
				`The NVIDIA vGPU driver refused ${step.step} with ${step.code ?? 'an error'}: NVIDIA vGPUs open only through nvidia-vgpu-mgr, from a QEMU process that passes -uuid <VM uuid> (libvirt does this from the domain's <uuid>). Check that nvidia-vgpu-mgr is running (systemctl status nvidia-vgpu-mgr) and read its journal lines naming this uuid; a probe from outside a VM cannot get further.`,
		},
	},
	{
		id: 'nvidia-one-type-per-gpu',
		title: 'Time-sliced NVIDIA vGPUs on one GPU must share a type',
		text:
			'On one physical GPU all time-sliced vGPUs must be of the same type (and size) unless the card runs ' +
			'in heterogeneous mode; once one instance exists, every other type of that GPU shows ' +
			'available_instances 0.',
		fieldNote: 1,
		seenIn: 'mdevctl #59; vgpu_unlock #54',
		match: isNvidiaVgpu,
	},
	{
		id: 'nvidia-no-migration-uapi',
		title: 'NVIDIA vGPU migration depends on how the driver was built',
		text:
			'NVIDIA disables vGPU migration unless its VFIO module was built with the kernel\'s migration uapi; ' +
			'a "doesn\'t support migration" error then says nothing about the hardware.',
		fieldNote: 9,
		seenIn: 'vgpu_unlock-rs #15; vgpu_unlock #110',
		match: isNvidiaVgpu,
	},
	{
		id: 's390-ap-no-display',
		title: 'vfio-ap devices have no display',
		text:
			'A vfio-ap mediated matrix passes crypto adapters and domains to an s390 guest; it has no graphics ' +
			'plane, so display probes answer "not supported" by design. In libvirt use model=\'vfio-ap\' without ' +
			'a display attribute (display applies to vfio-pci only).',
		fieldNote: 8,
		seenIn: 'Documentation/arch/s390/vfio-ap.rst; libvirt formatdomain (hostdev mdev display: vfio-pci only)',
		match: isVfioAp,
	},
	{
		id: 's390-ccw-no-display',
		title: 'vfio-ccw devices have no display',
		text:
			'A vfio-ccw mediated device passes one channel subchannel (a DASD, for instance) to an s390 guest; it ' +
			'has no graphics plane, so display probes answer "not supported" by design. In libvirt use ' +
			'model=\'vfio-ccw\' with a ccw address, without a display attribute.',
		fieldNote: 8,
		seenIn: 'Documentation/arch/s390/vfio-ccw.rst; libvirt formatdomain (hostdev mdev display: vfio-pci only)',
		match: isVfioCcw,
	},
	{
		id: 'mdev-sample-driver',
		title: 'Kernel sample driver',
		text:
			'mtty (a virtual serial port), mdpy (a framebuffer with a region display) and mbochs (a bochs-like ' +
			'display with a dmabuf display) are the kernel\'s reference mdev drivers from samples/vfio-mdev: ' +
			'they show how the VFIO mdev interfaces answer, not a real device. Their answers are the ones in ' +
			'test/fixtures/captured/README.md.',
		fieldNote: null,
		seenIn: 'kernel samples/vfio-mdev; test/fixtures/captured/README.md',
		match: isSample,
	},
];

function publicPart(rule: QuirkRule): Quirk {
	return {id: rule.id, title: rule.title, text: rule.text, fieldNote: rule.fieldNote, seenIn: rule.seenIn};
}

/** Every quirk in the table (for help screens and docs). */
export function allQuirks(): Quirk[] {
	return RULES.map(publicPart);
}

/**
 * The quirks that apply to a parent and, when given, one of its types. Without a type: those that
 * apply to the parent itself or to any of its types, each once, in table order.
 */
export function quirksFor(parent: Parent, type?: MdevType | null): Quirk[] {
	const subjects: Subject[] = type ? [{parent, type}] : [{parent, type: null}, ...parent.types.map((t) => ({parent, type: t}))];
	return RULES.filter((rule) => subjects.some((s) => rule.match(s))).map(publicPart);
}

/** A failed probe in the vendor's words. */
export interface ProbeExplanation {
	quirkId: string;
	title: string;
	/** One paragraph: what was tried, what the vendor driver does, what to do. */
	text: string;
	fieldNote: number | null;
	/** The failed step it explains (absent for a successful probe explained as "no display by design"). */
	step?: string;
	code?: string;
}

/**
 * The first failed step that opened (or tried to open) the device itself, if any: the engine marks
 * the call that obtains a device fd (VFIO_GROUP_GET_DEVICE_FD; include/uapi/linux/vfio.h) as kind
 * `device-open`. The vendor driver's open_device callback runs inside it, so its refusal shows here.
 */
export function failedDeviceOpen(result: ProbeResult): ProbeStep | null {
	return result.steps.find((s) => !s.ok && s.kind === 'device-open') ?? null;
}

/**
 * Turns a probe that failed to open the device into the vendor's words, using the quirks of its
 * parent/type. Also explains a successful probe of an s390 device that (rightly) has no display.
 * Null when no quirk has anything to say (the probe's own summary then stands).
 */
export function explainProbe(result: ProbeResult, parent: Parent | null, type: MdevType | null): ProbeExplanation | null {
	if (!parent) return null;
	const subject: Subject = {parent, type};
	const step = failedDeviceOpen(result);
	if (step) {
		for (const rule of RULES) {
			if (!rule.openFailure || !rule.match(subject)) continue;
			if (step.code === undefined || !rule.openFailure.codes.includes(step.code)) continue;
			return {
				quirkId: rule.id,
				title: rule.title,
				text: rule.openFailure.text(step),
				fieldNote: rule.fieldNote,
				step: step.step,
				code: step.code,
			};
		}
		return null;
	}
	if (result.outcome === 'ok' && !displayOffered(displayKind(result.display))) {
		const rule = RULES.find((r) => (r.id === 's390-ap-no-display' || r.id === 's390-ccw-no-display') && r.match(subject));
		if (rule) return {quirkId: rule.id, title: rule.title, text: rule.text, fieldNote: rule.fieldNote};
	}
	return null;
}
