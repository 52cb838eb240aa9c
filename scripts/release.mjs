// `npm run release`: the single-file release for this machine's architecture (x86_64 here), in
// release/:
//   mdevscope-<version>-linux-<arch>   one executable: a Node single executable application (SEA)
//                                      holding the Node runtime, the bundled JS (CLI, TUI, probe
//                                      child, in chunks), the two FFI addons and the sample host
//   mdevscope_<version>_<debarch>.deb  that file as /usr/bin/mdevscope, with the man page,
//                                      completions and examples (scripts/make-deb.sh)
//   SHA256SUMS                         for both, as `sha256sum -c` reads it
// The runtime is the node that runs this script (Node 20: what the FFI addons were built for by
// `npm ci`), its debug symbols stripped. Nothing is downloaded.
import {build} from 'esbuild';
import {execFileSync, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {buildInfo, buildInfoDefine} from './build-info.mjs';
import {nodeBundle} from './esbuild-options.mjs';

const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(project, 'release');
const work = path.join(out, '.work');
const require = createRequire(import.meta.url);
// Node's fixed sentinel for the SEA blob (doc/api/single-executable-applications.md).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function die(message) {
	process.stderr.write(`release: ${message}\n`);
	process.exit(1);
}
const say = (message) => process.stdout.write(`release: ${message}\n`);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

if (process.platform !== 'linux') die(`builds for Linux only (this is ${process.platform})`);
const [major, minor] = process.versions.node.split('.').map(Number);
// SEA assets (node:sea getAsset/getRawAsset) arrived in Node 20.12.
if (major !== 20 || minor < 12) die(`needs Node 20.12 or later 20.x to build (this is ${process.version}): Ink 6 needs 20, SEA assets 20.12`);
const arch = {x64: {file: 'x64', deb: 'amd64'}, arm64: {file: 'arm64', deb: 'arm64'}}[process.arch];
if (!arch) die(`no release for ${process.arch}`);
if (!readFileSync(process.execPath).includes(SEA_FUSE)) die(`${process.execPath} has no SEA fuse: build with an official Node 20 build (nodejs.org or NodeSource), not a distribution's`);

const info = buildInfo({singleFile: true});
const name = `mdevscope-${info.version}-linux-${arch.file}`;
rmSync(out, {recursive: true, force: true});
mkdirSync(work, {recursive: true});

// ---- the native addons, as npm ci built them -------------------------------------------------
function addonOf(pkg, file) {
	const dir = path.dirname(require.resolve(`${pkg}/package.json`));
	const built = path.join(dir, 'build', 'Release', file);
	if (!existsSync(built)) die(`${built} is missing: run npm ci (it builds the FFI addons)`);
	return {file: built, hash: sha256(readFileSync(built))};
}
const addons = {
	'ffi_bindings.node': addonOf('ffi-napi', 'ffi_bindings.node'),
	'ref_binding.node': addonOf('ref-napi', 'binding.node'),
};

// ---- the JS: ESM, in chunks ----------------------------------------------------------------------
const addonLoader = path.join(project, 'src', 'release', 'addons.ts');
const seaPlugin = {
	name: 'mdevscope-sea',
	setup(b) {
		// The FFI packages bundled rather than found in node_modules (src/ffi/modules.sea.ts).
		b.onResolve({filter: /^\.\/modules\.js$/}, (args) =>
			args.importer === path.join(project, 'src', 'ffi', 'libc.ts') || args.importer === path.join(project, 'src', 'ffi', 'fast-call.ts')
				? {path: path.join(project, 'src', 'ffi', 'modules.sea.ts')}
				: undefined,
		);
		// Ink imports it only with DEV=true, and then expects ERR_MODULE_NOT_FOUND when it is absent.
		b.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'react-devtools-core', namespace: 'mdevscope-absent'}));
		b.onLoad({filter: /.*/, namespace: 'mdevscope-absent'}, () => ({
			contents: "const e = new Error('react-devtools-core is not in the single executable'); e.code = 'ERR_MODULE_NOT_FOUND'; throw e;",
			loader: 'js',
		}));
		// ffi-napi's own ref-napi and ours are one package at one version: one copy, one addon.
		b.onResolve({filter: /^@2060\.io\/ref-napi$/}, () => ({path: require.resolve('ref-napi')}));
		// Each package finds its addon with node-gyp-build(<its directory>); here it comes from the asset.
		b.onLoad({filter: /[\\/](ffi-napi[\\/]lib[\\/]bindings|ref-napi[\\/]lib[\\/]ref)\.js$/}, (args) => {
			const asset = args.path.includes(`${path.sep}ffi-napi${path.sep}`) ? 'ffi_bindings.node' : 'ref_binding.node';
			const source = readFileSync(args.path, 'utf8');
			const lookup = "require('node-gyp-build')(path.join(__dirname, '..'))";
			if (source.split(lookup).length !== 2) die(`${args.path} does not find its addon as expected (${lookup}): check the ffi-napi/ref-napi version`);
			const load = `require(${JSON.stringify(addonLoader)}).loadAddon(${JSON.stringify(asset)}, ${JSON.stringify(addons[asset].hash)})`;
			return {contents: source.replace(lookup, load), loader: 'js'};
		});
	},
};
// Split into chunks as dist/ is (scripts/build.mjs): the TUI's chunk (Ink, React, yoga) is only
// loaded when the TUI starts, so --json, --plain and the probe child start as fast as from dist/.
// src/release/sea-main.cjs writes them all into a private directory and imports the entry.
const jsDir = path.join(work, 'js');
await build({
	...nodeBundle,
	entryPoints: {main: path.join(project, 'src', 'release', 'main.ts')},
	outdir: jsDir,
	splitting: true,
	outExtension: {'.js': '.mjs'},
	// Half the bytes for V8 to read at every start; names are kept, so a stack trace in a bug report
	// still names its functions.
	minifyWhitespace: true,
	minifySyntax: true,
	external: [],
	// Modules are imported from files in a temp directory: createRequire from the executable (builtins only).
	banner: {js: "import {createRequire as __cr} from 'node:module'; const require = __cr(process.execPath);"},
	define: {...nodeBundle.define, ...buildInfoDefine(info)},
	plugins: [seaPlugin],
});
const jsFiles = readdirSync(jsDir).sort();
if (!jsFiles.includes('main.mjs')) die(`esbuild wrote no main.mjs to ${jsDir}: ${jsFiles.join(', ')}`);
for (const f of jsFiles) {
	if (readFileSync(path.join(jsDir, f), 'utf8').includes('node-gyp-build')) die(`${f} still calls node-gyp-build: an addon would be looked for on disk`);
}
writeFileSync(path.join(work, 'manifest.json'), JSON.stringify({entry: 'main.mjs', files: jsFiles}));

