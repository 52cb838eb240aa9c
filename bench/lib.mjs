// Helpers for bench/run.mjs: installing what the benchmark needs, building its C helpers, putting
// Debian's mdevctl into a tree, recording the scanner's file-system calls, measuring commands,
// and small statistics. Plain Node, no dependencies.
import {execFileSync, spawnSync} from 'node:child_process';
import {copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';

/** Runs a command, returns {status, stdout, stderr} (never throws for a non-zero exit). */
export function run(command, args, opts = {}) {
	const r = spawnSync(command, args, {encoding: 'utf8', maxBuffer: 1 << 30, ...opts});
	return {status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error};
}

export function have(command) {
	return run('sh', ['-c', `command -v ${command}`]).status === 0;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * Installs the Debian packages that provide the missing commands (`command -> package`), with one
 * `apt-get update` first. Returns the commands still missing, with why.
 */
export function ensureCommands(wanted, log) {
	const missing = Object.entries(wanted).filter(([command]) => !have(command));
	if (missing.length === 0) return [];
	const packages = [...new Set(missing.map(([, pkg]) => pkg))];
	if (!isRoot() || !have('apt-get')) {
		return missing.map(([command, pkg]) => ({command, why: `${command} is missing; install ${pkg} (needs root and apt-get)`}));
	}
	const failed = ensurePackages(packages, log);
	return missing
		.filter(([command]) => !have(command))
		.map(([command, pkg]) => ({command, why: failed ?? `${pkg} installed but ${command} is still missing`}));
}

/** Installs Debian packages (one apt-get update first); returns null, or why it failed. */
export function ensurePackages(packages, log) {
	if (!isRoot() || !have('apt-get')) return `${packages.join(' ')} missing (installing needs root and apt-get)`;
	log(`installing ${packages.join(' ')} (apt-get)`);
	const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'};
	run('apt-get', ['update', '-qq'], {env});
	const r = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {env});
	return r.status === 0 ? null : `apt-get install ${packages.join(' ')} failed: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`;
}

/** gcc -O2 `source` into `out` when `out` is missing or older than `source`. */
export function buildC(source, out, {static: isStatic = false} = {}) {
	if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) return out;
	mkdirSync(path.dirname(out), {recursive: true});
	const r = run('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', ...(isStatic ? ['-static'] : []), '-o', out, source]);
	if (r.status !== 0) throw new Error(`gcc ${source} failed:\n${r.stderr}`);
	return out;
}

/**
 * Debian's mdevctl, unpacked (apt-get download + dpkg-deb -x; not installed) under `cacheDir`.
 * Returns {binary, version} or {error}.
 */
export function fetchMdevctl(cacheDir) {
	const dir = path.join(cacheDir, 'mdevctl');
	const binary = path.join(dir, 'root', 'usr', 'bin', 'mdevctl');
	if (!existsSync(binary)) {
		mkdirSync(dir, {recursive: true});
		let debs = readdirSync(dir).filter((f) => f.endsWith('.deb'));
		if (debs.length === 0) {
			const r = run('apt-get', ['download', 'mdevctl'], {cwd: dir});
			debs = readdirSync(dir).filter((f) => f.endsWith('.deb'));
			if (debs.length === 0) return {error: `apt-get download mdevctl failed: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`};
		}
		const x = run('dpkg-deb', ['-x', path.join(dir, debs[0]), path.join(dir, 'root')]);
		if (x.status !== 0) return {error: `dpkg-deb -x ${debs[0]} failed: ${x.stderr.trim()}`};
	}
	const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
	const version = deb ? deb.replace(/^mdevctl_/, '').replace(/_[^_]+\.deb$/, '') : 'unknown';
	return {binary, version};
}

/**
 * Copies mdevctl and the libraries `ldd` names into the tree (usr/bin/mdevctl, lib/..., lib64/...),
 * so `chroot <tree> /usr/bin/mdevctl` runs it against the tree's sys/ and etc/.
 */
export function installMdevctl(binary, root) {
	copyWithLibraries(binary, root, '/usr/bin/mdevctl');
	return '/usr/bin/mdevctl';
}

/**
 * The file-system calls a command makes, recorded with strace, as the ops file bench/floor.c
 * replays: one "<op> <path>" per line (o open+read, d list, l readlink, s stat, L lstat,
 * a access), for the paths `keep` accepts (not the program's own start-up files).
 * Returns {file, calls, counts}.
 */
