// --from in the interactive view: the snapshot's recorded probe answers show from the start,
// marked RECORDED, exactly where a live probe's would.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import React from 'react';
import {render} from 'ink-testing-library';
import {App} from '../src/components/App.js';
import type {ProbeResult} from '../src/model/probe.js';
import {renderJson} from '../src/output/json.js';
import {loadSnapshot} from '../src/snapshot/load.js';
import {scanHost} from '../src/sysfs/scan.js';
import {withProbes} from '../src/model/instances.js';
import {waitFor} from './helpers/ink.js';

const TREE = fileURLToPath(new URL('fixtures/trees/debian-6.12', import.meta.url));
// Real answers of the 6.12 kernel, recorded in the VM harness (test/vm/record-probes.ts).
const recorded = JSON.parse(readFileSync(new URL('fixtures/probes/debian-6.12.json', import.meta.url), 'utf8')) as {cases: {free: ProbeResult[]}};

test('a snapshot taken with --probe shows its recorded REGION/DMABUF answers in the TUI', async (t) => {
	const dir = mkdtempSync(join(tmpdir(), 'mdevscope-tui-snap-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const file = join(dir, 'host.json');
	writeFileSync(file, renderJson(withProbes(scanHost(TREE), recorded.cases.free)));
	const snapshot = loadSnapshot(file);
	t.is(snapshot.model.instances.filter((i) => i.probe).length, 3);
	const {lastFrame, stdin, unmount} = render(
		<App model={snapshot.model} rescan={() => snapshot.model} color={false} />,
	);
	t.teardown(unmount);
	const wait = async (what: RegExp) => {
		await waitFor(() => what.test(lastFrame()!), String(what)).catch(() => {});
		t.regex(lastFrame()!, what);
	};
	await wait(/RECORDED/);
	await wait(/33333333-\S* .*DMABUF/); // mbochs, the first parent
	stdin.write('j');
	await wait(/22222222-\S* .*REGION/); // mdpy
});
