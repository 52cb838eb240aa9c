// The single executable's native FFI addons (ffi-napi's and ref-napi's .node files) are SEA assets.
// A shared object can only be loaded from a file, so each is written into a directory of its own
// (mkdtemp: mode 0700, checked to be this user's), its SHA-256 checked against the one the build
// recorded, loaded with process.dlopen, and removed at once: a loaded library needs no file, so
// nothing is left behind even if the process is killed later. A filesystem mounted noexec cannot
// map it: then the next directory is tried.
import {createHash} from 'node:crypto';
import {lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {getRawAsset} from 'node:sea';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Where the addons may be unpacked, in order: MDEVSCOPE_ADDON_DIR first when set. */
export function addonDirs(env: NodeJS.ProcessEnv = process.env): string[] {
	const dirs = [env.MDEVSCOPE_ADDON_DIR, os.tmpdir(), '/tmp', '/var/tmp', '/dev/shm'].filter((d): d is string => typeof d === 'string' && d !== '');
	return [...new Set(dirs)];
}

/** Loads the addon stored as the asset `name`, whose SHA-256 the build recorded as `expected`. */
export function loadAddon(name: string, expected: string): unknown {
	// getRawAsset: the bytes in the executable's own memory, not copied (never a string: no encoding is asked).
	const bytes = new Uint8Array(getRawAsset(name) as ArrayBuffer);
	const got = sha256(bytes);
	if (got !== expected) throw new Error(`this executable is damaged: its ${name} has SHA-256 ${got}, not ${expected} as built; download it again`);
	const tried: string[] = [];
	for (const base of addonDirs()) {
		let dir: string;
		try {
			dir = mkdtempSync(path.join(base, 'mdevscope-'));
		} catch (err) {
			tried.push(`${base}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
			continue;
		}
		try {
			const st = lstatSync(dir);
			if (!st.isDirectory() || (st.mode & 0o077) !== 0 || st.uid !== process.getuid?.()) throw new Error('the directory made for it is not private');
			const file = path.join(dir, name);
			writeFileSync(file, bytes, {mode: 0o500, flag: 'wx'});
			// What is loaded is what was checked: the file as written, read back.
			if (sha256(readFileSync(file)) !== expected) throw new Error(`${file} changed after it was written`);
			const module = {exports: {}};
			process.dlopen(module, file, os.constants.dlopen.RTLD_NOW);
			return module.exports;
		} catch (err) {
			tried.push(`${dir}: ${(err as Error).message}`);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	}
	throw new Error(
		`cannot load the FFI library ${name} (${tried.join('; ')}). ` +
			'Set MDEVSCOPE_ADDON_DIR to a writable directory on a filesystem mounted without noexec.',
	);
}
