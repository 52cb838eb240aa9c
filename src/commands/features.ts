// `mdevscope features [UUID...]` and `mdevscope export --dir DIR`: scan, probe, then print or write.
// The CLI parses the flags and calls these; they return the exit code. No Ink, no React.
import path from 'node:path';
import process from 'node:process';
import {withProbes} from '../model/instances.js';
import {PCI_ADDRESS_PATTERN, UUID_PATTERN, type HostModel, type Instance} from '../model/types.js';
import {probeInstances} from '../probe/runner.js';
import {clean} from '../present/text.js';
import {scanHost} from '../sysfs/scan.js';
import {featureBits} from '../features/bits.js';
import {exportable, type ExportReport, type InstanceExport, lockExportDir, planInstance, prepareExportDir, writeExport} from '../features/export.js';
import {renderFeaturesJson, renderFeaturesPlain} from '../output/features.js';
import {EX_NOINPUT, EX_USAGE} from '../exit-codes.js';

export interface FeaturesArgs {
	uuids: string[];
	json: boolean;
	root: string;
	timeoutMs: number;
	concurrency: number;
	/** `--probe-held`: ask a held device through its holder's fd (answers marked `borrowed`). */
	probeHeld?: boolean;
}

export interface ExportArgs {
	dir: string;
	root: string;
	timeoutMs: number;
	concurrency: number;
	probeHeld?: boolean;
}

// NVIDIA's SR-IOV vGPUs are named by their VF's PCI address (src/model/types.ts, Instance.uuid).
const say = (text: string): void => void process.stderr.write(`mdevscope: ${text}\n`);

function scan(root: string): HostModel | null {
	try {
		return scanHost(root);
	} catch (err) {
		say(err instanceof Error ? err.message : String(err));
		return null;
	}
}

/**
 * The instances `features` asks about: every active one, or those named (case aside, each once), and
 * the names that are not on the host. A uuid defined under several parents: the active one is the device.
 */
function select(model: HostModel, uuids: readonly string[]): {selected: Instance[]; missing: string[]} {
	if (uuids.length === 0) return {selected: model.instances.filter((i) => i.active), missing: []};
	const named = (u: string) => {
		const all = model.instances.filter((i) => i.uuid.toLowerCase() === u.toLowerCase());
		return all.find((i) => i.active) ?? all[0];
	};
	const selected: Instance[] = [];
	const missing: string[] = [];
	for (const u of uuids) {
		const found = named(u);
		if (!found) missing.push(u);
		else if (!selected.includes(found)) selected.push(found);
	}
	return {selected, missing: [...new Set(missing)]};
}

/** Exit codes: 0 printed; 1 a UUID given is not on this host (the others are printed); EX_USAGE, EX_NOINPUT. */
export async function runFeaturesCommand(argv: FeaturesArgs): Promise<number> {
	const bad = argv.uuids.find((u) => !UUID_PATTERN.test(u) && !PCI_ADDRESS_PATTERN.test(u));
	if (bad !== undefined) {
		say(`${JSON.stringify(bad)} is not a UUID (an mdev's name looks like 22222222-2222-2222-2222-222222222222) nor a vGPU VF's PCI address (0000:41:00.4).`);
		return EX_USAGE;
	}
	const model = scan(argv.root);
	if (!model) return EX_NOINPUT;

	const {selected, missing} = select(model, argv.uuids);
	const results = await probeInstances(
		model,
		selected.map((i) => i.uuid),
		{timeoutMs: argv.timeoutMs, concurrency: argv.concurrency, probeHeld: argv.probeHeld ?? false},
	);
	// The same instances, now with their probe results on them.
	const probed = withProbes(model, results);
	const rows = select(probed, argv.uuids).selected.map((instance) => ({instance, bits: featureBits(instance.uuid, instance.probe)}));
	process.stdout.write(argv.json ? renderFeaturesJson(probed, rows) : renderFeaturesPlain(rows));
	if (selected.length === 0 && missing.length === 0 && !argv.json) {
		say(`no active mdev instance under ${model.root} (mdevscope --plain shows what there is).`);
	}
	for (const u of missing) {
		const active = model.instances.filter((i) => i.active).map((i) => i.uuid);
		say(`no instance ${u} under ${model.root}${active.length > 0 ? ` (the active ones: ${active.join(', ')})` : ''}.`);
	}
	return missing.length > 0 ? 1 : 0;
}

