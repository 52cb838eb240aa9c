// The VFIO uapi in src/ffi/vfio.ts against the C header it transcribes. A C program is generated
// from the TypeScript module's own exports (so a constant or field added there is checked without
// touching this test), compiled with gcc against /usr/include/linux/vfio.h, and its answers are
// compared one by one: every constant's value, every struct's sizeof, every field's offsetof, width
// and signedness, and the bytes the C compiler lays out for a struct filled with distinct values.
import test from 'ava';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as libc from '../src/ffi/libc.js';
import * as vfio from '../src/ffi/vfio.js';
import {missingTool} from './helpers/missing.js';

const SYSTEM_HEADER = '/usr/include/linux/vfio.h';

// Exports of vfio.ts that are numbers but are not in any uapi header: enum drm_plane_type lives in
// the kernel-internal include/drm/drm_plane.h. The VM test proves PRIMARY by a real plane query.
const NOT_IN_UAPI = new Set(['DRM_PLANE_TYPE_OVERLAY', 'DRM_PLANE_TYPE_PRIMARY', 'DRM_PLANE_TYPE_CURSOR']);

const numericExports = (mod: Record<string, unknown>): Record<string, number> =>
	Object.fromEntries(
		Object.entries(mod).filter(([name, v]) => typeof v === 'number' && !NOT_IN_UAPI.has(name)),
	) as Record<string, number>;

const tsConstants: Record<string, number> = {
	...numericExports(vfio),
	O_RDONLY: libc.O_RDONLY,
	O_RDWR: libc.O_RDWR,
	O_CLOEXEC: libc.O_CLOEXEC,
	// The pidfd syscalls the borrowed probe makes, for this machine's architecture (<sys/syscall.h>).
	...(libc.SYS_pidfd_open === null ? {} : {SYS_pidfd_open: libc.SYS_pidfd_open}),
	...(libc.SYS_pidfd_getfd === null ? {} : {SYS_pidfd_getfd: libc.SYS_pidfd_getfd}),
};

type CType = {size: number; signed: boolean};
interface CAnswers {
	constants: Record<string, number | null>;
	structs: Record<string, {size: number; fields: Record<string, {offset: number} & CType>; bytes: string}>;
	ioc: Record<string, number>;
}

const fieldWidth = {u16: 2, u32: 4, s32: 4, u64: 8} as const;
type FieldSpec = {offset: number; type: keyof typeof fieldWidth};

// A distinct value per field, so a field at the wrong offset shows up in the bytes.
const sampleValue = (structIndex: number, fieldIndex: number, type: keyof typeof fieldWidth): bigint => {
	const seed = BigInt(0x11 * (structIndex + 1) + fieldIndex);
	if (type === 'u16') return 0xa000n + seed;
	if (type === 'u64') return 0x0102030405060000n + (seed << 8n) + seed;
	return 0x70000000n + (seed << 8n) + seed;
};

