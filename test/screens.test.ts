// The TUI's screens as the user sees them (issue 16: the redesign must change none of them):
// scripts/screens.mjs replays one key sequence in tmux at 80x24 and 120x40 on every bundled tree
// with the built CLI; test/fixtures/screens/ holds what the code before the redesign showed
// (`node scripts/screens.mjs --out test/fixtures/screens` wrote it). A difference fails with the
// first line that changed; a deliberate change (a fix) is captured again and listed in its commit.
// Each tree runs from a copy under /tmp/mdevscope-screens-XXXXXX, written so in the captures, so they
// hold wherever the checkout is (CI's is not /work/main).
import {spawnSync} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {assertFreshDist, project} from './helpers/cli.js';
import {missingTool} from './helpers/missing.js';

const golden = path.join(project, 'test', 'fixtures', 'screens');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) missingTool('the TUI screens replayed in tmux', 'tmux', 'tmux');

(hasTmux ? test : test.skip)('every bundled tree at 80x24 and 120x40, key by key: the same screens as before the redesign', async (t) => {
	t.timeout(15 * 60_000);
	assertFreshDist();
	const {treeNames, SIZES, captureAll, firstDifference, screenFile} = await import('../scripts/screens.mjs');
	const names = treeNames();
	t.true(names.length >= 15, names.join(' '));
	// Every tree has its captures, and every capture a tree.
	t.deepEqual(readdirSync(golden).sort(), names.flatMap((n) => SIZES.map((size) => screenFile(n, size))).sort());
	for (const [file, got] of await captureAll(names)) {
		const want = readFileSync(path.join(golden, file), 'utf8');
		t.is(got, want, `${file}, ${firstDifference(got, want) ?? 'the same'}`);
	}
});
