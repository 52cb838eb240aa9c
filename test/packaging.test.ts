// packaging/ (issue 15): the man page, the bash and zsh completions and scripts/make-deb.sh. Each
// is checked against what the CLI itself accepts (src/cli.tsx's flag table, each command's --help),
// so a new option cannot be left out of them, and read by the real tools: groff, man, bash, zsh,
// dpkg-deb.
import {spawnSync} from 'node:child_process';
import {copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import test from 'ava';
import {cliSync, project} from './helpers/cli.js';

const packaging = path.join(project, 'packaging');
const manPage = path.join(packaging, 'mdevscope.1');
const bashCompletion = path.join(packaging, 'completions', 'mdevscope.bash');
const zshCompletion = path.join(packaging, 'completions', '_mdevscope');

/** Every option the CLI accepts, as typed: from src/cli.tsx's flagSpec (camelCase as --kebab-case). */
function cliOptions(): string[] {
	const source = readFileSync(path.join(project, 'src', 'cli.tsx'), 'utf8');
	const start = source.indexOf('const flagSpec = {');
	const table = source.slice(start, source.indexOf('} as const;', start));
	const out: string[] = [];
	for (const m of table.matchAll(/^\t(\w+): \{([^}]*)\}/gm)) {
		const name = m[1]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
		// A boolean that defaults to true is only ever typed negated (--no-color).
		out.push(/default: true/.test(m[2]!) ? `--no-${name}` : `--${name}`);
		const short = /shortFlag: '(\w)'/.exec(m[2]!);
		if (short) out.push(`-${short[1]}`);
	}
	return out.sort();
}

/** The options a --help lists under "Options" (`mdevscope --help`, `mdevscope doctor --help`). */
function helpOptions(command: string | null): string[] {
	const r = cliSync(command === null ? ['--help'] : [command, '--help']);
	const text = r.stdout.split(/\n\s*Options\n/)[1]!.split(/\n\s*\n/)[0]!;
	const out = new Set<string>();
	for (const line of text.split('\n')) {
		const m = /^\s{2,}((?:-\w|--[\w-]+)(?:, (?:-\w|--[\w-]+))*)(?=\s)/.exec(line);
		if (m) for (const opt of m[1]!.split(', ')) out.add(opt);
	}
	return [...out].sort();
}

// The action commands (issue 18): mdevctl's commands and flags.
const ACTIONS = ['start', 'stop', 'define', 'undefine', 'modify'] as const;
const COMMANDS = ['doctor', 'compare', 'features', 'export', ...ACTIONS] as const;

test('the flag table and the --help texts are read (the checks below stand on them)', (t) => {
	const options = cliOptions();
	t.true(options.length >= 17, options.join(' '));
	for (const opt of ['--root', '--sample', '--probe-held', '--no-color', '-h', '--help', '-V', '--version']) t.true(options.includes(opt), opt);
	t.true(helpOptions(null).includes('--with-cmdline'));
	t.deepEqual(helpOptions('doctor'), ['--help', '--json', '--root', '--sample', '--version', '-V', '-h'].sort());
});

test('the man page: groff reads it without a warning, and it names every option and command', (t) => {
	const groff = spawnSync('groff', ['-man', '-ww', '-z', manPage], {encoding: 'utf8'});
	t.is(groff.status, 0, groff.stderr);
	t.is(groff.stderr, '');
	const page = spawnSync('man', ['-l', manPage], {encoding: 'utf8', env: {...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '', LC_ALL: 'C.UTF-8'}});
	t.is(page.status, 0, page.stderr);
	// man may hyphenate a long word at a line end; the options are looked for in the page joined up.
	const text = page.stdout.replace(/[\u2010-]\n\s*/g, '').replace(/[\u2010\u2011]/g, '-');
	t.regex(text, /^MDEVSCOPE\(1\)/);
	for (const heading of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'COMMANDS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES']) t.regex(text, new RegExp(`^${heading}$`, 'm'), heading);
	for (const opt of cliOptions()) t.regex(text, new RegExp(`(^|[\\s,\\[(])${opt}\\b`, 'm'), `the man page does not name ${opt}`);
	for (const command of COMMANDS) t.regex(text, new RegExp(`^ {7}${command}\\b`, 'm'), `no COMMANDS entry for ${command}`);
	for (const code of ['0', '1', '2', '64', '66', '70']) t.regex(text, new RegExp(`^ {7}${code}\\s`, 'm'), `exit status ${code}`);
	for (const name of ['NO_COLOR', 'MDEVSCOPE_ADDON_DIR', 'MDEVSCOPE_READ_ONLY']) t.regex(text, new RegExp(`^ {7}${name}$`, 'm'), name);
	t.true(text.includes('/usr/share/doc/mdevscope/examples/'), 'where the udev rule and unit examples are');
	for (const file of ['/etc/mdevctl.d/', '/etc/mdevscope/read-only']) t.regex(text, new RegExp(`^ {7}${file}$`, 'm'), `a FILES entry for ${file}`);
	for (const command of ACTIONS) t.regex(text, new RegExp(`^ {7}mdevscope ${command} `, 'm'), `a SYNOPSIS line for ${command}`);
	// No line wider than the 80 columns asked for (a table or a literal that does not fit).
	const wide = page.stdout.split('\n').filter((line) => [...line].length > 80);
	t.deepEqual(wide, []);
});

