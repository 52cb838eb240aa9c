// The live probe of one mdev instance: the VFIO ioctl sequence, synchronous, through libc FFI.
// It runs only inside the probe child process (src/probe/child.ts): the calls block, and errno is
// read right after each one on this thread. Read-only towards the device: no mmap, no reset, no
// dma-buf, no SET that is not a PROBE; every fd it opens is closed on every path before it returns.
//
// The sequence (Documentation/driver-api/vfio.rst, "VFIO Usage Example"): container /dev/vfio/vfio
// → API version, type1 extension → group /dev/vfio/<n> → viable? → attach to the container →
// set the IOMMU → device fd by name (the uuid) → device, region and irq info → display queries →
// device features (migration, DMA logging) → close.
import {join} from 'node:path';
import {displayKind, displayOffered, holderName, unaskedResult, type FeatureAnswer, type HolderRef, type IrqInfo, type PlaneInfo, type ProbeOutcome, type ProbeResult, type ProbeStep, type RegionInfo, type StepKind} from '../model/probe.js';
import {errno, errnoName, meaningOf} from '../errno.js';
import {close, ioctlPointer, ioctlString, ioctlUlong, O_CLOEXEC, O_RDWR, open, type CallResult} from '../ffi/libc.js';
import * as v from '../ffi/vfio.js';
import {holderRef, holdersOfCdev, holdersOfGroup, scanVfioHolders, type VfioHolder} from '../owners/holders.js';
import {confine, makeEnv, type Env} from '../sysfs/env.js';

export interface ProbeRequest {
	uuid: string;
	iommuGroup: number;
	/** The instance's VFIO device cdev name (`vfio3`) when it has one: a holder of it is named on EBUSY. */
	vfioDev?: string | null;
}

export interface EngineOptions {
	/**
	 * Where `dev/vfio` is looked up (and `proc` for naming a holder): `/` on a host, a temp dir in
	 * tests. Under any other root, paths go through the sysfs Env: links stay inside it, and a
	 * device node there is never opened.
	 */
	devRoot?: string;
	/** Called with each step's name just before its call, so a parent can tell where a probe hung. */
	onStep?: (step: string, kind: StepKind) => void;
}

/** Ends the sequence early: the outcome is decided, the summary says why. */
class Stop {
	constructor(
		readonly outcome: ProbeOutcome,
		readonly summary: string,
	) {}
}

// What an errno means for each kind of step, in plain words, and which outcome it leads to.
type Meaning = {meaning: string; outcome: ProbeOutcome};

function meaningForOpen(what: 'container' | 'group', path: string, errno: number): Meaning {
	switch (errnoName(errno)) {
		case 'EACCES':
		case 'EPERM':
			return {meaning: `no permission to open ${path} (run as root)`, outcome: 'needs-root'};
		case 'EBUSY':
			return {meaning: 'group in use by another process (not retried)', outcome: 'busy'};
		case 'ENOENT':
		case 'ENODEV':
		case 'ENXIO':
			return what === 'container'
				? {meaning: `${path} is missing: the vfio module is not loaded (modprobe vfio)`, outcome: 'no-vfio'}
				: {meaning: `${path} is gone: the instance was removed or is not bound to a VFIO driver`, outcome: 'vanished'};
		default:
			return {meaning: `opening ${path} failed: ${meaningOf(errno)}`, outcome: 'error'};
	}
}

/**
 * Where to open a container or group node: the path itself on `/`; under a tree, confined to it
 * (src/sysfs/env.ts). A path confine refuses (a device node, a link that resolves to nothing
 * under the root) fails the open step with its own words, as the kernel's errno would.
 */
function openable(env: Env, what: 'container' | 'group', shown: string): {ok: true; path: string} | {ok: false; code: string; meaning: Meaning} {
	const where = confine(env, shown);
	if (where.ok) return {ok: true, path: where.value};
	const {code, message} = where.error;
	const outcome = code === 'EUNSAFE' ? 'error' : meaningForOpenCode(what, shown, code).outcome;
	return {ok: false, code, meaning: {meaning: message, outcome}};
}

function meaningForOpenCode(what: 'container' | 'group', path: string, code: string): Meaning {
	try {
		return meaningForOpen(what, path, errno(code));
	} catch {
		return {meaning: `opening ${path} failed: ${code}`, outcome: 'error'};
	}
}

