'use strict';
// The single executable's main script (scripts/release.mjs makes it the SEA's main). Node 20 runs
// only CommonJS as a SEA's main, and the program is ESM (Ink and yoga-layout use top-level await),
// so this imports the bundled ESM program, which the executable holds as assets: an entry module
// and the chunks it imports on demand (the TUI's only when the TUI starts, so --json and --plain
// load no Ink or React, as from dist/). Modules are loaded from files: they are written into a
// private directory (mkdtemp, mode 0700, each file 0400), which is removed when the process ends,
// at exit or on a signal (src/release/main.ts hands it to src/cleanup.ts).
const {getAsset, getRawAsset} = require('node:sea');
const {mkdtempSync, rmSync, writeFileSync} = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {pathToFileURL} = require('node:url');

// {entry, files}: written by scripts/release.mjs, the names of the assets under js/.
const manifest = JSON.parse(getAsset('js/manifest.json', 'utf8'));
let dir = null;
const tried = [];
for (const base of [...new Set([process.env.MDEVSCOPE_ADDON_DIR, process.env.TMPDIR, '/dev/shm', os.tmpdir(), '/tmp', '/var/tmp'])]) {
	if (!base) continue;
	try {
		dir = mkdtempSync(path.join(base, 'mdevscope-'));
		for (const file of manifest.files) writeFileSync(path.join(dir, file), new Uint8Array(getRawAsset(`js/${file}`)), {mode: 0o400, flag: 'wx'});
		break;
	} catch (err) {
		tried.push(`${base}: ${err.code || err.message}`);
		if (dir !== null) rmSync(dir, {recursive: true, force: true});
		dir = null;
	}
}
if (dir === null) {
	process.stderr.write(`mdevscope: cannot unpack the program: no directory to write it to (${tried.join('; ')}). Set MDEVSCOPE_ADDON_DIR to a writable directory.\n`);
	process.exit(70);
}
function remove() {
	if (dir !== null) rmSync(dir, {recursive: true, force: true});
	dir = null;
}
process.once('exit', remove);
// src/release/main.ts registers it with the program's own cleanup, which also runs on signals.
globalThis[Symbol.for('mdevscope.unpacked')] = remove;
import(pathToFileURL(path.join(dir, manifest.entry)).href).catch((err) => {
	remove();
	process.stderr.write(`mdevscope: ${String((err && err.stack) || err)}\n`);
	process.exit(70);
});
