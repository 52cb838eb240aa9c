// `r` in the TUI with probe results shown: on a copy of the captured 6.12 tree with the VM's recorded
// answers, one instance is created again in another IOMMU group (its old group still listed) while
// another stays as it was; after `r` (the CLI's incremental rescan) the one that stayed keeps its
// result and the other, another device now, shows none.
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import React from 'react';
import {App} from '../src/components/App.js';
import type {ProbeResult} from '../src/model/probe.js';
import {rescanHost} from '../src/sysfs/rescan.js';
import {scanHost} from '../src/sysfs/scan.js';
import {withProbes} from '../src/model/instances.js';
import {KEY, press, renderSized, waitFor} from './helpers/ink.js';

const TREE = fileURLToPath(new URL('fixtures/trees/debian-6.12', import.meta.url));
// Real answers of the 6.12 kernel, recorded in the VM harness (test/vm/record-probes.ts).
const recorded = JSON.parse(readFileSync(new URL('fixtures/probes/debian-6.12.json', import.meta.url), 'utf8')) as {cases: {free: ProbeResult[]}};

const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';

test('r drops the result of an instance created again in another group and keeps the unchanged one', async (t) => {
	const root = path.join(mkdtempSync(path.join(tmpdir(), 'mdevscope-tui-rescan-')), 'tree');
	t.teardown(() => rmSync(path.dirname(root), {recursive: true, force: true}));
	cpSync(TREE, root, {recursive: true, verbatimSymlinks: true});
	const {lastFrame, stdin, unmount} = renderSized(
		<App model={withProbes(scanHost(root), recorded.cases.free)} rescan={rescanHost} color={false} />,
		100,
		60,
	);
	t.teardown(unmount);
	const probeLine = () => lastFrame().split('\n').find((line) => /\| +probe +/.test(line)) ?? '';

	// mdpy's instance: parents -> its types -> its instances; the detail shows the selected instance.
	await press(stdin, 'j', KEY.enter, KEY.enter);
	t.true(lastFrame().includes(`Instance ${MDPY}`));
	t.regex(probeLine(), /probe +ok: REGION display/);
	t.regex(lastFrame(), /IOMMU group +1 /);

	// Removed and created again under the same uuid, parent and type, in group 3; group 1 stays listed.
	const dir = path.join(root, 'sys/devices/virtual/mdpy/mdpy', MDPY);
	unlinkSync(path.join(root, 'sys/kernel/iommu_groups/1/devices', MDPY));
	mkdirSync(path.join(root, 'sys/kernel/iommu_groups/3/devices'), {recursive: true});
	symlinkSync(`../../../../devices/virtual/mdpy/mdpy/${MDPY}`, path.join(root, 'sys/kernel/iommu_groups/3/devices', MDPY));
	unlinkSync(path.join(dir, 'iommu_group'));
	symlinkSync('../../../../../kernel/iommu_groups/3', path.join(dir, 'iommu_group'));

	await press(stdin, 'r');
	await waitFor(() => lastFrame().includes('rescanned'), 'the rescan');
	t.true(lastFrame().includes(`Instance ${MDPY}`));
	t.regex(lastFrame(), /IOMMU group +3 /);
	t.regex(probeLine(), /probe +not probed - press p/);

	// mbochs's instance did not change: its result stays, with its time.
	await press(stdin, KEY.shiftTab, KEY.shiftTab, 'k', KEY.enter, KEY.enter);
	t.true(lastFrame().includes(`Instance ${MBOCHS}`));
	t.regex(probeLine(), /probe +ok: DMABUF display/);
	t.true(lastFrame().includes(recorded.cases.free.find((r) => r.uuid === MBOCHS)!.probedAt));
});
