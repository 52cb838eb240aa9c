'use strict';
// The single executable's main script (scripts/release.mjs makes it the SEA's main). Node 20 runs
// only CommonJS as a SEA main, and the program is ESM (Ink and yoga-layout use top-level await), so
// this imports the bundled ESM module (src/release/main.ts), which is an asset of the executable.
// Imported from a file it loads as fast as dist/ does (from a data: URL it takes twice as long):
// it is written into a private directory (mkdtemp, mode 0700), and removed as soon as it is loaded;
// only where no directory can be written is the slow data: URL used.
const {getRawAsset} = require('node:sea');
const {mkdtempSync, rmSync, writeFileSync} = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {pathToFileURL} = require('node:url');

const bundle = new Uint8Array(getRawAsset('mdevscope.mjs'));
let dir = null;
for (const base of [process.env.MDEVSCOPE_ADDON_DIR, os.tmpdir(), '/tmp', '/var/tmp', '/dev/shm']) {
	if (!base) continue;
	try {
		dir = mkdtempSync(path.join(base, 'mdevscope-'));
		writeFileSync(path.join(dir, 'mdevscope.mjs'), bundle, {mode: 0o400, flag: 'wx'});
		break;
	} catch {
		if (dir !== null) rmSync(dir, {recursive: true, force: true});
		dir = null;
	}
}
function remove() {
	if (dir !== null) rmSync(dir, {recursive: true, force: true});
	dir = null;
}
process.once('exit', remove);
// src/release/main.ts calls it first thing: the module is read by then, long before it ends.
globalThis[Symbol.for('mdevscope.bundleLoaded')] = remove;
const url = dir !== null ? pathToFileURL(path.join(dir, 'mdevscope.mjs')).href : `data:text/javascript;base64,${Buffer.from(bundle).toString('base64')}`;
import(url).then(remove, (err) => {
	remove();
	// A data: URL names the module by the whole bundle, base64-encoded.
	const text = String((err && err.stack) || err).replace(/data:text\/javascript;base64,[A-Za-z0-9+/=]+/g, 'mdevscope.mjs');
	process.stderr.write(`mdevscope: ${text}\n`);
	process.exit(70);
});
