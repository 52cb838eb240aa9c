#!/usr/bin/env node
// The command: flags, mode choice, wiring. --json and --plain print and exit; only the interactive
// view loads Ink and React (lazily, below), so the non-interactive paths start fast and work
// without a terminal.
import {existsSync, statSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import v8 from 'node:v8';
import {fileURLToPath} from 'node:url';
import meow from 'meow';
import {footerHints, type Context} from './keymap.js';
import type {ProbeResult} from './model/probe.js';
import type {HostModel} from './model/types.js';
import {renderJson} from './output/json.js';
import {renderPlain} from './output/plain.js';
import {ownersByInstance, recordedOwners} from './owners/join.js';
import {errCode, errnoMeaning} from './sysfs/env.js';
import {scanHost} from './sysfs/scan.js';
import {rescanHost} from './sysfs/rescan.js';

// The same defaults as src/probe/runner.ts, stated here so --help can show them.
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_CONCURRENCY = 2;

// The key summary comes from the TUI's one key table, so --help cannot disagree with the keys.
function keyLines(contexts: Context[]): string[] {
	const lines: string[] = [];
	for (const hint of footerHints(contexts).map((h) => `${h.keys} ${h.label}`)) {
		const last = lines.length - 1;
		if (last >= 0 && lines[last]!.length + hint.length + 3 <= 76) lines[last] += `   ${hint}`;
		else lines.push(hint);
	}
	return lines.map((line) => `	  ${line}`);
}

const help = `
	Usage
	  $ mdevscope [options]
	  $ mdevscope doctor [--root DIR] [--json]
	  $ mdevscope --from FILE [--plain | --json]
	  $ mdevscope compare SOURCE DEST [--uuid UUID]... [--json]
	  $ mdevscope features [UUID...] [--json]
	  $ mdevscope export [--dir DIR]

	Shows every VFIO mediated device (mdev) on this host: the parent devices, the mdev types
	they offer, the instances (active, and defined in mdevctl but not active), and with
	--probe what the kernel says each active instance can do. On a terminal it opens an
	interactive view; otherwise it prints a table.

	Options
	  --root DIR         Read /sys, /proc, /dev and /etc under DIR instead of / (a captured tree)
	  --from FILE        Open a snapshot (saved \`mdevscope --json --probe\` output) like a live host,
	                     marked as recorded, with its host name and time and its recorded probes
	  --json             Print everything as JSON (the schema is in the README)
	  --plain            Print a plain table, even on a terminal
	  --probe            Ask the kernel, live, about each active instance (display, migration);
	                     (in the interactive view: shown from the start; p or P probe again)
	  --probe-held       With --probe (--json, --plain), features or export: probe a device a VM holds
	                     through the VM's own fd (root; Linux 5.6+): a duplicate of QEMU's device
	                     fd (pidfd_getfd) is asked read-only questions and closed at once; the
	                     result says whose fd it was. Without it a held device shows as busy.
	                     In the interactive view, press B on a held instance instead
	  --timeout MS       Give up on one instance's probe after MS milliseconds (default ${DEFAULT_TIMEOUT_MS})
	  --concurrency N    Probe at most N instances at once (default ${DEFAULT_CONCURRENCY})
	  --advice           With --probe: what to put in libvirt XML and on the QEMU command line
	                     for each instance, from what its probe said
	  --no-color         No colours (NO_COLOR in the environment does the same)
	  --help             Show this help
	  --version          Show the version

	Commands
	  doctor             Check this host (or --root tree) for what mdev needs: IOMMU, modules,
	                     /dev/vfio, parents, why a type has no free instance, vendor conditions.
	                     Exit 1 when a check fails.
	  compare SOURCE DEST
	                     Can DEST take SOURCE's instances when their VMs migrate? SOURCE and DEST
	                     are snapshot files, or - or local for this host (scanned and probed now).
	                     Per instance ok / risky / blocked, with the reasons: type missing, no
	                     free instance, migration unsupported or its flags differ (from the
	                     probes), vendor driver or kernel versions differ.
	                     --uuid UUID (repeatable) compares only those instances.
	                     On a terminal: an interactive view (instances, each one's reasons),
	                     then on q the report is printed; --plain prints it straight away.
	                     Exit 0 all ok, 1 any risky, 2 any blocked (the report is on stdout);
	                     a wrong argument or unreadable snapshot also exits 2, with only a
	                     "mdevscope: ..." message on stderr.

	  features [UUID...] Per instance the feature bits the kernel's answers give (display_region
	                     0x1, display_dmabuf 0x2, migration 0x4) and which of them are known
	                     (probes this host: run as root).
	  export [--dir DIR] Write those bits as 0/1 files, sysfs-style, under DIR (default
	                     /run/mdevscope): DIR/<uuid>/features/<name>, mdev_type, parent,
	                     available_instances, host_driver, host_driver_version, probed_at.
	                     The only command that writes, and only inside DIR. Exit 2 when DIR
	                     cannot be written.

	Keys in the interactive view (? there lists them all)
${keyLines(['parents', 'types', 'instances', 'detail', 'lists', 'global']).join('\n')}
	Keys in the compare view
${keyLines(['compare', 'global']).join('\n')}

	Examples
	  $ mdevscope
	  $ mdevscope --plain --probe
	  $ mdevscope --json | jq '.parents[].types[] | {id, availableInstances}'
	  $ mdevscope --root test/fixtures/trees/debian-6.12
	  $ mdevscope doctor
	  $ mdevscope --json --probe > host-a.json; mdevscope --from host-a.json
	  $ mdevscope compare host-a.json local --uuid 11111111-1111-1111-1111-111111111111
`;

const flagSpec = {
	root: {type: 'string', default: '/'},
	json: {type: 'boolean', default: false},
	plain: {type: 'boolean', default: false},
	probe: {type: 'boolean', default: false},
	probeHeld: {type: 'boolean', default: false},
	advice: {type: 'boolean', default: false},
	timeout: {type: 'number', default: DEFAULT_TIMEOUT_MS},
	concurrency: {type: 'number', default: DEFAULT_CONCURRENCY},
	color: {type: 'boolean', default: true},
	from: {type: 'string'},
	uuid: {type: 'string', isMultiple: true},
	dir: {type: 'string', default: '/run/mdevscope'},
} as const;

/** Exit 2 with a message that says what was wrong and where to look. */
function usageError(message: string): never {
	process.stderr.write(`mdevscope: ${message}\nRun \`mdevscope --help\` for the options.\n`);
	process.exit(2);
}

// meow's own check (allowUnknownFlags: false) prints only "Unknown flag"; say more, first.
function checkFlags(argv: readonly string[]): void {
	const known = new Set([...Object.keys(flagSpec), 'help', 'version']);
	for (const arg of argv) {
		if (arg === '--') break;
		if (!arg.startsWith('-') || arg === '-') continue;
		let name = arg.replace(/^--?/, '').split('=')[0]!;
		if (name.startsWith('no-')) name = name.slice(3);
		// meow takes --probe-held for the flag declared as probeHeld.
		name = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
		if (!known.has(name)) usageError(`unknown option ${arg}.`);
	}
}

checkFlags(process.argv.slice(2));

const cli = meow(help, {
	importMeta: import.meta,
	allowUnknownFlags: false,
	flags: flagSpec,
});

// Subcommands: the first word, when there is one. Each names its own arguments below.
const COMMANDS = ['doctor', 'compare', 'features', 'export'] as const;
type Command = (typeof COMMANDS)[number];
const [commandWord, ...commandArgs] = cli.input;
const command = commandWord as Command | undefined;
if (commandWord !== undefined && !(COMMANDS as readonly string[]).includes(commandWord)) {
	usageError(`unknown command ${JSON.stringify(commandWord)}; the commands are ${COMMANDS.join(', ')} (to read a tree, use --root ${commandWord}).`);
}
if (command === 'doctor' && commandArgs.length > 0) usageError(`doctor takes no arguments (got ${JSON.stringify(commandArgs[0])}).`);
if (command === 'export' && commandArgs.length > 0) usageError(`export takes no arguments (got ${JSON.stringify(commandArgs[0])}); the directory is --dir DIR.`);
const {root, json, plain, probe, advice, timeout, concurrency, color, from} = cli.flags;
const probeHeld = cli.flags.probeHeld;
const uuids = cli.flags.uuid ?? [];
if (command === 'compare' && commandArgs.length !== 2) {
	usageError(`compare needs two arguments, SOURCE and DEST (each a snapshot file, or - or local for this host); got ${commandArgs.length}.`);
}
if (uuids.length > 0 && command !== 'compare') usageError('--uuid belongs to compare: mdevscope compare SOURCE DEST --uuid UUID.');
if (from !== undefined) {
	if (command !== undefined) usageError(`--from opens a snapshot in the views; ${command} does not read snapshots${command === 'compare' ? ' through --from (give the files as SOURCE and DEST)' : ''}.`);
	if (root !== '/') usageError('--from and --root both say where to read from; give one.');
}
// features and export always probe: --probe-held goes with them as it goes with --probe.
const alwaysProbes = command === 'features' || command === 'export';
if (probeHeld && !alwaysProbes && (!probe || from !== undefined || command !== undefined)) {
	usageError('--probe-held goes with --probe (and --json or --plain), features or export on a live host: it changes how a held device is probed.');
}
if (probeHeld && !alwaysProbes && !json && !plain && process.stdout.isTTY) {
	usageError('--probe-held is for --json and --plain; in the interactive view press B on a held instance (it asks first, naming the VM).');
}
if (advice && !probe && from === undefined) usageError('--advice needs --probe: the advice comes from what the kernel says about each device.');
if (!Number.isInteger(timeout) || timeout <= 0) usageError('--timeout needs a whole number of milliseconds above 0.');
if (!Number.isInteger(concurrency) || concurrency <= 0) usageError('--concurrency needs a whole number above 0.');

function checkRoot(dir: string): void {
	let isDir: boolean;
	try {
		isDir = statSync(dir).isDirectory();
	} catch (err) {
		const code = errCode(err);
		usageError(`--root ${dir}: ${code === 'ENOENT' ? 'no such directory' : `${code}, ${errnoMeaning(code)}`}. Give the directory that holds a tree's sys/ (or / for this host).`);
	}
	if (!isDir) usageError(`--root ${dir}: not a directory. Give the directory that holds a tree's sys/ (or / for this host).`);
}

// `mdevscope --plain | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
	if (err.code === 'EPIPE') process.exit(0);
	throw err;
});

