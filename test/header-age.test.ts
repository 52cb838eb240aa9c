// Issue 17: the header says when the host was scanned, and from a minute on how long ago, so stale
// data is not taken for live; a recording says when it was recorded instead.
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {scanHost} from '../src/sysfs/scan.js';
import {headerLine, scanAge} from '../src/present/header-line.js';

const model = scanHost(fileURLToPath(new URL('fixtures/trees/debian-6.12', import.meta.url)));
const text = (width: number, now?: number) => headerLine(model, width, now).map((s) => s.text).join('');

test('scanned at the time of day of the scan; its age in minutes from a minute on, in hours from two', (t) => {
	const at = Date.parse(model.scannedAt);
	const clock = new Date(at).toTimeString().slice(0, 8);
	t.deepEqual(scanAge(model, at + 59_000), {long: `scanned ${clock}`, short: clock});
	t.is(scanAge(model, at + 5 * 60_000)?.long, `scanned ${clock}, 5 min ago`);
	t.is(scanAge(model, at + 3 * 3600_000)?.long, `scanned ${clock}, 3 h ago`);
	t.true(text(200, at + 5 * 60_000).includes(`scanned ${clock}, 5 min ago`));
	// Narrow: the short form, before the host facts go.
	t.true(text(80, at).includes(clock), text(80, at));
	t.is(scanAge({...model, source: {kind: 'snapshot', label: 'x', recordedAt: '2026-11-01T10:00:00Z'}}, at), null);
});