// ---- the SEA: its CommonJS main imports the ESM program (src/release/sea-main.cjs) ----------------
const main = path.join(project, 'src', 'release', 'sea-main.cjs');
const sample = (dir, file) => path.join(project, 'test', 'fixtures', dir, file);
const assets = {
	'js/manifest.json': path.join(work, 'manifest.json'),
	...Object.fromEntries(jsFiles.map((f) => [`js/${f}`, path.join(jsDir, f)])),
	...Object.fromEntries(Object.entries(addons).map(([k, v]) => [k, v.file])),
	// src/snapshot/sample.ts's SAMPLE_ARCHIVE and SAMPLE_PROBES
	'sysfs-debian-6.12-mdev-samples.tar.gz': sample('captured', 'sysfs-debian-6.12-mdev-samples.tar.gz'),
	'debian-6.12.json': sample('probes', 'debian-6.12.json'),
};
for (const file of Object.values(assets)) if (!existsSync(file)) die(`${file} is missing`);
say(`the program: ${jsFiles.length} modules, ${mb(jsFiles.reduce((n, f) => n + statSync(path.join(jsDir, f)).size, 0))}`);
const blob = path.join(work, 'sea.blob');
const seaConfig = path.join(work, 'sea-config.json');
writeFileSync(seaConfig, JSON.stringify({main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, assets}, null, 2));
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], {stdio: ['ignore', 'ignore', 'inherit']});

const exe = path.join(out, name);
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
// Node's debug symbols are most of what strip removes; the dynamic symbols the addons link against stay.
execFileSync('strip', ['--strip-all', exe]);
// postject's CLI, its stderr filtered: LIEF warns once per note section of a stripped binary.
const postject = path.join(path.dirname(require.resolve('postject/package.json')), 'dist', 'cli.js');
const injected = spawnSync(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], {encoding: 'utf8'});
const noise = /^warning: Can't find string offset for section name '\.note[^']*'$/;
const said = `${injected.stdout}${injected.stderr}`.split('\n').filter((l) => l.trim() !== '' && !noise.test(l) && !l.includes('Injection done') && !l.includes('Start injection'));
if (injected.status !== 0) die(`postject failed (${injected.status}): ${said.join('\n')}`);
for (const line of said) say(`postject: ${line}`);

// It runs, and is what it says it is.
const version = execFileSync(exe, ['--version'], {encoding: 'utf8', env: {PATH: process.env.PATH}}).trim();
const expected = `mdevscope ${info.version} (commit ${info.commit})`;
if (version !== expected) die(`${name} --version says ${JSON.stringify(version)}, not ${JSON.stringify(expected)}`);
say(`${name}: ${mb(statSync(exe).size)}, ${version}`);

// What the file needs from the system: the newest symbol versions the runtime and the addons
// (built here by npm ci) ask of glibc and libstdc++. The addons, built against this machine's
// glibc, set the floor: the oldest system it runs on has at least these.
const newest = (prefix) => {
	const found = new Set();
	for (const file of [exe, ...Object.values(addons).map((a) => a.file)]) {
		const text = execFileSync('objdump', ['-T', file], {encoding: 'utf8', maxBuffer: 64 << 20});
		for (const m of text.matchAll(new RegExp(`\\b${prefix}_([0-9.]+)\\b`, 'g'))) found.add(m[1]);
	}
	const cmp = (a, b) => {
		const x = a.split('.').map(Number);
		const y = b.split('.').map(Number);
		for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
		return 0;
	};
	return [...found].sort(cmp).at(-1);
};
say(`needs glibc ${newest('GLIBC')} or later, libstdc++ with GLIBCXX_${newest('GLIBCXX')}`);

// ---- the .deb and the checksums --------------------------------------------------------------
execFileSync('bash', [path.join(project, 'scripts', 'make-deb.sh'), exe, info.version, out], {stdio: 'inherit'});
rmSync(work, {recursive: true, force: true});
const files = readdirSync(out).filter((f) => f === name || f.endsWith('.deb')).sort();
writeFileSync(path.join(out, 'SHA256SUMS'), files.map((f) => `${sha256(readFileSync(path.join(out, f)))}  ${f}\n`).join(''));
for (const f of files) say(`${path.join('release', f)}: ${mb(statSync(path.join(out, f)).size)}`);
say('release/SHA256SUMS written');
