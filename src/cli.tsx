#!/usr/bin/env node
// The command: flags, mode choice, wiring. --json and --plain print and exit; only the interactive
// view loads Ink and React (lazily, below), so the non-interactive paths start fast and work
// without a terminal.
import {existsSync, statSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import v8 from 'node:v8';
import {fileURLToPath, pathToFileURL} from 'node:url';
import meow from 'meow';
import {footerHints, type Context} from './keymap.js';
import type {HostModel} from './model/types.js';
import {renderJson} from './output/json.js';
import {renderPlain} from './output/plain.js';
import {isEmptyHost} from './model/columns.js';
import {readOwners} from './owners/join.js';
import {probeResults, withProbes} from './model/instances.js';
import {errCode, errnoMeaning} from './sysfs/env.js';
import {EX_NOINPUT, EX_SOFTWARE, EX_USAGE} from './exit-codes.js';
import {scanHost} from './sysfs/scan.js';
import {rescanHost} from './sysfs/rescan.js';
import {BUILD, versionLine} from './build-info.js';
import {assetSampleFiles, openSampleHost, sampleFiles, type SampleFiles} from './snapshot/sample.js';

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

// Exit codes every command shares, in every --help (src/exit-codes.ts has the reasons).
const EXIT_CODES = `
	  64                 A wrong option, argument or value (with a "mdevscope: ..." message)
	  66                 A snapshot or tree that cannot be read, or a file that is not a snapshot
	  70                 mdevscope itself failed (a bug: the message says what happened)`;

const help = `
	Usage
	  $ mdevscope [options]
	  $ mdevscope doctor [--root DIR | --sample] [--json]
	  $ mdevscope --from FILE [--plain | --json]
	  $ mdevscope --sample [--plain | --json]
	  $ mdevscope compare SOURCE DEST [--uuid UUID]... [--json]
	  $ mdevscope features [UUID...] [--json]
	  $ mdevscope export [--dir DIR]
	  $ mdevscope start|stop|define|undefine|modify -u UUID [-p PARENT -t TYPE] [--dry-run]
	  $ mdevscope COMMAND --help

	Shows every VFIO mediated device (mdev) on this host: the parent devices, the mdev types
	they offer, the instances (active, and defined in mdevctl but not active), and with
	--probe what the kernel says each active instance can do. When stdin and stdout are both
	a terminal it opens an interactive view; otherwise it prints the table --plain prints.

	Options
	  --root DIR         Read /sys, /proc, /dev and /etc under DIR instead of / (a captured tree)
	  --from FILE        Open a snapshot (saved \`mdevscope --json --probe\` output) like a live host,
	                     marked as recorded, with its host name and time and its recorded probes
	  --sample           Show the sample host that comes with mdevscope instead of this one: a
	                     tree recorded on Debian 6.12 with the kernel's mdev sample drivers, with
	                     the answers its instances gave to the probes there (marked as such)
	  --json             Print everything as JSON (the schema is in the README)
	  --with-cmdline     With --json: keep each owner's full command line (owners[].cmdline),
	                     left out by default: QEMU's argv can hold passwords and secret paths
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
	  --mouse            In the interactive view: the wheel moves the list under the pointer,
	                     a click selects (off by default; M turns it on and off there)
	  --allow-write      In the interactive view: the keys that write (marked ! in its help:
	                     create, start, stop, define, undefine, autostart) on from the start;
	                     W turns them on and off there. Each asks first, naming what it writes
	  --backend B        How the interactive view's writes are made: auto, mdevctl or sysfs
	                     (mdevscope start --help)
	  -h, --help         Show this help (after a command: that command's help)
	  -V, --version      Show the version

	Commands (each has its own --help)
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
	                     Exit 0 all ok, 1 any risky, 2 any blocked (the report is on stdout).

	  features [UUID...] Per instance the feature bits the kernel's answers give (display_region
	                     0x1, display_dmabuf 0x2, migration 0x4) and which of them are known
	                     (probes this host: run as root). Exit 1 when a UUID given is not there.
	  export [--dir DIR] Write those bits as 0/1 files, sysfs-style, under DIR (default
	                     /run/mdevscope): DIR/<uuid>/features/<name>, mdev_type, parent,
	                     available_instances, host_driver, host_driver_version, probed_at.
	                     Writes only inside DIR. Exit 2 when DIR cannot be written.

	  start, stop, define, undefine, modify
	                     Act, with mdevctl's commands and flags: create or start a device,
	                     remove it, define it in mdevctl's store (/etc/mdevctl.d), undefine
	                     it, change its autostart; on NVIDIA SR-IOV GPUs assign a vGPU type to
	                     a VF and release it. Through mdevctl when it is installed, else sysfs
	                     and the store directly. A device a process holds is never stopped,
	                     released or undefined. --dry-run prints the writes and makes none.
	                     Exit 1 a write failed, 2 refused before any write.

	Exit codes
	  0                  Done (the commands add their verdicts above)${EXIT_CODES}

	Keys in the interactive view (? there lists them all)
${keyLines(['parents', 'types', 'instances', 'detail', 'lists', 'global']).join('\n')}
	Keys in the compare view
${keyLines(['compare', 'global']).join('\n')}

	Examples
	  $ mdevscope
	  $ mdevscope --plain --probe
	  $ mdevscope --json | jq '.parents[].types[] | {id, availableInstances}'
	  $ mdevscope --sample
	  $ mdevscope doctor
	  $ mdevscope --json --probe > host-a.json; mdevscope --from host-a.json
	  $ mdevscope compare host-a.json local --uuid 11111111-1111-1111-1111-111111111111
`;

// Each command's own --help: what it does, the options that apply to it, its exit codes.
const probeOptions = `
	  --root DIR         Read the tree under DIR instead of this host (a tree is never probed)
	  --timeout MS       Give up on one instance's probe after MS milliseconds (default ${DEFAULT_TIMEOUT_MS})
	  --concurrency N    Probe at most N instances at once (default ${DEFAULT_CONCURRENCY})`;
const probeHeldOption = `
	  --probe-held       Probe a device a VM holds through the VM's own fd (root; Linux 5.6+)`;
const commandOptions = `
	  -h, --help         Show this help
	  -V, --version      Show the version`;

const uuidOption = `
	  -u, --uuid UUID    The device: an mdev's UUID (an NVIDIA SR-IOV vGPU: its VF's PCI address)`;
const parentOption = `
	  -p, --parent NAME  Its parent, as mdevscope --plain lists it (0000:3b:00.0, mtty)`;
const typeOption = `
	  -t, --type TYPE    Its type id (nvidia-231, mdpy-vga; an NVIDIA SR-IOV type number)`;
const actionOptions = `
	  --dry-run          Print what would be written where, and write nothing
	  --json             Print the plan, each write's result and the device's state after, as JSON
	  --backend B        auto (default: mdevctl when installed and on this host, else sysfs),
	                     mdevctl (run mdevctl, which runs the vendors' callout scripts), or sysfs
	                     (write sysfs and /etc/mdevctl.d directly, as mdevctl would)
	  --root DIR         Act on the tree under DIR (files only: no kernel acts on them)${commandOptions}`;
const actionExits = `
	Safety
	  A device a process holds (its /dev/vfio group or device file open) is not stopped,
	  released or undefined: the refusal names the holder (stop the VM first); when the
	  holders cannot be read (not root) nothing is done either. MDEVSCOPE_READ_ONLY=1 in
	  the environment or the file /etc/mdevscope/read-only locks every write off.

	Exit codes
	  0                  Done (with --dry-run: planned, nothing written)
	  1                  A write failed: the message says what was written where, the errno
	                     and what it means; what a failed create had done is undone
	  2                  Refused before any write (held, no free instance, not found, locked)${EXIT_CODES}
`;
const actionHelp = (usage: string, what: string, names: string, extra = ''): string => `
	Usage
	  $ mdevscope ${usage}

${what}

	Options${names}${extra}${actionOptions}
${actionExits}`;

const commandHelp: Record<Command, string> = {
	start: actionHelp(
		'start -u UUID [-p PARENT]  |  start [-u UUID] -p PARENT -t TYPE [--define [--auto|--manual]]',
		`	Starts a defined device (-u alone; -p when it is defined under several parents), or
	creates a device of TYPE on PARENT (a new UUID, printed alone on stdout, unless -u gives
	one): transient unless --define defines it too. Refused when the type has no free
	instance (available_instances 0, with the reason) or the UUID is active already.
	NVIDIA SR-IOV: -u VF -t TYPE assigns the type to that VF, -p GPU -t TYPE to its first free
	VF that lists the type (nvidia/current_vgpu_type).`,
		uuidOption + parentOption + typeOption,
		`
	  --define           Define the device as well (undone together when either fails)
	  -a, --auto         With --define: start it automatically when its parent appears
	  -m, --manual       With --define: start it only when asked (the default)`,
	),
	stop: actionHelp(
		'stop -u UUID',
		`	Removes an active device (writes 1 to its remove file); a defined one stays defined.
	NVIDIA SR-IOV: -u VF releases the VF's vGPU (writes 0 to nvidia/current_vgpu_type, tried
	again for a few seconds while the VF is busy after its VM closed it).`,
		uuidOption,
	),
	define: actionHelp(
		'define -u UUID [--auto|--manual]  |  define [-u UUID] -p PARENT -t TYPE [--auto|--manual]',
		`	Defines a device in mdevctl's store (/etc/mdevctl.d/PARENT/UUID, JSON as mdevctl writes
	it): a running device as it runs (-u alone), or TYPE on PARENT (a new UUID, printed alone
	on stdout, unless -u gives one). Does not start it.`,
		uuidOption + parentOption + typeOption,
		`
	  -a, --auto         Start it automatically when its parent appears (at boot)
	  -m, --manual       Start it only when asked (the default)`,
	),
	undefine: actionHelp(
		'undefine -u UUID [-p PARENT]',
		`	Removes the device's definitions (under PARENT only, with -p); a running device keeps
	running and is gone after a reboot.`,
		uuidOption + parentOption,
	),
	modify: actionHelp(
		'modify -u UUID [-p PARENT] [--auto|--manual] [-t TYPE]',
		`	Changes a definition: its autostart, or its type (a running device keeps its type until
	it is started again).`,
		uuidOption + parentOption + typeOption,
		`
	  -a, --auto         Start it automatically when its parent appears (at boot)
	  -m, --manual       Start it only when asked`,
	),
	doctor: `
	Usage
	  $ mdevscope doctor [--root DIR | --sample] [--json]

	Checks this host (or the tree under --root DIR) for what mdev needs: IOMMU, modules,
	/dev/vfio, parents, why a type has no free instance, vendor conditions. Each check says
	ok, warn or fail, what was seen, and the fix. Reads only.

	Options
	  --root DIR         Check the tree under DIR instead of this host
	  --sample           Check the sample host that comes with mdevscope (mdevscope --help)
	  --json             Print the checks as JSON (the shape is in docs/doctor.md)${commandOptions}

	Exit codes
	  0                  No check failed (warnings do not fail)
	  1                  A check failed${EXIT_CODES}
`,
	compare: `
	Usage
	  $ mdevscope compare SOURCE DEST [--uuid UUID]... [--json | --plain]

	Can DEST take SOURCE's instances when their VMs migrate? SOURCE and DEST are snapshot
	files (saved \`mdevscope --json --probe\` output), or - or local for this host (scanned and
	probed now; with --root DIR, that tree). Per instance ok / risky / blocked, with the
	reasons. When stdin and stdout are both a terminal: an interactive view, then on q the
	report is printed; otherwise the report is printed straight away.

	Options
	  --uuid UUID        Compare only this instance of SOURCE (repeatable)
	  --json             Print the comparison as JSON
	  --plain            Print the report, even on a terminal${probeOptions}${commandOptions}

	Exit codes
	  0                  Every instance ok
	  1                  Some instance risky, none blocked
	  2                  Some instance blocked${EXIT_CODES}
`,
	features: `
	Usage
	  $ mdevscope features [UUID...] [--json]

	Per active instance (or the ones named) the feature bits the kernel's answers give
	(display_region 0x1, display_dmabuf 0x2, migration 0x4) and which of them are known.
	Probes this host: run as root.

	Options
	  --json             Print the bits as JSON${probeOptions}${probeHeldOption}${commandOptions}

	Exit codes
	  0                  Printed
	  1                  A UUID given is not an instance here (the others are printed)${EXIT_CODES}
`,
	export: `
	Usage
	  $ mdevscope export [--dir DIR]

	Probes this host's active instances and writes their feature bits as 0/1 files,
	sysfs-style, under DIR: DIR/<uuid>/features/<name>, mdev_type, parent,
	available_instances, host_driver, host_driver_version, probed_at. Writes only inside
	DIR, and removes the directories of instances that are gone.

	Options
	  --dir DIR          Where to write (default /run/mdevscope)${probeOptions}${probeHeldOption}${commandOptions}

	Exit codes
	  0                  Written
	  2                  DIR cannot be created or written${EXIT_CODES}
`,
};

const flagSpec = {
	root: {type: 'string', default: '/'},
	json: {type: 'boolean', default: false},
	withCmdline: {type: 'boolean', default: false},
	plain: {type: 'boolean', default: false},
	probe: {type: 'boolean', default: false},
	probeHeld: {type: 'boolean', default: false},
	advice: {type: 'boolean', default: false},
	timeout: {type: 'number', default: DEFAULT_TIMEOUT_MS},
	concurrency: {type: 'number', default: DEFAULT_CONCURRENCY},
	color: {type: 'boolean', default: true},
	mouse: {type: 'boolean', default: false},
	from: {type: 'string'},
	sample: {type: 'boolean', default: false},
	uuid: {type: 'string', isMultiple: true, shortFlag: 'u'},
	parent: {type: 'string', shortFlag: 'p'},
	type: {type: 'string', shortFlag: 't'},
	auto: {type: 'boolean', shortFlag: 'a', default: false},
	manual: {type: 'boolean', shortFlag: 'm', default: false},
	define: {type: 'boolean', default: false},
	dryRun: {type: 'boolean', default: false},
	backend: {type: 'string', default: 'auto'},
	allowWrite: {type: 'boolean', default: false},
	dir: {type: 'string', default: '/run/mdevscope'},
	help: {type: 'boolean', shortFlag: 'h', default: false},
	version: {type: 'boolean', shortFlag: 'V', default: false},
} as const;

/** What a flag that takes a value wants, for the message when it has none. */
const VALUE_OF: Partial<Record<keyof typeof flagSpec, string>> = {
	root: 'a directory (the root of a captured tree, or / for this host)',
	from: 'a snapshot file',
	timeout: 'a number of milliseconds',
	concurrency: 'a number',
	uuid: "an instance's UUID",
	parent: "a parent's name (as mdevscope --plain lists it: 0000:3b:00.0, mtty)",
	type: 'a type id (nvidia-231, mtty-2; an NVIDIA SR-IOV type number)',
	backend: 'auto, mdevctl or sysfs',
	dir: 'a directory',
};

/** Exit 64 (EX_USAGE) with a message that says what was wrong and where to look. */
function usageError(message: string): never {
	process.stderr.write(`mdevscope: ${message}\nRun \`mdevscope${command === undefined ? '' : ` ${command}`} --help\` for the options.\n`);
	process.exit(EX_USAGE);
}

interface Argv {
	/** The arguments that are not options, in order: the command word first. */
	positionals: string[];
	help: boolean;
	version: boolean;
	/** The first thing wrong with the options, said as a usage error. */
	problem: string | null;
	/** Each value option as typed (for messages about it), by flag name. */
	values: Map<string, string>;
}

/**
 * Reads argv the way meow will (yargs-parser), to say what is wrong in our words before meow
 * says it in its own (a bare "Unknown flag", a thrown "can only be set once") or quietly takes
 * `--root` with no value as "", and to find the command word and --help before anything runs.
 */
function readArgv(argv: readonly string[]): Argv {
	const out: Argv = {positionals: [], help: false, version: false, problem: null, values: new Map()};
	const seen = new Set<string>();
	const fail = (message: string) => void (out.problem ??= message);
	const shortFlags: Record<string, string> = {h: 'help', V: 'version', u: 'uuid', p: 'parent', t: 'type', a: 'auto', m: 'manual'};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (arg === '--') {
			out.positionals.push(...argv.slice(i + 1));
			break;
		}
		// `-` is an argument (compare's "this host"), and so is what does not start with a dash.
		if (!arg.startsWith('-') || arg === '-') {
			out.positionals.push(arg);
			continue;
		}
		const long = arg.startsWith('--');
		const [spelled, inline] = long ? [arg.slice(2).split('=')[0]!, arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : undefined] : [arg.slice(1), undefined];
		// meow takes --probe-held for the flag declared as probeHeld, and --no-color for color.
		let name: string = long ? spelled.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) : (shortFlags[spelled] ?? '');
		const negated = long && name.startsWith('no') && !(name in flagSpec) && /^no[A-Z]/.test(name);
		if (negated) name = name[2]!.toLowerCase() + name.slice(3);
		const spec = (flagSpec as Record<string, {type: string; isMultiple?: boolean}>)[name];
		if (spec === undefined || (negated && spec.type !== 'boolean')) {
			fail(`unknown option ${arg}.`);
			continue;
		}
		if (name === 'help') out.help = true;
		if (name === 'version') out.version = true;
		if (seen.has(name) && !spec.isMultiple) fail(`--${spelled.replace(/^no-/, '')} is given more than once; give it once.`);
		seen.add(name);
		if (spec.type === 'boolean') continue;
		let value = inline;
		// As yargs-parser: the next word is the value unless it is an option (a negative number is a value).
		if (value === undefined && i + 1 < argv.length && (!argv[i + 1]!.startsWith('-') || argv[i + 1] === '-' || /^-\d/.test(argv[i + 1]!))) value = argv[++i];
		if (value === undefined || value === '') fail(`--${spelled} needs a value: ${VALUE_OF[name as keyof typeof flagSpec]}.`);
		else out.values.set(name, value);
	}
	return out;
}

