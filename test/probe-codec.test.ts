// The VFIO struct codecs, the capability chain walk, flag names and the fourcc helper.
// Layouts are also checked against the C compiler in test/abi.test.ts; here the codecs decode
// answers real kernels gave (bytes captured in the test VM, see each test).
import test from 'ava';
import * as v from '../src/ffi/vfio.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('ioctl numbers are _IO(";", 100 + n)', (t) => {
	t.is(v.VFIO_TYPE, 0x3b);
	t.is(v.VFIO_GET_API_VERSION, 0x3b64);
	t.is(v.VFIO_GROUP_GET_DEVICE_FD, 0x3b6a);
	t.is(v.VFIO_DEVICE_QUERY_GFX_PLANE, 0x3b72);
	t.is(v.VFIO_DEVICE_FEATURE, 0x3b75);
	t.is(v._IOR(0x3b, 1, 8), 0x80083b01);
});

test('encode then decode gives the values back, u64 fields as bigint', (t) => {
	const values = {argsz: 32, flags: 0xf, index: 7, cap_offset: 0, size: 0x1_0000_0000n, offset: 7n << 40n};
	const buf = v.vfioRegionInfo.encode(values);
	t.is(buf.length, 32);
	t.deepEqual(v.vfioRegionInfo.decode(buf), values);
	// A struct followed by room for capabilities.
	t.is(v.vfioRegionInfo.encode({argsz: 80}, 80).length, 80);
	t.throws(() => v.vfioRegionInfo.decode(Buffer.alloc(31)), {instanceOf: RangeError});
});

test('the gfx plane union: region_index and dmabuf_id are the same four bytes', (t) => {
	const buf = v.vfioDeviceGfxPlaneInfo.encode({region_index: 16});
	t.is(v.vfioDeviceGfxPlaneInfo.decode(buf).dmabuf_id, 16);
	t.is(buf.readUInt32LE(56), 16);
	t.is(buf.length, 64);
});

test('a feature buffer is the header with argsz covering the data', (t) => {
	const flags = v.VFIO_DEVICE_FEATURE_PROBE | v.VFIO_DEVICE_FEATURE_GET | v.VFIO_DEVICE_FEATURE_MIGRATION;
	const buf = v.vfioDeviceFeatureBuffer(flags, v.vfioDeviceFeatureMigration.encode({flags: 0}));
	t.deepEqual(buf, hex('10000000 01000500 0000000000000000'));
	t.is(flags, 0x50001);
});

test('flag names, low bit first, unknown bits as hex', (t) => {
	t.deepEqual(v.flagNames(0x2, v.DEVICE_FLAGS), ['PCI']);
	t.deepEqual(v.flagNames(0x7, v.MIGRATION_FLAGS), ['STOP_COPY', 'P2P', 'PRE_COPY']);
	t.deepEqual(v.flagNames(0x3 | 0x100, v.REGION_FLAGS), ['READ', 'WRITE', '0x100']);
	t.deepEqual(v.flagNames(0, v.IRQ_FLAGS), []);
});

test('region and irq index names follow the device kind', (t) => {
	t.is(v.regionIndexName(v.VFIO_DEVICE_FLAGS_PCI, 7), 'CONFIG');
	t.is(v.regionIndexName(v.VFIO_DEVICE_FLAGS_PCI, 9), null);
	t.is(v.regionIndexName(v.VFIO_DEVICE_FLAGS_CCW, 0), 'CONFIG');
	t.is(v.regionIndexName(v.VFIO_DEVICE_FLAGS_PLATFORM, 0), null);
	t.is(v.irqIndexName(v.VFIO_DEVICE_FLAGS_PCI, 2), 'MSIX');
	t.is(v.irqIndexName(v.VFIO_DEVICE_FLAGS_CCW, 1), 'CRW');
});

test('drm fourcc as text and back', (t) => {
	t.is(v.drmFourccToText(0x34325258), 'XR24');
	t.is(v.drmFourcc('XR24'), 0x34325258);
	t.is(v.drmFourccToText(v.drmFourcc('AB24')), 'AB24');
	t.is(v.drmFourccToText(v.drmFourcc('RG16') | 0x80000000), 'RG16_BE');
	t.is(v.drmFourccToText(0x01020304), '0x01020304');
	t.is(v.drmFourccToText(0), '0');
	t.throws(() => v.drmFourcc('XR2'));
});