async function probeAll(model: HostModel): Promise<Map<string, ProbeResult>> {
	const {probeInstances} = await import('./probe/runner.js');
	// A gone instance vanished during the scan: nothing to open.
	const uuids = model.instances.filter((i) => i.active && !i.gone).map((i) => i.uuid);
	const results = await probeInstances(model, uuids, {timeoutMs: timeout, concurrency, probeHeld});
	return new Map(results.map((r: ProbeResult) => [r.uuid, r]));
}

/**
 * The TUI's live data is small (20-30 MB on a host of 8,192 instances), but each frame Ink draws
 * allocates ~5 MB that dies at once (Output.get: an object per cell of the screen, then styled
 * strings), and the scan before it far more. With V8's defaults the young generation grows to
 * 16 MB semi-spaces and the old one grows by large factors to hold what they promote: 185 MB RSS
 * on the benchmark's `huge` tree. Young generation kept at its start size, old generation grown in
 * 10 % steps: about 110 MB, for ~10 ms more CPU per key (bench/tui-memory.mjs measures both).
 * Set before the scan, so that its garbage is held to the same limits.
 */
function keepTuiHeapSmall(): void {
	v8.setFlagsFromString('--semi-space-growth-factor=1');
	v8.setFlagsFromString('--heap-growing-percent=10');
}

