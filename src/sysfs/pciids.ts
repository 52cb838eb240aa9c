// PCI vendor and device names from the pci.ids database under the root (the `pci.ids` package on
// Debian, `hwdata` elsewhere). Absent or unreadable database: names are null, the ids still show.
import {readBytes, type Env} from './env.js';

export interface PciDb {
	/** Vendor id (4 lowercase hex digits) -> its name and its devices (id -> name). */
	vendors: Map<string, {name: string; devices: Map<string, string>}>;
}

const hex4 = /^[0-9a-f]{4}$/;

/**
 * Parses pci.ids: `vvvv  Vendor` lines at column 0, `\tdddd  Device` lines under them,
 * `\t\tssss ssss  Subsystem` lines (not used here), `#` comments, and the class list that starts
 * with the first `C xx  Class` line and ends the vendor part.
 */
export function parsePciIds(text: string): PciDb {
	const vendors: PciDb['vendors'] = new Map();
	let devices: Map<string, string> | null = null;
	let start = 0;
	while (start < text.length) {
		let end = text.indexOf('\n', start);
		if (end === -1) end = text.length;
		const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
		start = end + 1;
		if (line.length === 0 || line[0] === '#') continue;
		if (line[0] === '\t') {
			if (line[1] === '\t' || devices === null) continue;
			const id = line.slice(1, 5);
			if (line.slice(5, 7) === '  ' && hex4.test(id)) devices.set(id, line.slice(7).trim());
			continue;
		}
		if (line.startsWith('C ')) break;
		const id = line.slice(0, 4);
		if (line.slice(4, 6) !== '  ' || !hex4.test(id)) {
			devices = null;
			continue;
		}
		devices = new Map();
		vendors.set(id, {name: line.slice(6).trim(), devices});
	}
	return {vendors};
}

const cache = new Map<string, PciDb | null>();

// pci.ids is about 1.5 MB today; a cap keeps a tree whose pci.ids is a link to /dev/zero, or just
// something else, from taking all memory.
const PCI_IDS_MAX_BYTES = 16 * 1024 * 1024;

/** The parsed database under env's root, or null when there is none; parsed once per root. */
export function loadPciIds(env: Env): PciDb | null {
	if (cache.has(env.root)) return cache.get(env.root)!;
	let db: PciDb | null = null;
	for (const file of env.pciIdsFiles) {
		// Through the same reader as sysfs: confined to the root, O_NONBLOCK (a FIFO cannot hang
		// the scan), capped. Not there or unreadable: try the next location, else go without names.
		const read = readBytes(env, file, {max: PCI_IDS_MAX_BYTES});
		if (read.ok) {
			db = parsePciIds(read.value.toString('utf8'));
			break;
		}
	}
	cache.set(env.root, db);
	return db;
}

/** Forget parsed databases (tests that rewrite a tree's pci.ids). */
export function clearPciIdsCache(): void {
	cache.clear();
}

/** `0x10de` (sysfs) or `10de` -> `10de`; null when it is not a 16-bit hex id. */
export function normalizeId(id: string | null): string | null {
	if (id === null) return null;
	const bare = id.toLowerCase().replace(/^0x/, '');
	return hex4.test(bare) ? bare : null;
}

export function pciNames(
	env: Env,
	vendorId: string | null,
	deviceId: string | null,
): {vendorName: string | null; deviceName: string | null} {
	const vendor = normalizeId(vendorId);
	if (vendor === null) return {vendorName: null, deviceName: null};
	const db = loadPciIds(env);
	const entry = db?.vendors.get(vendor);
	if (!entry) return {vendorName: null, deviceName: null};
	const device = normalizeId(deviceId);
	return {vendorName: entry.name, deviceName: device === null ? null : (entry.devices.get(device) ?? null)};
}