function meaningForDeviceFd(errno: number): Meaning {
	switch (errnoName(errno)) {
		case 'EBUSY':
			return {meaning: 'device in use by another process (not retried)', outcome: 'busy'};
		case 'EACCES':
		case 'EPERM':
			return {meaning: 'the kernel refused to open the device (run as root)', outcome: 'needs-root'};
		case 'ENODEV':
		case 'ENOENT':
			return {meaning: 'no such device in the group: the instance went away', outcome: 'vanished'};
		default:
			return {meaning: `the vendor driver refused to open the device: ${meaningOf(errno)}`, outcome: 'error'};
	}
}

/** A yes/no answer from an ioctl that asks "do you support this?" (a PROBE flag). */
function featureAnswer(r: CallResult, step: string): FeatureAnswer {
	if (r.ret !== -1) return {supported: true};
	const code = errnoName(r.errno);
	// ENOTTY: no handler for the ioctl or feature at all; EINVAL: a handler that rejects this kind.
	if (code === 'ENOTTY' || code === 'EINVAL') return {supported: false, code};
	return {supported: null, code, reason: `${step} failed: ${meaningOf(r.errno)}`};
}

/** A result before anything was asked: outcome `error`, every answer "not asked" (the device was not opened). */
export function blankResult(uuid: string): ProbeResult {
	return unaskedResult(uuid, {
		outcome: 'error',
		summary: '',
		why: 'device-not-opened',
		reason: 'not asked: the device was not opened',
		probedAt: new Date().toISOString(),
	});
}

/**
 * A Call that runs one call and records it in `steps` with its kind (`query` unless given),
 * telling `onStep` first. `record: false` leaves recording to the caller (region and irq info are
 * many calls summed up in one step).
 */
export function stepRecorder(steps: ProbeStep[], onStep?: (step: string, kind: StepKind) => void): Call {
	return (step, f, meaning, {record = true, kind = 'query'} = {}) => {
		onStep?.(step, kind);
		const r = f();
		if (record) {
			if (r.ret === -1) {
				const code = errnoName(r.errno);
				steps.push({step, kind, ok: false, errno: r.errno, code, meaning: meaning ? meaning(r.errno) : meaningOf(r.errno)});
			} else steps.push({step, kind, ok: true});
		}
		return r;
	};
}