export function recordOps(command, args, keep, out) {
	const trace = `${out}.strace`;
	const r = run(
		'strace',
		['-qq', '-s', '65535', '-e', 'trace=openat,open,readlink,readlinkat,statx,stat,lstat,newfstatat,access,faccessat,faccessat2', '-o', trace, command, ...args],
		{stdio: ['ignore', 'ignore', 'pipe']},
	);
	if (r.status !== 0) throw new Error(`strace ${command} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-500)}`);
	const pattern = /^(\w+)\((?:AT_FDCWD, )?"((?:[^"\\]|\\.)*)"(.*)$/;
	const ops = [];
	const counts = {};
	for (const line of readFileSync(trace, 'utf8').split('\n')) {
		const m = pattern.exec(line);
		if (!m) continue;
		const [, call, raw, rest] = m;
		const file = raw.replace(/\\(.)/g, '$1');
		if (!keep(file)) continue;
		let op;
		if (call === 'openat' || call === 'open') op = rest.includes('O_DIRECTORY') ? 'd' : 'o';
		else if (call.startsWith('readlink')) op = 'l';
		else if (call === 'lstat' || ((call === 'statx' || call === 'newfstatat') && rest.includes('AT_SYMLINK_NOFOLLOW'))) op = 'L';
		else if (call === 'statx' || call === 'newfstatat' || call === 'stat') op = 's';
		else op = 'a';
		counts[op] = (counts[op] ?? 0) + 1;
		ops.push(`${op} ${file}`);
	}
	rmSync(trace, {force: true});
	writeFileSync(out, ops.join('\n') + '\n');
	return {file: out, calls: ops.length, counts};
}

/**
 * Copies this node, the libraries `ldd` names, dist/ and the floor helpers into the tree under
 * /opt/mdevscope, so that `chroot <tree> /usr/bin/node /opt/mdevscope/dist/cli.js --json` scans
 * the tree as `/`, the way it scans a host (and the way mdevctl sees the tree in its chroot).
 */
export function installNode(root, {dist, files}) {
	const node = process.execPath;
	copyWithLibraries(node, root, '/usr/bin/node');
	const dir = path.join(root, 'opt', 'mdevscope');
	rmSync(dir, {recursive: true, force: true});
	mkdirSync(dir, {recursive: true});
	cpSync(dist, path.join(dir, 'dist'), {recursive: true});
	for (const file of files) copyFileSync(file, path.join(dir, path.basename(file)));
	return {node: '/usr/bin/node', dir: '/opt/mdevscope'};
}

function copyWithLibraries(binary, root, as) {
	const dest = path.join(root, as);
	mkdirSync(path.dirname(dest), {recursive: true});
	// node is ~100 MB: copied again only when it changed.
	const same = existsSync(dest) && statSync(dest).size === statSync(binary).size && statSync(dest).mtimeMs >= statSync(binary).mtimeMs;
	if (!same) copyFileSync(binary, dest);
	const ldd = run('ldd', [binary]);
	if (ldd.status !== 0) throw new Error(`ldd ${binary} failed: ${ldd.stderr}`);
	for (const lib of ldd.stdout.match(/\/\S+/g) ?? []) {
		const to = path.join(root, lib);
		mkdirSync(path.dirname(to), {recursive: true});
		copyFileSync(lib, to); // follows the link: the tree gets the file itself under the linked name
	}
}

/** One run of a command under bench/measure.c: {wallMs, rssKb, status, cpuMs}. */
export function measure(measureBin, command, args, {out = '/dev/null', cwd} = {}) {
	const r = run(measureBin, ['-o', out, ...(cwd ? ['-C', cwd] : []), '--', command, ...args]);
	const m = /^(\d+) (\d+) (\d+) (\d+)$/.exec(r.stdout.trim());
	if (r.status !== 0 || !m) throw new Error(`measure ${command} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
	return {wallMs: Number(m[1]) / 1000, rssKb: Number(m[2]), status: Number(m[3]), cpuMs: Number(m[4]) / 1000, stderr: r.stderr};
}

export function median(values) {
	const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
	if (v.length === 0) return null;
	const mid = Math.floor(v.length / 2);
	return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Nearest-rank percentile. */
export function percentile(values, p) {
	const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
	if (v.length === 0) return null;
	return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)];
}

/** This machine, as the README states it. */
export function machine() {
	const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
	const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
	const mem = /^MemTotal:\s*(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
	return {
		nproc: Number(execFileSync('nproc', {encoding: 'utf8'}).trim()),
		model,
		memoryGiB: mem ? Math.round(Number(mem) / 1024 / 1024) : null,
		kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
		node: process.version,
		load: loadavg(),
	};
}

export function loadavg() {
	return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}
