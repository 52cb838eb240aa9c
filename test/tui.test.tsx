// The Ink TUI on the tree captured from a real Debian 6.12 kernel, through its keys.
// ink-testing-library renders at 100 columns; for other sizes a stdout with columns/rows is used
// (Ink lays out to stdout.columns, and the TUI sizes itself from columns/rows and 'resize' events).
// First: the TUI draws live as it does for an admin, also when CI is set (runTui below).
import './helpers/no-ci.js';
import anyTest from 'ava';
import React from 'react';
import {existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {render} from 'ink-testing-library';
import type {HostModel} from '../src/model/types.js';
import {unaskedResult, type ProbeResult} from '../src/model/probe.js';
import {scanHost} from '../src/sysfs/scan.js';
import {App, type AppProps} from '../src/components/App.js';
import {DetailPane} from '../src/components/DetailPane.js';
import {detailLines} from '../src/present/detail-lines.js';
import {helpLines} from '../src/present/help-lines.js';
import {lineText} from '../src/present/line.js';
import {sanitize, truncate, truncateMiddle, wrap} from '../src/present/text.js';
import {BINDINGS, keysLabel} from '../src/keymap.js';
import {COLUMN_LEGEND} from '../src/model/columns.js';
import {parentRows} from '../src/state/views.js';
import {runTui} from '../src/terminal/tui.js';
import {openSampleHost, sampleFiles} from '../src/snapshot/sample.js';
import {qemuLines} from '../src/advice/index.js';
import {ScreenModel} from './helpers/screen-model.js';
import {recordedAnswer, replayRecorded} from './helpers/recorded.js';
import {delay, FakeStdin, frameInChildProcess, KEY, press, renderSized, SizedStdout, waitFor} from './helpers/ink.js';

// Serial: several Ink apps typing at once on two shared cores make key timing flaky.
const test = anyTest.serial;

const TREE = fileURLToPath(new URL('fixtures/trees/debian-6.12', import.meta.url));
const EMPTY = fileURLToPath(new URL('fixtures/trees/empty', import.meta.url));
const HOSTILE = fileURLToPath(new URL('fixtures/trees/hostile-names', import.meta.url));
const BROKEN_LINKS = fileURLToPath(new URL('fixtures/trees/broken-links', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function scan(root = TREE): HostModel {
	if (!existsSync(root)) throw new Error(`${root} is missing: run npm run fixtures`);
	return scanHost(root);
}

function app(model: HostModel, props: Partial<AppProps> = {}) {
	return <App model={model} rescan={() => scan(model.root)} color={false} {...props} />;
}

/** The selected row (`>`) lines of a frame. */
function selectedRows(frame: string): string[] {
	return frame.split('\n').flatMap((line) => line.split('|').filter((cell) => cell.startsWith('>')));
}

function assertFits(t: {true: (v: boolean, m?: string) => void}, frame: string, columns: number, rows: number) {
	const lines = frame.split('\n');
	t.true(lines.length <= rows - 1, `${lines.length} lines for ${rows} rows`);
	for (const line of lines) {
		t.true(line.length <= columns, `line of ${line.length} > ${columns}: ${line}`);
		t.true(/^[\x20-\x7e]*$/.test(line), `not plain ASCII: ${JSON.stringify(line)}`);
	}
}

const recorded = (uuid: string) => recordedAnswer('6.12', uuid);

/** The recorded kernel answers through the runner's contract, a little apart, so the TUI's probe flow can be seen without a VM. */
const replay = replayRecorded('6.12', () => delay(60));

// ---- text helpers -----------------------------------------------------------------------------

test('sanitize removes terminal escape sequences and control characters from sysfs strings', (t) => {
	t.is(sanitize('\x1b]0;pwned\x07'), '');
	t.is(sanitize('a\x1b[2Jb'), 'ab');
	t.is(sanitize('GRID \x1b]0;pwned\x07T4-2Q\n'), 'GRID T4-2Q ');
	t.is(sanitize('x\x1bPq#0;2;0;0;0\x1b\\y'), 'xy');
	t.is(sanitize('bell\x07 nul\x00 del\x7f c1\x9b31m'), 'bell nul del c131m');
	t.is(sanitize('caf\u00e9 \u2026'), 'caf? ?');
	for (const evil of ['\x1b]0;pwned\x07', '\x1b[2J', '\x1b[31mred\x1b[0m', '\x1b', '\x9b2J']) {
		t.regex(sanitize(evil), /^[\x20-\x7e]*$/);
	}
});

test('truncation marks the cut with ~ and wrapping never exceeds the width', (t) => {
	t.is(truncate('mbochs-large', 8), 'mbochs-~');
	t.is(truncate('mdpy', 8), 'mdpy');
	t.is(truncateMiddle('test/fixtures/trees/debian-6.12', 15), 'test/fi~an-6.12');
	const lines = wrap('virtual display, 64 MB video memory and a_very_long_word_without_spaces_at_all', 12, '  ');
	for (const line of lines) t.true(line.length <= 12, line);
	t.is(lines[0], 'virtual');
});

// ---- the screen -------------------------------------------------------------------------------

test('renders the captured 6.12 host: header, parents, types with availability, instances', (t) => {
	const {lastFrame, unmount} = render(app(scan()));
	const frame = lastFrame()!;
	t.regex(frame, /^ TREE /);
	t.true(frame.includes('6.12.117+deb12-amd64'));
	t.true(frame.includes('vfio+'));
	t.true(frame.includes('mdev+'));
	for (const parent of ['mbochs', 'mdpy', 'mtty']) t.true(frame.includes(parent));
	t.true(frame.includes('[*] Parents (3)'));
	t.true(frame.includes('Types of mbochs (3)'));
	// Types table: id, name, api, available (the kernel's available_instances: 3, 12, 48).
	t.regex(frame, /mbochs-large +mbochs-large +vfio-pci +3 /);
	t.regex(frame, /mbochs-medium +mbochs-medium +vfio-pci +12 /);
	t.regex(frame, /mbochs-small +mbochs-small +vfio-pci +48 /);
	t.true(frame.includes('33333333-3333-3333-3333-333333333333'));
	t.true(frame.includes('Parent mbochs'));
	unmount();
});

test('j/k and arrows move the selection; the other panes follow', async (t) => {
	const {lastFrame, stdin, unmount} = render(app(scan()));
	await press(stdin, 'j');
	t.true(selectedRows(lastFrame()!).some((row) => row.includes('mdpy')));
	t.true(lastFrame()!.includes('Types of mdpy (3)'));
	t.true(lastFrame()!.includes('22222222-2222-2222-2222-222222222222'));
	await press(stdin, KEY.down);
	t.true(lastFrame()!.includes('Types of mtty (2)'));
	t.true(lastFrame()!.includes('Single port serial'));
	await press(stdin, 'k', 'k', 'k');
	t.true(lastFrame()!.includes('Types of mbochs (3)'));
	unmount();
});

test('Tab, Shift-Tab and arrows move the focus; the footer follows the focused pane', async (t) => {
	const {lastFrame, stdin, unmount} = render(app(scan()));
	const footer = () => lastFrame()!.split('\n').at(-1)!;
	t.true(lastFrame()!.includes('[*] Parents'));
	t.false(footer().includes('p probe'));
	t.true(footer().includes('Enter open'));
	await press(stdin, KEY.tab);
	t.true(lastFrame()!.includes('[*] Types of mbochs'));
	t.false(lastFrame()!.includes('[*] Parents'));
	await press(stdin, KEY.tab);
	t.true(lastFrame()!.includes('[*] Instances of mbochs-large'));
	t.true(footer().includes('p probe'));
	await press(stdin, KEY.right);
	t.true(lastFrame()!.includes('[*] Detail'));
	t.false(footer().includes('Enter open'));
	await press(stdin, KEY.shiftTab, KEY.shiftTab);
	t.true(lastFrame()!.includes('[*] Types of mbochs'));
	await press(stdin, KEY.shiftTab, KEY.shiftTab);
	t.true(lastFrame()!.includes('[*] Detail'));
	unmount();
});

test('Enter drills in from a parent to its types, their instances and the instance detail', async (t) => {
	// Tall enough for the whole detail: its owner line holds the checkout's path and wraps with it.
	const {lastFrame, stdin, unmount} = renderSized(app(scan()), 100, 60);
	await press(stdin, 'j', KEY.enter);
	t.true(lastFrame()!.includes('[*] Types of mdpy'));
	t.true(lastFrame()!.includes('Type mdpy-hd on mdpy'));
	t.true(lastFrame()!.includes('virtual display, 1920x1080 framebuffer'));
	await press(stdin, KEY.enter);
	t.true(lastFrame()!.includes('[*] Instances of mdpy-hd (1)'));
	await press(stdin, KEY.enter);
	const frame = lastFrame()!;
	t.true(frame.includes('[*] Detail'));
	t.true(frame.includes('Instance 22222222-2222-2222-2222-222222222222'));
	t.regex(frame, /IOMMU group +\d+/);
	t.regex(frame, /probe +not probed - press p/);
	unmount();
});

test('/ filters the lists as you type; Enter keeps the filter, Esc clears it', async (t) => {
	const {lastFrame, stdin, unmount} = render(app(scan()));
	await press(stdin, '/', 'm', 'd', 'p', 'y');
	let frame = lastFrame()!;
	t.true(frame.includes('filter /mdpy_'));
	t.true(frame.includes('Parents (1/3)'));
	t.true(frame.includes('mdpy-hd'));
	t.false(frame.includes('mbochs'));
	t.false(frame.includes('mtty'));
	// While typing, letters are text: q does not quit, j does not move.
	await press(stdin, 'q', KEY.backspace);
	t.true(lastFrame()!.includes('filter /mdpy_'));
	await press(stdin, KEY.enter);
	frame = lastFrame()!;
	t.true(frame.includes('filter: mdpy'));
	t.false(frame.includes('mbochs'));
	// Kept: keys navigate again.
	await press(stdin, KEY.tab, 'j');
	t.true(selectedRows(lastFrame()!).some((row) => row.includes('mdpy-vga')));
	await press(stdin, KEY.escape);
	frame = lastFrame()!;
	t.false(frame.includes('filter:'));
	t.false(frame.includes('filter /'));
	t.true(frame.includes('mbochs') && frame.includes('mtty'));
	unmount();
});

test('keys that arrive together (a paste, tmux send-keys) act one by one', async (t) => {
	const {lastFrame, stdin, unmount} = render(app(scan()));
	// Each chunk is one write (as a paste arrives); on a loaded machine the frame may lag, so wait
	// for it (a wrong result still fails: the wait times out).
	await press(stdin, '/mdpy');
	await waitFor(() => lastFrame()!.includes('filter /mdpy_'), 'the filter prompt with "mdpy"');
	t.false(lastFrame()!.includes('mbochs'));
	await press(stdin, '\r\tj');
	await waitFor(() => selectedRows(lastFrame()!).some((row) => row.includes('mdpy-vga')), 'mdpy-vga selected');
	t.true(lastFrame()!.includes('filter: mdpy'));
	t.true(lastFrame()!.includes('[*] Types of mdpy'));
	await press(stdin, KEY.escape, KEY.shiftTab, 'jj');
	await waitFor(() => lastFrame()!.includes('Types of mtty (2)'), 'the mtty parent selected');
	unmount();
});

test('? shows the help generated from the key table, with every binding', async (t) => {
	const {lastFrame, stdin, unmount} = renderSized(app(scan()), 200, 80);
	await press(stdin, '?');
	const frame = lastFrame();
	t.true(frame.includes('Help: ? or Esc closes'));
	for (const binding of BINDINGS) {
		t.true(frame.includes(binding.help), binding.help);
		t.true(frame.includes(keysLabel(binding)), keysLabel(binding));
	}
	await press(stdin, '?');
	t.false(lastFrame().includes('Help: ? or Esc closes'));
	t.true(lastFrame().includes('[*] Parents'));
	unmount();
});

test('help scrolls at 80x24 and holds every binding line from the table', async (t) => {
	const lines = helpLines(78).map(lineText);
	for (const binding of BINDINGS) t.true(lines.some((line) => line.includes(keysLabel(binding))), keysLabel(binding));
	const {lastFrame, stdin, unmount} = renderSized(app(scan()), 80, 24);
	await press(stdin, '?');
	t.regex(lastFrame(), /Help: \? or Esc closes \(1-\d+\/\d+, j\/k scroll\)/);
	await press(stdin, 'G');
	t.regex(lastFrame(), /\| +mig +the probe's migration answer/);
	assertFits(t, lastFrame(), 80, 24);
	await press(stdin, KEY.escape);
	t.true(lastFrame().includes('[*] Parents'));
	unmount();
});

test('at 80x24 every help line is whole: long texts and where lists wrap in their columns, and the overlay pages to the end', async (t) => {
	const {lastFrame, stdin, unmount} = renderSized(app(scan()), 80, 24);
	await press(stdin, '?');
	const seen: string[] = [];
	for (let page = 0; page < 20; page++) {
		const frame = lastFrame();
		assertFits(t, frame, 80, 24);
		const body = frame.split('\n').filter((line) => line.startsWith('|'));
		// `~` is how a cut line ends: no help line may be cut.
		for (const line of body) t.false(line.includes('~'), line);
		seen.push(...body.map((line) => line.slice(1, -1)));
		if (/\((\d+)-(\d+)\/\2,/.test(frame)) break;
		await press(stdin, '\x1b[6~'); // PgDn
	}
	t.regex(lastFrame(), /Help: \? or Esc closes \(\d+-(\d+)\/\1, j\/k scroll\)/, 'paged to the last line');
	// Every word of every help text and column meaning is on some page, in order.
	const words = seen.join(' ').split(/\s+/).filter(Boolean).join(' ');
	const text = seen.map((line) => line.slice(2 + 10 + 19)).join(' ');
	for (const binding of BINDINGS.filter((b) => b.scope.some((s) => s !== 'compare'))) {
		t.true(words.includes(keysLabel(binding)), keysLabel(binding));
		t.true(text.split(/\s+/).join(' ').includes(binding.help), binding.help);
	}
	for (const {column, means} of COLUMN_LEGEND) {
		t.true(words.includes(`${column} ${means.split(' ')[0]}`), column);
		t.true(seen.map((line) => line.slice(2 + 7 + 1)).join(' ').split(/\s+/).join(' ').includes(means), means);
	}
	unmount();
});

test('at 80x24 no line is wider than 80 columns, in every screen, and a resize re-lays out', async (t) => {
	const model = scan();
	const {lastFrame, stdin, stdout, unmount} = renderSized(app(model, {probeFn: replay}), 80, 24);
	assertFits(t, lastFrame(), 80, 24);
	t.is(lastFrame().split('\n').length, 23);
	await press(stdin, 'j', KEY.enter, KEY.enter, 'p', KEY.enter);
	await waitFor(() => lastFrame().includes('REGION'), 'the probe result');
	assertFits(t, lastFrame(), 80, 24);
	await press(stdin, 'G');
	assertFits(t, lastFrame(), 80, 24);
	await press(stdin, '/', 'x', 'g', 'a');
	assertFits(t, lastFrame(), 80, 24);
	// Esc clears the filter; the selection stays on the type that matched it.
	await press(stdin, KEY.escape);
	// Wide: parents, types and instances side by side.
	stdout.resize(180, 40);
	await delay(30);
	const wide = lastFrame();
	assertFits(t, wide, 180, 40);
	t.regex(wide.split('\n')[1]!, /Parents.*Types of mdpy.*Instances of mdpy-xga/);
	stdout.resize(80, 24);
	await delay(30);
	assertFits(t, lastFrame(), 80, 24);
	t.is(lastFrame().split('\n').length, 23);
	stdout.resize(30, 10);
	await delay(30);
	t.true(lastFrame().includes('too small'));
	assertFits(t, lastFrame(), 30, 10);
	unmount();
});

test('a long list renders only its visible window', async (t) => {
	const model = scan();
	const template = model.instances.find((i) => i.mdevType === 'mdpy-hd')!;
	const many = Array.from({length: 5000}, (_, n) => ({...template, uuid: `22222222-2222-2222-2222-${String(n).padStart(12, '0')}`}));
	const big = {...model, instances: [...model.instances, ...many].sort((a, b) => a.uuid.localeCompare(b.uuid))};
	const {lastFrame, stdin, unmount} = renderSized(app(big), 80, 24);
	await press(stdin, 'j', KEY.enter, KEY.enter);
	t.regex(lastFrame(), /Instances of mdpy-hd \(1-\d\/5001\)/);
	t.is(lastFrame().split('\n').filter((line) => line.includes('22222222-2222-2222-2222-')).length <= 5, true);
	await press(stdin, 'G');
	t.regex(lastFrame(), /Instances of mdpy-hd \(\d+-5001\/5001\)/);
	t.true(selectedRows(lastFrame()).some((row) => row.includes('22222222-2222-2222-2222-222222222222')));
	assertFits(t, lastFrame(), 80, 24);
	unmount();
});

test('the empty host gets a screen that says what is missing, and s opens the recorded sample', async (t) => {
	const empty = scan(EMPTY);
	// The sample as the package ships it: the captured archive and the probe answers recorded in the VM.
	const files = sampleFiles(ROOT);
	t.truthy(files, 'the package has the sample');
	const openSample = () => openSampleHost(files!);
	const {lastFrame, stdin, unmount} = renderSized(app(empty, {openSample}), 100, 30);
	let frame = lastFrame();
	t.true(frame.includes('No mediated devices found.'));
	// The doctor's findings, in the first frame: each failure with its fix, d for what each check saw.
	t.true(frame.includes('vfio- type1- mdev-'));
	t.true(frame.includes('What the doctor found (d: what each check saw):'));
	t.true(frame.includes('[FAIL] vfio module: modprobe vfio '));
	t.true(frame.includes('[FAIL] mdev module: modprobe mdev '));
	t.true(frame.includes('[FAIL] /dev/vfio/vfio: modprobe vfio '));
	t.true(frame.includes('[FAIL] IOMMU: use a kernel with IOMMU support'));
	t.true(frame.includes('[FAIL] mdev parents: load a driver with mdev support'));
	t.false(frame.includes('checking the host'));
	t.regex(frame.replace(/\|\n\|/g, ' ').replace(/ +/g, ' '), /Press s to open the sample host recorded on Debian 6\.12 with the kernel's mdev sample drivers/);
	t.true(frame.split('\n').at(-1)!.includes('s sample host'));
	assertFits(t, frame, 100, 30);
	await press(stdin, 'j');
	t.is(lastFrame(), frame);
	await press(stdin, 's');
	await waitFor(() => lastFrame().includes('[*] Parents (3)'), 'the sample host');
	frame = lastFrame();
	// A tree on disk (the doctor checks it), labelled as what it is, not as this machine.
	t.regex(frame, /^ TREE /);
	t.true(frame.includes("recorded on Debian 6.12 with the kernel's mdev sample drivers: not this machine"), 'the status line says what it is');
	// The recorded answers show without a probe: mbochs DMABUF, no migration.
	t.regex(frame, /33333333-3333-3333-3333-333333333333 [^|]*DMABUF +no +active +2 /);
	await press(stdin, 'j');
	await waitFor(() => /22222222-2222-2222-2222-222222222222 [^|]*REGION +no +active +1 /.test(lastFrame()), 'mdpy: a region display');
	await press(stdin, 'j');
	await waitFor(() => /11111111-1111-1111-1111-111111111111 [^|]*none +yes +active +0 /.test(lastFrame()), 'mtty: migration');
	// Its detail names the migration flags the kernel gave.
	await press(stdin, KEY.tab, KEY.tab, KEY.tab);
	await waitFor(() => /STOP_COPY\|P2P\|PRE_COPY/.test(lastFrame()), 'the migration flags');
	// d runs the doctor on the sample.
	await press(stdin, 'd');
	await waitFor(() => lastFrame().includes('Doctor: d or Esc closes') && !lastFrame().includes('checking...'), 'the doctor');
	t.regex(lastFrame(), /mdevscope doctor: \d+ ok/);
	// The checks of the tree's parents, further down: scroll to the end.
	await press(stdin, 'G');
	t.regex(lastFrame(), /mdev parents: 3 parents in \/sys\/class\/mdev_bus: mbochs/);
	await press(stdin, 'd');
	// r now reads the sample again, and it keeps its label.
	await press(stdin, 'r');
	await waitFor(() => lastFrame().includes('rescanned'), 'the rescan');
	t.regex(lastFrame(), /^ TREE .*sample: rec/, "the header keeps the label (cut in the middle to fit)");
	unmount();
});

test('the empty screen offers no sample key when there is no sample', async (t) => {
	const {lastFrame, stdin, unmount} = render(app(scan(EMPTY)));
	t.false(lastFrame()!.includes('s sample host'));
	await press(stdin, 's');
	t.true(lastFrame()!.includes('No mediated devices found.'));
	unmount();
});

test('sysfs strings with escape sequences are drawn harmless (hostile-names tree)', async (t) => {
	const hostile = scan(HOSTILE);
	const {lastFrame, stdin, unmount} = render(app(hostile));
	await press(stdin, KEY.tab, 'j');
	const frame = lastFrame()!;
	// The tree holds a type directory `mtty-\x1b[2J` and a name `GRID \x1b]0;pwned\x07T4-2Q\x1b[2J`.
	t.false(frame.includes('\x1b'));
	t.false(frame.includes('\x07'));
	t.false(frame.includes('pwned'));
	t.true(frame.includes('GRID T4-2Q'));
	t.regex(frame, /^[\x20-\x7e\n]*$/);
	unmount();
});

test('per-item errors are marked on their rows and spelled out in the detail (broken-links tree)', async (t) => {
	const {lastFrame, stdin, unmount} = renderSized(app(scan(BROKEN_LINKS)), 100, 50);
	// Parents that are dangling or looping links carry `!`; the instance without a parent gets a row.
	t.regex(lastFrame(), /\|>!ghost/);
	t.regex(lastFrame(), /\| !loop/);
	t.regex(lastFrame(), /\| !\(no parent\)/);
	t.regex(lastFrame(), /errors \(1\):/);
	t.regex(lastFrame(), /! E[A-Z]+ \/sys\/class\/mdev_bus\/ghost/);
	await press(stdin, 'G');
	t.true(lastFrame().includes('Parent (no parent) (not in /sys/class/mdev_bus)'));
	unmount();
});

test('q quits', async (t) => {
	const {stdin, waitUntilExit} = renderSized(app(scan()), 80, 24);
	const exited = waitUntilExit();
	await press(stdin, 'q');
	await exited;
	t.pass();
});

test('Ctrl-C quits even while typing a filter', async (t) => {
	const {stdin, waitUntilExit} = renderSized(app(scan()), 80, 24);
	const exited = waitUntilExit();
	await press(stdin, '/', 'm', KEY.ctrlC);
	await exited;
	t.pass();
});

// ---- probes -----------------------------------------------------------------------------------

function probePanel(result: ProbeResult | undefined, uuid: string, width = 140, running = false): string {
	const model = scan();
	const row = parentRows(model).find((r) => r.instances.some((i) => i.uuid === uuid))!;
	const instance = row.instances.find((i) => i.uuid === uuid)!;
	const lines = detailLines({kind: 'instance', row, instance}, model, {result, running}, width - 2);
	const {lastFrame, unmount} = render(
		<DetailPane title="Detail" lines={lines} scroll={0} focused width={width} height={lines.length + 2} />,
	);
	const frame = lastFrame()!;
	unmount();
	return frame;
}

test('probe panel: mdpy answers REGION, with the primary plane the kernel returned', (t) => {
	const frame = probePanel(recorded('22222222-2222-2222-2222-222222222222'), '22222222-2222-2222-2222-222222222222');
	t.regex(frame, /probe +ok: REGION display \(XR24 1920x1080\), no migration, no DMA logging/);
	t.regex(frame, /display +REGION/);
	t.regex(frame, /region +supported/);
	t.regex(frame, /dmabuf +not supported \(EINVAL\)/);
	t.regex(frame, /plane +XR24 \(0x34325258\) 1920x1080 stride 7680 size 8388608/);
	t.true(frame.includes('region index 16'));
	t.regex(frame, /migration +not supported \(ENOTTY\)/);
	t.regex(frame, /device +flags 0x2 PCI; 9 regions, 5 irqs/);
	t.regex(frame, /0 BAR0 +8M +0x1000 +READ,WRITE,MMAP/);
	t.regex(frame, /7 CONFIG +255/);
	t.regex(frame, /4 REQ +0/);
	t.true(frame.includes('VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|DMABUF): EINVAL (22) - not supported by this device'));
	const {probedAt, durationMs} = recorded('22222222-2222-2222-2222-222222222222');
	t.true(frame.includes(`${probedAt} (${durationMs} ms, via direct)`));
});

test('probe panel: mbochs answers DMABUF and has no plane yet', (t) => {
	const frame = probePanel(recorded('33333333-3333-3333-3333-333333333333'), '33333333-3333-3333-3333-333333333333');
	t.regex(frame, /display +DMABUF/);
	t.regex(frame, /region +not supported \(EINVAL\)/);
	t.true(frame.includes('no plane yet'));
	t.regex(frame, /device +flags 0x2 PCI; 10 regions, 5 irqs/);
	t.regex(frame, /9 - +4K 0x2000 +READ,WRITE,CAPS +TYPE\(1\/1\)/);
});

test('probe panel: mtty has no display and migrates with STOP_COPY, P2P and PRE_COPY', (t) => {
	const frame = probePanel(recorded('11111111-1111-1111-1111-111111111111'), '11111111-1111-1111-1111-111111111111');
	t.regex(frame, /display +none/);
	t.regex(frame, /region +not supported \(ENOTTY\)/);
	t.regex(frame, /migration +supported: STOP_COPY P2P PRE_COPY \(flags 0x7\)/);
	t.regex(frame, /dma logging +supported/);
	t.regex(frame, /0 INTX +1 EVENTFD,MASKABLE,AUTOMASKED/);
	t.true(frame.includes('VFIO_DEVICE_GET_IRQ_INFO index 2: EINVAL (22) - invalid argument'));
});

test('probe panel before a probe, while probing, and for a probe that stopped early', (t) => {
	const uuid = '22222222-2222-2222-2222-222222222222';
	t.regex(probePanel(undefined, uuid), /probe +not probed - press p/);
	t.false(probePanel(undefined, uuid).includes('Probe details'));
	t.regex(probePanel(undefined, uuid, 140, true), /probe +running\.\.\./);
	// As the engine reports a held group: stopped at the open, every question "device not opened".
	const busy = unaskedResult(uuid, {
		outcome: 'busy',
		summary: 'group 1 in use by pid 4242 (qemu-system-x86_64)',
		why: 'device-not-opened',
		reason: 'not asked: the device was not opened',
		probedAt: '2026-11-24T18:17:45.483Z',
		steps: [{step: 'open /dev/vfio/1', kind: 'group-open', ok: false, errno: 16, code: 'EBUSY', meaning: 'group in use by another process'}],
	});
	const frame = probePanel(busy, uuid);
	t.regex(frame, /probe +busy: group 1 in use by pid 4242 \(qemu-system-x86_64\)/);
	t.true(frame.includes('Probe details'));
	t.regex(frame, /display +\?/);
	t.regex(frame, /migration +not asked: the device was not opened/);
	t.regex(frame, /plane +not asked: the device was not opened/);
	t.true(frame.includes('open /dev/vfio/1: EBUSY (16) - group in use by another process'));
	t.regex(frame, /device +n\/a/);
	// As the runner reports a child it killed: the probe never got to ask, the summary says why once.
	const summary = 'no answer in 5000 ms: the kernel did not return from open /dev/vfio/1; the probe child was killed';
	const killed = unaskedResult(uuid, {
		outcome: 'timeout',
		summary,
		why: 'probe-not-run',
		reason: `not asked: ${summary}`,
		probedAt: '2026-11-24T18:17:45.483Z',
		steps: [{step: 'open /dev/vfio/1', kind: 'group-open', ok: false, meaning: 'no answer from the kernel in 5000 ms; the probe child was killed'}],
	});
	const stopped = probePanel(killed, uuid);
	t.regex(stopped, /migration +not asked \(probe stopped, see above\)/);
	t.regex(stopped, /dma logging +not asked \(probe stopped, see above\)/);
	t.false(/plane +not asked/.test(stopped), stopped);
	t.regex(frame, /device +n\/a/);
});

test('p and P probe through the runner contract: progress, then REGION / DMABUF / none per instance', async (t) => {
	// The batch waits for the test to let it go: its progress line is there to be read, however
	// loaded the machine is.
	let release = () => {};
	const probeFn: AppProps['probeFn'] = async (model, uuids, opts) => {
		await new Promise<void>((resolve) => (release = resolve));
		return replay(model, uuids, opts);
	};
	const {lastFrame, stdin, unmount} = renderSized(app(scan(), {probeFn}), 100, 50);
	await press(stdin, 'P');
	await waitFor(() => /probing 0\/3/.test(lastFrame()!), 'progress');
	release();
	await waitFor(() => !lastFrame()!.includes('probing'), 'the end of the batch');
	const column = () => lastFrame()!.split('\n').find((line) => line.includes('-3333-') || line.includes('-2222-') || line.includes('-1111-'))!;
	t.regex(column(), /33333333-3333-3333-3333-333333333333 +mbochs-large +\S+ +DMABUF +no +active +\d+ /);
	await press(stdin, 'j');
	t.regex(column(), /22222222-2222-2222-2222-222222222222 +mdpy-hd +\S+ +REGION +no +active +\d+ /);
	await press(stdin, 'j');
	t.regex(column(), /11111111-1111-1111-1111-111111111111 +Single p~ serial +\S+ +none +yes +active +\d+ /);
	// The detail of a probed instance shows the cached result with its time.
	await press(stdin, KEY.tab, KEY.tab, KEY.tab);
	t.true(lastFrame()!.includes(recorded('11111111-1111-1111-1111-111111111111').probedAt));
	unmount();
});

test('P probes what the instances pane lists, as filtered, and says how many and which', async (t) => {
	const asked: string[][] = [];
	// Each batch waits for the test to let it go: its progress line is there to be read.
	let release = () => {};
	const probeFn: AppProps['probeFn'] = async (model, uuids, opts) => {
		asked.push(uuids);
		await new Promise<void>((resolve) => (release = resolve));
		return replay(model, uuids, opts);
	};
	const {lastFrame, stdin, unmount} = renderSized(app(scan(), {probeFn}), 100, 40);
	// A filter shows only mdpy: P from the parents pane probes its instance, not the two hidden ones.
	await press(stdin, '/mdpy', KEY.enter);
	await waitFor(() => lastFrame().includes('filter: mdpy'), 'the filter kept');
	await press(stdin, 'P');
	await waitFor(() => asked.length === 1, 'the probe');
	t.deepEqual(asked, [['22222222-2222-2222-2222-222222222222']]);
	await waitFor(() => /probing 0\/1 instances listed \(filter: mdpy\)/.test(lastFrame()), 'the count with the filter');
	release();
	await waitFor(() => !lastFrame().includes('probing'), 'the end of the batch');
	// In the types pane: the selected type's instances, as the instances pane lists them.
	await press(stdin, KEY.escape, KEY.tab, 'j');
	await waitFor(() => /Instances of mdpy-vga|Instances of mdpy-xga|Instances of mdpy \(/.test(lastFrame()), 'another type of mdpy');
	await press(stdin, 'P');
	await waitFor(() => /nothing to probe: no active instance of mdpy-\w+/.test(lastFrame()), 'nothing to probe');
	t.is(asked.length, 1);
	// No filter, parents pane: the whole host, counted.
	await press(stdin, KEY.shiftTab, 'P');
	await waitFor(() => asked.length === 2, 'the second probe');
	t.deepEqual(asked[1]?.slice().sort(), ['11111111-1111-1111-1111-111111111111', '22222222-2222-2222-2222-222222222222', '33333333-3333-3333-3333-333333333333']);
	await waitFor(() => /probing 0\/3 instances on this host/.test(lastFrame()), 'the count for the host');
	release();
	await waitFor(() => !lastFrame().includes('probing'), 'the end of the batch');
	unmount();
});

test('p with the real runner on a captured tree reports not-live without touching any device', async (t) => {
	const {lastFrame, stdin, unmount} = renderSized(app(scan()), 100, 50);
	await press(stdin, 'j', KEY.enter, KEY.enter, 'p');
	await waitFor(() => lastFrame().includes('not-live'), 'the runner', 30_000);
	await press(stdin, KEY.enter);
	t.regex(lastFrame(), /probe +not-live: not probed: this view was read from a tree/);
	unmount();
});

test('p on a defined-but-inactive instance says why nothing is probed', async (t) => {
	const model = scan();
	const inactive = model.instances.map((i) => (i.parent === 'mdpy' ? {...i, active: false, iommuGroup: null} : i));
	let calls = 0;
	const {lastFrame, stdin, unmount} = render(
		app({...model, instances: inactive}, {probeFn: async (...args) => (calls++, replay(...args))}),
	);
	await press(stdin, 'j', KEY.enter, KEY.enter);
	t.regex(lastFrame()!, /22222222-2222-2222-2222-222222222222 +- +- +- +defined /);
	await press(stdin, 'p');
	t.true(lastFrame()!.includes('defined, not active'));
	t.is(calls, 0);
	unmount();
});

// ---- owners, the doctor (d) and advice (x) ---------------------------------------------------------

/** A /proc with QEMU (started by libvirt) holding mbochs's group 2, and pid 1; returns its root. */
function heldProc(): string {
	const root = mkdtempSync(path.join(tmpdir(), 'mdevscope-tui-proc-'));
	const pid = (n: number, comm: string, cmdline: string[], fds: Record<number, string>) => {
		const dir = path.join(root, 'proc', String(n));
		mkdirSync(path.join(dir, 'fd'), {recursive: true});
		writeFileSync(path.join(dir, 'comm'), comm + '\n');
		writeFileSync(path.join(dir, 'cmdline'), cmdline.join('\0') + '\0');
		for (const [fd, target] of Object.entries(fds)) symlinkSync(target, path.join(dir, 'fd', fd));
	};
	pid(1, 'systemd', ['/sbin/init'], {0: '/dev/null'});
	pid(
		4242,
		'qemu-system-x86',
		[
			'/usr/bin/qemu-system-x86_64',
			'-name',
			'guest=vdi-42,debug-threads=on',
			'-object',
			'{"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/libvirt/qemu/domain-7-vdi-42/master-key.aes"}',
			'-uuid',
			'c0ffee00-0000-4000-8000-000000000042',
		],
		{21: '/dev/vfio/vfio', 22: '/dev/vfio/2'},
	);
	return root;
}

test('owners: the instances list names the VM, the detail the holder, its VM, uuid and libvirt domain; r reads them again', async (t) => {
	const procRoot = heldProc();
	t.teardown(() => rmSync(procRoot, {recursive: true, force: true}));
	const {lastFrame, stdin, unmount} = renderSized(app(scan(), {procRoot}), 100, 50);
	const row = () => lastFrame().split('\n').find((l) => l.includes('33333333-3333-3333-3333-333333333333')) ?? '';
	await waitFor(() => row().includes(' vdi-42 '), 'the VM column');
	// The type's instances (no type column): room for all of it.
	await press(stdin, KEY.tab, KEY.tab);
	t.regex(row(), /33333333-3333-3333-3333-333333333333 +vdi-42 +- +- +active +2 +- /);
	await press(stdin, KEY.enter);
	const frame = lastFrame();
	t.regex(frame, /owner +qemu-system-x86 pid 4242, holds \/dev\/vfio\/2/);
	t.regex(frame, /VM +vdi-42, uuid c0ffee00-0000-4000-8000-000000000042/);
	t.regex(frame, /libvirt +domain vdi-42 \(virsh dumpxml vdi-42\)/);
	t.regex(frame, /command +\/usr\/bin\/qemu-system-x86_64 -name guest=vdi-42,debug-threads=on/);
	// The VM lets go; r reads /proc again.
	rmSync(path.join(procRoot, 'proc', '4242'), {recursive: true});
	await press(stdin, 'r');
	await waitFor(() => /owner +none: no process has \/dev\/vfio\/2 or \/dev\/vfio\/devices\/vfio2 open/.test(lastFrame()), 'the owner gone after r');
	t.regex(row(), /33333333-3333-3333-3333-333333333333 +- +- +- +active +2 /);
	t.false(lastFrame().includes('vdi-42'));
	unmount();
});

test('owners: read again when a probe batch ends, and unknown (with why) on a tree without processes', async (t) => {
	const procRoot = heldProc();
	t.teardown(() => rmSync(procRoot, {recursive: true, force: true}));
	const {lastFrame, stdin, unmount} = renderSized(app(scan(), {procRoot, probeFn: replay}), 100, 50);
	await press(stdin, KEY.tab, KEY.tab);
	await waitFor(() => / 33333333-3333-3333-3333-333333333333 +vdi-42 /.test(lastFrame()), 'the VM column');
	rmSync(path.join(procRoot, 'proc', '4242'), {recursive: true});
	await press(stdin, 'P');
	await waitFor(() => !lastFrame().includes('probing') && lastFrame().includes('DMABUF'), 'the end of the batch');
	await waitFor(() => /33333333-3333-3333-3333-333333333333 +- +DMABUF +no +active +2 /.test(lastFrame()), 'the owners read again');
	unmount();
	// The captured tree itself has no process table.
	const tree = renderSized(app(scan()), 100, 50);
	await press(tree.stdin, KEY.tab, KEY.tab, KEY.enter);
	await waitFor(() => tree.lastFrame().includes('owner '), 'the detail');
	t.regex(tree.lastFrame(), /owner +unknown: no process's open files could be read under/);
	// The reason holds the checkout's path, so where it wraps depends on where the project lives:
	// read the detail's text with the frame and the wrapping taken out.
	const text = tree.lastFrame().split('\n').map((l) => l.replace(/^\|/, '').replace(/\|$/, '').trim()).join(' ');
	t.true(text.includes('(a captured tree has no process table)'));
	t.regex(tree.lastFrame(), /33333333-3333-3333-3333-333333333333 +\? +- +- +active +2 /);
	tree.unmount();
});

test('at 80x24 a long status gets lines of its own: the whole message and the keys are on screen, the frame still fits', async (t) => {
	const procRoot = heldProc();
	t.teardown(() => rmSync(procRoot, {recursive: true, force: true}));
	const {lastFrame, stdin, unmount} = renderSized(app(scan(), {procRoot}), 80, 24);
	await press(stdin, KEY.tab, KEY.tab, KEY.enter);
	await waitFor(() => lastFrame().includes('qemu-system-x86 pid 4242'), 'the owner in the detail');
	// B asks first, naming the VM: a question longer than a line.
	await press(stdin, 'B');
	const ask = 'Borrow the fd of qemu-system-x86 pid 4242 (VM vdi-42, uuid c0ffee00-0000-4000-8000-000000000042)? y: yes, other key: no. Read-only questions to 33333333-3333-3333-3333-333333333333; the VM keeps running';
	await waitFor(() => lastFrame().includes('Borrow the fd'), 'the question');
	assertFits(t, lastFrame(), 80, 24);
	t.is(lastFrame().split('\n').length, 23);
	const text = lastFrame().split('\n').map((l) => l.trim()).join(' ');
	t.true(text.includes(ask), lastFrame());
	t.false(lastFrame().split('\n').slice(-3).some((l) => l.includes('~')), lastFrame());
	await press(stdin, 'n');
	// The answer takes one line above the keys, all of which are shown.
	await waitFor(() => lastFrame().includes('not borrowed'), 'the answer');
	t.is(lastFrame().split('\n').at(-2)!.trim(), 'not borrowed');
	t.is(lastFrame().split('\n').at(-1)!.trim(), 'j/k move  Tab pane  p probe  P probe all  d doctor  x advice  B borrow  ? help  q quit'.replace(/  /g, ' '));
	t.is(lastFrame().split('\n').length, 23);
	// Over the advice view too: the warning and the view's keys.
	await press(stdin, 'x');
	await waitFor(() => lastFrame().includes('not probed: the advice cannot tell the display yet (p probes it)'), 'the warning');
	t.regex(lastFrame().split('\n').at(-1)!, /j\/k move +x advice +q quit/);
	assertFits(t, lastFrame(), 80, 24);
	t.is(lastFrame().split('\n').length, 23);
	unmount();
});

test('d opens the doctor view over the panes: the checks with their verdicts and fixes; Esc closes it', async (t) => {
	const {lastFrame, stdin, unmount} = renderSized(app(scan()), 120, 40);
	const footer = () => lastFrame().split('\n').at(-1)!;
	t.true(footer().includes('d doctor'));
	await press(stdin, 'd');
	let frame = lastFrame();
	t.true(frame.includes('[*] Doctor: d or Esc closes, r checks again'));
	// The same counts whoever runs the tests: a tree's root check does not use this machine's uid.
	t.true(frame.includes('mdevscope doctor: 5 ok, 4 warn, 0 fail'));
	t.regex(frame, /\[ OK \] IOMMU: 3 IOMMU groups in \/sys\/kernel\/iommu_groups/);
	t.regex(frame, /\[WARN\] \/dev\/vfio\/vfio: the tree has no \/dev/);
	t.true(frame.includes('fix: check on the host itself: ls -l /dev/vfio/vfio'));
	t.false(frame.includes('[*] Parents'));
	t.true(footer().includes('r refresh'));
	t.false(footer().includes('p probe'));
	await press(stdin, 'G');
	t.true(lastFrame().includes('[ OK ] mdev parents: 3 parents'));
	assertFits(t, lastFrame(), 120, 40);
	// r reads the host again and checks again, in the view.
	await press(stdin, 'r');
	t.true(lastFrame().includes('[*] Doctor: d or Esc closes'));
	t.true(footer().includes('rescanned'));
	await press(stdin, KEY.escape);
	frame = lastFrame();
	t.false(frame.includes('Doctor:'));
	t.true(frame.includes('[*] Parents'));
	await press(stdin, 'd', 'd');
	t.true(lastFrame().includes('[*] Parents'));
	unmount();
});

test('d on a host without vfio: the failed checks with their fixes, also from the empty screen', async (t) => {
	const {lastFrame, stdin, unmount} = renderSized(app(scan(EMPTY)), 100, 40);
	t.true(lastFrame().includes('No mediated devices found.'));
	await press(stdin, 'd');
	const frame = lastFrame();
	t.true(frame.includes('mdevscope doctor: 0 ok, 2 warn, 6 fail'));
	t.true(frame.includes('[FAIL] vfio module: /sys/module/vfio is missing'));
	t.true(frame.includes('fix: modprobe vfio'));
	t.true(frame.includes('fix: modprobe vfio_iommu_type1'));
	await press(stdin, KEY.escape);
	t.true(lastFrame().includes('No mediated devices found.'));
	unmount();
});

test('x shows the advice for the selected instance from its cached probe, and only where an instance is selected', async (t) => {
	const {lastFrame, stdin, unmount} = renderSized(app(scan(), {probeFn: replay}), 120, 50);
	const footer = () => lastFrame().split('\n').at(-1)!;
	t.false(footer().includes('x advice'));
	await press(stdin, 'j', KEY.enter, KEY.enter);
	t.true(footer().includes('x advice'));
	// Not probed yet: the advice says it cannot tell the display, and the footer says why.
	await press(stdin, 'x');
	t.true(lastFrame().includes('[*] Advice for 22222222-2222-2222-2222-222222222222: x or Esc closes'));
	t.true(lastFrame().includes('advice for 22222222-2222-2222-2222-222222222222: display not determined'));
	t.true(footer().includes('not probed'));
	await press(stdin, 'x');
	t.true(lastFrame().includes('[*] Instances of mdpy-hd'));
	await press(stdin, 'p');
	await waitFor(() => lastFrame().includes('REGION'), 'the probe result');
	await press(stdin, 'x');
	const frame = lastFrame();
	t.true(frame.includes('advice for 22222222-2222-2222-2222-222222222222: display region'));
	t.true(frame.includes('VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|REGION): supported'));
	t.true(frame.includes('libvirt domain XML:'));
	t.regex(frame, /<hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on'/);
	t.true(frame.includes("<address uuid='22222222-2222-2222-2222-222222222222'/>"));
	t.true(frame.includes('QEMU:'));
	t.true(frame.includes('sysfsdev=/sys/bus/mdev/devices/22222222-2222-2222-2222-222222222222'));
	assertFits(t, frame, 120, 50);
	await press(stdin, KEY.escape);
	t.true(lastFrame().includes('[*] Instances of mdpy-hd'));
	unmount();
});

test('x at 80x24: the QEMU arguments break between arguments only, with a trailing \\; a longer one stays whole and scrolls sideways; the title is whole', async (t) => {
	const {lastFrame, stdin, unmount} = renderSized(app(scan(), {probeFn: replay}), 80, 24);
	await press(stdin, 'j', KEY.enter, KEY.enter, 'p');
	await waitFor(() => lastFrame().includes('REGION'), 'the probe result');
	await press(stdin, 'x');
	t.true(lastFrame().split('\n')[1]!.includes('[*] Advice for 22222222-2222-2222-2222-222222222222: x or Esc closes'), lastFrame());
	const inner = () => lastFrame().split('\n').filter((l) => l.startsWith('|')).map((l) => l.slice(1, -1).trimEnd());
	const qemu = () => {
		const lines = inner();
		const from = lines.indexOf('QEMU:') + 1;
		const to = lines.indexOf('notes:');
		return lines.slice(from, to < 0 ? undefined : to);
	};
	// Down to the QEMU lines.
	for (let i = 0; i < 40 && !(inner().includes('QEMU:') && inner().includes('notes:')); i++) await press(stdin, 'j');
	t.true(qemu().length >= 2, inner().join('\n'));
	const argument = 'vfio-pci,sysfsdev=/sys/bus/mdev/devices/22222222-2222-2222-2222-222222222222,display=on';
	t.deepEqual(qemu().slice(0, 1), ['  -device \\']);
	// The argument has a line of its own, cut only by the edge of the view (~), not by a line break.
	t.true(argument.startsWith(qemu()[1]!.trim().replace(/~$/, '')), qemu()[1]);
	t.true(qemu()[1]!.endsWith('~'));
	assertFits(t, lastFrame(), 80, 24);
	// Sideways, the rest of it, and the \ that joins the next line.
	t.regex(lastFrame(), /cols 1-78\/\d+/);
	await press(stdin, KEY.right);
	// (as far as the widest line goes: its end at the view's right edge)
	const [, first, last, widest] = /cols (\d+)-(\d+)\/(\d+)/.exec(lastFrame())!;
	t.true(Number(first) > 1 && last === widest, lastFrame());
	t.true(qemu().some((line) => line.endsWith('-2222-222222222222,display=on')), qemu().join('\n'));
	await press(stdin, '\x1b[D');
	t.regex(lastFrame(), /cols 1-78\/\d+/);
	unmount();
});

test('qemuLines: shell lines broken between arguments only, each but the last ending in \\, that paste back as the same command', (t) => {
	const args = ['-device', 'vfio-pci,sysfsdev=/sys/bus/mdev/devices/22222222-2222-2222-2222-222222222222,display=on', '-display', 'egl-headless', '-vnc', '127.0.0.1:0'];
	for (const width of [40, 78, 118, 200]) {
		const lines = qemuLines(args, width);
		lines.slice(0, -1).forEach((line) => t.true(line.endsWith(' \\'), line));
		t.false(lines.at(-1)!.endsWith('\\'));
		// As the shell reads it: a backslash-newline joins the lines.
		t.deepEqual(lines.join('\n').replace(/ \\\n/g, ' ').trim().split(/ +/), args);
		for (const line of lines) t.true(line.length <= width || line.trim().split(' ').filter((w) => w !== '\\').length === 1, `${width}: ${line}`);
	}
	t.deepEqual(qemuLines(args, 200), ['  ' + args.join(' ')]);
	t.deepEqual(qemuLines(args, 78), ['  -device \\', `    ${args[1]} \\`, '    -display egl-headless -vnc 127.0.0.1:0']);
});

test('the help lists d and x from the key table, with where they work', (t) => {
	const lines = helpLines(118).map(lineText);
	t.true(lines.some((line) => /^ +d +lists,no-mdev,doctor +the host doctor/.test(line)), lines.join('\n'));
	t.true(lines.some((line) => /^ +x +instances,detail,advice +advice for the selected instance/.test(line)));
});

// ---- colour and the terminal ------------------------------------------------------------------

/** Renders the App in a child process (chalk reads FORCE_COLOR when it loads) and returns the frame. */
function frameInChild(env: NodeJS.ProcessEnv): Promise<string> {
	return frameInChildProcess(env, {
		setup: `
			const {App} = await import(${JSON.stringify(new URL('../src/components/App.tsx', import.meta.url).href)});
			const {scanHost} = await import(${JSON.stringify(new URL('../src/sysfs/scan.ts', import.meta.url).href)});
			const model = scanHost(${JSON.stringify(TREE)});`,
		element: 'React.createElement(App, {model, rescan: () => model})',
		columns: 100,
		rows: 30,
	});
}

test('NO_COLOR: the same screen without any ESC[ colour or style code', async (t) => {
	const base = {...process.env};
	delete base['NO_COLOR'];
	const coloured = await frameInChild({...base, FORCE_COLOR: '1'});
	t.true(coloured.includes('\x1b['), 'colours are on without NO_COLOR');
	const plain = await frameInChild({...base, FORCE_COLOR: '1', NO_COLOR: '1'});
	t.false(plain.includes('\x1b['));
	// Focus and selection still read from the text.
	t.true(plain.includes('[*] Parents'));
	t.true(plain.includes('> mbochs') || plain.includes('>  mbochs') || /\|> +mbochs/.test(plain));
	// Two processes, two scans: their header's time of day is not compared.
	const clock = (frame: string) => frame.replace(/\b\d\d:\d\d:\d\d\b/, 'HH:MM:SS');
	t.is(clock(plain), clock(coloured.replace(/\x1b\[[0-9;]*m/g, '')));
});

const ENTER = '\x1b[?1049h';
const LEAVE = '\x1b[?1049l';

test('runTui enters the alternate screen and restores the terminal when q quits', async (t) => {
	const stdout = new SizedStdout(80, 24);
	const stdin = new FakeStdin();
	const model = scan();
	const signalHandlers = process.listenerCount('SIGTERM');
	const done = runTui({
		root: TREE,
		model,
		rescan: () => scan(),
		stdin: stdin as unknown as NodeJS.ReadStream,
		stdout: stdout as unknown as NodeJS.WriteStream,
	});
	await delay(100);
	t.true(stdout.frames[0]!.startsWith(ENTER));
	t.true(process.listenerCount('SIGTERM') > signalHandlers);
	await press(stdin, 'q');
	await done;
	const all = stdout.frames.join('');
	t.true(all.endsWith(LEAVE));
	t.true(all.lastIndexOf('\x1b[?25h') > all.lastIndexOf('Parents'));
	// Our handlers are gone once the TUI is.
	t.is(process.listenerCount('SIGTERM'), signalHandlers);
});

test('runTui: an Esc read together with the next key is Esc, then that key; escape sequences stay keys', async (t) => {
	const stdout = new SizedStdout(80, 24);
	const stdin = new FakeStdin();
	const asked: string[][] = [];
	const model = scan();
	const done = runTui({
		root: TREE,
		model,
		rescan: () => scan(),
		probeFn: async (m, uuids, opts) => (asked.push(uuids), replay(m, uuids, opts)),
		stdin: stdin as unknown as NodeJS.ReadStream,
		stdout: stdout as unknown as NodeJS.WriteStream,
	});
	const screen = () => new ScreenModel(80, 24).feed(stdout.frames.join('')).text();
	const send = async (bytes: string, what: string, check: () => boolean) => {
		stdin.write(bytes); // one write: one read, as a paste or a slow link delivers it
		await waitFor(check, `${what}; the screen:\n${screen()}`);
	};
	await waitFor(() => screen().includes('[*] Parents'), 'the first frame');
	await send('/mdpy', 'the filter typed', () => screen().includes('filter /mdpy_'));
	// Esc clears the filter being typed, then / opens a new one.
	await send('\x1b/', 'a new filter', () => /filter \/_/.test(screen()));
	t.false(screen().includes('mdpy_'));
	await send('mdpy\r', 'the filter kept', () => screen().includes('filter: mdpy'));
	// The keys: Esc then /MDPY, all in one read: the filter cleared, a new one typed, no probe.
	await send('\x1b/MDPY', 'the new filter', () => screen().includes('filter /MDPY_'));
	t.deepEqual(asked, []);
	await send('\x1b', 'the filter closed', () => !screen().includes('filter /'));
	// Esc then P: P probes (Alt+P would do nothing).
	await send('\x1bP', 'the probe', () => asked.length === 1);
	t.is(asked[0]!.length, 3);
	await waitFor(() => !screen().includes('probing'), 'the end of the batch');
	// Arrows, SS3 arrows, PgDn and Shift-Tab in one read each are still those keys.
	const selectedParent = () => /^\|> (\S+)/m.exec(screen())?.[1];
	// (the selection stayed on mdpy, which the filter had shown)
	t.is(selectedParent(), 'mdpy');
	await send('\x1b[B', 'down', () => selectedParent() === 'mtty');
	await send('\x1bOA', 'up (SS3)', () => selectedParent() === 'mdpy');
	await send('\x1b[6~', 'page down', () => selectedParent() === 'mtty');
	await send('\x1b[Z', 'Shift-Tab: the detail pane', () => screen().includes('[*] Detail'));
	await send('\x1b[B\x1b[A\x1b[Z', 'three sequences in one read', () => screen().includes('[*] Instances'));
	stdin.write('q');
	await done;
});

/** Runs runTui in a child on the 6.12 tree with a fake keyboard; `then` acts on it once drawn. */
function childTui(then: string): Promise<{stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null}> {
	const script = `
		const {EventEmitter} = await import('node:events');
		const {runTui} = await import(${JSON.stringify(new URL('../src/terminal/tui.tsx', import.meta.url).href)});
		const {scanHost} = await import(${JSON.stringify(new URL('../src/sysfs/scan.ts', import.meta.url).href)});
		class In extends EventEmitter { isTTY = true; read() { return null; } setEncoding() {} setRawMode() {} resume() {} pause() {} ref() {} unref() {} }
		const model = scanHost(${JSON.stringify(TREE)});
		// A terminal on stdin keeps a real process alive; the fake keyboard does not.
		const alive = setInterval(() => {}, 1000);
		setTimeout(() => { ${then} }, 1500);
		await runTui({root: ${JSON.stringify(TREE)}, model, rescan: () => model, stdin: new In()});
		clearInterval(alive);
	`;
	const env = {...process.env};
	delete env['CI']; // Ink holds frames back in CI
	return new Promise((resolve) => {
		const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], {cwd: ROOT, env});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.on('close', (code, signal) => resolve({stdout, stderr, code, signal}));
	});
}

test('SIGTERM while the TUI runs: the terminal is restored and the process dies of the signal', async (t) => {
	const result = await childTui(`process.kill(process.pid, 'SIGTERM');`);
	t.is(result.signal, 'SIGTERM', JSON.stringify({code: result.code, stderr: result.stderr}));
	t.true(result.stdout.startsWith(ENTER));
	t.true(result.stdout.includes('Parents'));
	t.true(result.stdout.endsWith('\x1b[?25h' + LEAVE));
});

test('an uncaught error while the TUI runs: the terminal is restored and the error is shown', async (t) => {
	const result = await childTui(`throw new Error('boom from a timer');`);
	t.is(result.code, 70, "EX_SOFTWARE: mdevscope failed itself (1 is a verdict)");
	t.true(result.stdout.includes('Parents'));
	t.true(result.stdout.endsWith('\x1b[?25h' + LEAVE));
	t.true(result.stderr.includes('boom from a timer'));
});