export function probeInstance(req: ProbeRequest, opts: EngineOptions = {}): ProbeResult {
	const devRoot = opts.devRoot ?? '/';
	const env = makeEnv(devRoot);
	const started = performance.now();
	const result = blankResult(req.uuid);
	const steps = result.steps;
	const call = stepRecorder(steps, opts.onStep);
	const failStep = (step: string, meaning: string): void => void steps.push({step, kind: 'query', ok: false, meaning});
	const lastMeaning = (): string => steps.at(-1)?.meaning ?? 'failed';
	/** A node confine() refused: the open step fails without a call, with confine's words. */
	const refused = (step: string, kind: StepKind, code: string, m: Meaning): Stop => {
		opts.onStep?.(step, kind);
		steps.push({step, kind, ok: false, code, meaning: m.meaning});
		return new Stop(m.outcome, m.meaning);
	};

	// Named as given (the steps say what was asked for); opened where confine() says.
	const containerPath = env.devVfioContainer;
	const groupPath = join(env.devVfio, String(req.iommuGroup));
	let container = -1;
	let group = -1;
	let device = -1;
	try {
		// ---- container ----
		let step = `open ${containerPath}`;
		const containerAt = openable(env, 'container', containerPath);
		if (!containerAt.ok) throw refused(step, 'container-open', containerAt.code, containerAt.meaning);
		let r = call(step, () => open(containerAt.path, O_RDWR | O_CLOEXEC), (e) => meaningForOpen('container', containerPath, e).meaning, {kind: 'container-open'});
		if (r.ret === -1) {
			const m = meaningForOpen('container', containerPath, r.errno);
			throw new Stop(m.outcome, m.meaning);
		}
		container = r.ret;

		step = 'VFIO_GET_API_VERSION';
		r = call(step, () => ioctlUlong(container, v.VFIO_GET_API_VERSION, 0), (e) =>
			errnoName(e) === 'ENOTTY' ? `${containerPath} is not a VFIO container (it does not answer VFIO ioctls)` : meaningOf(e),
		);
		if (r.ret === -1) throw new Stop('no-vfio', lastMeaning());
		if (r.ret !== v.VFIO_API_VERSION) {
			steps.pop();
			failStep(step, `the kernel speaks VFIO API version ${r.ret}; this tool knows version ${v.VFIO_API_VERSION}`);
			throw new Stop('no-vfio', lastMeaning());
		}

		// Type1 v2 is what QEMU uses; plain type1 is the fallback for very old kernels.
		let iommuType = 0;
		for (const [type, name] of [
			[v.VFIO_TYPE1v2_IOMMU, 'VFIO_TYPE1v2_IOMMU'],
			[v.VFIO_TYPE1_IOMMU, 'VFIO_TYPE1_IOMMU'],
		] as const) {
			r = call(`VFIO_CHECK_EXTENSION(${name})`, () => ioctlUlong(container, v.VFIO_CHECK_EXTENSION, type));
			if (r.ret === -1) throw new Stop('error', lastMeaning());
			if (r.ret > 0) {
				iommuType = type;
				break;
			}
		}
		if (iommuType === 0) {
			failStep('VFIO_CHECK_EXTENSION', 'no type1 IOMMU backend: load vfio_iommu_type1 (modprobe vfio_iommu_type1)');
			throw new Stop('no-vfio', lastMeaning());
		}

		// ---- group ----
		step = `open ${groupPath}`;
		const groupAt = openable(env, 'group', groupPath);
		if (!groupAt.ok) throw refused(step, 'group-open', groupAt.code, groupAt.meaning);
		r = call(step, () => open(groupAt.path, O_RDWR | O_CLOEXEC), (e) => meaningForOpen('group', groupPath, e).meaning, {kind: 'group-open'});
		if (r.ret === -1) {
			const m = meaningForOpen('group', groupPath, r.errno);
			if (m.outcome === 'busy') throw busyStop(devRoot, req, result);
			throw new Stop(m.outcome, m.meaning);
		}
		group = r.ret;

		const status = v.vfioGroupStatus.encode({argsz: v.vfioGroupStatus.size});
		r = call('VFIO_GROUP_GET_STATUS', () => ioctlPointer(group, v.VFIO_GROUP_GET_STATUS, status));
		if (r.ret === -1) throw new Stop('error', lastMeaning());
		if ((v.vfioGroupStatus.decode(status).flags & v.VFIO_GROUP_FLAGS_VIABLE) === 0) {
			steps.pop();
			failStep(
				'VFIO_GROUP_GET_STATUS',
				`group ${req.iommuGroup} is not viable: not every device in it is bound to a VFIO driver`,
			);
			throw new Stop('not-viable', lastMeaning());
		}

		const containerFd = Buffer.alloc(4);
		containerFd.writeInt32LE(container);
		r = call('VFIO_GROUP_SET_CONTAINER', () => ioctlPointer(group, v.VFIO_GROUP_SET_CONTAINER, containerFd));
		if (r.ret === -1) throw errnoName(r.errno) === 'EBUSY' ? busyStop(devRoot, req, result) : new Stop('error', lastMeaning());

		const iommuName = iommuType === v.VFIO_TYPE1v2_IOMMU ? 'VFIO_TYPE1v2_IOMMU' : 'VFIO_TYPE1_IOMMU';
		r = call(`VFIO_SET_IOMMU(${iommuName})`, () => ioctlUlong(container, v.VFIO_SET_IOMMU, iommuType));
		if (r.ret === -1) throw new Stop('error', lastMeaning());

		// ---- device ----
		r = call(
			`VFIO_GROUP_GET_DEVICE_FD(${req.uuid})`,
			() => ioctlString(group, v.VFIO_GROUP_GET_DEVICE_FD, req.uuid),
			(e) => meaningForDeviceFd(e).meaning,
			{kind: 'device-open'},
		);
		if (r.ret === -1) {
			const m = meaningForDeviceFd(r.errno);
			// EBUSY here: the device itself is open elsewhere (through its cdev, or by a driver that
			// allows one user).
			throw m.outcome === 'busy' ? busyStop(devRoot, req, result) : new Stop(m.outcome, m.meaning);
		}
		device = r.ret;
		result.via = 'direct';

		if (!queryDevice(device, result, call, {io: ioctlPointer, planeQuery: true})) {
			throw new Stop('error', `the device opened but VFIO_DEVICE_GET_INFO failed: ${lastFailure(steps)}`);
		}
		result.outcome = 'ok';
		result.summary = okSummary(result);
	} catch (thrown) {
		if (thrown instanceof Stop) {
			result.outcome = thrown.outcome;
			// "in use by …" says it all; the others get their outcome in front ("needs root: …").
			result.summary = thrown.outcome === 'busy' ? thrown.summary : `${labels[thrown.outcome]}: ${thrown.summary}`;
		} else {
			// A bug of ours, not a kernel answer: keep it on the result rather than crash the child.
			result.outcome = 'error';
			result.summary = `the probe stopped on an internal error: ${(thrown as Error)?.message ?? String(thrown)}`;
			failStep('mdevscope', result.summary);
		}
	} finally {
		// Device first: it holds a reference on the group, the group on the container.
		for (const [fd, what] of [
			[device, 'device fd'],
			[group, groupPath],
			[container, containerPath],
		] as const) {
			if (fd >= 0) call(`close ${what}`, () => close(fd), undefined, {kind: 'close'});
		}
	}
	result.durationMs = Math.round((performance.now() - started) * 10) / 10;
	return result;
}