// Subcommands: the first word, when there is one. Each names its own arguments below.
const ACTIONS = ['start', 'stop', 'define', 'undefine', 'modify'] as const;
const COMMANDS = ['doctor', 'compare', 'features', 'export', ...ACTIONS] as const;
type Command = (typeof COMMANDS)[number];
const argv = readArgv(process.argv.slice(2));
const [commandWord, ...commandArgs] = argv.positionals;
const command = (COMMANDS as readonly string[]).includes(commandWord ?? '') ? (commandWord as Command) : undefined;

// --help and --version win over everything else, and come before anything is read or written.
const helpOrVersion = argv.help || argv.version;
if (argv.problem !== null && !helpOrVersion) usageError(argv.problem);
let cli: ReturnType<typeof meow<typeof flagSpec>>;
try {
	cli = meow(command === undefined ? help : commandHelp[command], {
		// meow looks for package.json from here; the single executable has none (its data: URL
		// module is no file), so it is told the package's name, version and description instead.
		importMeta: BUILD.singleFile ? ({url: pathToFileURL(process.execPath).href} as ImportMeta) : import.meta,
		pkg: {name: 'mdevscope', version: BUILD.version, description: BUILD.description},
		// Only the help text and the version are wanted then: nothing else to parse (or reject).
		...(helpOrVersion ? {argv: []} : {}),
		// readArgv has checked the options; meow's own check would also reject `-` (this host).
		allowUnknownFlags: true,
		autoHelp: false,
		autoVersion: false,
		...(command === undefined ? {} : {description: false}),
		flags: flagSpec,
	});
} catch (err) {
	usageError(err instanceof Error ? err.message : String(err));
}
if (argv.help) cli.showHelp(0);
if (argv.version) {
	process.stdout.write(`${versionLine()}\n`);
	process.exit(0);
}

