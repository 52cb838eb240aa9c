// The probe child as a process: the request on stdin, a JSON line per start, step and result on
// stdout, the exit code; and the answer a user without root gets.
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {ChildMessage} from '../src/probe/protocol.js';
import {childCommand} from '../src/probe/runner.js';

const base = mkdtempSync(join(tmpdir(), 'mdevscope-child-'));
test.after.always(() => rmSync(base, {recursive: true, force: true}));

function runChild(input: string, opts: {uid?: number; gid?: number} = {}): {status: number | null; messages: ChildMessage[]; stderr: string} {
	const {command, args} = childCommand();
	const r = spawnSync(command, args, {input, encoding: 'utf8', timeout: 30_000, ...opts});
	return {
		status: r.status,
		messages: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ChildMessage),
		stderr: r.stderr,
	};
}

test('one start, the steps, and one result per instance, in order; exit 0', (t) => {
	const root = join(base, 'regular');
	mkdirSync(join(root, 'dev/vfio'), {recursive: true});
	writeFileSync(join(root, 'dev/vfio/vfio'), '');
	const instances = [
		{uuid: '11111111-1111-1111-1111-111111111111', iommuGroup: 0},
		{uuid: '22222222-2222-2222-2222-222222222222', iommuGroup: 1},
	];
	const {status, messages, stderr} = runChild(JSON.stringify({devRoot: root, instances}));
	t.is(status, 0, stderr);
	const container = `${root}/dev/vfio/vfio`;
	const perInstance = (uuid: string): ChildMessage[] => [
		{type: 'start', uuid},
		{type: 'step', uuid, step: `open ${container}`, kind: 'container-open'},
		{type: 'step', uuid, step: 'VFIO_GET_API_VERSION', kind: 'query'},
		{type: 'step', uuid, step: `close ${container}`, kind: 'close'},
	];
	const shape = messages.map((m) => (m.type === 'result' ? {type: 'result', uuid: m.result.uuid, outcome: m.result.outcome} : m));
	t.deepEqual(shape, [
		...perInstance(instances[0]!.uuid),
		{type: 'result', uuid: instances[0]!.uuid, outcome: 'no-vfio'},
		...perInstance(instances[1]!.uuid),
		{type: 'result', uuid: instances[1]!.uuid, outcome: 'no-vfio'},
	]);
});

test('a request that is not valid gets one fatal line and exit code 2', (t) => {
	for (const input of ['', 'not json', JSON.stringify({devRoot: '/', instances: [{uuid: 'x', iommuGroup: -1}]})]) {
		const {status, messages} = runChild(input);
		t.is(status, 2);
		t.is(messages.length, 1);
		t.is(messages[0]!.type, 'fatal');
	}
});

test('without root: the group and container files are refused and the probe says needs root', (t) => {
	const root = join(base, 'noroot');
	mkdirSync(join(root, 'dev/vfio'), {recursive: true});
	writeFileSync(join(root, 'dev/vfio/vfio'), '');
	// As on a host: only root may open the files. Root itself bypasses modes, so as root the child
	// runs as nobody (65534), as a user the mode alone refuses it.
	const asRoot = process.getuid?.() === 0;
	chmodSync(join(root, 'dev/vfio/vfio'), asRoot ? 0o600 : 0o000);
	for (const dir of [base, root, join(root, 'dev'), join(root, 'dev/vfio')]) chmodSync(dir, 0o755);
	const {status, messages, stderr} = runChild(JSON.stringify({devRoot: root, instances: [{uuid: 'u', iommuGroup: 3}]}), asRoot ? {uid: 65534, gid: 65534} : {});
	t.is(status, 0, stderr);
	const result = messages.find((m) => m.type === 'result');
	if (result?.type !== 'result') return t.fail('no result line');
	t.is(result.result.outcome, 'needs-root');
	t.is(result.result.steps[0]!.code, 'EACCES');
	t.is(result.result.summary, `needs root: no permission to open ${root}/dev/vfio/vfio (run as root)`);
});
