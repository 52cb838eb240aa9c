// One uuid defined under several parents (mdevctl allows it; only one can be active at a time):
// the two-gpus tree defines 5f3e… under both T4s (active on the first) and 9a1c… under both (active
// on neither). Every definition is shown under its own parent; probes and owners, keyed by uuid,
// are the active instance's only.
import anyTest from 'ava';
import React from 'react';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import type {HostModel, Instance, InstanceOwners} from '../src/model/types.js';
import type {ProbeResult} from '../src/model/probe.js';
import {scanHost} from '../src/sysfs/scan.js';
import {renderPlain} from '../src/output/plain.js';
import {renderJson} from '../src/output/json.js';
import {joinOwners} from '../src/owners/join.js';
import {adviceOf} from '../src/advice/index.js';
import {instanceKey, instanceOwners, withOwners, withProbes} from '../src/model/instances.js';
import {App} from '../src/components/App.js';
import {KEY, press, renderSized, waitFor} from './helpers/ink.js';

const test = anyTest.serial;
const TREE = fileURLToPath(new URL('fixtures/trees/two-gpus', import.meta.url));
const GPU_A = '0000:3b:00.0';
const GPU_B = '0000:5e:00.0';
const SHARED = '5f3e9c2a-1b4d-4e6f-8a7b-9c0d1e2f3a4b';
const IDLE = '9a1c3e5f-7b9d-4f1a-8c3e-5a7b9c1d3e5f';
const OTHER = '0b7d9f1a-3c5e-4a7b-9d1f-3a5c7e9b1d3f';

// A real answer (mdpy-hd's in the 6.12 VM: a region display), given to the shared uuid.
const recorded = JSON.parse(readFileSync(new URL('fixtures/probes/debian-6.12.json', import.meta.url), 'utf8')) as {cases: {free: ProbeResult[]}};
const regionProbe: ProbeResult = {...recorded.cases.free.find((r) => r.display.region.supported === true)!, uuid: SHARED};
const probes = [regionProbe];

const where = (m: HostModel) => m.instances.map((i) => [i.uuid, i.parent, i.active, i.definition?.path ?? null]);

test('scan: each definition of a uuid is an instance under its parent; the live one is active, with its own definition', (t) => {
	const m = scanHost(TREE);
	t.deepEqual(where(m), [
		[OTHER, GPU_B, true, null],
		[SHARED, GPU_A, true, `/etc/mdevctl.d/${GPU_A}/${SHARED}`],
		[SHARED, GPU_B, false, `/etc/mdevctl.d/${GPU_B}/${SHARED}`],
		[IDLE, GPU_A, false, `/etc/mdevctl.d/${GPU_A}/${IDLE}`],
		[IDLE, GPU_B, false, `/etc/mdevctl.d/${GPU_B}/${IDLE}`],
	]);
	t.deepEqual(m.instances.flatMap((i) => i.errors), [], 'defining a uuid under two parents is no error');
	t.is(m.instances.find((i) => i.uuid === SHARED && i.parent === GPU_B)!.definition!.autostart, false);
});

test('owners: the active instance keeps its own, whatever order the definitions come in', (t) => {
	const m = scanHost(TREE);
	const holder = {pid: 4242, comm: 'qemu-system-x86', cmdline: ['qemu-system-x86_64', '-name', 'vm1'], qemu: {name: 'vm1', uuid: null}, deviceFds: 0, files: [{fd: 30, path: '/dev/vfio/120'}]};
	const scan = {holders: [holder], scanned: 1, unknown: [], error: null} as unknown as Parameters<typeof joinOwners>[1];
	const pids = (model: HostModel) => model.instances.filter((i) => i.uuid === SHARED).map((i) => [i.active, instanceOwners(model, i)?.owners?.map((o) => o.pid)]);
	for (const instances of [m.instances, [...m.instances].reverse()]) {
		const model = {...m, instances};
		t.deepEqual(pids(withOwners(model, joinOwners(model, scan, '/proc'))).sort(), [[false, []], [true, [4242]]]);
	}
	// A recording's owners are its instances' own.
	const owned = m.instances.map((i) => ({...i, owners: i.active && i.uuid === SHARED ? [{pid: 7, comm: null, vmName: null, vmUuid: null, libvirtDomain: null, files: ['/dev/vfio/120']}] : []}));
	for (const instances of [owned, [...owned].reverse()]) {
		t.deepEqual(pids({...m, source: {kind: 'snapshot', label: 'x', recordedAt: null}, instances}).sort(), [[false, []], [true, [7]]]);
	}
});