if (commandWord !== undefined && command === undefined) {
	usageError(`unknown command ${JSON.stringify(commandWord)}; the commands are ${COMMANDS.join(', ')} (to read a tree, use --root ${commandWord}).`);
}
if (command === 'doctor' && commandArgs.length > 0) usageError(`doctor takes no arguments (got ${JSON.stringify(commandArgs[0])}).`);
if (command === 'export' && commandArgs.length > 0) usageError(`export takes no arguments (got ${JSON.stringify(commandArgs[0])}); the directory is --dir DIR.`);
const {root, json, plain, probe, advice, timeout, concurrency, color, from, sample} = cli.flags;
if (json && plain) usageError('--json and --plain both say how to print; give one.');
// The interactive views read keys from stdin and draw on stdout: both must be a terminal
// (Ink's raw mode fails on a stdin that is not); otherwise what --plain prints.
const onTerminal = Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY);
const probeHeld = cli.flags.probeHeld;
const uuids = cli.flags.uuid ?? [];
if (command === 'compare' && commandArgs.length !== 2) {
	usageError(`compare needs two arguments, SOURCE and DEST (each a snapshot file, or - or local for this host); got ${commandArgs.length}.`);
}
const isAction = (ACTIONS as readonly string[]).includes(command ?? '');
/** No command and neither --json nor --plain: the interactive view (on a terminal), where --backend and --allow-write apply. */
const interactiveView = command === undefined && !json && !plain;
if (uuids.length > 0 && command !== 'compare' && !isAction) usageError('--uuid belongs to compare (mdevscope compare SOURCE DEST --uuid UUID) and to start, stop, define, undefine and modify (-u UUID).');
if (isAction) {
	if (commandArgs.length > 0) usageError(`${command} takes no arguments (got ${JSON.stringify(commandArgs[0])}): the device is -u UUID, as in mdevctl.`);
	if (uuids.length > 1) usageError(`${command} acts on one device: give -u UUID once.`);
	if (cli.flags.auto && cli.flags.manual) usageError("--auto and --manual both say how the device starts; give one (mdevctl: \"'auto' and 'manual' are mutually exclusive\").");
	if (plain) usageError(`${command} prints what it did; --plain is for the inventory (--json gives ${command}'s result as JSON).`);
	if (cli.flags.define && command !== 'start') usageError(`--define goes with start (create and define in one); to define, run mdevscope define.`);
	if ((cli.flags.auto || cli.flags.manual) && (command === 'stop' || command === 'undefine' || (command === 'start' && !cli.flags.define))) {
		usageError(`--${cli.flags.auto ? 'auto' : 'manual'} sets how a definition starts: it goes with define, modify and start --define, not ${command}.`);
	}
	if (command === 'stop' && (cli.flags.parent !== undefined || cli.flags.type !== undefined)) usageError('stop takes -u UUID only: a running device is named by its UUID alone.');
	if (command === 'undefine' && cli.flags.type !== undefined) usageError('undefine takes -u UUID [-p PARENT]: no type.');
} else {
	for (const [flag, given] of [
		['--parent', cli.flags.parent !== undefined],
		['--type', cli.flags.type !== undefined],
		['--auto', cli.flags.auto],
		['--manual', cli.flags.manual],
		['--define', cli.flags.define],
		['--dry-run', cli.flags.dryRun],
	] as const) {
		if (given) usageError(`${flag} belongs to start, stop, define, undefine and modify (mdevscope start --help).`);
	}
	if (cli.flags.backend !== 'auto' && !interactiveView) usageError('--backend belongs to the action commands (mdevscope start --help) and the interactive view.');
}
if (!['auto', 'mdevctl', 'sysfs'].includes(cli.flags.backend)) usageError(`--backend ${cli.flags.backend}: give auto (mdevctl when installed, else sysfs), mdevctl or sysfs.`);
if (cli.flags.allowWrite && (!interactiveView || from !== undefined || sample)) {
	usageError('--allow-write turns on the interactive view\'s keys that write (W does the same there); a recording or the sample host has no host to write to, and the commands (start, stop, ...) write when run.');
}
if (from !== undefined) {
	if (command !== undefined) usageError(`--from opens a snapshot in the views; ${command} does not read snapshots${command === 'compare' ? ' through --from (give the files as SOURCE and DEST)' : ''}.`);
	if (root !== '/') usageError('--from and --root both say where to read from; give one.');
}
if (sample) {
	if (command !== undefined && command !== 'doctor') usageError(`--sample opens the sample host in the views and in doctor; ${command} reads this host (or --root DIR).`);
	if (from !== undefined || root !== '/') usageError(`--sample and ${from !== undefined ? '--from' : '--root'} both say where to read from; give one.`);
	if (probe) usageError("--sample shows the answers its instances gave when it was recorded; --probe would ask this host's kernel, which has none of them.");
}
// features and export always probe: --probe-held goes with them as it goes with --probe.
const alwaysProbes = command === 'features' || command === 'export';
if (probeHeld && !alwaysProbes && (!probe || from !== undefined || command !== undefined)) {
	usageError('--probe-held goes with --probe (and --json or --plain), features or export on a live host: it changes how a held device is probed.');
}
if (probeHeld && !alwaysProbes && !json && !plain && onTerminal) {
	usageError('--probe-held is for --json and --plain; in the interactive view press B on a held instance (it asks first, naming the VM).');
}
if (cli.flags.withCmdline && (!json || command !== undefined)) {
	usageError("--with-cmdline goes with --json (mdevscope --json, or --from FILE --json): it keeps each owner's full command line in the JSON, which is left out by default.");
}
if (advice && !probe && from === undefined) usageError('--advice needs --probe: the advice comes from what the kernel says about each device.');
/** A count or a time: a whole number above 0, with what is wrong said apart (not a number, not whole, not above 0). */
function checkCount(flag: string, value: number, unit: string): void {
	const given = argv.values.get(flag) ?? String(value);
	if (Number.isNaN(value)) usageError(`--${flag} ${given}: not a number; give a whole number of ${unit} above 0.`);
	if (!Number.isInteger(value)) usageError(`--${flag} ${given}: not a whole number; give a whole number of ${unit} above 0.`);
	if (value <= 0) usageError(`--${flag} ${given}: must be above 0 (a whole number of ${unit}).`);
}
checkCount('timeout', timeout, 'milliseconds');
checkCount('concurrency', concurrency, 'probes at once');

