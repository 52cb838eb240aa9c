// The scanner and the plain/JSON renderers, the owner scan and the doctor's facts against corrupted
// copies of the fixture trees, sys/ as well as a process table in proc/ and nodes in dev/
// (test/fuzz/corrupt.ts says what is mutated and what must come of it). 1,000 seeded cases by
// default; MDEVSCOPE_FUZZ_CASES=20000 for more (a test per 1,000), MDEVSCOPE_FUZZ_SEED for another
// series, MDEVSCOPE_FUZZ_ONLY=12,345 to replay the cases a failure names.
// As root, permission bits stop nothing, so unreadable paths are made with EISDIR, ELOOP and
// ENOTDIR; a slice of cases also runs as nobody (uid 65534), where mode 000 gives EACCES.
import {spawn} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {MUTATIONS, runFuzz, type FuzzReport} from './fuzz/corrupt.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.join(here, '..');
const CASES = Number(process.env.MDEVSCOPE_FUZZ_CASES ?? 1000);
const SEED = Number(process.env.MDEVSCOPE_FUZZ_SEED ?? 7);
const ONLY = process.env.MDEVSCOPE_FUZZ_ONLY?.split(',').map(Number);
const CHUNK = 1000;
const asRoot = process.getuid?.() === 0;

function verdict(t: import('ava').ExecutionContext, r: FuzzReport, replay: string): void {
	t.log(`${r.cases} cases in ${Math.round(r.ms)} ms: ${Math.round(r.cases / (r.ms / 1000))} cases/s`);
	t.deepEqual(r.notRestored, [], 'the generator put every path back');
	const cases = r.failures.map((f) => f.case).join(',');
	t.deepEqual(r.failures.slice(0, 5), [], `${r.failures.length} failing cases; replay: ${replay} MDEVSCOPE_FUZZ_ONLY=${cases} npx ava test/fuzz.test.ts`);
}

const chunks = ONLY ? [ONLY] : Array.from({length: Math.ceil(CASES / CHUNK)}, (_, k) => Array.from({length: Math.min(CHUNK, CASES - k * CHUNK)}, (_, i) => k * CHUNK + i));

for (const list of chunks) {
	const title = ONLY ? `cases ${ONLY.join(',')}` : `cases ${list[0]}..${list.at(-1)}`;
	test(`${title} (seed ${SEED}): nothing thrown, JSON valid and round-trips, plain text safe, every problem on its item`, (t) => {
		const r = runFuzz({cases: list.length, seed: SEED, only: list});
		verdict(t, r, `MDEVSCOPE_FUZZ_SEED=${SEED}`);
		if (!ONLY && list.length >= CHUNK && SEED === 7) {
			// Every kind of corruption came up (checked for the default series, which is fixed).
			for (const m of MUTATIONS) {
				if (m.who === (asRoot ? 'nonroot' : 'root')) continue;
				t.true((r.mutations[m.name] ?? 0) > 0, `mutation ${m.name} never used`);
			}
		}
	});
}

test('as nobody: mode-000 files and directories are EACCES on their item, and the rest holds too', async (t) => {
	if (!asRoot) {
		t.pass('already unprivileged: the cases above used mode 000');
		return;
	}
	const script = `
		import {runFuzz} from ${JSON.stringify(path.join(here, 'fuzz', 'corrupt.ts'))};
		process.stdout.write(JSON.stringify(runFuzz({cases: 300, seed: ${SEED + 1}, unprivileged: true})));
	`;
	const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
		cwd: project,
		uid: 65534,
		gid: 65534,
		env: {...process.env, HOME: '/tmp'},
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
	child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
	const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
	t.is(code, 0, stderr);
	const r = JSON.parse(stdout) as FuzzReport;
	verdict(t, r, `(as uid 65534, seed ${SEED + 1})`);
	t.true((r.mutations['unreadable'] ?? 0) > 0 && (r.mutations['dir-unreadable'] ?? 0) > 0, JSON.stringify(r.mutations));
});