/** A snapshot (--from) that cannot be read: exit 2 with what is wrong with the file; no usage hint. */
function snapshotError(message: string): never {
	process.stderr.write(`mdevscope: ${message}\n`);
	process.exit(2);
}

/**
 * Loads an interactive view's module (and with it Ink). Colour is decided first: chalk, inside Ink,
 * reads NO_COLOR / FORCE_COLOR when it loads.
 */
async function loadInteractive<T>(load: () => Promise<T>): Promise<T> {
	if (!color || process.env.NO_COLOR) {
		process.env.NO_COLOR = '1';
		process.env.FORCE_COLOR = '0';
	}
	// Ink (through is-in-ci, read once when Ink loads) draws nothing until exit when CI or
	// CONTINUOUS_INTEGRATION is set. On a terminal the user asked for the live screen: hide them
	// while Ink loads, then put them back for whatever this process starts later.
	const ciVars = ['CI', 'CONTINUOUS_INTEGRATION'].map((name) => [name, process.env[name]] as const);
	for (const [name] of ciVars) delete process.env[name];
	return load().finally(() => {
		for (const [name, value] of ciVars) if (value !== undefined) process.env[name] = value;
	});
}

async function runCompare(): Promise<void> {
	const {runCompareCommand, CompareInputError} = await import('./compare/command.js');
	const interactive = !json && !plain && process.stdout.isTTY;
	try {
		process.exitCode = await runCompareCommand({
			source: commandArgs[0]!,
			dest: commandArgs[1]!,
			uuids,
			json,
			show: interactive ? async (comparison) => (await loadInteractive(() => import('./compare/tui.js'))).runCompareTui(comparison) : undefined,
			// This host is probed now (as root, read-only: the probe opens devices, never writes).
			local: async () => {
				checkRoot(root);
				const model = scanHost(root);
				return {name: root === '/' ? 'this host' : `--root ${root}`, model, probes: await probeAll(model)};
			},
		});
	} catch (err) {
		if (err instanceof CompareInputError) (err.usage ? usageError : snapshotError)(err.message);
		throw err;
	}
}