/** What the bash completion offers for the words typed so far (the last one being completed). */
function bashComplete(words: string[]): string[] {
	const script = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _mdevscope; printf '%s\\n' "\${COMPREPLY[@]}"`;
	const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script, 'bash', bashCompletion, ...words], {encoding: 'utf8', cwd: project});
	if (r.status !== 0) throw new Error(`bash: ${r.status}: ${r.stderr}`);
	if (r.stderr !== '') throw new Error(`bash wrote to stderr: ${r.stderr}`);
	return r.stdout.split('\n').filter(Boolean).sort();
}

test('bash: loads without bash-completion and registers itself for mdevscope', (t) => {
	const r = spawnSync('bash', ['--norc', '--noprofile', '-c', 'source "$1" && complete -p mdevscope', 'bash', bashCompletion], {encoding: 'utf8'});
	t.is(r.status, 0, r.stderr);
	t.is(r.stdout.trim(), 'complete -F _mdevscope mdevscope');
});

test('bash: each command offers exactly the options its --help lists (and --no-color), and all of them together are every option', (t) => {
	const all = new Set<string>();
	for (const command of [null, ...COMMANDS]) {
		const offered = bashComplete(command === null ? ['mdevscope', '-'] : ['mdevscope', command, '-']);
		for (const opt of offered) all.add(opt);
		const listed = [...new Set([...helpOptions(command), '--no-color'])].sort();
		t.deepEqual(offered, listed, `mdevscope ${command ?? ''} -<TAB>`);
	}
	t.deepEqual([...all].sort(), cliOptions());
	// A prefix narrows it, and the command is found after an option that takes a value.
	t.deepEqual(bashComplete(['mdevscope', '--pro']), ['--probe', '--probe-held']);
	t.deepEqual(bashComplete(['mdevscope', '--root', '/', 'doctor', '--s']), ['--sample']);
});

test('bash: commands, directories after --root and --dir, files after --from, nothing after a number option', (t) => {
	t.deepEqual(bashComplete(['mdevscope', '']), [...COMMANDS].sort());
	t.deepEqual(bashComplete(['mdevscope', 'd']), ['define', 'doctor']);
	t.deepEqual(bashComplete(['mdevscope', 'st']), ['start', 'stop']);
	t.deepEqual(bashComplete(['mdevscope', 'c']), ['compare']);
	const dirs = bashComplete(['mdevscope', '--root', 'pack']);
	t.deepEqual(dirs, ['packaging']);
	t.deepEqual(bashComplete(['mdevscope', 'export', '--dir', 'packaging/comp']), ['packaging/completions']);
	t.deepEqual(bashComplete(['mdevscope', '--from', 'packaging/mdevscope.']), ['packaging/mdevscope.1']);
	t.deepEqual(bashComplete(['mdevscope', '--root', 'packaging/mdevscope.']), [], 'a file is not offered as a --root');
	t.deepEqual(bashComplete(['mdevscope', '--timeout', '']), []);
	t.deepEqual(bashComplete(['mdevscope', 'compare', 'lo']), ['local']);
	// The instances come from /sys/bus/mdev/devices: exactly the UUIDs there (none on a host without mdev).
	let uuids: string[] = [];
	try {
		uuids = readdirSync('/sys/bus/mdev/devices').sort();
	} catch {}
	t.deepEqual(bashComplete(['mdevscope', 'features', '']), uuids);
	t.deepEqual(bashComplete(['mdevscope', 'compare', 'a.json', 'local', '--uuid', '']), uuids);
	t.deepEqual(bashComplete(['mdevscope', 'stop', '-u', '']), uuids);
});

test('bash: the action commands: their options, UUIDs after -u, parents after -p, the backends after --backend', (t) => {
	t.deepEqual(bashComplete(['mdevscope', 'stop', '--']), ['--backend', '--dry-run', '--help', '--json', '--no-color', '--root', '--uuid', '--version']);
	t.deepEqual(bashComplete(['mdevscope', 'start', '--d']), ['--define', '--dry-run']);
	t.deepEqual(bashComplete(['mdevscope', 'modify', '-u', 'x', '--']), ['--auto', '--backend', '--dry-run', '--help', '--json', '--manual', '--no-color', '--parent', '--root', '--type', '--uuid', '--version']);
	t.deepEqual(bashComplete(['mdevscope', 'start', '--backend', '']), ['auto', 'mdevctl', 'sysfs']);
	t.deepEqual(bashComplete(['mdevscope', 'define', '--backend', 'm']), ['mdevctl']);
	t.deepEqual(bashComplete(['mdevscope', 'start', '--root', 'pack']), ['packaging']);
	// The parents come from /sys/class/mdev_bus, the instances from /sys/bus/mdev/devices (none on a host without mdev).
	const names = (dir: string) => {
		try {
			return readdirSync(dir).sort();
		} catch {
			return [];
		}
	};
	t.deepEqual(bashComplete(['mdevscope', 'start', '-p', '']), names('/sys/class/mdev_bus'));
	t.deepEqual(bashComplete(['mdevscope', 'define', '--parent', '']), names('/sys/class/mdev_bus'));
	t.deepEqual(bashComplete(['mdevscope', 'undefine', '--uuid', '']), names('/sys/bus/mdev/devices'));
	// An action takes no arguments: nothing but options is offered.
	t.deepEqual(bashComplete(['mdevscope', 'start', '-p', 'mtty', '']), []);
});

test('zsh: the completion parses, loads through compinit from a vendor-completions directory, and names every option', (t) => {
	const parse = spawnSync('zsh', ['-n', zshCompletion], {encoding: 'utf8'});
	t.is(parse.status, 0, parse.stderr);
	const home = mkdtempSync(path.join(tmpdir(), 'mdevscope-zsh-'));
	t.teardown(() => rmSync(home, {recursive: true, force: true}));
	// As /usr/share/zsh/vendor-completions is used: a directory on $fpath, compinit reads the #compdef line.
	const load = spawnSync(
		'zsh',
		['-f', '-c', `fpath=(${path.dirname(zshCompletion)} $fpath); autoload -Uz compinit; compinit -u -d ${home}/zcompdump; print -r -- $_comps[mdevscope]; autoload -Uz +X _mdevscope && print loaded`],
		{encoding: 'utf8', env: {...process.env, HOME: home, ZDOTDIR: home}},
	);
	t.is(load.status, 0, load.stderr);
	t.deepEqual(load.stdout.trim().split('\n'), ['_mdevscope', 'loaded']);
	const text = readFileSync(zshCompletion, 'utf8');
	const named = new Set<string>();
	for (const m of text.matchAll(/(?<=['{,)\s*])(--[a-z][\w-]*|-[a-zA-Z])(?=[[\]},'])/g)) named.add(m[1]!);
	t.deepEqual([...named].sort(), cliOptions());
	for (const command of COMMANDS) t.regex(text, new RegExp(`\\b${command}\\)`), `a branch for ${command}`);
	t.true(text.includes(':backend:(auto mdevctl sysfs)'), '--backend completes its three values');
	t.true(text.includes('/sys/class/mdev_bus/*(N:t)'), '-p completes the parents');
});

test('make-deb.sh: the package holds the executable, the man page, both completions and the examples, with Depends from the ELF', (t) => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-deb-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	// Any ELF executable shows the mechanism; the release build passes the single executable.
	const exe = path.join(dir, 'mdevscope');
	copyFileSync('/usr/bin/true', exe);
	const build = spawnSync('bash', [path.join(project, 'scripts', 'make-deb.sh'), exe, '1.2.3~test', path.join(dir, 'out')], {encoding: 'utf8'});
	t.is(build.status, 0, build.stderr);
	const arch = spawnSync('dpkg', ['--print-architecture'], {encoding: 'utf8'}).stdout.trim();
	const deb = path.join(dir, 'out', `mdevscope_1.2.3~test_${arch}.deb`);
	const field = (name: string) => spawnSync('dpkg-deb', ['-f', deb, name], {encoding: 'utf8'}).stdout.trim();
	t.is(field('Package'), 'mdevscope');
	t.is(field('Version'), '1.2.3~test');
	t.is(field('Architecture'), arch);
	// /usr/bin/true needs only libc: what dpkg-shlibdeps found, not a list written by hand.
	t.regex(field('Depends'), /^libc6 \(>= [\d.]+\)$/);
	const list = spawnSync('dpkg-deb', ['-c', deb], {encoding: 'utf8'}).stdout;
	const files = new Map<string, string>();
	for (const line of list.split('\n').filter(Boolean)) {
		const cols = line.split(/\s+/);
		files.set(cols.slice(5).join(' ').replace(/^\.\//, '/'), `${cols[0]} ${cols[1]}`);
	}
	t.is(files.get('/usr/bin/mdevscope'), '-rwxr-xr-x root/root');
	for (const f of [
		'/usr/share/man/man1/mdevscope.1.gz',
		'/usr/share/bash-completion/completions/mdevscope',
		'/usr/share/zsh/vendor-completions/_mdevscope',
		'/usr/share/doc/mdevscope/copyright',
		'/usr/share/doc/mdevscope/changelog.Debian.gz',
		...readdirSync(path.join(project, 'src', 'features', 'examples')).map((e) => `/usr/share/doc/mdevscope/examples/${e}`),
	]) {
		t.is(files.get(f), '-rw-r--r-- root/root', f);
	}
	// What is inside is the repo's files, byte for byte.
	const x = path.join(dir, 'x');
	t.is(spawnSync('dpkg-deb', ['-x', deb, x]).status, 0);
	t.deepEqual(gunzipSync(readFileSync(path.join(x, 'usr/share/man/man1/mdevscope.1.gz'))), readFileSync(manPage));
	t.deepEqual(readFileSync(path.join(x, 'usr/share/bash-completion/completions/mdevscope')), readFileSync(bashCompletion));
	t.deepEqual(readFileSync(path.join(x, 'usr/share/zsh/vendor-completions/_mdevscope')), readFileSync(zshCompletion));
	t.deepEqual(readFileSync(path.join(x, 'usr/bin/mdevscope')), readFileSync('/usr/bin/true'));
	// The md5sums dpkg will check hold every file, and are right.
	const control = path.join(dir, 'control');
	t.is(spawnSync('dpkg-deb', ['-e', deb, control]).status, 0);
	const sums = readFileSync(path.join(control, 'md5sums'), 'utf8');
	t.is(sums.trim().split('\n').length, [...files.keys()].filter((f) => !f.endsWith('/')).length);
	const check = spawnSync('md5sum', ['-c', '--quiet', path.join(control, 'md5sums')], {cwd: x, encoding: 'utf8'});
	t.is(check.status, 0, check.stdout + check.stderr);
});

test('make-deb.sh refuses what it cannot package, with why', (t) => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-deb-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const run = (...args: string[]) => spawnSync('bash', [path.join(project, 'scripts', 'make-deb.sh'), ...args], {encoding: 'utf8'});
	const usage = run();
	t.is(usage.status, 1);
	t.regex(usage.stderr, /^make-deb: usage: /);
	const missing = run(path.join(dir, 'nothing'), '1.0', dir);
	t.is(missing.status, 1);
	t.regex(missing.stderr, /nothing is not an executable file/);
	const exe = path.join(dir, 'exe');
	copyFileSync('/usr/bin/true', exe);
	const version = run(exe, 'v1.0', dir);
	t.is(version.status, 1);
	t.regex(version.stderr, /v1\.0 is not a Debian version/);
});
