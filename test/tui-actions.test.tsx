// The TUI's keys that write (issue 18), on copies of the nvidia-grid tree with the sysfs backend:
// off until W, and then out of the footer no more; each asks first, naming what it writes where;
// n writes nothing, y writes just that and the status line says what happened and what the device
// is now; a held instance is refused with its holder named; a locked host and a recording cannot
// turn writes on. What the tree's files hold afterwards is the proof. The same keys against a real
// kernel, in tmux: test/vm/actions.vm.test.ts.
import {cpSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import test from 'ava';
import React from 'react';
import {App} from '../src/components/App.js';
import {rescanHost} from '../src/sysfs/rescan.js';
import {scanHost} from '../src/sysfs/scan.js';
import {KEY, press, renderSized, waitFor} from './helpers/ink.js';
import {trees} from './helpers/trees.js';

const GPU = '0000:3b:00.0';
const HELD = '8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21';
const FREE = 'c2f6e1a9-5b7d-4e3a-8f10-2d9c4b6a8e53';
const DEFINED = 'f0e1d2c3-b4a5-4968-8776-655443322110';

function setup(t: {teardown: (f: () => void) => void}, props: Partial<React.ComponentProps<typeof App>> = {}) {
	const root = path.join(mkdtempSync(path.join(tmpdir(), 'mdevscope-tui-actions-')), 'tree');
	t.teardown(() => rmSync(path.dirname(root), {recursive: true, force: true}));
	cpSync(path.join(trees, 'nvidia-grid'), root, {recursive: true, verbatimSymlinks: true});
	const app = renderSized(<App model={scanHost(root)} rescan={rescanHost} color={false} actions={{root, backend: 'sysfs', env: {}}} {...props} />, 120, 40);
	t.teardown(app.unmount);
	const lines = () => app.lastFrame().split('\n');
	const footer = () => lines().at(-1) ?? '';
	const status = () => {
		const all = lines();
		const lastBorder = all.map((l) => l.startsWith('+')).lastIndexOf(true);
		return all.slice(lastBorder + 1, -1).join(' ').replace(/\s+/g, ' ');
	};
	const create = path.join(root, 'sys/class/mdev_bus', GPU, 'mdev_supported_types/nvidia-231/create');
	return {...app, root, footer, status, create};
}

/** From the start (parents focused): the instances of nvidia-231, the selection on `uuid`. */
async function toInstance(stdin: {write: (s: string) => void}, lastFrame: () => string, uuid: string) {
	await press(stdin, KEY.enter, 'j', 'j', 'j', KEY.enter);
	for (let i = 0; i < 3 && !new RegExp(`Instance ${uuid}`).test(lastFrame()); i++) await press(stdin, 'j');
	if (!lastFrame().includes(`Instance ${uuid}`)) throw new Error(`${uuid} not selected:\n${lastFrame()}`);
}

test.serial('read-only by default: the keys that write are not in the footer, and pressed they say how to turn writes on; nothing is written', async (t) => {
	const s = setup(t);
	const before = readFileSync(s.create, 'utf8');
	await toInstance(s.stdin, s.lastFrame, FREE);
	t.notRegex(s.footer(), /\bstop\b|\bdefine\b/);
	t.notRegex(s.lastFrame(), /WRITES ON/);
	await press(s.stdin, 'X');
	t.regex(s.status(), /read-only: W turns the keys that write on/);
	t.is(readFileSync(path.join(s.root, 'sys/bus/mdev/devices', FREE, 'remove'), 'utf8'), '');
	t.is(readFileSync(s.create, 'utf8'), before);
});

test.serial('W, then X on a free instance: the question names the file and the value; n writes nothing, y writes it and says what the device is now', async (t) => {
	const s = setup(t);
	const remove = path.join(s.root, 'sys/bus/mdev/devices', FREE, 'remove');
	await toInstance(s.stdin, s.lastFrame, FREE);
	await press(s.stdin, 'W');
	t.regex(s.lastFrame().split('\n')[0]!, /^ TREE {3}WRITES ON /);
	t.regex(s.footer(), /X stop/);
	await press(s.stdin, 'X');
	await waitFor(() => /\? y writes/.test(s.status()), 'the question');
	t.regex(s.status(), new RegExp(`remove ${FREE} \\(nvidia-231 on ${GPU}\\): write "1" to /sys/bus/mdev/devices/${FREE}/remove\\? y writes, n/other: nothing`));
	t.regex(s.footer(), /^y yes {2}n\/other no/);
	await press(s.stdin, 'n');
	t.regex(s.status(), /nothing written/);
	t.is(readFileSync(remove, 'utf8'), '');
	await press(s.stdin, 'X');
	await waitFor(() => /\? y writes/.test(s.status()), 'the question again');
	await press(s.stdin, 'y');
	await waitFor(() => /done:/.test(s.status()), 'the write');
	t.is(readFileSync(remove, 'utf8'), '1');
	t.regex(s.status(), new RegExp(`done: remove ${FREE} .* ${FREE} now: active on ${GPU} as nvidia-231, IOMMU group 119; not defined \\(a tree: the write went to a file`));
});

test.serial('X on a held instance is refused with the holder named; nothing written', async (t) => {
	const s = setup(t, {writes: {on: true, lock: null}});
	await toInstance(s.stdin, s.lastFrame, HELD);
	await press(s.stdin, 'X');
	await waitFor(() => /refused/.test(s.status()), 'the refusal');
	t.regex(s.status(), new RegExp(`refused: ${HELD}: held by qemu pid 4242 vm=win10-vdi-finance-042: stop the VM first`));
	t.is(readFileSync(path.join(s.root, 'sys/bus/mdev/devices', HELD, 'remove'), 'utf8'), '');
});

test.serial('c on a type creates an instance of it; A turns a definition\'s autostart off, written as mdevctl writes it', async (t) => {
	const s = setup(t, {writes: {on: true, lock: null}});
	await press(s.stdin, KEY.enter, 'j', 'j', 'j', 'c');
	await waitFor(() => /\? y writes/.test(s.status()), 'the question');
	const uuid = /create ([0-9a-f-]{36}) \(nvidia-231 on 0000:3b:00\.0\)/.exec(s.status())?.[1];
	t.truthy(uuid, s.status());
	t.regex(s.status(), new RegExp(`write "${uuid}" to /sys/class/mdev_bus/${GPU}/mdev_supported_types/nvidia-231/create\\?`));
	await press(s.stdin, 'y');
	await waitFor(() => /done:/.test(s.status()), 'the write');
	t.is(readFileSync(s.create, 'utf8'), uuid ?? 'no uuid');
	// The defined, not active instance: its autostart (on) turned off.
	await press(s.stdin, KEY.enter);
	for (let i = 0; i < 4 && !s.lastFrame().includes(`Instance ${DEFINED}`); i++) await press(s.stdin, 'j');
	await press(s.stdin, 'A');
	await waitFor(() => /\? y writes/.test(s.status()), 'the question');
	t.regex(s.status(), new RegExp(`modify ${DEFINED} on ${GPU}: start auto -> manual: write /etc/mdevctl.d/${GPU}/${DEFINED}\\?`));
	await press(s.stdin, 'y');
	await waitFor(() => /done:/.test(s.status()), 'the write');
	t.is(readFileSync(path.join(s.root, 'etc/mdevctl.d', GPU, DEFINED), 'utf8'), '{\n  "mdev_type": "nvidia-231",\n  "start": "manual",\n  "attrs": []\n}');
	t.deepEqual(readdirSync(path.join(s.root, 'etc/mdevctl.d')).filter((n) => n.startsWith('.')), []);
});

test.serial('a locked host cannot turn writes on, and W says why; a recording has no host to write to', async (t) => {
	const s = setup(t, {writes: {on: false, lock: 'MDEVSCOPE_READ_ONLY=1 is set'}});
	await press(s.stdin, 'W');
	t.regex(s.status(), /writes are locked off: MDEVSCOPE_READ_ONLY=1 is set/);
	t.notRegex(s.lastFrame(), /WRITES ON/);
	const recorded = {...scanHost(path.join(trees, 'nvidia-grid')), source: {kind: 'snapshot' as const, label: 'a.json', recordedAt: null}};
	const r = renderSized(<App model={recorded} rescan={() => recorded} color={false} writes={{on: true, lock: null}} />, 120, 40);
	t.teardown(r.unmount);
	t.notRegex(r.lastFrame(), /WRITES ON/);
	await press(r.stdin, 'W');
	t.regex(r.lastFrame(), /writes are locked off: a recording: there is no host to write to/);
});