/** What decides the export's content apart from the probes: rescanned after writing to catch changes made meanwhile. */
function fingerprint(model: HostModel): string {
	return JSON.stringify([
		model.instances.filter((i) => i.active).map((i) => [i.uuid, i.parent, i.mdevType, i.iommuGroup, i.driver]),
		model.parents.map((p) => [p.name, p.driver, p.types.map((t) => [t.id, t.availableInstances])]),
	]);
}

/** How often the export runs again when the host changed while it was writing. */
const MAX_ROUNDS = 3;

/**
 * Exit codes: 0 written; 2 DIR cannot be created or written; EX_NOINPUT the root cannot be read. A
 * uevent that arrives while an export runs (and is merged into it by systemd) is not lost: after
 * writing, the host is scanned again, and a change to its instances starts another round.
 */
export async function runExportCommand(argv: ExportArgs): Promise<number> {
	const dir = path.resolve(argv.dir);
	const prepared = prepareExportDir(dir);
	if (!prepared.ok) {
		say(prepared.error.message);
		return 2;
	}
	const lock = await lockExportDir(dir);
	if (!lock.ok) {
		say(lock.error.message);
		return 2;
	}
	try {
		let model = scan(argv.root);
		if (!model) return EX_NOINPUT;
		for (let round = 1; ; round++) {
			const {report, plan} = await exportOnce(model, dir, argv);
			printReport(report, plan);
			if (report.errors.length > 0) {
				for (const e of report.errors) say(e.message);
				say(`the export in ${dir} is incomplete (${report.errors.length} ${report.errors.length === 1 ? 'problem' : 'problems'} above). Check that ${dir} is writable and has room, then run it again.`);
				return 2;
			}
			const again = scan(argv.root);
			if (!again) return EX_NOINPUT;
			if (fingerprint(again) === fingerprint(model)) return 0;
			if (round === MAX_ROUNDS) {
				say(`the host's instances kept changing during ${MAX_ROUNDS} exports in a row; ${dir} shows the last state seen. Run it again when they settle.`);
				return 0;
			}
			process.stdout.write('the instances changed while exporting; exporting again\n');
			model = again;
		}
	} finally {
		lock.release();
	}
}

async function exportOnce(model: HostModel, dir: string, argv: ExportArgs): Promise<{report: ExportReport; plan: InstanceExport[]}> {
	// Only what gets a directory is probed (not SR-IOV VFs, not instances the scan saw go).
	const active = model.instances.filter((i) => exportable(i));
	const results = await probeInstances(
		model,
		active.map((i) => i.uuid),
		{timeoutMs: argv.timeoutMs, concurrency: argv.concurrency, probeHeld: argv.probeHeld ?? false},
	);
	const probed = withProbes(model, results);
	const plan = probed.instances.filter((i) => exportable(i)).map((i) => planInstance(probed, i));
	return {report: writeExport(dir, plan), plan};
}

function printReport(report: ExportReport, plan: InstanceExport[]): void {
	const lines: string[] = [];
	for (const entry of plan) {
		if (!report.written.includes(entry.uuid)) continue;
		const absent = entry.absent.length > 0 ? `; absent: ${entry.absent.join('; ')}` : '';
		lines.push(clean(`${entry.uuid} ${entry.mdevType ?? '-'}: written${absent}`));
	}
	for (const uuid of report.removed) lines.push(`${uuid}: removed (the instance is gone)`);
	for (const left of report.left) lines.push(clean(`${left.path}: ${left.reason}`));
	lines.push(
		`exported ${report.written.length} ${report.written.length === 1 ? 'instance' : 'instances'} to ${report.dir} (${report.changedFiles} ${report.changedFiles === 1 ? 'file' : 'files'} changed, ${report.removed.length} removed)`,
	);
	process.stdout.write(lines.map((l) => `${l}\n`).join(''));
}