function cProgram(header: string, names: string[]): string {
	const lines: string[] = [];
	lines.push('#include <stdio.h>', '#include <stddef.h>', '#include <string.h>', '#include <fcntl.h>', '#include <sys/syscall.h>');
	lines.push('#include <linux/ioctl.h>', `#include "${header}"`, '');
	lines.push('int main(void) {', '\tint first = 1;', '\tprintf("{\\"constants\\": {");');
	for (const name of names) {
		// Every constant is at most 32 bits wide; print it as the unsigned 32-bit pattern.
		lines.push(
			`\tprintf("%s\\"${name}\\": ", first ? "" : ", "); first = 0;`,
			`#ifdef ${name}`,
			`\tprintf("%u", (unsigned int)(${name}));`,
			'#else',
			// enum members are not macros: try them as expressions when #ifdef cannot see them.
			/_INDEX$|_NUM_(REGIONS|IRQS)$/.test(name) ? `\tprintf("%u", (unsigned int)(${name}));` : '\tprintf("null");',
			'#endif',
		);
	}
	lines.push('\tprintf("}, \\"structs\\": {");');
	vfio.STRUCTS.forEach((s, si) => {
		const st = `struct ${s.cName}`;
		lines.push(
			`\t{ ${st} v; unsigned char *p = (unsigned char *)&v; memset(&v, 0, sizeof v);`,
			`\tprintf("%s\\"${s.cName}\\": {\\"size\\": %zu, \\"fields\\": {", ${si} ? ", " : "", sizeof(${st}));`,
		);
		Object.entries(s.fields as Record<string, FieldSpec>).forEach(([field, spec], fi) => {
			const m = `((${st} *)0)->${field}`;
			lines.push(
				`\tprintf("%s\\"${field}\\": {\\"offset\\": %zu, \\"size\\": %zu, \\"signed\\": %s}", ${fi} ? ", " : "", ` +
					`offsetof(${st}, ${field}), sizeof(${m}), ((__typeof__(${m}))-1) < 0 ? "true" : "false");`,
				`\tv.${field} = ${sampleValue(si, fi, spec.type)}ULL;`,
			);
		});
		lines.push(
			'\tprintf("}, \\"bytes\\": \\"");',
			'\tfor (size_t i = 0; i < sizeof v; i++) printf("%02x", p[i]);',
			'\tprintf("\\"}"); }',
		);
	});
	// The ioctl encoding macros themselves, for directions and sizes VFIO's _IO numbers never use.
	lines.push(
		'\tprintf("}, \\"ioc\\": {");',
		`\tprintf("\\"_IOR\\": %u, \\"_IOW\\": %u, \\"_IOWR\\": %u, \\"_IO\\": %u", ` +
			`(unsigned)_IOR(';', 115, struct vfio_region_info), (unsigned)_IOW(';', 116, struct vfio_irq_info), ` +
			`(unsigned)_IOWR(';', 117, struct vfio_device_gfx_plane_info), (unsigned)_IO(';', 118));`,
		'\tprintf("}}\\n");',
		'\treturn 0;',
		'}',
	);
	return lines.join('\n') + '\n';
}