// A region info with a two-entry capability chain, laid out as the kernel does: the struct, then
// the caps, `next` as offsets from the start of the buffer.
function regionWithCaps(): Buffer {
	const buf = v.vfioRegionInfo.encode(
		{argsz: 80, flags: v.VFIO_REGION_INFO_FLAG_READ | v.VFIO_REGION_INFO_FLAG_CAPS, index: 9, cap_offset: 32, size: 4096n},
		80,
	);
	v.vfioInfoCapHeader.encode({id: v.VFIO_REGION_INFO_CAP_TYPE, version: 1, next: 48}).copy(buf, 32);
	buf.writeUInt32LE(v.VFIO_REGION_TYPE_GFX, 40);
	buf.writeUInt32LE(v.VFIO_REGION_SUBTYPE_GFX_EDID, 44);
	v.vfioInfoCapHeader.encode({id: v.VFIO_REGION_INFO_CAP_SPARSE_MMAP, version: 1, next: 0}).copy(buf, 48);
	buf.writeUInt32LE(1, 56); // nr_areas
	v.vfioRegionSparseMmapArea.encode({offset: 0n, size: 4096n}).copy(buf, 64);
	return buf;
}

test('the capability chain is walked from cap_offset through next', (t) => {
	const buf = regionWithCaps();
	const info = v.vfioRegionInfo.decode(buf);
	const {caps, problem} = v.walkCapChain(buf, info.cap_offset, v.vfioRegionInfo.size);
	t.is(problem, null);
	t.deepEqual(
		caps.map((c) => [c.offset, v.REGION_CAP_NAMES[c.id]]),
		[
			[32, 'TYPE'],
			[48, 'SPARSE_MMAP'],
		],
	);
	t.deepEqual(v.vfioRegionInfoCapType.decode(buf, 32), {type: 1, subtype: 1});
	t.is(v.vfioRegionInfoCapSparseMmap.decode(buf, 48).nr_areas, 1);
	t.deepEqual(v.vfioRegionSparseMmapArea.decode(buf, 64), {offset: 0n, size: 4096n});
});

test('a chain that loops, leaves the buffer or points into the struct is cut, not followed', (t) => {
	const loop = regionWithCaps();
	loop.writeUInt32LE(32, 48 + 4); // the second cap's next points back at the first
	t.deepEqual(
		(({caps, problem}) => ({n: caps.length, problem}))(v.walkCapChain(loop, 32, 32)),
		{n: 2, problem: 'capability chain loops back to offset 32'},
	);
	const outside = regionWithCaps();
	outside.writeUInt32LE(200, 48 + 4);
	t.regex(v.walkCapChain(outside, 32, 32).problem ?? '', /offset 200 is outside the 80-byte/);
	t.regex(v.walkCapChain(regionWithCaps(), 8, 32).problem ?? '', /offset 8/);
	t.deepEqual(v.walkCapChain(regionWithCaps(), 0, 32), {caps: [], problem: null});
});

// ---- bytes real kernels returned -------------------------------------------------------------
// Captured in the test VM (test/vm, Debian 6.1.0-56 and 6.12.117, the same bytes on both unless
// said) by calling each ioctl through src/ffi/libc.ts and printing the buffer the kernel filled.

test('vfio_group_status from the kernel: VIABLE|CONTAINER_SET after SET_CONTAINER', (t) => {
	const s = v.vfioGroupStatus.decode(hex('08000000 03000000'));
	t.deepEqual(s, {argsz: 8, flags: v.VFIO_GROUP_FLAGS_VIABLE | v.VFIO_GROUP_FLAGS_CONTAINER_SET});
});

test('vfio_device_info from mbochs: PCI, 10 regions, 5 irqs', (t) => {
	t.deepEqual(v.vfioDeviceInfo.decode(hex('14000000 02000000 0a000000 05000000 00000000')), {
		argsz: 20,
		flags: v.VFIO_DEVICE_FLAGS_PCI,
		num_regions: 10,
		num_irqs: 5,
		cap_offset: 0,
	});
});

test('vfio_region_info from mtty (CONFIG) and mdpy (BAR0, mmap)', (t) => {
	t.deepEqual(v.vfioRegionInfo.decode(hex('20000000 03000000 07000000 00000000 ff00000000000000 0000000000070000')), {
		argsz: 32,
		flags: v.VFIO_REGION_INFO_FLAG_READ | v.VFIO_REGION_INFO_FLAG_WRITE,
		index: v.VFIO_PCI_CONFIG_REGION_INDEX,
		cap_offset: 0,
		size: 255n,
		offset: 7n << 40n,
	});
	const bar0 = v.vfioRegionInfo.decode(hex('20000000 07000000 00000000 00000000 0000800000000000 0010000000000000'));
	t.deepEqual(v.flagNames(bar0.flags, v.REGION_FLAGS), ['READ', 'WRITE', 'MMAP']);
	t.is(bar0.size, 8n << 20n);
});