function checkRoot(dir: string): void {
	let isDir: boolean;
	try {
		isDir = statSync(dir).isDirectory();
	} catch (err) {
		const code = errCode(err);
		inputError(`--root ${dir}: ${code === 'ENOENT' ? 'no such directory' : `${code}, ${errnoMeaning(code)}`}. Give the directory that holds a tree's sys/ (or / for this host).`);
	}
	if (!isDir) inputError(`--root ${dir}: not a directory. Give the directory that holds a tree's sys/ (or / for this host).`);
}

// `mdevscope --plain | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
	if (err.code === 'EPIPE') process.exit(0);
	throw err;
});

/** The model with every active instance's probe result on it. */
async function probeAll(model: HostModel): Promise<HostModel> {
	const {probeInstances} = await import('./probe/runner.js');
	// A gone instance vanished during the scan: nothing to open.
	const uuids = model.instances.filter((i) => i.active && !i.gone).map((i) => i.uuid);
	const results = await probeInstances(model, uuids, {timeoutMs: timeout, concurrency, probeHeld});
	return withProbes(model, results);
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

/** A snapshot or tree that cannot be read (or is not one): exit 66 (EX_NOINPUT), saying what is wrong with it; no usage hint. */
function inputError(message: string): never {
	process.stderr.write(`mdevscope: ${message}\n`);
	process.exit(EX_NOINPUT);
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
	const {runCompareCommand, CompareInputError} = await import('./commands/compare.js');
	const interactive = !json && !plain && onTerminal;
	try {
		process.exitCode = await runCompareCommand({
			source: commandArgs[0]!,
			dest: commandArgs[1]!,
			uuids,
			json,
			show: interactive ? async (comparison) => (await loadInteractive(() => import('./terminal/compare-tui.js'))).runCompareTui(comparison) : undefined,
			// This host is probed now (as root, read-only: the probe opens devices, never writes).
			local: async () => {
				checkRoot(root);
				const model = scanHost(root);
				return {name: root === '/' ? 'this host' : `--root ${root}`, model: await probeAll(model)};
			},
		});
	} catch (err) {
		if (err instanceof CompareInputError) (err.usage ? usageError : inputError)(err.message);
		throw err;
	}
}

/**
 * The package directory (src/ and dist/ are both one level below it); none in the single executable,
 * whose files are inside it.
 */
const packageDir = BUILD.singleFile ? null : path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The sample host that comes with mdevscope (src/snapshot/sample.ts): the package's files, or the
 * single executable's assets. Null when a checkout lacks them.
 */
async function bundledSample(): Promise<SampleFiles | null> {
	if (packageDir !== null) return sampleFiles(packageDir);
	const {getAsset} = await import('node:sea');
	return assetSampleFiles((name) => getAsset(name));
}

function openBundledSample(files: SampleFiles | null): ReturnType<typeof openSampleHost> {
	if (files === null) inputError(`--sample: this copy of mdevscope has no sample host (${packageDir === null ? 'the executable' : packageDir} lacks it).`);
	try {
		return openSampleHost(files);
	} catch (err) {
		inputError(`--sample: ${err instanceof Error ? err.message : String(err)}`);
	}
}

async function main(): Promise<void> {
	if (command === 'compare') return runCompare();
	if (isAction) {
		checkRoot(root);
		const {runActionCommand} = await import('./commands/actions.js');
		const flags = cli.flags;
		process.exitCode = runActionCommand({
			request: {
				operation: command as (typeof ACTIONS)[number],
				uuid: uuids[0] ?? null,
				parent: flags.parent ?? null,
				mdevType: flags.type ?? null,
				autostart: flags.auto ? true : flags.manual ? false : null,
				define: flags.define,
			},
			root,
			json,
			dryRun: flags.dryRun,
			backend: flags.backend as 'auto' | 'mdevctl' | 'sysfs',
		});
		return;
	}
	if (command === 'features' || command === 'export') {
		checkRoot(root);
		const {runFeaturesCommand, runExportCommand} = await import('./commands/features.js');
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
			if (err instanceof SnapshotError) inputError(err.message);
			throw err;
		}
	});
	if (snapshot === null && !sample) checkRoot(root);
	if (command === undefined && !json && !plain && onTerminal) keepTuiHeapSmall();
	const sampleSource = await bundledSample();
	// --sample: the bundled tree, read like --root's, with the probe answers recorded with it.
	const shownSample = sample ? openBundledSample(sampleSource) : null;
	const readRoot = shownSample?.root ?? root;
	const model = snapshot?.model ?? shownSample ?? scanHost(root);
	if (command === 'doctor') {
		const {runDoctorCommand} = await import('./commands/doctor.js');
		process.exitCode = runDoctorCommand(model, readRoot, {json});
		return;
	}
	// A recording (snapshot, sample) carries the probe answers it was recorded with; this host is probed for --probe.
	const recorded = snapshot !== null || shownSample !== null;
	const probed = recorded ? probeResults(model).length > 0 : probe;
	// --probe's answers (on the screen from the start: they run before it opens).
	const withAnswers = !recorded && probe ? await probeAll(model) : model;
	if (json || plain || !onTerminal) {
		if (advice && !probed) usageError(`--advice needs probe results, and the snapshot ${from} has none (it was taken without --probe).`);
		// Who holds each instance, read after the probes so that their children are gone. A
		// snapshot carries the owners it recorded.
		const observed = snapshot ? withAnswers : readOwners(withAnswers, readRoot);
		if (json) process.stdout.write(renderJson(observed, {advice, withCmdline: cli.flags.withCmdline}));
		else {
			// Where there is no mdev, the doctor says what is missing.
			const doctor = isEmptyHost(observed) ? (await import('./doctor/view.js')).doctorOf(observed) : undefined;
			process.stdout.write(renderPlain(observed, {probed, owners: true, trySample: sampleSource !== null, ...(doctor ? {doctor} : {})}));
			if (advice) process.stdout.write(`\n${(await import('./commands/advice.js')).renderAdvicePlain(observed)}`);
		}
		return;
	}
	const {runTui} = await loadInteractive(() => import('./terminal/tui.js'));
	// The keys that write act on this host (or --root tree), never on a recording or the sample.
	const canWrite = snapshot === null && shownSample === null;
	const lock = canWrite ? (await import('./actions/host.js')).writeLock(root) : null;
	// A snapshot cannot be read again: `r` shows it as it was.
	await runTui({root: model.root, model: withAnswers, probeTimeoutMs: timeout, concurrency, rescan: snapshot ? () => snapshot.model : rescanHost, sample: sampleSource, mouse: cli.flags.mouse,
		...(canWrite ? {writes: {on: cli.flags.allowWrite && lock === null, lock}, actions: {root, backend: cli.flags.backend as 'auto' | 'mdevctl' | 'sysfs'}} : {})});
}

main().catch((err: unknown) => {
	process.stderr.write(`mdevscope: ${err instanceof Error ? err.message : String(err)}\n`);
	process.exitCode = EX_SOFTWARE;
});
