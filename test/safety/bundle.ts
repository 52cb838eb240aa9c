// The CLI as shipped (scripts/build.mjs, esbuild), built for one test file into a directory of its
// own: build.mjs starts by deleting dist/, so building there while other tests run dist/cli.js
// would pull it from under them. The directory links src/, node_modules/ and test/ back to the
// project, so the bundle finds its native addons and its sample tree as dist/ would.
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Bundle {
	/** dist/cli.js of the private build. */
	cli: string;
	/** The directory it runs in (cwd for `node dist/cli.js`). */
	dir: string;
	remove(): void;
}

const pending = new Map<string, Promise<Bundle>>();

/**
 * Builds once per process and place. `under`: where the directory goes (default the temp dir;
 * the VM tests give /var/tmp, because a guest sees this machine's root but not its /tmp).
 */
export function bundle(opts: {under?: string} = {}): Promise<Bundle> {
	const under = opts.under ?? tmpdir();
	const known = pending.get(under);
	if (known) return known;
	const building = new Promise<Bundle>((resolve, reject) => {
		const dir = mkdtempSync(path.join(under, 'mdevscope-bundle-'));
		for (const name of ['src', 'node_modules', 'test', 'package.json']) symlinkSync(path.join(project, name), path.join(dir, name));
		const child = spawn(process.execPath, [path.join(project, 'scripts', 'build.mjs')], {cwd: dir, stdio: ['ignore', 'pipe', 'pipe']});
		let err = '';
		child.stderr.on('data', (d: Buffer) => (err += d.toString()));
		child.on('close', (code) => {
			if (code !== 0) {
				rmSync(dir, {recursive: true, force: true});
				reject(new Error(`node scripts/build.mjs failed: ${err}`));
				return;
			}
			resolve({cli: path.join(dir, 'dist', 'cli.js'), dir, remove: () => rmSync(dir, {recursive: true, force: true})});
		});
	});
	pending.set(under, building);
	return building;
}

/**
 * Bundles a test's own entry point (a worker run inside the VM guest) next to the CLI in a
 * private bundle, so that it starts as fast as the CLI and the probe runner in it finds
 * probe-child.js beside itself, as in dist/. The options are scripts/esbuild-options.mjs's, as for dist/.
 */
export async function bundleEntry(b: Bundle, name: string, entry: string): Promise<string> {
	const {build} = await import('esbuild');
	const {nodeBundle} = await import('../../scripts/esbuild-options.mjs');
	await build({...nodeBundle, entryPoints: {[name]: path.resolve(project, entry)}, outdir: path.join(b.dir, 'dist')});
	return path.join(b.dir, 'dist', `${name}.js`);
}