test('mbochs region 9: the kernel asks for 48 bytes, then returns a TYPE capability (GFX, EDID)', (t) => {
	// First call with argsz 32: the answer says argsz 48 and CAPS.
	const first = v.vfioRegionInfo.decode(hex('30000000 0b000000 09000000 20000000 0010000000000000 0020000000000000'));
	t.is(first.argsz, 48);
	t.true((first.flags & v.VFIO_REGION_INFO_FLAG_CAPS) !== 0);
	// Second call with argsz 48 (6.12).
	const full = hex('30000000 0b000000 09000000 20000000 0010000000000000 0020000000000000 02000100 00000000 01000000 01000000');
	const info = v.vfioRegionInfo.decode(full);
	const {caps, problem} = v.walkCapChain(full, info.cap_offset, v.vfioRegionInfo.size);
	t.is(problem, null);
	t.deepEqual(caps, [{offset: 32, id: v.VFIO_REGION_INFO_CAP_TYPE, version: 1, next: 0}]);
	t.deepEqual(v.vfioRegionInfoCapType.decode(full, 32), {type: v.VFIO_REGION_TYPE_GFX, subtype: v.VFIO_REGION_SUBTYPE_GFX_EDID});
	// The chain does not fit in the first, 32-byte answer: the walk says so instead of reading past it.
	t.regex(v.walkCapChain(hex('30000000 0b000000 09000000 20000000 0010000000000000 0020000000000000'), 32, 32).problem ?? '', /outside/);
});

test('vfio_irq_info from mtty: INTX eventfd, maskable, automasked, one irq', (t) => {
	const irq = v.vfioIrqInfo.decode(hex('10000000 07000000 00000000 01000000'));
	t.deepEqual(irq, {argsz: 16, flags: 7, index: 0, count: 1});
	t.deepEqual(v.flagNames(irq.flags, v.IRQ_FLAGS), ['EVENTFD', 'MASKABLE', 'AUTOMASKED']);
});

test('vfio_device_gfx_plane_info from mdpy: XR24 1920x1080, stride 7680, region 16', (t) => {
	const p = v.vfioDeviceGfxPlaneInfo.decode(
		hex('40000000 04000000 01000000 58523234 0000000000000000 80070000 38040000 001e0000 00008000 00000000 00000000 00000000 00000000 10000000 00000000'),
	);
	t.is(p.flags, v.VFIO_GFX_PLANE_TYPE_REGION);
	t.is(p.drm_plane_type, v.DRM_PLANE_TYPE_PRIMARY);
	t.is(v.drmFourccToText(p.drm_format), 'XR24');
	t.is(p.drm_format_mod, 0n);
	t.deepEqual([p.width, p.height, p.stride, p.size, p.region_index], [1920, 1080, 7680, 8 << 20, 16]);
});

test('vfio_device_gfx_plane_info from mbochs before the guest set a mode: all zero', (t) => {
	// argsz 64, flags DMABUF, drm_plane_type PRIMARY, then 52 zero bytes.
	const p = v.vfioDeviceGfxPlaneInfo.decode(Buffer.concat([hex('40000000 02000000 01000000'), Buffer.alloc(52)]));
	t.is(p.flags, v.VFIO_GFX_PLANE_TYPE_DMABUF);
	t.deepEqual([p.drm_format, p.width, p.height, p.size, p.dmabuf_id], [0, 0, 0, 0, 0]);
});

test('VFIO_DEVICE_FEATURE GET MIGRATION from mtty on 6.12: STOP_COPY|P2P|PRE_COPY', (t) => {
	const buf = hex('10000000 01000100 07000000 00000000');
	t.deepEqual(v.vfioDeviceFeature.decode(buf), {argsz: 16, flags: v.VFIO_DEVICE_FEATURE_GET | v.VFIO_DEVICE_FEATURE_MIGRATION});
	const flags = v.vfioDeviceFeatureMigration.decode(buf, v.vfioDeviceFeature.size).flags;
	t.is(flags, 7n);
	t.deepEqual(v.flagNames(Number(flags), v.MIGRATION_FLAGS), ['STOP_COPY', 'P2P', 'PRE_COPY']);
});