const labels: Record<ProbeOutcome, string> = {
	ok: 'ok',
	busy: 'in use',
	'needs-root': 'needs root',
	vanished: 'vanished',
	'not-viable': 'not viable',
	'no-vfio': 'no VFIO',
	'not-live': 'not live',
	timeout: 'timeout',
	error: 'error',
};

export function lastFailure(steps: ProbeStep[]): string {
	const s = [...steps].reverse().find((x) => !x.ok);
	return s ? `${s.code ?? ''} ${s.meaning ?? ''}`.trim() : 'unknown';
}

/** The processes holding the instance's group or cdev in `<devRoot>/proc`, and the scan they come from. */
export function heldBy(devRoot: string, req: ProbeRequest): {holders: VfioHolder[]; scan: ReturnType<typeof scanVfioHolders>} {
	const scan = scanVfioHolders({root: devRoot});
	const holders = [...holdersOfGroup(scan, req.iommuGroup), ...(req.vfioDev ? holdersOfCdev(scan, req.vfioDev) : [])].filter(
		(h, i, all) => all.findIndex((o) => o.pid === h.pid) === i,
	);
	return {holders, scan};
}

/** A busy stop: its summary names the holders, and the result keeps them as a list. */
function busyStop(devRoot: string, req: ProbeRequest, result: ProbeResult): Stop {
	const {holders, scan} = heldBy(devRoot, req);
	result.holders = holders.map(holderRef);
	return new Stop('busy', busySummary(holders, scan));
}

/** "in use by qemu-system-x86 pid 1234 (VM vm1)", or what is known when /proc does not say. */
function busySummary(holders: VfioHolder[], scan: ReturnType<typeof scanVfioHolders>): string {
	if (holders.length > 0) return `in use by ${holders.map((h) => holderName(holderRef(h))).join(', ')}`;
	const why = scan.error
		? `${scan.error.path} could not be read (${scan.error.code})`
		: scan.unknown.length > 0
			? `${scan.unknown.length} processes' fds could not be read (run as root to see them)`
			: 'no process in this /proc holds it (another pid namespace?)';
	return `in use by another process (holder unknown: ${why})`;
}

export type Call = (step: string, f: () => CallResult, meaning?: (errno: number) => string, opts?: {record?: boolean; kind?: StepKind}) => CallResult;
/** ioctl(2) with a pointer argument: libc's, or the borrowed path's guarded one (src/probe/borrow.ts). */
export type IoctlPointer = (fd: number, request: number, arg: Buffer) => CallResult;

/**
 * The read-only questions to an open device fd, filling `result`'s device, regions, irqs,
 * display, migration and DMA-logging answers (its `steps` get one step per call). `planeQuery`:
 * after a PROBE says a display kind is supported, ask for the primary plane itself; never on a
 * borrowed fd (for a dmabuf device that query makes the driver create kernel objects).
 * Returns false when VFIO_DEVICE_GET_INFO failed.
 */
