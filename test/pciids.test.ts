import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {makeEnv} from '../src/sysfs/env.js';
import {clearPciIdsCache, loadPciIds, normalizeId, parsePciIds, pciNames} from '../src/sysfs/pciids.js';

const trees = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'trees');

// The layout of Debian's /usr/share/misc/pci.ids: vendors at column 0, devices one tab in,
// subsystems two tabs in, then the class list.
const sample = [
	'# comment',
	'#\tcomment with a tab',
	'10de  NVIDIA Corporation',
	'\t1eb8  TU104GL [Tesla T4]',
	'\t\t10de 12a2  Tesla T4 subsystem (not a device)',
	'\t20b7  GA100GL [A30 PCIe]',
	'8086  Intel Corporation',
	'\t3e92  CoffeeLake-S GT2 [UHD Graphics 630]\r',
	'',
	'C 03  Display controller',
	'\t02  3D controller',
	'ffff  Not a vendor: after the class list starts',
].join('\n');

test('parses vendors and their devices, skips subsystems and comments, stops at the class list', (t) => {
	const db = parsePciIds(sample);
	t.deepEqual([...db.vendors.keys()], ['10de', '8086']);
	t.is(db.vendors.get('10de')!.name, 'NVIDIA Corporation');
	t.deepEqual([...db.vendors.get('10de')!.devices], [
		['1eb8', 'TU104GL [Tesla T4]'],
		['20b7', 'GA100GL [A30 PCIe]'],
	]);
	// CRLF line ends are tolerated.
	t.deepEqual([...db.vendors.get('8086')!.devices], [['3e92', 'CoffeeLake-S GT2 [UHD Graphics 630]']]);
});

test('normalizes sysfs ids and refuses anything that is not 16-bit hex', (t) => {
	t.is(normalizeId('0x10DE'), '10de');
	t.is(normalizeId('1eb8'), '1eb8');
	t.is(normalizeId('0x10de0'), null);
	t.is(normalizeId('zz'), null);
	t.is(normalizeId(null), null);
});

test('names resolve from the pci.ids under the root, and only there', (t) => {
	const nvidia = makeEnv(path.join(trees, 'nvidia-grid'));
	t.deepEqual(pciNames(nvidia, '0x10de', '0x1eb8'), {vendorName: 'NVIDIA Corporation', deviceName: 'TU104GL [Tesla T4]'});
	// A known vendor with a device the file does not list: the vendor name only.
	t.deepEqual(pciNames(nvidia, '0x10de', '0x2330'), {vendorName: 'NVIDIA Corporation', deviceName: null});
	t.deepEqual(pciNames(nvidia, '0x1234', '0x1111'), {vendorName: null, deviceName: null});
	// The GVT-g tree has no pci.ids: plain ids, no names.
	t.is(loadPciIds(makeEnv(path.join(trees, 'intel-gvtg'))), null);
	t.deepEqual(pciNames(makeEnv(path.join(trees, 'intel-gvtg')), '0x8086', '0x3e92'), {vendorName: null, deviceName: null});
});

test('falls back to hwdata\'s location and parses once per root until the cache is cleared', (t) => {
	const root = mkdtempSync(path.join(tmpdir(), 'mdevscope-pciids-'));
	t.teardown(() => rmSync(root, {recursive: true, force: true}));
	const file = path.join(root, 'usr/share/hwdata/pci.ids');
	mkdirSync(path.dirname(file), {recursive: true});
	writeFileSync(file, '8086  Intel Corporation\n\t3e92  CoffeeLake-S GT2 [UHD Graphics 630]\n');
	const env = makeEnv(root);
	const first = loadPciIds(env);
	t.deepEqual(pciNames(env, '0x8086', '0x3e92'), {vendorName: 'Intel Corporation', deviceName: 'CoffeeLake-S GT2 [UHD Graphics 630]'});
	writeFileSync(file, '8086  Intel Corp. (changed)\n');
	t.is(loadPciIds(env), first, 'cached: not read again');
	clearPciIdsCache();
	t.deepEqual(pciNames(env, '0x8086', '0x3e92'), {vendorName: 'Intel Corp. (changed)', deviceName: null});
});
