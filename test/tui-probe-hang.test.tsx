// A probe that hangs in the kernel must not freeze the interactive view: keys keep moving the
// selection while the probe child is blocked, and the hang is reported as a timeout.
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import React from 'react';
import {render} from 'ink-testing-library';
import {App} from '../src/components/App.js';
import type {HostModel} from '../src/model/types.js';
import {probeInstances} from '../src/probe/runner.js';
import {scanHost} from '../src/sysfs/scan.js';
import {leasedTree} from './helpers/lease.js';

const TREE = fileURLToPath(new URL('fixtures/trees/debian-6.12', import.meta.url));
const base = mkdtempSync(join(tmpdir(), 'mdevscope-tui-hang-'));
test.after.always(() => rmSync(base, {recursive: true, force: true}));

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(check: () => boolean, what: string, ms = 50_000) {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await delay(25);
	}
}

/** Probe children of this process blocked in the kernel's lease break. */
function blockedChildren(): number {
	let n = 0;
	for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
		try {
			if (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] !== String(process.pid)) continue;
			if (readFileSync(`/proc/${pid}/wchan`, 'utf8').includes('break_lease')) n++;
		} catch {
			// gone meanwhile
		}
	}
	return n;
}

const selected = (frame: string) => frame.split('\n').flatMap((line) => line.split('|').filter((cell) => cell.startsWith('>')));

test('P on a device whose open hangs in the kernel: keys still work, then "timeout"', async (t) => {
	const tree = leasedTree(base, 'hang');
	t.teardown(tree.close);
	tree.hold();
	t.teardown(tree.release);
	// The real 6.12 inventory, treated as this host so the runner really spawns probe children; their
	// /dev is the leased tree, where opening the container blocks until the child is killed.
	const model: HostModel = {...scanHost(TREE), root: '/', source: {kind: 'live', label: null, recordedAt: null}};
	const {lastFrame, stdin, unmount} = render(
		<App
			model={model}
			rescan={() => model}
			color={false}
			// Long enough that the keys below are answered while the probe still hangs, on a loaded
			// machine too (each waits for its frame; the timeout is only checked at the end).
			timeoutMs={8000}
			concurrency={1}
			probeFn={(m, uuids, opts) => probeInstances(m, uuids, {...opts, devRoot: tree.root})}
		/>,
	);
	t.teardown(unmount);
	await delay(100);
	t.notRegex(lastFrame()!, /timeout/);
	stdin.write('P'); // the parents pane has focus: probe the whole host
	await waitFor(() => blockedChildren() === 1, 'a probe child blocked in the kernel');
	t.regex(lastFrame()!, /probing \d\/3/);
	// While it hangs, the selection moves.
	t.true(selected(lastFrame()!).some((row) => row.includes('mbochs')));
	stdin.write('j');
	await waitFor(() => selected(lastFrame()!).some((row) => row.includes('mdpy')), 'j to move while the probe hangs');
	stdin.write('j');
	await waitFor(() => selected(lastFrame()!).some((row) => row.includes('mtty')), 'j again');
	t.is(blockedChildren(), 1, 'the probe is still blocked in the kernel');
	// The hang is killed at the timeout and said so; the next instance is probed by a fresh child.
	await waitFor(() => /timeout/.test(lastFrame()!), '"timeout" on screen');
});