export function queryDevice(device: number, result: ProbeResult, call: Call, opts: {io: IoctlPointer; planeQuery: boolean}): boolean {
	const {io} = opts;
	const steps = result.steps;
	const infoBuf = v.vfioDeviceInfo.encode({argsz: v.vfioDeviceInfo.size});
	const r = call('VFIO_DEVICE_GET_INFO', () => io(device, v.VFIO_DEVICE_GET_INFO, infoBuf));
	const info = r.ret === -1 ? null : v.vfioDeviceInfo.decode(infoBuf);
	if (info) {
		result.device = {
			flags: info.flags,
			flagNames: v.flagNames(info.flags, v.DEVICE_FLAGS),
			numRegions: info.num_regions,
			numIrqs: info.num_irqs,
		};
		result.regions = regionInfos(device, info.flags, info.num_regions, call, steps, io);
		result.irqs = irqInfos(device, info.flags, info.num_irqs, call, steps, io);
	}
	result.display = displayAnswers(device, call, io, opts.planeQuery);
	result.migration = migrationAnswer(device, call, io);
	result.dmaLogging = dmaLoggingAnswer(device, call, io);
	return info !== null;
}

/** Records many calls of one ioctl as one ok step plus one failing step per failed index. */
function summarise(steps: ProbeStep[], name: string, count: number, failures: ProbeStep[]): void {
	if (count === 0) return;
	if (failures.length < count) steps.push({step: `${name} index 0..${count - 1}`, kind: 'query', ok: true});
	steps.push(...failures);
}

function regionInfos(device: number, deviceFlags: number, count: number, call: Call, steps: ProbeStep[], io: IoctlPointer): RegionInfo[] {
	const regions: RegionInfo[] = [];
	const failures: ProbeStep[] = [];
	for (let index = 0; index < count; index++) {
		const name = `VFIO_DEVICE_GET_REGION_INFO index ${index}`;
		let buf = v.vfioRegionInfo.encode({argsz: v.vfioRegionInfo.size, index});
		let r = call(name, () => io(device, v.VFIO_DEVICE_GET_REGION_INFO, buf), undefined, {record: false});
		if (r.ret !== -1) {
			// The capability chain does not fit in the bare struct: the kernel says in argsz how much
			// room it needs; ask again with that much.
			const wanted = v.vfioRegionInfo.decode(buf).argsz;
			if (wanted > v.vfioRegionInfo.size) {
				buf = v.vfioRegionInfo.encode({argsz: wanted, index}, wanted);
				const again = buf;
				r = call(name, () => io(device, v.VFIO_DEVICE_GET_REGION_INFO, again), undefined, {record: false});
			}
		}
		if (r.ret === -1) {
			failures.push({step: name, kind: 'query', ok: false, errno: r.errno, code: errnoName(r.errno), meaning: meaningOf(r.errno)});
			continue;
		}
		const ri = v.vfioRegionInfo.decode(buf);
		const caps: RegionInfo['caps'] = [];
		if (ri.flags & v.VFIO_REGION_INFO_FLAG_CAPS && ri.cap_offset !== 0) {
			const chain = v.walkCapChain(buf, ri.cap_offset, v.vfioRegionInfo.size);
			for (const cap of chain.caps) {
				const entry: RegionInfo['caps'][number] = {id: cap.id, name: v.REGION_CAP_NAMES[cap.id] ?? `cap ${cap.id}`};
				if (cap.id === v.VFIO_REGION_INFO_CAP_TYPE && cap.offset + v.vfioRegionInfoCapType.size <= buf.length) {
					const t = v.vfioRegionInfoCapType.decode(buf, cap.offset);
					entry.type = t.type;
					entry.subtype = t.subtype;
				}
				caps.push(entry);
			}
			if (chain.problem) failures.push({step: name, kind: 'query', ok: false, meaning: `capability chain cut: ${chain.problem}`});
		}
		regions.push({
			index,
			name: v.regionIndexName(deviceFlags, index),
			flags: ri.flags,
			flagNames: v.flagNames(ri.flags, v.REGION_FLAGS),
			size: Number(ri.size),
			offset: Number(ri.offset),
			caps,
		});
	}
	summarise(steps, 'VFIO_DEVICE_GET_REGION_INFO', count, failures);
	return regions;
}