test('--plain: the definition under the other parent is listed there, says where the uuid is active, and has no probe of its own', (t) => {
	const m = scanHost(TREE);
	const active = (uuid: string) => m.instances.find((i) => i.uuid === uuid && i.active) ?? m.instances.find((i) => i.uuid === uuid)!;
	const owners = new Map<string, InstanceOwners>([
		[instanceKey(active(SHARED)), {owners: [{pid: 4242, comm: 'qemu-system-x86', cmdline: null, vmName: 'vm1', vmUuid: null, libvirtDomain: null, files: ['/dev/vfio/120']}], unknown: null}],
		...m.instances.filter((i) => i !== active(SHARED)).map((i): [string, InstanceOwners] => [instanceKey(i), {owners: [], unknown: null}]),
	]);
	const text = renderPlain(withOwners(withProbes(m, probes), owners), {probed: true, owners: true});
	const block = (gpu: string) => text.slice(text.indexOf(`Parent ${gpu}`)).split('\n\n')[0]!;
	const row = (gpu: string, uuid: string) => block(gpu).split('\n').find((l) => l.includes(uuid)) ?? '';
	t.regex(row(GPU_A, SHARED), /active +120 .* autostart +yes +no +no +qemu pid 4242 vm=vm1$/);
	t.regex(row(GPU_B, SHARED), /defined, not active \(active on 0000:3b:00\.0\) .* manual +- +- +- +-$/);
	t.regex(row(GPU_A, IDLE), /defined, not active +- .* manual/);
	t.regex(row(GPU_B, IDLE), /defined, not active +- .* manual/);
	t.is(block(GPU_B).split('\n').filter((l) => l.includes('probe:')).length, 0, 'no probe summary under the inactive definition');
	t.regex(text, /2 active instances, 3 defined, not active/);
});

test('--json: one entry per (uuid, parent), the probe, advice and owners on the active one only', (t) => {
	const m = scanHost(TREE);
	const observed = withProbes(withOwners(m, joinOwners(m, {holders: [], scanned: 1, unknown: [], error: null} as unknown as Parameters<typeof joinOwners>[1], '/proc')), probes);
	t.deepEqual(observed.instances.filter((i) => i.probe).map((i) => [i.uuid, i.active]), [[SHARED, true]]);
	const sharedActive = observed.instances.find((i) => i.uuid === SHARED && i.active)!;
	t.is(adviceOf(observed, sharedActive).display, 'region', 'the advice is from the active instance, not overwritten by the definition');
	const out = JSON.parse(renderJson(observed, {advice: true})) as {instances: Array<Instance & {probe?: ProbeResult; advice?: unknown; owners?: unknown}>};
	const shared = out.instances.filter((i) => i.uuid === SHARED);
	t.deepEqual(
		shared.map((i) => [i.parent, i.active, i.probe?.uuid ?? null, i.advice ? 'advice' : null, i.owners]),
		[
			[GPU_A, true, SHARED, 'advice', []],
			[GPU_B, false, null, null, []],
		],
	);
});

test('TUI: both definitions shown under their parents; the second has no probe and says where it is active; the selection stays on it', async (t) => {
	const m = scanHost(TREE);
	const {lastFrame, stdin, unmount} = renderSized(<App model={withProbes(m, probes)} rescan={() => scanHost(TREE)} color={false} />, 140, 40);
	t.teardown(unmount);
	await waitFor(() => lastFrame().includes('Parents (2)'), 'the first frame');
	// The list shows uuids whole (issue 17).
	const rowOf = (uuid: string) => lastFrame().split('\n').find((l) => l.includes(uuid)) ?? '';
	t.regex(rowOf(SHARED), /REGION +no +active +120 /);
	// The second GPU, then its instances.
	await press(stdin, KEY.down);
	await waitFor(() => lastFrame().includes('Instances of 0000:5e:00.0'), 'the second GPU');
	t.regex(rowOf(SHARED), /GRID T4-2Q +- +- +- +defined +- /, 'no REGION, no migration answer, no owner: those are the active one\'s');
	t.notRegex(rowOf(SHARED), /REGION/);
	await press(stdin, KEY.right, KEY.right, KEY.down);
	await waitFor(() => /also under +0000:3b:00\.0 \(active there\)/.test(lastFrame()), 'the detail of the definition');
	t.regex(lastFrame(), /Instance 5f3e9c2a/);
	t.regex(lastFrame(), /probe +not possible \(not active\)/);
	t.regex(lastFrame(), /parent +0000:5e:00\.0/);
	// A rescan keeps the selection on this definition (parent and uuid), not on the active one.
	await press(stdin, 'r');
	await waitFor(() => lastFrame().includes('rescanned'), 'the rescan');
	t.regex(lastFrame(), /parent +0000:5e:00\.0/);
	t.regex(lastFrame(), /Instance 5f3e9c2a/);
});
