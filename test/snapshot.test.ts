// Snapshots: `--json --probe` output read back (src/snapshot/load.ts) as the same model, marked as
// recorded; every kind of bad file refused with the field and what was expected; and `--from`
// showing a snapshot with the same plain and JSON output as the host it was taken from.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import type {ProbeResult} from '../src/model/probe.js';
import type {HostModel} from '../src/model/types.js';
import {renderJson} from '../src/output/json.js';
import {loadSnapshot, parseSnapshot, SnapshotError} from '../src/snapshot/load.js';
import {scanHost} from '../src/sysfs/scan.js';
import {cli as runCli} from './helpers/cli.js';
import {detailLines} from '../src/present/detail-lines.js';
import {lineText} from '../src/present/line.js';
import {instanceOwners, withProbes} from '../src/model/instances.js';
import {parentRows} from '../src/state/views.js';

const project = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const trees = path.join(project, 'test', 'fixtures', 'trees');
const debian612 = path.join(trees, 'debian-6.12');
const MTTY = '11111111-1111-1111-1111-111111111111';

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}

const cli = (...args: string[]): Promise<Run> => runCli(args);

function tempDir(t: import('ava').ExecutionContext): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'mdevscope-snapshot-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	return dir;
}

/** mtty on 6.12 as the kernel answered (test/fixtures/captured/README.md): migration flags 0x7. */
function mttyProbe(): ProbeResult {
	return {
		uuid: MTTY,
		outcome: 'ok',
		summary: 'no display, migration STOP_COPY|P2P|PRE_COPY, DMA logging',
		probedAt: '2026-11-24T18:16:30.000Z',
		durationMs: 410.5,
		via: 'direct',
		steps: [
			{step: 'open /dev/vfio/vfio', ok: true},
			{step: 'VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|REGION)', ok: false, errno: 25, code: 'ENOTTY', meaning: 'not supported by this device'},
		],
		device: {flags: 2, flagNames: ['PCI'], numRegions: 9, numIrqs: 5},
		regions: [{index: 0, name: 'BAR0', flags: 3, flagNames: ['READ', 'WRITE'], size: 8, offset: 0, caps: []}],
		irqs: [{index: 0, name: 'INTX', flags: 7, flagNames: ['EVENTFD', 'MASKABLE', 'AUTOMASKED'], count: 1}],
		display: {region: {supported: false, code: 'ENOTTY'}, dmabuf: {supported: false, code: 'ENOTTY'}, plane: null, planeNote: 'no display'},
		migration: {supported: true, flags: 7, flagNames: ['STOP_COPY', 'P2P', 'PRE_COPY']},
		dmaLogging: {supported: true},
	};
}

/** The 6.12 capture as a live host would print it with --json --probe (mtty probed). */
function liveJson(edit: (m: HostModel) => HostModel = (m) => m): {model: HostModel; text: string} {
	const scanned = scanHost(debian612);
	const model = edit({...scanned, root: '/', source: {kind: 'live', label: null, recordedAt: null}});
	return {model, text: renderJson(withProbes(model, [mttyProbe()]))};
}

test('round trip: --json --probe output loads as the same model, marked as a snapshot, its probe results kept', (t) => {
	const {model, text} = liveJson((m) => ({...m, host: {...m.host, hostname: 'host-a'}}));
	const s = parseSnapshot(text, '/x/host-a.json');
	t.deepEqual(s.model.source, {kind: 'snapshot', label: 'host-a', recordedAt: model.scannedAt});
	const {probe, ...mtty} = s.model.instances.find((i) => i.uuid === MTTY)!;
	t.deepEqual(probe, mttyProbe());
	t.deepEqual({...s.model, instances: [mtty, ...s.model.instances.filter((i) => i.uuid !== MTTY)]}, {
		...model,
		source: s.model.source,
		instances: [model.instances.find((i) => i.uuid === MTTY)!, ...model.instances.filter((i) => i.uuid !== MTTY)],
	});
	t.deepEqual(s.model.instances.filter((i) => i.probe).map((i) => i.uuid), [MTTY], 'the probe is on its instance only');
	// Written out again, only the source differs.
	const again = JSON.parse(renderJson(s.model)) as HostModel;
	t.deepEqual(again, {...(JSON.parse(text) as HostModel), source: {kind: 'snapshot', label: 'host-a', recordedAt: model.scannedAt}});
	// A snapshot of a snapshot keeps the first recording's name and time.
	const twice = parseSnapshot(renderJson(s.model), '/y/copy.json');
	t.deepEqual(twice.model.source, s.model.source);
	t.deepEqual(twice.model, s.model);
});

