// The one place that builds paths under a root (`/` for this host, a captured or hand-written tree
// in tests), and the small read-only readers everything in sysfs/ goes through. Nothing else in the
// project spells `/sys`, `/proc`, `/dev` or `/etc`; that is what makes `--root` work for all of it.
// Reads only: files are opened O_RDONLY (plus O_NONBLOCK so a FIFO in a tree cannot hang a scan).
import {errnoMeaning} from '../errno.js';
import {
	closeSync,
	constants,
	lstatSync,
	openSync,
	readdirSync,
	readlinkSync,
	readSync,
	realpathSync,
	statSync,
	type Stats,
} from 'node:fs';
import path from 'node:path';
import type {ItemError} from '../model/types.js';

export interface Env {
	/** Absolute root every path below is under. */
	readonly root: string;
	/** `sys/class/mdev_bus`: one link per registered mdev parent (Documentation/driver-api/vfio-mediated-device.rst). */
	readonly sysClassMdevBus: string;
	/** `sys/bus/mdev/devices`: one link per mdev instance. */
	readonly sysBusMdevDevices: string;
	/** `sys/bus/pci/devices`: one link per PCI function, VFs included (Documentation/ABI/testing/sysfs-bus-pci). */
	readonly sysBusPciDevices: string;
	/** `sys/kernel/iommu_groups` (Documentation/ABI/testing/sysfs-kernel-iommu_groups). */
	readonly iommuGroups: string;
	/** `sys/module`: one directory per loaded (or built-in, with parameters) module. */
	readonly sysModule: string;
	/** mdevctl's persistent store: `etc/mdevctl.d/<parent>/<uuid>`. */
	readonly mdevctlConfig: string;
	/** `proc`: the process table (`proc/<pid>/{fd,fdinfo,comm,cmdline}`) as well as the kernel's facts below. */
	readonly proc: string;
	/** `dev/vfio`: the legacy container (`vfio`) and one node per group. */
	readonly devVfio: string;
	readonly devVfioContainer: string;
	readonly procOsrelease: string;
	readonly procVersion: string;
	readonly procHostname: string;
	readonly etcHostname: string;
	readonly procCmdline: string;
	/** Where Debian (`pci.ids` package) and Fedora/RHEL (`hwdata`) keep the PCI id database, in order. */
	readonly pciIdsFiles: readonly string[];
	/** Absolute path of a path given relative to the root. */
	at(relative: string): string;
	/** An absolute path as seen under the root (`/sys/class/mdev_bus/mtty`), for messages and the model. */
	shown(absolute: string): string;
	/** True when an absolute path lies inside the root. */
	inside(absolute: string): boolean;
	/** Told of every file read, directory listing, link read and link resolution, before it is made (tests count them). */
	readonly onAccess?: (call: AccessCall, absolute: string) => void;
}

export type AccessCall = 'read' | 'list' | 'readlink' | 'resolve' | 'stat';

export function makeEnv(root: string, opts: {onAccess?: Env['onAccess']} = {}): Env {
	const absRoot = path.resolve(root);
	const at = (relative: string) => path.join(absRoot, relative);
	const prefix = absRoot === '/' ? '/' : absRoot + '/';
	return {
		root: absRoot,
		sysClassMdevBus: at('sys/class/mdev_bus'),
		sysBusMdevDevices: at('sys/bus/mdev/devices'),
		sysBusPciDevices: at('sys/bus/pci/devices'),
		iommuGroups: at('sys/kernel/iommu_groups'),
		sysModule: at('sys/module'),
		mdevctlConfig: at('etc/mdevctl.d'),
		proc: at('proc'),
		devVfio: at('dev/vfio'),
		devVfioContainer: at('dev/vfio/vfio'),
		procOsrelease: at('proc/sys/kernel/osrelease'),
		procVersion: at('proc/version'),
		procHostname: at('proc/sys/kernel/hostname'),
		etcHostname: at('etc/hostname'),
		procCmdline: at('proc/cmdline'),
		pciIdsFiles: [at('usr/share/misc/pci.ids'), at('usr/share/hwdata/pci.ids')],
		at,
		shown(absolute) {
			if (absRoot === '/') return absolute;
			if (absolute === absRoot) return '/';
			return absolute.startsWith(prefix) ? '/' + absolute.slice(prefix.length) : absolute;
		},
		inside(absolute) {
			return absolute === absRoot || absolute.startsWith(prefix);
		},
		onAccess: opts.onAccess,
	};
}