async function main(): Promise<void> {
	if (command === 'compare') return runCompare();
	if (command === 'features' || command === 'export') {
		checkRoot(root);
		const {runFeaturesCommand, runExportCommand} = await import('./features/command.js');
		process.exitCode =
			command === 'features'
				? await runFeaturesCommand({uuids: commandArgs, json, root, timeoutMs: timeout, concurrency, probeHeld})
				: await runExportCommand({dir: cli.flags.dir, root, timeoutMs: timeout, concurrency, probeHeld});
		return;
	}
	// --from: a recorded host, shown like a live one; its probe results are the recorded ones.
	const snapshot = from === undefined ? null : await import('./snapshot/load.js').then(({loadSnapshot, SnapshotError}) => {
		try {
			return loadSnapshot(from);
		} catch (err) {
			if (err instanceof SnapshotError) snapshotError(err.message);
			throw err;
		}
	});
	if (snapshot === null) checkRoot(root);
	if (command === undefined && !json && !plain && process.stdout.isTTY) keepTuiHeapSmall();
	const model = snapshot?.model ?? scanHost(root);
	if (command === 'doctor') {
		const {runDoctorCommand} = await import('./commands/doctor.js');
		process.exitCode = runDoctorCommand(model, root, {json});
		return;
	}
	// The package's own copy of a real host, offered when this one has nothing (src/ and dist/ are
	// both one level below the package directory): the TUI's sample (src/snapshot/sample.ts) ships in
	// the package; the tree --plain names is made by `npm run fixtures` in a checkout.
	const packageDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
	const sampleRoot = path.join(packageDir, 'test', 'fixtures', 'trees', 'debian-6.12');
	if (json || plain || !process.stdout.isTTY) {
		const probes = snapshot ? (snapshot.probes.size > 0 ? snapshot.probes : null) : probe ? await probeAll(model) : null;
		if (advice && !probes) usageError(`--advice needs probe results, and the snapshot ${from} has none (it was taken without --probe).`);
		const advised = advice && probes ? (await import('./commands/advice.js')).adviceByInstance(model, probes) : null;
		// Who holds each instance, read after the probes so that their children are gone. A
		// snapshot's JSON already carries the owners it recorded.
		const owners = snapshot ? null : ownersByInstance(model, root);
		if (json) process.stdout.write(renderJson(model, probes, advised, owners));
		else {
			const shownOwners = owners ?? recordedOwners(model);
			process.stdout.write(renderPlain(model, {probes, owners: shownOwners, tryRoot: {path: sampleRoot, exists: existsSync(sampleRoot)}}));
			if (advised) process.stdout.write(`\n${(await import('./commands/advice.js')).renderAdvicePlain(advised)}`);
		}
		return;
	}
	const {runTui} = await loadInteractive(() => import('./tui.js'));
	// A snapshot cannot be read again: `r` shows it as it was.
	// A snapshot's recorded probes, or --probe's (run before the screen opens), show from the start.
	const initialProbes = snapshot ? snapshot.probes : probe ? await probeAll(model) : undefined;
	await runTui({root: model.root, model, probeTimeoutMs: timeout, concurrency, rescan: snapshot ? () => snapshot.model : rescanHost, samplePackage: packageDir, initialProbes});
}

main().catch((err: unknown) => {
	process.stderr.write(`mdevscope: ${err instanceof Error ? err.message : String(err)}\n`);
	process.exitCode = 1;
});