test('the label: the host name, else the file name (also for the kernel\'s "(none)")', (t) => {
	t.is(parseSnapshot(liveJson().text, '/x/snap-a.json').model.source.label, 'snap-a.json');
	const none = liveJson((m) => ({...m, host: {...m.host, hostname: '(none)'}}));
	t.is(parseSnapshot(none.text, '/x/vm.json').model.source.label, 'vm.json');
});

test('fields this version does not know are kept; derived advice is dropped (worked out again from the probe)', (t) => {
	const json = JSON.parse(liveJson().text) as Record<string, any>;
	json.parents[0].futureField = {x: 1};
	json.instances[0].advice = {libvirt: []};
	const s = parseSnapshot(JSON.stringify(json), 'f.json');
	t.deepEqual((s.model.parents[0] as unknown as Record<string, unknown>).futureField, {x: 1});
	t.false('advice' in s.model.instances[0]!);
});

test('a snapshot from before driver modules were recorded: read, versions unknown, and said once', (t) => {
	const json = JSON.parse(liveJson().text) as Record<string, any>;
	for (const p of json.parents) delete p.driverModule;
	const s = parseSnapshot(JSON.stringify(json), 'old.json');
	t.deepEqual(s.model.parents.map((p) => p.driverModule), [null, null, null]);
	t.deepEqual(s.model.errors, [
		{
			path: 'old.json',
			code: 'ESNAPSHOT',
			message:
				'The snapshot old.json has no driverModule on its parents: it was taken by an older mdevscope, so the vendor driver versions are unknown (compare reports them as risky). Take it again to record them.',
		},
	]);
});

// ---- bad files -------------------------------------------------------------------------------------

const TAKE_AGAIN = 'A snapshot is what `mdevscope --json --probe > FILE` writes; take it again with this version.';
const DAMAGED = 'The file is damaged or was not written by mdevscope.';

function refused(t: import('ava').ExecutionContext, text: string, field: string | null, message: string): void {
	const err = t.throws(() => parseSnapshot(text, 'bad.json'), {instanceOf: SnapshotError});
	t.is(err?.message, message);
	t.is(err?.field, field);
	t.is(err?.file, 'bad.json');
}