/** A value, or the error on the item; `absent` when the file or link itself does not exist (ENOENT). */
export type Read<T> = {ok: true; value: T} | {ok: false; error: ItemError; absent?: boolean};

const ok = <T>(value: T): Read<T> => ({ok: true, value});
const fail = <T>(error: ItemError): Read<T> => (error.code === 'ENOENT' ? {ok: false, error, absent: true} : {ok: false, error});

/** Sysfs attributes are at most a page; anything much bigger is not an attribute. */
export const ATTR_MAX_BYTES = 64 * 1024;


/** The errno name of a Node fs error, or `EUNKNOWN`. */
export {errnoMeaning};

export function errCode(err: unknown): string {
	const code = (err as NodeJS.ErrnoException | null)?.code;
	return typeof code === 'string' ? code : 'EUNKNOWN';
}

export function itemError(env: Env, absolute: string, code: string, message: string): ItemError {
	return {path: env.shown(absolute), code, message};
}

function fsError(env: Env, absolute: string, tried: string, err: unknown): ItemError {
	const code = errCode(err);
	return itemError(env, absolute, code, `${tried} ${env.shown(absolute)}: ${code}, ${errnoMeaning(code)}.`);
}

// One shared buffer: every read is synchronous, so no two reads ever use it at once.
const buffer = Buffer.alloc(ATTR_MAX_BYTES + 1);
// libuv adds O_CLOEXEC itself.
const openFlags = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * Where to open or list `file` so that a tree (any root but `/`) can never lead outside itself:
 * a link that leaves the root (`../../../../etc/shadow`, `/sys/...`) is followed under the root
 * instead, as if the root were `/`, and a device node inside a tree is refused, because opening
 * one can act (a watchdog arms, a tape rewinds). On `/` this is the path itself: sysfs, /proc and
 * /etc are the host's own.
 */
export function confine(env: Env, file: string): Read<string> {
	if (env.root === '/') return ok(file);
	let real: string;
	try {
		real = realpathSync.native(file);
	} catch {
		// Missing, a loop, unreadable: opening it fails the same way, with the usual message.
		return ok(file);
	}
	if (!env.inside(real)) {
		const under = resolveUnderRoot(env, file);
		if (!under.ok) return under;
		real = under.value;
	}
	try {
		const st = statSync(real);
		if (st.isCharacterDevice() || st.isBlockDevice()) {
			return fail(
				itemError(
					env,
					file,
					'EUNSAFE',
					`Opening ${env.shown(file)}: it is a device node (${env.shown(real)}), which a tree of files has no business holding; it was not opened, since opening a device can act on it.`,
				),
			);
		}
	} catch {
		// gone, or not there under the root: the open says so
	}
	return ok(real);
}

/**
 * Where a path really is, for a stat, a listing's parent or a link's directory: every link followed
 * inside the root as confine() does, but a device node is not refused (nothing is opened). A path
 * the host lacks may still be in the tree behind an absolute link, so a miss is resolved under the
 * root too. On `/` this is the path itself.
 */
function located(env: Env, file: string): Read<string> {
	if (env.root === '/') return ok(file);
	try {
		const real = realpathSync.native(file);
		if (env.inside(real)) return ok(real);
	} catch (err) {
		const code = errCode(err);
		if (code !== 'ENOENT' && code !== 'ELOOP') return ok(file); // unreadable: the call itself says so
	}
	return resolveUnderRoot(env, file);
}

/** The directory of `file` located under the root, with `file`'s own name: the link itself, not followed. */
function locatedEntry(env: Env, file: string): Read<string> {
	if (env.root === '/') return ok(file);
	const dir = located(env, path.dirname(file));
	return dir.ok ? ok(path.join(dir.value, path.basename(file))) : dir;
}

