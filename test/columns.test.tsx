// One meaning per count column (src/model/columns.ts): `inst` is the active instances, what the
// kernel created and what counts against available_instances; defined-only ones are `def`, never
// part of `inst`. nvidia-grid's nvidia-231: 2 active, 1 only defined in mdevctl's store, 6 available
// of max_instance 8.
import anyTest from 'ava';
import React from 'react';
import {fileURLToPath} from 'node:url';
import {scanHost} from '../src/sysfs/scan.js';
import {renderPlain} from '../src/output/plain.js';
import {App} from '../src/components/App.js';
import {activeCount, COLUMN_LEGEND, definedCount, ofType} from '../src/model/columns.js';
import {renderSized, waitFor} from './helpers/ink.js';

const test = anyTest.serial;
const GRID = fileURLToPath(new URL('fixtures/trees/nvidia-grid', import.meta.url));
const GPU = '0000:3b:00.0';

test('the counts: inst is the active instances of the type, def the defined-only ones', (t) => {
	const m = scanHost(GRID);
	const mine = ofType(m.instances.filter((i) => i.parent === GPU), 'nvidia-231');
	t.is(activeCount(mine), 2);
	t.is(definedCount(mine), 1);
	const type = m.parents[0]!.types.find((x) => x.id === 'nvidia-231')!;
	t.is(activeCount(mine), type.instances.length, "the same as the type's devices/ listing");
	t.true(activeCount(mine) + type.availableInstances! <= 8, 'inst + avail stays within max_instance 8');
});

test('--plain INSTANCES and the TUI inst column say the same for nvidia-231; def shows the defined one apart', async (t) => {
	const m = scanHost(GRID);
	const plainRow = renderPlain(m).split('\n').find((l) => /^ {2}nvidia-231 /.test(l))!;
	t.regex(plainRow, /vfio-pci +6 +2 /);
	const {lastFrame, unmount} = renderSized(<App model={m} rescan={() => scanHost(GRID)} color={false} />, 160, 40);
	t.teardown(unmount);
	await waitFor(() => lastFrame().includes('Types of'), 'the first frame');
	const frame = lastFrame();
	t.regex(frame, /avail inst def/, 'the types pane has both columns');
	t.regex(frame, /nvidia-231 GRID T4-2Q +vfio-pci +6 +2 +1 *\|/);
	t.regex(frame, /0000:3b:00\.0 +2 +1 +nvidia/, 'the parents pane: 2 active, 1 defined');
});

test('COLUMN_LEGEND: one line for each column the help explains', (t) => {
	const columns = COLUMN_LEGEND.map((c) => c.column);
	for (const c of ['inst', 'def', 'avail', 'grp', 'start', 'api', 'type', 'VM', 'driver', 'display', 'mig']) t.true(columns.includes(c), c);
	t.is(new Set(columns).size, columns.length, 'no column twice');
	t.regex(COLUMN_LEGEND.find((c) => c.column === 'inst')!.means, /active/);
	for (const c of COLUMN_LEGEND) t.true(c.means.length > 0 && !c.means.includes('\n'), `${c.column}: one line`);
});