function irqInfos(device: number, deviceFlags: number, count: number, call: Call, steps: ProbeStep[], io: IoctlPointer): IrqInfo[] {
	const irqs: IrqInfo[] = [];
	const failures: ProbeStep[] = [];
	for (let index = 0; index < count; index++) {
		const name = `VFIO_DEVICE_GET_IRQ_INFO index ${index}`;
		const buf = v.vfioIrqInfo.encode({argsz: v.vfioIrqInfo.size, index});
		const r = call(name, () => io(device, v.VFIO_DEVICE_GET_IRQ_INFO, buf), undefined, {record: false});
		if (r.ret === -1) {
			failures.push({step: name, kind: 'query', ok: false, errno: r.errno, code: errnoName(r.errno), meaning: meaningOf(r.errno)});
			continue;
		}
		const ii = v.vfioIrqInfo.decode(buf);
		irqs.push({
			index,
			name: v.irqIndexName(deviceFlags, index),
			flags: ii.flags,
			flagNames: v.flagNames(ii.flags, v.IRQ_FLAGS),
			count: ii.count,
		});
	}
	summarise(steps, 'VFIO_DEVICE_GET_IRQ_INFO', count, failures);
	return irqs;
}

const notSupported = (e: number): string =>
	errnoName(e) === 'ENOTTY' || errnoName(e) === 'EINVAL' ? 'not supported by this device' : meaningOf(e);

function displayAnswers(device: number, call: Call, io: IoctlPointer, planeQuery: boolean): ProbeResult['display'] {
	const ask = (kind: number, name: string): FeatureAnswer => {
		const step = `VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|${name})`;
		const buf = v.vfioDeviceGfxPlaneInfo.encode({argsz: v.vfioDeviceGfxPlaneInfo.size, flags: v.VFIO_GFX_PLANE_TYPE_PROBE | kind});
		return featureAnswer(call(step, () => io(device, v.VFIO_DEVICE_QUERY_GFX_PLANE, buf), notSupported), step);
	};
	const region = ask(v.VFIO_GFX_PLANE_TYPE_REGION, 'REGION');
	const dmabuf = ask(v.VFIO_GFX_PLANE_TYPE_DMABUF, 'DMABUF');
	const display: ProbeResult['display'] = {region, dmabuf, plane: null, planeNote: null};

	const shown = displayKind(display);
	// The plane is queried as REGION when the device offers it (also when it offers both).
	const kind = shown === 'region' || shown === 'region+dmabuf' ? 'REGION' : shown === 'dmabuf' ? 'DMABUF' : null;
	if (!kind) {
		display.planeNote =
			shown === 'none'
				? 'no display: the device answers neither REGION nor DMABUF plane queries'
				: 'no plane query: the display probes did not answer (see steps)';
		return display;
	}
	if (!planeQuery) {
		display.planeNote = `not asked: the primary plane is never queried through a borrowed fd (for a dmabuf device the query creates kernel objects); only the ${kind} PROBE was made`;
		display.planeNotAsked = 'borrowed-fd';
		return display;
	}
	// A real query of the primary plane. For DMABUF this only describes the plane and returns a
	// dmabuf id; the fd itself (VFIO_DEVICE_GET_GFX_DMABUF) is never asked for.
	const step = `VFIO_DEVICE_QUERY_GFX_PLANE(${kind}, DRM_PLANE_TYPE_PRIMARY)`;
	const buf = v.vfioDeviceGfxPlaneInfo.encode({
		argsz: v.vfioDeviceGfxPlaneInfo.size,
		flags: kind === 'REGION' ? v.VFIO_GFX_PLANE_TYPE_REGION : v.VFIO_GFX_PLANE_TYPE_DMABUF,
		drm_plane_type: v.DRM_PLANE_TYPE_PRIMARY,
	});
	const r = call(step, () => io(device, v.VFIO_DEVICE_QUERY_GFX_PLANE, buf), (e) =>
		`no plane yet: the driver has no primary plane to describe (${meaningOf(e)})`,
	);
	if (r.ret === -1) {
		display.planeNote = `no plane yet: ${kind} query answered ${errnoName(r.errno)} (${meaningOf(r.errno)})`;
		return display;
	}
	const p = v.vfioDeviceGfxPlaneInfo.decode(buf);
	// The uapi: a plane the guest disabled comes back as success with drm_format, size, width and
	// height zeroed.
	if (p.drm_format === 0 || p.size === 0 || p.width === 0 || p.height === 0) {
		display.planeNote = `no plane yet: the ${kind} query succeeded with an empty plane (the guest has not set a mode)`;
		return display;
	}
	const plane: PlaneInfo = {
		drmFormat: v.drmFourccToText(p.drm_format),
		drmFormatNumber: p.drm_format,
		drmFormatMod: `0x${p.drm_format_mod.toString(16)}`,
		width: p.width,
		height: p.height,
		stride: p.stride,
		size: p.size,
		xPos: p.x_pos,
		yPos: p.y_pos,
	};
	if (kind === 'REGION') plane.regionIndex = p.region_index;
	else plane.dmabufId = p.dmabuf_id;
	display.plane = plane;
	return display;
}