test('bad files: each refused with the file, the field and what was expected', (t) => {
	const good = () => JSON.parse(liveJson().text) as Record<string, any>;
	const edit = (f: (j: Record<string, any>) => void) => {
		const j = good();
		f(j);
		return JSON.stringify(j);
	};
	refused(t, '', null, `snapshot bad.json: the file is empty. ${TAKE_AGAIN}`);
	refused(t, '{"schemaVersion": 1,', null, `snapshot bad.json: not JSON (${jsonError('{"schemaVersion": 1,')}). ${TAKE_AGAIN}`);
	refused(t, '[1, 2]', null, `snapshot bad.json: expected a JSON object (a host model), found a list. ${TAKE_AGAIN}`);
	refused(
		t,
		'{"ok": true, "checks": []}',
		'schemaVersion',
		`snapshot bad.json: schemaVersion: missing: this JSON is not an mdevscope host model (\`mdevscope doctor --json\` output is a report, not a snapshot). ${TAKE_AGAIN}`,
	);
	refused(
		t,
		'{"schemaVersion": 1, "source": {}, "dest": {}, "verdict": "ok", "counts": {}, "instances": [], "exitCode": 0}',
		null,
		`snapshot bad.json: this is a \`compare --json\` report, not a snapshot. ${TAKE_AGAIN}`,
	);
	refused(t, edit((j) => (j.schemaVersion = 0)), 'schemaVersion', `snapshot bad.json: schemaVersion: 0: written by an older mdevscope; this one reads schema 1. ${TAKE_AGAIN}`);
	refused(
		t,
		edit((j) => (j.schemaVersion = 2)),
		'schemaVersion',
		'snapshot bad.json: schemaVersion: 2: written by a newer mdevscope; this one reads schema 1. Read it with that version, or update mdevscope.',
	);
	refused(t, edit((j) => (j.schemaVersion = '1')), 'schemaVersion', `snapshot bad.json: schemaVersion: expected the number 1, found the text "1". ${TAKE_AGAIN}`);
	refused(t, edit((j) => delete j.host), 'host', `snapshot bad.json: host: expected an object, found nothing (the field is missing). ${DAMAGED}`);
	refused(
		t,
		edit((j) => (j.parents[2].types[1].availableInstances = 'abc')),
		'parents[2].types[1].availableInstances',
		`snapshot bad.json: parents[2].types[1].availableInstances: expected a whole number from 0, or null, found the text "abc". ${DAMAGED}`,
	);
	refused(
		t,
		edit((j) => (j.source.kind = 'remote')),
		'source.kind',
		`snapshot bad.json: source.kind: expected one of "live", "tree", "snapshot", found the text "remote". ${DAMAGED}`,
	);
	refused(
		t,
		edit((j) => (j.instances[0].probe.migration.flagNames = 'STOP_COPY')),
		'instances[0].probe.migration.flagNames',
		`snapshot bad.json: instances[0].probe.migration.flagNames: expected a list, found the text "STOP_COPY". ${DAMAGED}`,
	);
	refused(
		t,
		edit((j) => (j.instances[0].probe.uuid = '22222222-2222-2222-2222-222222222222')),
		'instances[0].probe.uuid',
		`snapshot bad.json: instances[0].probe.uuid: expected the instance's own uuid "${MTTY}", found the text "22222222-2222-2222-2222-222222222222". ${DAMAGED}`,
	);
	refused(
		t,
		edit((j) => (j.parents[0].driverModule = {name: 'mbochs', version: 1})),
		'parents[0].driverModule.version',
		`snapshot bad.json: parents[0].driverModule.version: expected a string or null, found the number 1. ${DAMAGED}`,
	);
	refused(t, edit((j) => (j.scannedAt = 'yesterday')), 'scannedAt', `snapshot bad.json: scannedAt: expected a date and time (ISO 8601), found the text "yesterday". ${DAMAGED}`);
	const missing = path.join(tmpdir(), 'mdevscope-no-such-snapshot.json');
	t.throws(() => loadSnapshot(missing), {instanceOf: SnapshotError, message: `snapshot ${missing}: cannot read it: ENOENT, it does not exist.`});
});

function jsonError(text: string): string {
	try {
		JSON.parse(text);
	} catch (err) {
		return (err as Error).message;
	}
	throw new Error('valid JSON');
}

// ---- --from ------------------------------------------------------------------------------------------

test('--from: plain and JSON exactly as for the host it was taken from, with the recorded marker', async (t) => {
	const dir = tempDir(t);
	const live = await cli('--root', debian612, '--json', '--probe');
	t.is(live.code, 0, live.stderr);
	const file = path.join(dir, 'host-612.json');
	writeFileSync(file, live.stdout);
	const recordedAt = (JSON.parse(live.stdout) as HostModel).scannedAt;

	const json = await cli('--from', file, '--json');
	t.is(json.code, 0, json.stderr);
	t.deepEqual(JSON.parse(json.stdout), {...(JSON.parse(live.stdout) as HostModel), source: {kind: 'snapshot', label: 'host-612.json', recordedAt}});

	const fromPlain = await cli('--from', file, '--plain');
	const rootPlain = await cli('--root', debian612, '--plain', '--probe');
	t.is(fromPlain.code, 0, fromPlain.stderr);
	const a = fromPlain.stdout.split('\n');
	const b = rootPlain.stdout.split('\n');
	t.is(a[1], `Source    snapshot host-612.json, recorded ${recordedAt}`);
	t.is(b[1], `Source    tree ${debian612}`);
	// The same screen, but that a recording says its owners are as they were when it was recorded.
	const ownersLine = (lines: string[]) => lines.findIndex((l) => l.startsWith('Owners    '));
	t.is(a[ownersLine(a)], b[ownersLine(b)]!.replace(/^Owners    \?: /, 'Owners    ?: when recorded: '));
	const rest = (lines: string[]) => lines.filter((_, i) => i !== 1 && i !== ownersLine(lines));
	t.deepEqual(rest(a), rest(b));
	t.true(a.includes('Probes    3 instances: 3 not-live'), 'the recorded probe results are shown');
	// --probe with --from shows the recorded results too (nothing is probed).
	t.is((await cli('--from', file, '--plain', '--probe')).stdout, fromPlain.stdout);
	// Without a terminal and without --plain, the plain view as for a live host.
	t.is((await cli('--from', file)).stdout, fromPlain.stdout);
});

