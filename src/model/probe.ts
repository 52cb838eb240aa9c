// Live answers from the kernel for one instance, as the probe child reports them (JSON-safe).
// Every answer carries how it was obtained; an answer the kernel did not give is null with a reason.

/**
 * What a step of the probe did, for readers that look for one (the quirks table finds the failed
 * device open by it, never by the step's words). Absent on steps recorded before it existed.
 */
export const STEP_KINDS = ['container-open', 'group-open', 'device-open', 'query', 'close', 'borrow'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** The outcome of one syscall/ioctl of the probe sequence. */
export interface ProbeStep {
	/** The ioctl or call, in the kernel's words: `open /dev/vfio/3`, `VFIO_GROUP_GET_STATUS`, ... */
	step: string;
	kind?: StepKind;
	ok: boolean;
	/** errno number and name when !ok (`EBUSY`), else absent. */
	errno?: number;
	code?: string;
	/** The errno in plain words for this step ("group in use by another process"). */
	meaning?: string;
}

/**
 * Why a question was never put to the kernel (its answer has supported === null and no errno):
 * `probe-not-run`: the probe child did not get to ask (the model is not live, the child timed out
 * or was refused before it ran: the result's outcome and summary say which);
 * `device-not-opened`: the probe ran but stopped before the device was open (its steps say where);
 * `borrowed-fd`: through a borrowed fd, the primary plane is never queried (only display.planeNotAsked).
 */
export const NOT_ASKED_WHYS = ['probe-not-run', 'device-not-opened', 'borrowed-fd'] as const;
export type NotAskedWhy = (typeof NOT_ASKED_WHYS)[number];

/** A yes/no question to the kernel. supported === null: could not be asked (see reason). */
export interface FeatureAnswer {
	supported: boolean | null;
	/** errno name when the kernel said no (ENOTTY/EINVAL = not supported), or why it was not asked. */
	code?: string;
	reason?: string;
	/** Set when the question was never asked, saying why as data (reason says it in words). */
	notAsked?: NotAskedWhy;
}

export interface RegionInfo {
	index: number;
	/** VFIO_PCI_*_REGION_INDEX name when it is one (`BAR0`, `CONFIG`, `VGA`), else null. */
	name: string | null;
	flags: number;
	flagNames: string[];
	size: number;
	offset: number;
	/** Capability chain ids found (`SPARSE_MMAP`, `TYPE` with type/subtype, `MSIX_MAPPABLE`, ...). */
	caps: Array<{id: number; name: string; type?: number; subtype?: number}>;
}

export interface IrqInfo {
	index: number;
	name: string | null;
	flags: number;
	flagNames: string[];
	count: number;
}

export interface PlaneInfo {
	/** fourcc as text (`XR24`) and number. */
	drmFormat: string;
	drmFormatNumber: number;
	drmFormatMod: string;
	width: number;
	height: number;
	stride: number;
	size: number;
	xPos: number;
	yPos: number;
	/** region index (REGION) or dmabuf id (DMABUF). */
	regionIndex?: number;
	dmabufId?: number;
}

export type ProbeOutcome =
	| 'ok' // the device was opened and queried
	| 'busy' // the group or device is held by someone else (EBUSY)
	| 'needs-root' // EACCES/EPERM on /dev/vfio/*
	| 'vanished' // ENODEV/ENOENT: the instance went away
	| 'not-viable' // group not viable (not all devices bound to vfio drivers)
	| 'no-vfio' // /dev/vfio/vfio missing or the API version is wrong
	| 'not-live' // the model was read from a tree or snapshot: nothing to open
	| 'timeout' // the probe child did not answer in time and was killed
	| 'error'; // anything else, see steps

export interface ProbeResult {
	uuid: string;
	outcome: ProbeOutcome;
	/** One line for humans: "in use by pid 1234 (qemu-system-x86_64)", "needs root", ... */
	summary: string;
	probedAt: string;
	durationMs: number;
	/**
	 * How the device fd was obtained: `direct` (container+group), `cdev` (/dev/vfio/devices/vfioN),
	 * or `borrowed`: a duplicate of the fd a running process (the VM's QEMU) holds, taken with
	 * pidfd_getfd(2) and asked read-only questions only (`--probe-held`; see `borrowedFrom`).
	 */
	via: 'direct' | 'cdev' | 'borrowed' | null;
	steps: ProbeStep[];
	device: {flags: number; flagNames: string[]; numRegions: number; numIrqs: number} | null;
	regions: RegionInfo[];
	irqs: IrqInfo[];
	display: {
		region: FeatureAnswer;
		dmabuf: FeatureAnswer;
		/** The primary plane from a real query when one of the two is supported; null with planeNote otherwise. */
		plane: PlaneInfo | null;
		planeNote: string | null;
		/** Set when the primary plane was never queried, saying why as data (planeNote says it in words). */
		planeNotAsked?: NotAskedWhy;
	};
	migration: FeatureAnswer & {flags: number | null; flagNames: string[]};
	dmaLogging: FeatureAnswer;
	/**
	 * When the device was found held (a `busy` result, and a result borrowed from its holder): the
	 * processes that hold the group or device, as /proc shows them. Absent otherwise.
	 */
	holders?: HolderRef[];
	/**
	 * On a result with via `borrowed`: whose fd answered. Absent or null otherwise. (Not named
	 * `borrowed`: src/features reads that name loosely, as true or a description.)
	 */
	borrowedFrom?: BorrowedFrom | null;
	/** With `--probe-held`, when the held device could not be borrowed: why (absent or null otherwise). */
	borrowRefused?: BorrowRefusal | null;
}

/** A process that holds a VFIO group or device (its QEMU command line gives the VM's name and uuid). */
export interface HolderRef {
	pid: number;
	/** /proc/<pid>/comm (`qemu-system-x86`), null when unreadable. */
	comm: string | null;
	/** QEMU's `-name` (guest=) and `-uuid`, null when not given or not QEMU. */
	vmName: string | null;
	vmUuid: string | null;
}

/**
 * A holder in words, everywhere one is named (a busy probe, a borrowed result, B's question, the
 * detail pane): `qemu-system-x86 pid 1234 (VM vdi-42, uuid …)`, `sleep pid 99`, `pid 99` when
 * comm is unreadable. Raw process text: callers clean it like any other string they print.
 */
export function holderName(h: HolderRef): string {
	const who = h.comm ? `${h.comm} pid ${h.pid}` : `pid ${h.pid}`;
	const uuid = h.vmUuid ? `uuid ${h.vmUuid}` : null;
	const vm = h.vmName ? [`VM ${h.vmName}`, uuid].filter((x) => x !== null).join(', ') : uuid && `VM ${uuid}`;
	return vm ? `${who} (${vm})` : who;
}

export interface BorrowedFrom extends HolderRef {
	/** The fd number in the holder's process whose duplicate was queried (closed right after). */
	fd: number;
	/**
	 * How that fd was known to be this instance's: `cdev` (its link is /dev/vfio/devices/vfioN of
	 * this instance), `fdinfo` (its fdinfo's vfio-device-syspath names this instance, Linux 6.18+),
	 * `only-device` (the process holds this instance's group and exactly one VFIO device fd).
	 */
	foundBy: 'cdev' | 'fdinfo' | 'only-device';
}

export interface BorrowRefusal {
	/** The holder asked, when one was found. */
	pid: number | null;
	/**
	 * An errno name (EPERM, EACCES, ENOSYS, ESRCH, EBADF, ...) or AMBIGUOUS, NO-HOLDER, NO-DEVICE-FD,
	 * NOT-HELD, NOT-THIS-DEVICE, CHANGED (the fd number was reused meanwhile), UNSUPPORTED-ARCH.
	 */
	code: string;
	/** In plain words: what was tried, what happened, what to do. */
	message: string;
}

/**
 * What the display is, from the two VFIO_DEVICE_QUERY_GFX_PLANE(PROBE) answers: the one reader of
 * the region/dmabuf pair (issue 16). `unknown` when either was not answered and neither said yes.
 */
export type DisplayKind = 'region+dmabuf' | 'region' | 'dmabuf' | 'none' | 'unknown';

export function displayKind(display: Pick<ProbeResult['display'], 'region' | 'dmabuf'>): DisplayKind {
	const region = display.region.supported;
	const dmabuf = display.dmabuf.supported;
	if (region === true && dmabuf === true) return 'region+dmabuf';
	if (region === true) return 'region';
	if (dmabuf === true) return 'dmabuf';
	if (region === false && dmabuf === false) return 'none';
	return 'unknown';
}

/** Whether the device offers a display at all (REGION, DMABUF or both). */
export function displayOffered(kind: DisplayKind): boolean {
	return kind !== 'none' && kind !== 'unknown';
}

/**
 * A result whose questions were never put to the kernel: every answer null, `notAsked: why`, and
 * `reason` in words. The engine starts from one (`device-not-opened`, filled in as it asks); the
 * runner reports one when the child never got to ask (`probe-not-run`); tests build theirs with it.
 */
export function unaskedResult(
	uuid: string,
	opts: {outcome: ProbeOutcome; summary: string; why: NotAskedWhy; reason: string; probedAt: string; steps?: ProbeStep[]; durationMs?: number},
): ProbeResult {
	const unasked = (): FeatureAnswer => ({supported: null, reason: opts.reason, notAsked: opts.why});
	return {
		uuid,
		outcome: opts.outcome,
		summary: opts.summary,
		probedAt: opts.probedAt,
		durationMs: opts.durationMs ?? 0,
		via: null,
		steps: opts.steps ?? [],
		device: null,
		regions: [],
		irqs: [],
		display: {region: unasked(), dmabuf: unasked(), plane: null, planeNote: opts.reason, planeNotAsked: opts.why},
		migration: {...unasked(), flags: null, flagNames: []},
		dmaLogging: unasked(),
	};
}
