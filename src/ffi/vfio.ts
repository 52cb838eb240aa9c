// The VFIO userspace API (include/uapi/linux/vfio.h) as TypeScript: ioctl numbers, flags and the
// structs the probe exchanges with the kernel, as Buffer codecs for x86_64 (little-endian, natural
// alignment). Names are the header's. Every constant, struct size and field offset here is compared
// with the C header by test/abi.test.ts, which compiles a program against /usr/include/linux/vfio.h.

// <asm-generic/ioctl.h>: nr in bits 0-7, type in 8-15, size in 16-29, direction in 30-31.
export const _IOC_NONE = 0;
export const _IOC_WRITE = 1;
export const _IOC_READ = 2;
export const _IOC = (dir: number, type: number, nr: number, size: number): number =>
	((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
export const _IO = (type: number, nr: number): number => _IOC(_IOC_NONE, type, nr, 0);
export const _IOR = (type: number, nr: number, size: number): number => _IOC(_IOC_READ, type, nr, size);
export const _IOW = (type: number, nr: number, size: number): number => _IOC(_IOC_WRITE, type, nr, size);
export const _IOWR = (type: number, nr: number, size: number): number =>
	_IOC(_IOC_READ | _IOC_WRITE, type, nr, size);

export const VFIO_API_VERSION = 0;

// IOMMU backends, for VFIO_CHECK_EXTENSION and VFIO_SET_IOMMU.
export const VFIO_TYPE1_IOMMU = 1;
export const VFIO_SPAPR_TCE_IOMMU = 2;
export const VFIO_TYPE1v2_IOMMU = 3;
export const VFIO_NOIOMMU_IOMMU = 8;

export const VFIO_TYPE = ';'.charCodeAt(0);
export const VFIO_BASE = 100;

// All VFIO ioctls are _IO (no size encoded): the struct's argsz field carries the size instead.
export const VFIO_GET_API_VERSION = _IO(VFIO_TYPE, VFIO_BASE + 0);
export const VFIO_CHECK_EXTENSION = _IO(VFIO_TYPE, VFIO_BASE + 1);
export const VFIO_SET_IOMMU = _IO(VFIO_TYPE, VFIO_BASE + 2);
export const VFIO_GROUP_GET_STATUS = _IO(VFIO_TYPE, VFIO_BASE + 3);
export const VFIO_GROUP_SET_CONTAINER = _IO(VFIO_TYPE, VFIO_BASE + 4);
export const VFIO_GROUP_UNSET_CONTAINER = _IO(VFIO_TYPE, VFIO_BASE + 5);
export const VFIO_GROUP_GET_DEVICE_FD = _IO(VFIO_TYPE, VFIO_BASE + 6);
export const VFIO_DEVICE_GET_INFO = _IO(VFIO_TYPE, VFIO_BASE + 7);
export const VFIO_DEVICE_GET_REGION_INFO = _IO(VFIO_TYPE, VFIO_BASE + 8);
export const VFIO_DEVICE_GET_IRQ_INFO = _IO(VFIO_TYPE, VFIO_BASE + 9);
// Named so that the borrowed-fd allow-list (src/probe/borrow.ts) can be tested against them: they
// change the device's state, and the probe never calls them.
export const VFIO_DEVICE_SET_IRQS = _IO(VFIO_TYPE, VFIO_BASE + 10);
export const VFIO_DEVICE_RESET = _IO(VFIO_TYPE, VFIO_BASE + 11);
export const VFIO_DEVICE_PCI_HOT_RESET = _IO(VFIO_TYPE, VFIO_BASE + 13);
export const VFIO_DEVICE_IOEVENTFD = _IO(VFIO_TYPE, VFIO_BASE + 16);
export const VFIO_DEVICE_QUERY_GFX_PLANE = _IO(VFIO_TYPE, VFIO_BASE + 14);
/** Named so no one reuses the number by mistake: the probe never calls it (it would create a dma-buf fd). */
export const VFIO_DEVICE_GET_GFX_DMABUF = _IO(VFIO_TYPE, VFIO_BASE + 15);
export const VFIO_DEVICE_FEATURE = _IO(VFIO_TYPE, VFIO_BASE + 17);

// struct vfio_group_status.flags
export const VFIO_GROUP_FLAGS_VIABLE = 1 << 0;
export const VFIO_GROUP_FLAGS_CONTAINER_SET = 1 << 1;

// struct vfio_device_info.flags
export const VFIO_DEVICE_FLAGS_RESET = 1 << 0;
export const VFIO_DEVICE_FLAGS_PCI = 1 << 1;
export const VFIO_DEVICE_FLAGS_PLATFORM = 1 << 2;
export const VFIO_DEVICE_FLAGS_AMBA = 1 << 3;
export const VFIO_DEVICE_FLAGS_CCW = 1 << 4;
export const VFIO_DEVICE_FLAGS_AP = 1 << 5;
export const VFIO_DEVICE_FLAGS_FSL_MC = 1 << 6;
export const VFIO_DEVICE_FLAGS_CAPS = 1 << 7;
/** Since Linux 6.5 (not in Debian 12's linux-libc-dev). */
export const VFIO_DEVICE_FLAGS_CDX = 1 << 8;

// struct vfio_region_info.flags
export const VFIO_REGION_INFO_FLAG_READ = 1 << 0;
export const VFIO_REGION_INFO_FLAG_WRITE = 1 << 1;
export const VFIO_REGION_INFO_FLAG_MMAP = 1 << 2;
export const VFIO_REGION_INFO_FLAG_CAPS = 1 << 3;

// Region capability ids (struct vfio_info_cap_header.id in a region info's chain).
export const VFIO_REGION_INFO_CAP_SPARSE_MMAP = 1;
export const VFIO_REGION_INFO_CAP_TYPE = 2;
export const VFIO_REGION_INFO_CAP_MSIX_MAPPABLE = 3;
export const VFIO_REGION_INFO_CAP_NVLINK2_SSATGT = 4;
export const VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD = 5;

// struct vfio_region_info_cap_type.type (and the vendor bit) and the subtypes of the GFX type.
export const VFIO_REGION_TYPE_PCI_VENDOR_TYPE = 0x80000000;
export const VFIO_REGION_TYPE_PCI_VENDOR_MASK = 0xffff;
export const VFIO_REGION_TYPE_GFX = 1;
export const VFIO_REGION_TYPE_CCW = 2;
export const VFIO_REGION_TYPE_MIGRATION_DEPRECATED = 3;
export const VFIO_REGION_SUBTYPE_GFX_EDID = 1;

// struct vfio_irq_info.flags
export const VFIO_IRQ_INFO_EVENTFD = 1 << 0;
export const VFIO_IRQ_INFO_MASKABLE = 1 << 1;
export const VFIO_IRQ_INFO_AUTOMASKED = 1 << 2;
export const VFIO_IRQ_INFO_NORESIZE = 1 << 3;

// Fixed region and IRQ indexes of vfio-pci devices (and of vfio-ccw ones).
export const VFIO_PCI_BAR0_REGION_INDEX = 0;
export const VFIO_PCI_BAR1_REGION_INDEX = 1;
export const VFIO_PCI_BAR2_REGION_INDEX = 2;
export const VFIO_PCI_BAR3_REGION_INDEX = 3;
export const VFIO_PCI_BAR4_REGION_INDEX = 4;
export const VFIO_PCI_BAR5_REGION_INDEX = 5;
export const VFIO_PCI_ROM_REGION_INDEX = 6;
export const VFIO_PCI_CONFIG_REGION_INDEX = 7;
export const VFIO_PCI_VGA_REGION_INDEX = 8;
export const VFIO_PCI_NUM_REGIONS = 9;
export const VFIO_PCI_INTX_IRQ_INDEX = 0;
export const VFIO_PCI_MSI_IRQ_INDEX = 1;
export const VFIO_PCI_MSIX_IRQ_INDEX = 2;
export const VFIO_PCI_ERR_IRQ_INDEX = 3;
export const VFIO_PCI_REQ_IRQ_INDEX = 4;
export const VFIO_PCI_NUM_IRQS = 5;
export const VFIO_CCW_CONFIG_REGION_INDEX = 0;
export const VFIO_CCW_NUM_REGIONS = 1;
export const VFIO_CCW_IO_IRQ_INDEX = 0;
export const VFIO_CCW_CRW_IRQ_INDEX = 1;
export const VFIO_CCW_REQ_IRQ_INDEX = 2;
export const VFIO_CCW_NUM_IRQS = 3;

// struct vfio_device_gfx_plane_info.flags. PROBE asks "would you answer this kind of query?"
// without returning a plane; DMABUF and REGION say which kind of plane to describe.
export const VFIO_GFX_PLANE_TYPE_PROBE = 1 << 0;
export const VFIO_GFX_PLANE_TYPE_DMABUF = 1 << 1;
export const VFIO_GFX_PLANE_TYPE_REGION = 1 << 2;

// struct vfio_device_feature.flags: the low 16 bits are the feature index.
export const VFIO_DEVICE_FEATURE_MASK = 0xffff;
export const VFIO_DEVICE_FEATURE_GET = 1 << 16;
export const VFIO_DEVICE_FEATURE_SET = 1 << 17;
export const VFIO_DEVICE_FEATURE_PROBE = 1 << 18;
// Feature indexes.
export const VFIO_DEVICE_FEATURE_PCI_VF_TOKEN = 0;
export const VFIO_DEVICE_FEATURE_MIGRATION = 1;
export const VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE = 2;
export const VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY = 3;
export const VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP = 4;
export const VFIO_DEVICE_FEATURE_LOW_POWER_EXIT = 5;
export const VFIO_DEVICE_FEATURE_DMA_LOGGING_START = 6;
export const VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP = 7;
export const VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT = 8;

// struct vfio_device_feature_migration.flags
export const VFIO_MIGRATION_STOP_COPY = 1 << 0;
export const VFIO_MIGRATION_P2P = 1 << 1;
/** Since Linux 6.2 (not in Debian 12's linux-libc-dev); mtty on 6.12 reports it. */
export const VFIO_MIGRATION_PRE_COPY = 1 << 2;

/**
 * Constants this module defines that Debian 12's /usr/include/linux/vfio.h (Linux 6.1 uapi) does
 * not have. test/abi.test.ts checks them against a newer vfio.h when one is installed and says
 * so when none is.
 */
export const NEWER_THAN_LINUX_6_1 = ['VFIO_DEVICE_FLAGS_CDX', 'VFIO_MIGRATION_PRE_COPY'] as const;

// enum drm_plane_type, include/drm/drm_plane.h (kernel-internal, also libdrm's xf86drmMode.h);
// VFIO_DEVICE_QUERY_GFX_PLANE takes it in drm_plane_type.
export const DRM_PLANE_TYPE_OVERLAY = 0;
export const DRM_PLANE_TYPE_PRIMARY = 1;
export const DRM_PLANE_TYPE_CURSOR = 2;

// ---- flag and index names ----------------------------------------------------------------------

type FlagTable = ReadonlyArray<readonly [bit: number, name: string]>;

/** The names of the bits set in `flags`, low bit first; unknown bits as `0x…`. */
export function flagNames(flags: number, table: FlagTable): string[] {
	const names: string[] = [];
	let rest = flags >>> 0;
	for (const [bit, name] of table) {
		if ((rest & bit) !== 0) {
			names.push(name);
			rest = (rest & ~bit) >>> 0;
		}
	}
	if (rest !== 0) names.push(`0x${rest.toString(16)}`);
	return names;
}

export const DEVICE_FLAGS: FlagTable = [
	[VFIO_DEVICE_FLAGS_RESET, 'RESET'],
	[VFIO_DEVICE_FLAGS_PCI, 'PCI'],
	[VFIO_DEVICE_FLAGS_PLATFORM, 'PLATFORM'],
	[VFIO_DEVICE_FLAGS_AMBA, 'AMBA'],
	[VFIO_DEVICE_FLAGS_CCW, 'CCW'],
	[VFIO_DEVICE_FLAGS_AP, 'AP'],
	[VFIO_DEVICE_FLAGS_FSL_MC, 'FSL_MC'],
	[VFIO_DEVICE_FLAGS_CAPS, 'CAPS'],
	[VFIO_DEVICE_FLAGS_CDX, 'CDX'],
];

export const REGION_FLAGS: FlagTable = [
	[VFIO_REGION_INFO_FLAG_READ, 'READ'],
	[VFIO_REGION_INFO_FLAG_WRITE, 'WRITE'],
	[VFIO_REGION_INFO_FLAG_MMAP, 'MMAP'],
	[VFIO_REGION_INFO_FLAG_CAPS, 'CAPS'],
];

export const IRQ_FLAGS: FlagTable = [
	[VFIO_IRQ_INFO_EVENTFD, 'EVENTFD'],
	[VFIO_IRQ_INFO_MASKABLE, 'MASKABLE'],
	[VFIO_IRQ_INFO_AUTOMASKED, 'AUTOMASKED'],
	[VFIO_IRQ_INFO_NORESIZE, 'NORESIZE'],
];

export const MIGRATION_FLAGS: FlagTable = [
	[VFIO_MIGRATION_STOP_COPY, 'STOP_COPY'],
	[VFIO_MIGRATION_P2P, 'P2P'],
	[VFIO_MIGRATION_PRE_COPY, 'PRE_COPY'],
];

export const REGION_CAP_NAMES: Readonly<Record<number, string>> = {
	[VFIO_REGION_INFO_CAP_SPARSE_MMAP]: 'SPARSE_MMAP',
	[VFIO_REGION_INFO_CAP_TYPE]: 'TYPE',
	[VFIO_REGION_INFO_CAP_MSIX_MAPPABLE]: 'MSIX_MAPPABLE',
	[VFIO_REGION_INFO_CAP_NVLINK2_SSATGT]: 'NVLINK2_SSATGT',
	[VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD]: 'NVLINK2_LNKSPD',
};

const PCI_REGION_NAMES = ['BAR0', 'BAR1', 'BAR2', 'BAR3', 'BAR4', 'BAR5', 'ROM', 'CONFIG', 'VGA'];
const PCI_IRQ_NAMES = ['INTX', 'MSI', 'MSIX', 'ERR', 'REQ'];
const CCW_REGION_NAMES = ['CONFIG'];
const CCW_IRQ_NAMES = ['IO', 'CRW', 'REQ'];

/** The fixed name of a region index for the device's bus (`BAR0`, `CONFIG`), null when it has none. */
export function regionIndexName(deviceFlags: number, index: number): string | null {
	if (deviceFlags & VFIO_DEVICE_FLAGS_PCI) return PCI_REGION_NAMES[index] ?? null;
	if (deviceFlags & VFIO_DEVICE_FLAGS_CCW) return CCW_REGION_NAMES[index] ?? null;
	return null;
}

export function irqIndexName(deviceFlags: number, index: number): string | null {
	if (deviceFlags & VFIO_DEVICE_FLAGS_PCI) return PCI_IRQ_NAMES[index] ?? null;
	if (deviceFlags & VFIO_DEVICE_FLAGS_CCW) return CCW_IRQ_NAMES[index] ?? null;
	return null;
}

// ---- struct codecs -------------------------------------------------------------------------------

type FieldType = 'u16' | 'u32' | 's32' | 'u64';
type FieldSpec = {readonly offset: number; readonly type: FieldType};
type Fields = Readonly<Record<string, FieldSpec>>;
/** A decoded struct: u64 fields as bigint (they may exceed 2^53), the rest as numbers. */
export type Decoded<F extends Fields> = {[K in keyof F]: F[K]['type'] extends 'u64' ? bigint : number};
export type Values<F extends Fields> = {[K in keyof F]?: F[K]['type'] extends 'u64' ? bigint | number : number};

export interface StructCodec<F extends Fields> {
	/** The C struct's name, for the ABI test. */
	readonly cName: string;
	/** sizeof(struct …). */
	readonly size: number;
	/** Field name (the C member's) → offsetof and type. Members sharing a union share an offset. */
	readonly fields: F;
	/** A zeroed buffer of `size` bytes (or `total`, for a struct followed by data) with `values` set. */
	encode(values: Values<F>, total?: number): Buffer;
	/** Reads the struct at `at` in `buf`. */
	decode(buf: Buffer, at?: number): Decoded<F>;
}

function struct<const F extends Fields>(cName: string, size: number, fields: F): StructCodec<F> {
	const write = (buf: Buffer, at: number, spec: FieldSpec, value: number | bigint): void => {
		const o = at + spec.offset;
		if (spec.type === 'u16') buf.writeUInt16LE(Number(value), o);
		else if (spec.type === 'u32') buf.writeUInt32LE(Number(value) >>> 0, o);
		else if (spec.type === 's32') buf.writeInt32LE(Number(value), o);
		else buf.writeBigUInt64LE(BigInt(value), o);
	};
	const read = (buf: Buffer, at: number, spec: FieldSpec): number | bigint => {
		const o = at + spec.offset;
		if (spec.type === 'u16') return buf.readUInt16LE(o);
		if (spec.type === 'u32') return buf.readUInt32LE(o);
		if (spec.type === 's32') return buf.readInt32LE(o);
		return buf.readBigUInt64LE(o);
	};
	return {
		cName,
		size,
		fields,
		encode(values, total = size) {
			const buf = Buffer.alloc(Math.max(total, size));
			for (const [name, value] of Object.entries(values) as Array<[string, number | bigint | undefined]>) {
				if (value !== undefined) write(buf, 0, fields[name]!, value);
			}
			return buf;
		},
		decode(buf, at = 0) {
			if (buf.length < at + size) {
				throw new RangeError(`struct ${cName} needs ${size} bytes at ${at}, buffer has ${buf.length}`);
			}
			const out: Record<string, number | bigint> = {};
			for (const [name, spec] of Object.entries(fields)) out[name] = read(buf, at, spec);
			return out as Decoded<F>;
		},
	};
}

export const vfioInfoCapHeader = struct('vfio_info_cap_header', 8, {
	id: {offset: 0, type: 'u16'},
	version: {offset: 2, type: 'u16'},
	next: {offset: 4, type: 'u32'},
});

export const vfioGroupStatus = struct('vfio_group_status', 8, {
	argsz: {offset: 0, type: 'u32'},
	flags: {offset: 4, type: 'u32'},
});

// Linux 6.1's layout. Newer headers append `__u32 pad` (sizeof 24); drivers copy back at most up
// to cap_offset, so argsz 20 is answered the same by both.
export const vfioDeviceInfo = struct('vfio_device_info', 20, {
	argsz: {offset: 0, type: 'u32'},
	flags: {offset: 4, type: 'u32'},
	num_regions: {offset: 8, type: 'u32'},
	num_irqs: {offset: 12, type: 'u32'},
	cap_offset: {offset: 16, type: 'u32'},
});

export const vfioRegionInfo = struct('vfio_region_info', 32, {
	argsz: {offset: 0, type: 'u32'},
	flags: {offset: 4, type: 'u32'},
	index: {offset: 8, type: 'u32'},
	cap_offset: {offset: 12, type: 'u32'},
	size: {offset: 16, type: 'u64'},
	offset: {offset: 24, type: 'u64'},
});

export const vfioRegionInfoCapType = struct('vfio_region_info_cap_type', 16, {
	type: {offset: 8, type: 'u32'},
	subtype: {offset: 12, type: 'u32'},
});

export const vfioRegionInfoCapSparseMmap = struct('vfio_region_info_cap_sparse_mmap', 16, {
	nr_areas: {offset: 8, type: 'u32'},
	reserved: {offset: 12, type: 'u32'},
	// areas[] (struct vfio_region_sparse_mmap_area) follow at offset 16.
});

export const vfioRegionSparseMmapArea = struct('vfio_region_sparse_mmap_area', 16, {
	offset: {offset: 0, type: 'u64'},
	size: {offset: 8, type: 'u64'},
});

export const vfioIrqInfo = struct('vfio_irq_info', 16, {
	argsz: {offset: 0, type: 'u32'},
	flags: {offset: 4, type: 'u32'},
	index: {offset: 8, type: 'u32'},
	count: {offset: 12, type: 'u32'},
});

export const vfioDeviceGfxPlaneInfo = struct('vfio_device_gfx_plane_info', 64, {
	argsz: {offset: 0, type: 'u32'},
	flags: {offset: 4, type: 'u32'},
	drm_plane_type: {offset: 8, type: 'u32'},
	drm_format: {offset: 12, type: 'u32'},
	drm_format_mod: {offset: 16, type: 'u64'},
	width: {offset: 24, type: 'u32'},
	height: {offset: 28, type: 'u32'},
	stride: {offset: 32, type: 'u32'},
	size: {offset: 36, type: 'u32'},
	x_pos: {offset: 40, type: 'u32'},
	y_pos: {offset: 44, type: 'u32'},
	x_hot: {offset: 48, type: 'u32'},
	y_hot: {offset: 52, type: 'u32'},
	// An anonymous union: the region index for REGION planes, the dma-buf id for DMABUF ones.
	region_index: {offset: 56, type: 'u32'},
	dmabuf_id: {offset: 56, type: 'u32'},
});

/** The header of every VFIO_DEVICE_FEATURE call; the feature's own struct follows as data[]. */
export const vfioDeviceFeature = struct('vfio_device_feature', 8, {
	argsz: {offset: 0, type: 'u32'},
	flags: {offset: 4, type: 'u32'},
});

export const vfioDeviceFeatureMigration = struct('vfio_device_feature_migration', 8, {
	flags: {offset: 0, type: 'u64'},
});

export const vfioDeviceFeatureDmaLoggingControl = struct('vfio_device_feature_dma_logging_control', 24, {
	page_size: {offset: 0, type: 'u64'},
	num_ranges: {offset: 8, type: 'u32'},
	__reserved: {offset: 12, type: 'u32'},
	ranges: {offset: 16, type: 'u64'},
});

/** Every codec, for the ABI test. */
export const STRUCTS = [
	vfioInfoCapHeader,
	vfioGroupStatus,
	vfioDeviceInfo,
	vfioRegionInfo,
	vfioRegionInfoCapType,
	vfioRegionInfoCapSparseMmap,
	vfioRegionSparseMmapArea,
	vfioIrqInfo,
	vfioDeviceGfxPlaneInfo,
	vfioDeviceFeature,
	vfioDeviceFeatureMigration,
	vfioDeviceFeatureDmaLoggingControl,
] as const;

/** A VFIO_DEVICE_FEATURE argument: the header with argsz and flags, then `data` (the feature's struct). */
export function vfioDeviceFeatureBuffer(flags: number, data: Buffer): Buffer {
	const total = vfioDeviceFeature.size + data.length;
	const buf = vfioDeviceFeature.encode({argsz: total, flags}, total);
	data.copy(buf, vfioDeviceFeature.size);
	return buf;
}

// ---- capability chains ---------------------------------------------------------------------------

export interface CapEntry {
	/** Where the capability starts in the info buffer. */
	offset: number;
	id: number;
	version: number;
	next: number;
}

/**
 * Walks the capability chain of an info struct the kernel filled (`cap_offset`, then each header's
 * `next`, 0 ending it). Offsets point into `buf`; a chain that leaves the buffer, goes backwards
 * into the struct or loops is cut there and reported in `problem`, never followed.
 */
export function walkCapChain(
	buf: Buffer,
	firstOffset: number,
	structSize: number,
): {caps: CapEntry[]; problem: string | null} {
	const caps: CapEntry[] = [];
	const seen = new Set<number>();
	let at = firstOffset;
	while (at !== 0) {
		if (at < structSize || at + vfioInfoCapHeader.size > buf.length) {
			return {caps, problem: `capability offset ${at} is outside the ${buf.length}-byte info buffer`};
		}
		if (seen.has(at)) return {caps, problem: `capability chain loops back to offset ${at}`};
		seen.add(at);
		const h = vfioInfoCapHeader.decode(buf, at);
		caps.push({offset: at, id: h.id, version: h.version, next: h.next});
		at = h.next;
	}
	return {caps, problem: null};
}

// ---- DRM fourcc ----------------------------------------------------------------------------------

/**
 * A DRM fourcc (include/uapi/drm/drm_fourcc.h: fourcc_code(a, b, c, d) = a | b<<8 | c<<16 | d<<24)
 * as its four characters: 0x34325258 → `XR24`. Bit 31 is DRM_FORMAT_BIG_ENDIAN, shown as a
 * `_BE` suffix; a code with unprintable characters is shown as hex.
 */
export function drmFourccToText(code: number): string {
	const bigEndian = (code & 0x80000000) !== 0;
	const base = (code & 0x7fffffff) >>> 0;
	const chars = [0, 8, 16, 24].map((shift) => (base >>> shift) & 0xff);
	if (code === 0) return '0';
	if (!chars.every((c) => c >= 0x20 && c < 0x7f)) return `0x${(code >>> 0).toString(16).padStart(8, '0')}`;
	return String.fromCharCode(...chars) + (bigEndian ? '_BE' : '');
}

/** The inverse of drmFourccToText for four printable characters. */
export function drmFourcc(text: string): number {
	if (text.length !== 4) throw new RangeError(`a fourcc has 4 characters, not ${JSON.stringify(text)}`);
	return (text.charCodeAt(0) | (text.charCodeAt(1) << 8) | (text.charCodeAt(2) << 16) | (text.charCodeAt(3) << 24)) >>> 0;
}