test('--from: a bad file exits 66 with the problem; --from with --root or a command is a usage error (64)', async (t) => {
	const dir = tempDir(t);
	const bad = path.join(dir, 'bad.json');
	writeFileSync(bad, JSON.stringify({...(JSON.parse(liveJson().text) as object), schemaVersion: 0}));
	t.deepEqual(await cli('--from', bad, '--json'), {
		code: 66,
		stdout: '',
		stderr: `mdevscope: snapshot ${bad}: schemaVersion: 0: written by an older mdevscope; this one reads schema 1. ${TAKE_AGAIN}\n`,
	});
	const usage = (message: string, command = '') => `mdevscope: ${message}\nRun \`mdevscope${command && ` ${command}`} --help\` for the options.\n`;
	t.deepEqual(await cli('--from', bad, '--root', debian612), {code: 64, stdout: '', stderr: usage('--from and --root both say where to read from; give one.')});
	t.deepEqual(await cli('doctor', '--from', bad), {code: 64, stdout: '', stderr: usage('--from opens a snapshot in the views; doctor does not read snapshots.', 'doctor')});
	const good = path.join(dir, 'good.json');
	writeFileSync(good, readFileSync(bad, 'utf8').replace('"schemaVersion":0', '"schemaVersion":1'));
	t.is((await cli('--from', good, '--json')).code, 0);
	const noProbes = path.join(dir, 'plain-scan.json');
	writeFileSync(noProbes, renderJson(scanHost(debian612)));
	t.deepEqual(await cli('--from', noProbes, '--plain', '--advice'), {
		code: 64,
		stdout: '',
		stderr: usage(`--advice needs probe results, and the snapshot ${noProbes} has none (it was taken without --probe).`),
	});
});

test('recorded owners with and without their argv: parseSnapshot keeps them, the detail pane shows the owner either way', (t) => {
	const model = scanHost(debian612);
	const owner = {pid: 4242, comm: 'qemu-system-x86', vmName: 'vdi-42', vmUuid: null, libvirtDomain: null, files: ['/dev/vfio/0']};
	const detail = (recorded: Record<string, unknown>): string[] => {
		const json = JSON.parse(renderJson(model)) as {instances: Array<Record<string, unknown>>};
		for (const i of json.instances) i.owners = i.uuid === MTTY ? [recorded] : [];
		const snapshot = parseSnapshot(JSON.stringify(json), 'snap.json');
		const row = parentRows(snapshot.model).find((r) => r.instances.some((i) => i.uuid === MTTY))!;
		const instance = row.instances.find((i) => i.uuid === MTTY)!;
		return detailLines({kind: 'instance', row, instance}, snapshot.model, {result: undefined, running: false}, 200, instanceOwners(snapshot.model, instance)).map(lineText);
	};
	const without = detail(owner);
	t.true(without.some((l) => /owner +qemu-system-x86 pid 4242, holds \/dev\/vfio\/0/.test(l)), without.join('\n'));
	t.true(without.some((l) => /command +not recorded \(a snapshot keeps it only with --json --with-cmdline\)/.test(l)), without.join('\n'));
	const withArgv = detail({...owner, cmdline: ['qemu-system-x86_64', '-name', 'vdi-42']});
	t.true(withArgv.some((l) => /command +qemu-system-x86_64 -name vdi-42$/.test(l.trimEnd())), withArgv.join('\n'));
});