function migrationAnswer(device: number, call: Call, io: IoctlPointer): ProbeResult['migration'] {
	const data = v.vfioDeviceFeatureMigration.encode({});
	const probeStep = 'VFIO_DEVICE_FEATURE(PROBE|GET|MIGRATION)';
	const probe = v.vfioDeviceFeatureBuffer(
		v.VFIO_DEVICE_FEATURE_PROBE | v.VFIO_DEVICE_FEATURE_GET | v.VFIO_DEVICE_FEATURE_MIGRATION,
		data,
	);
	const answer = featureAnswer(call(probeStep, () => io(device, v.VFIO_DEVICE_FEATURE, probe), notSupported), probeStep);
	if (!answer.supported) return {...answer, flags: null, flagNames: []};
	// PROBE only says the GET would work; the GET itself returns the flags (read-only).
	const getStep = 'VFIO_DEVICE_FEATURE(GET|MIGRATION)';
	const get = v.vfioDeviceFeatureBuffer(v.VFIO_DEVICE_FEATURE_GET | v.VFIO_DEVICE_FEATURE_MIGRATION, data);
	const r = call(getStep, () => io(device, v.VFIO_DEVICE_FEATURE, get));
	if (r.ret === -1) {
		return {supported: true, code: errnoName(r.errno), reason: `${getStep} failed: ${meaningOf(r.errno)}`, flags: null, flagNames: []};
	}
	const flags = Number(v.vfioDeviceFeatureMigration.decode(get, v.vfioDeviceFeature.size).flags);
	return {supported: true, flags, flagNames: v.flagNames(flags, v.MIGRATION_FLAGS)};
}

function dmaLoggingAnswer(device: number, call: Call, io: IoctlPointer): FeatureAnswer {
	// PROBE|SET asks whether DMA_LOGGING_START would be accepted without starting anything.
	const step = 'VFIO_DEVICE_FEATURE(PROBE|SET|DMA_LOGGING_START)';
	const buf = v.vfioDeviceFeatureBuffer(
		v.VFIO_DEVICE_FEATURE_PROBE | v.VFIO_DEVICE_FEATURE_SET | v.VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
		v.vfioDeviceFeatureDmaLoggingControl.encode({}),
	);
	return featureAnswer(call(step, () => io(device, v.VFIO_DEVICE_FEATURE, buf), notSupported), step);
}

/** "REGION display (XR24 1920x1080), no migration, no DMA logging". */
export function okSummary(r: Pick<ProbeResult, 'display' | 'migration' | 'dmaLogging'>): string {
	const {plane} = r.display;
	const kind = displayKind(r.display);
	let display = kind === 'none' ? 'no display' : kind === 'unknown' ? 'display unknown' : `${kind.toUpperCase()} display`;
	if (displayOffered(kind)) {
		// A borrowed fd is never asked for the plane (planeNotAsked says so): not "no plane yet".
		display += plane ? ` (${plane.drmFormat} ${plane.width}x${plane.height})` : r.display.planeNotAsked ? ' (plane not asked)' : ' (no plane yet)';
	}
	const m = r.migration;
	const migration =
		m.supported === true
			? `migration ${m.flagNames.length > 0 ? m.flagNames.join('|') : 'flags unknown'}`
			: m.supported === false
				? 'no migration'
				: `migration unknown (${m.code ?? '?'})`;
	const d = r.dmaLogging;
	const logging = d.supported === true ? 'DMA logging' : d.supported === false ? 'no DMA logging' : `DMA logging unknown (${d.code ?? '?'})`;
	return `${display}, ${migration}, ${logging}`;
}