function compileAndRun(header: string, names: string[]): CAnswers {
	const dir = mkdtempSync(join(tmpdir(), 'mdevscope-abi-'));
	try {
		const src = join(dir, 'abi.c');
		const bin = join(dir, 'abi');
		writeFileSync(src, cProgram(header, names));
		try {
			// -D__user=: a kernel tree's include/uapi has not been through headers_install, which
			// strips that annotation.
			execFileSync('gcc', ['-std=gnu11', '-Wall', '-Werror', '-D__user=', '-o', bin, src], {stdio: 'pipe'});
		} catch (error) {
			const e = error as {stderr?: Buffer; message: string};
			throw new Error(`gcc could not compile the ABI program against ${header}:\n${e.stderr?.toString() ?? e.message}`);
		}
		return JSON.parse(execFileSync(bin, {encoding: 'utf8'})) as CAnswers;
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

/** Every difference between the TypeScript constants and the C program's, as readable lines. */
function constantMismatches(ts: Record<string, number>, c: Record<string, number | null>): string[] {
	const out: string[] = [];
	for (const [name, value] of Object.entries(ts)) {
		const cv = c[name];
		if (cv === null || cv === undefined) continue;
		if (value >>> 0 !== cv) out.push(`${name}: TypeScript 0x${(value >>> 0).toString(16)}, C 0x${cv.toString(16)}`);
	}
	return out;
}

/**
 * Every difference in struct layout, as readable lines. `grown`: structs a newer header extends
 * with trailing members the probe does not use (C name → that header's sizeof); their bytes must
 * then match ours followed by zeros.
 */
function structMismatches(c: CAnswers['structs'], grown: Record<string, number> = {}): string[] {
	const out: string[] = [];
	vfio.STRUCTS.forEach((s, si) => {
		const cs = c[s.cName];
		if (!cs) return void out.push(`struct ${s.cName}: not reported by the C program`);
		const size = grown[s.cName] ?? s.size;
		if (cs.size !== size) out.push(`sizeof(struct ${s.cName}): TypeScript ${size}, C ${cs.size}`);
		const values: Record<string, bigint> = {};
		Object.entries(s.fields as Record<string, FieldSpec>).forEach(([field, spec], fi) => {
			const cf = cs.fields[field]!;
			if (cf.offset !== spec.offset) out.push(`offsetof(${s.cName}, ${field}): TypeScript ${spec.offset}, C ${cf.offset}`);
			if (cf.size !== fieldWidth[spec.type]) out.push(`sizeof(${s.cName}.${field}): TypeScript ${spec.type}, C ${cf.size} bytes`);
			if (cf.signed !== (spec.type === 's32')) out.push(`${s.cName}.${field}: TypeScript ${spec.type}, C signed=${cf.signed}`);
			values[field] = sampleValue(si, fi, spec.type);
		});
		const encoded = (s.encode as (v: Record<string, bigint>, total: number) => Buffer)(values, size).toString('hex');
		if (encoded !== cs.bytes) out.push(`struct ${s.cName} bytes:\n  TypeScript ${encoded}\n  C          ${cs.bytes}`);
	});
	return out;
}

// One compile for the tests below (gcc takes about a second).
const system = existsSync(SYSTEM_HEADER) ? compileAndRun(SYSTEM_HEADER, Object.keys(tsConstants)) : null;

test(`every constant matches ${SYSTEM_HEADER}`, (t) => {
	if (!system) return t.fail(`${SYSTEM_HEADER} is missing: install linux-libc-dev`);
	t.deepEqual(constantMismatches(tsConstants, system.constants), []);
	const checked = Object.keys(tsConstants).filter((n) => system.constants[n] !== null);
	t.log(`${checked.length} constants compared`);
	t.true(checked.length >= Object.keys(tsConstants).length - vfio.NEWER_THAN_LINUX_6_1.length);
});

test('only the constants known to be newer than this header are missing from it', (t) => {
	if (!system) return t.fail(`${SYSTEM_HEADER} is missing: install linux-libc-dev`);
	const missing = Object.keys(tsConstants).filter((n) => system.constants[n] === null);
	// A subset: a newer linux-libc-dev may have them all.
	t.deepEqual(
		missing.filter((n) => !(vfio.NEWER_THAN_LINUX_6_1 as readonly string[]).includes(n)),
		[],
		'a constant the header does not define is not on NEWER_THAN_LINUX_6_1: a typo or a wrong name',
	);
});

test('every struct size, field offset, width and byte layout matches the C compiler', (t) => {
	if (!system) return t.fail(`${SYSTEM_HEADER} is missing: install linux-libc-dev`);
	t.deepEqual(structMismatches(system.structs), []);
	t.is(Object.keys(system.structs).length, vfio.STRUCTS.length);
});

test('_IO/_IOR/_IOW/_IOWR encode like <linux/ioctl.h>', (t) => {
	if (!system) return t.fail(`${SYSTEM_HEADER} is missing: install linux-libc-dev`);
	const T = vfio.VFIO_TYPE;
	t.deepEqual(system.ioc, {
		_IOR: vfio._IOR(T, 115, vfio.vfioRegionInfo.size),
		_IOW: vfio._IOW(T, 116, vfio.vfioIrqInfo.size),
		_IOWR: vfio._IOWR(T, 117, vfio.vfioDeviceGfxPlaneInfo.size),
		_IO: vfio._IO(T, 118),
	});
});

test('the comparison catches a swapped flag bit and a moved field', (t) => {
	if (!system) return t.fail(`${SYSTEM_HEADER} is missing: install linux-libc-dev`);
	const swapped = {
		...tsConstants,
		VFIO_GFX_PLANE_TYPE_DMABUF: vfio.VFIO_GFX_PLANE_TYPE_REGION,
		VFIO_GFX_PLANE_TYPE_REGION: vfio.VFIO_GFX_PLANE_TYPE_DMABUF,
	};
	t.deepEqual(constantMismatches(swapped, system.constants), [
		'VFIO_GFX_PLANE_TYPE_DMABUF: TypeScript 0x4, C 0x2',
		'VFIO_GFX_PLANE_TYPE_REGION: TypeScript 0x2, C 0x4',
	]);
	// The C side of a struct moved by 4 bytes no longer matches our offsets or bytes.
	const moved = structuredClone(system.structs);
	moved.vfio_device_gfx_plane_info!.fields.drm_format!.offset = 16;
	t.deepEqual(structMismatches(moved), ['offsetof(vfio_device_gfx_plane_info, drm_format): TypeScript 12, C 16']);
});

// Constants newer than Debian 12's header: check them against a newer uapi vfio.h when one is on
// this machine (test/vm/build.sh installs linux-headers-6.12, whose -common package has one).
// Only a tree whose version is above 6.1 counts (the 6.1 headers the VM build installs do not), and
// the highest version wins, compared as numbers (a string sort puts 6.1.0 above 6.12 once a '-' or
// '.' follows, or 6.9 above 6.12).
const headerVersion = (dir: string): number[] | null => {
	const m = /^linux-headers-(\d+)\.(\d+)/.exec(dir);
	return m ? [Number(m[1]), Number(m[2])] : null;
};
const byVersion = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]!;
const newerHeaders = (existsSync('/usr/src') ? readdirSync('/usr/src') : [])
	.map((dir) => ({dir, version: headerVersion(dir), header: join('/usr/src', dir, 'include/uapi/linux/vfio.h')}))
	.filter((h): h is typeof h & {version: number[]} => h.version !== null && byVersion(h.version, [6, 1]) > 0 && existsSync(h.header))
	.sort((a, b) => byVersion(a.version, b.version));
const newer = newerHeaders.at(-1)?.header ?? null;

if (newer) {
	test(`constants newer than Linux 6.1 match ${newer}`, (t) => {
		const names = [...vfio.NEWER_THAN_LINUX_6_1];
		const answers = compileAndRun(newer, Object.keys(tsConstants));
		t.deepEqual(constantMismatches(tsConstants, answers.constants), []);
		t.deepEqual(
			names.filter((n) => answers.constants[n] === null),
			[],
			`${newer} lacks some of ${names.join(', ')}`,
		);
		// Newer headers (6.12's has it) end struct vfio_device_info with `__u32 pad` (sizeof 20 -> 24); no member
		// moved, and drivers copy back only up to num_irqs/cap_offset, so argsz 20 stays valid.
		t.deepEqual(structMismatches(answers.structs, {vfio_device_info: 24}), []);
	});
} else {
	missingTool(`constants newer than Linux 6.1 (${vfio.NEWER_THAN_LINUX_6_1.join(', ')})`, 'a newer uapi <linux/vfio.h> under /usr/src', 'linux-headers-6.12-<abi>-common (scripts/test-prereqs.sh names it)');
}

test(`the pidfd syscall numbers for this architecture (${process.arch}) match <sys/syscall.h>`, (t) => {
	if (!system) return t.fail(`${SYSTEM_HEADER} is missing: install linux-libc-dev`);
	// Known here (x64, arm64): a build for another architecture has no numbers and refuses to borrow.
	t.not(libc.SYS_pidfd_open, null, `no pidfd syscall numbers for ${process.arch} in src/ffi/libc.ts`);
	t.is(system.constants.SYS_pidfd_open, libc.SYS_pidfd_open);
	t.is(system.constants.SYS_pidfd_getfd, libc.SYS_pidfd_getfd);
	t.is(libc.pidfdSyscalls('mips'), null);
});