/**
 * stat(2) of a path, links followed inside the root (a device node in a tree is stat'ed, never
 * opened). ENOENT and the other errors come back as the item's error.
 */
export function statUnder(env: Env, file: string): Read<Stats> & {real?: string} {
	env.onAccess?.('stat', file);
	const where = located(env, file);
	if (!where.ok) return where;
	try {
		return {ok: true, value: statSync(where.value), real: where.value};
	} catch (err) {
		return fail(fsError(env, file, 'stat', err));
	}
}

/** Whether something (file, dir, link, even a dangling one) exists at this path under the root. */
export function presentUnder(env: Env, file: string): boolean {
	if (env.root === '/') return present(file);
	const where = locatedEntry(env, file);
	return where.ok && present(where.value);
}

/**
 * Reads a file's raw bytes, at most `max` (default ATTR_MAX_BYTES); more is an ETOOBIG error,
 * never a partial value. Opened O_RDONLY|O_NONBLOCK, so a FIFO reads as empty instead of hanging.
 */
export function readBytes(env: Env, file: string, opts: {max?: number} = {}): Read<Buffer> {
	const max = opts.max ?? ATTR_MAX_BYTES;
	env.onAccess?.('read', file);
	const where = confine(env, file);
	if (!where.ok) return where;
	let fd: number;
	try {
		fd = openSync(where.value, openFlags);
	} catch (err) {
		return fail(fsError(env, file, 'Opening', err));
	}
	try {
		const chunks: Buffer[] = [];
		let total = 0;
		for (;;) {
			let length = 0;
			for (;;) {
				const wanted = buffer.length - length;
				const n = readSync(fd, buffer, length, wanted, null);
				length += n;
				// sysfs hands over a whole attribute in one read, and a regular file reads short only
				// at its end: a short read is the end, which saves a second read per attribute.
				if (n === 0 || n < wanted || length === buffer.length) break;
			}
			total += length;
			if (total > max) {
				return fail(
					itemError(
						env,
						file,
						'ETOOBIG',
						max === ATTR_MAX_BYTES
							? `Reading ${env.shown(file)}: more than ${ATTR_MAX_BYTES} bytes, which no sysfs attribute has; it was not read. Check what this file is.`
							: `Reading ${env.shown(file)}: more than ${max} bytes, far more than this file ever holds; it was not read. Check what this file is.`,
					),
				);
			}
			chunks.push(Buffer.from(buffer.subarray(0, length)));
			// A full buffer: only a file bigger than one (pci.ids) gets here; read on.
			if (length < buffer.length) break;
		}
		return ok(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
	} catch (err) {
		return fail(fsError(env, file, 'Reading', err));
	} finally {
		closeSync(fd);
	}
}

const utf8Strict = new TextDecoder('utf-8', {fatal: true});

// C1 controls (U+0080-U+009F) are valid UTF-8 but not text: U+009B is an 8-bit CSI to some terminals.
const C1_CONTROL = /[\u0080-\u009f]/;

/** True when the bytes are not clean text: invalid UTF-8, NUL, or control characters (C0 other than tab/newline, DEL, C1). */
export function isBinary(bytes: Uint8Array): boolean {
	let high = false;
	for (const b of bytes) {
		if ((b < 0x20 && b !== 0x09 && b !== 0x0a) || b === 0x7f) return true;
		if (b >= 0x80) high = true;
	}
	if (!high) return false;
	try {
		return C1_CONTROL.test(utf8Strict.decode(bytes));
	} catch {
		return true;
	}
}

/**
 * A sysfs attribute as text, surrounding whitespace (the kernel's trailing newline) trimmed.
 * Bytes that are not text are kept as decoded (invalid UTF-8 becomes U+FFFD) and reported:
 * the value is returned together with an EPARSE error in `warning`.
 */
export function readAttr(env: Env, file: string): Read<string> & {warning?: ItemError} {
	const bytes = readBytes(env, file);
	if (!bytes.ok) return bytes;
	const value = bytes.value.toString('utf8').trim();
	if (isBinary(bytes.value)) {
		return {
			ok: true,
			value,
			warning: itemError(
				env,
				file,
				'EPARSE',
				`Reading ${env.shown(file)}: it holds bytes that are not text (${excerpt(bytes.value)}). The driver or the tree wrote something odd here; views show it with control characters removed.`,
			),
		};
	}
	return ok(value);
}

/** A short, printable excerpt of some bytes for messages. */
export function excerpt(bytes: Uint8Array | string, max = 40): string {
	const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
	let out = '';
	for (const ch of text) {
		const c = ch.charCodeAt(0);
		out += c >= 0x20 && c < 0x7f ? ch : `\\x${c.toString(16).padStart(2, '0')}`;
		if (out.length >= max) return `"${out.slice(0, max)}..."`;
	}
	return `"${out}"`;
}

const intPattern = /^-?\d+$/;

/** Parses a decimal integer the way sysfs prints one; garbage gives an EPARSE error naming the file and the text. */
export function parseInt10(env: Env, file: string, text: string, opts: {min?: number; what?: string} = {}): Read<number> {
	const what = opts.what ?? 'a decimal number';
	if (!intPattern.test(text)) {
		return fail(itemError(env, file, 'EPARSE', `Reading ${env.shown(file)}: expected ${what}, found ${excerpt(text)}.`));
	}
	const value = Number(text);
	if (!Number.isSafeInteger(value)) {
		return fail(
			itemError(env, file, 'EPARSE', `Reading ${env.shown(file)}: ${excerpt(text)} is out of range for ${what}; not shown.`),
		);
	}
	if (opts.min !== undefined && value < opts.min) {
		return fail(
			itemError(env, file, 'EPARSE', `Reading ${env.shown(file)}: ${value} is below ${opts.min}, impossible for ${what}; not shown.`),
		);
	}
	return ok(value);
}

/** readAttr + parseInt10. */
export function readInt(env: Env, file: string, opts: {min?: number; what?: string} = {}): Read<number> {
	const text = readAttr(env, file);
	if (!text.ok) return text;
	return parseInt10(env, file, text.value, opts);
}

/**
 * The name a sysfs link points to (basename of its target). With `mustExist` (the default) the
 * target is checked too: a dangling link gives ENOENT naming the link and its target, a loop ELOOP.
 * Links whose name is all that matters (`subsystem`, `driver`) pass `mustExist: false`: a partial
 * capture of sysfs may lack the class directory they point to, and the name is still right.
 * A missing link gives ENOENT too; callers that treat absence as normal check `code` themselves.
 */
export function readLinkName(env: Env, link: string, opts: {mustExist?: boolean} = {}): Read<string> {
	env.onAccess?.('readlink', link);
	let target: string;
	try {
		target = readlinkSync(link);
	} catch (err) {
		const code = errCode(err);
		if (code === 'EINVAL') {
			return fail(
				itemError(env, link, 'EINVAL', `Reading the link ${env.shown(link)}: it is not a symbolic link, where sysfs has one.`),
			);
		}
		return fail(fsError(env, link, 'Reading the link', err));
	}
	if (opts.mustExist === false) return ok(path.basename(target));
	// A relative target is checked by the OS; an absolute one (or a miss, which may hide an
	// absolute link further on) is followed under the root.
	if (!target.startsWith('/')) {
		try {
			statSync(link);
			return ok(path.basename(target));
		} catch (err) {
			const code = errCode(err);
			if (code !== 'ENOENT' && code !== 'ELOOP') {
				const where = env.shown(path.resolve(path.dirname(link), target));
				return fail(fsError(env, link, `Following the link (to ${where})`, err));
			}
		}
	}
	const resolved = resolveUnderRoot(env, link);
	if (resolved.ok) return ok(path.basename(target));
	if (resolved.error.code === 'ENOENT') return {ok: false, error: dangling(env, link, target)};
	return resolved;
}

/** The error for a link whose target does not exist (the link itself does). */
export function dangling(env: Env, link: string, target: string): ItemError {
	// An absolute target means a path under the root (as the tree's own host saw it).
	const where = target.startsWith('/') ? path.posix.normalize(target) : env.shown(path.resolve(path.dirname(link), target));
	return itemError(
		env,
		link,
		'ENOENT',
		`The link ${env.shown(link)} points to ${where}, which does not exist (a dangling link; the device may be going away).`,
	);
}

/**
 * A link's target as written (not followed): data, such as a `/proc/<pid>/fd/N` link's text. The
 * directory it sits in is located under the root, so a tree's `proc -> /proc` reads nothing of the host.
 */
export function readLinkTarget(env: Env, link: string): Read<string> {
	env.onAccess?.('readlink', link);
	const where = locatedEntry(env, link);
	if (!where.ok) return where;
	try {
		return ok(readlinkSync(where.value));
	} catch (err) {
		return fail(fsError(env, link, 'Reading the link', err));
	}
}

/** Entry names of a directory, sorted by code unit (stable across locales). */
export function listDir(env: Env, dir: string): Read<string[]> {
	env.onAccess?.('list', dir);
	const where = confine(env, dir);
	if (!where.ok) return where;
	try {
		return ok(readdirSync(where.value).sort(byCodeUnit));
	} catch (err) {
		return fail(fsError(env, dir, 'Listing', err));
	}
}

export function byCodeUnit(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether something (file, dir, link, even a dangling one) exists at this path. */
export function present(file: string): boolean {
	try {
		lstatSync(file);
		return true;
	} catch {
		return false;
	}
}

const MAX_LINK_HOPS = 40; // the kernel's own limit (MAXSYMLINKS)

/**
 * The real path of a sysfs path with every link resolved inside the root: a relative target is
 * resolved where it sits, an absolute one under the root (as if the root were `/`), so a tree
 * with absolute links can never lead outside itself.
 */
export function resolveUnderRoot(env: Env, absolute: string): Read<string> {
	env.onAccess?.('resolve', absolute);
	// Fast path: links in sysfs are relative, so the OS's realpath usually stays inside the root.
	try {
		const real = realpathSync.native(absolute);
		if (env.inside(real)) return ok(real);
	} catch (err) {
		const code = errCode(err);
		if (code !== 'ENOENT' && code !== 'ELOOP') return fail(fsError(env, absolute, 'Resolving', err));
		// An absolute link may exist under the root but not on the host: the slow path decides.
	}
	// Slow path: walk the path component by component.
	const parts = path.relative(env.root, absolute).split(path.sep).filter(Boolean);
	let current = env.root;
	let hops = 0;
	while (parts.length > 0) {
		const part = parts.shift()!;
		if (part === '..') {
			current = current === env.root ? current : path.dirname(current);
			continue;
		}
		const next = path.join(current, part);
		let target: string | null = null;
		try {
			if (lstatSync(next).isSymbolicLink()) target = readlinkSync(next);
		} catch (err) {
			const code = errCode(err);
			return fail(code === 'ENOENT' ? linkFailure(env, absolute, code) : fsError(env, absolute, 'Resolving', err));
		}
		if (target === null) {
			current = next;
			continue;
		}
		if (++hops > MAX_LINK_HOPS) return fail(linkFailure(env, absolute, 'ELOOP'));
		const rest = target.split('/').filter(Boolean);
		if (target.startsWith('/')) current = env.root;
		parts.unshift(...rest);
	}
	return ok(current);
}

function linkFailure(env: Env, link: string, code: string): ItemError {
	if (code === 'ELOOP') {
		return itemError(env, link, 'ELOOP', `Resolving ${env.shown(link)}: the links form a loop; the tree is broken here.`);
	}
	try {
		return dangling(env, link, readlinkSync(link));
	} catch {
		// not a link itself: a link further up is dangling
		return itemError(env, link, 'ENOENT', `Resolving ${env.shown(link)}: ENOENT, ${errnoMeaning('ENOENT')}.`);
	}
}
