// The subcommands and flags the CLI wires on top of the doctor and advice modules, through the real CLI.
import path from 'node:path';
import test from 'ava';
import {cliSync, project} from './helpers/cli.js';

const tree = (name: string) => path.join(project, 'test/fixtures/trees', name);
const run = (...args: string[]) => cliSync(args);

test('doctor on the captured 6.12 tree: no failing check, exit 0', (t) => {
	const r = run('doctor', '--root', tree('debian-6.12'));
	t.is(r.status, 0, r.stderr);
	t.regex(r.stdout, /^mdevscope doctor: \d+ ok, \d+ warn, 0 fail$/m);
	t.regex(r.stdout, /\[ OK \] mdev parents: 3 parents/);
});

test('doctor on a host without vfio: exit 1 and the modprobe fixes', (t) => {
	const r = run('doctor', '--root', tree('empty'));
	t.is(r.status, 1, r.stderr);
	for (const mod of ['vfio', 'vfio_iommu_type1', 'mdev']) t.regex(r.stdout, new RegExp(`fix: modprobe ${mod}$`, 'm'));
});

test('doctor --json carries its schema version, the same verdicts and the exit code', (t) => {
	const r = run('doctor', '--json', '--root', tree('empty'));
	t.is(r.status, 1);
	const report = JSON.parse(r.stdout) as {schemaVersion: number; exitCode: number; summary: {fail: number}; checks: Array<{id: string; verdict: string}>};
	t.is(report.schemaVersion, 1);
	t.is(report.exitCode, 1);
	t.true(report.summary.fail > 0);
	t.is(report.checks.find((c) => c.id === 'module-mdev')?.verdict, 'fail');
});

test('doctor on a tree: the root check says it cannot know who runs mdevscope there (not this machine\'s uid)', (t) => {
	const r = run('doctor', '--root', tree('debian-6.12'));
	t.is(r.status, 0, r.stderr);
	t.regex(r.stdout, /^\[WARN\] root privileges: not known for a tree: who runs mdevscope is judged on the live host only/m);
	t.notRegex(r.stdout, /running as root|effective uid/);
});

test('an unknown command and --advice without --probe are usage errors (exit 64)', (t) => {
	const a = run('frob');
	t.is(a.status, 64);
	t.regex(a.stderr, /unknown command "frob"/);
	const b = run('--advice', '--plain', '--root', tree('debian-6.12'));
	t.is(b.status, 64);
	t.regex(b.stderr, /--advice needs --probe/);
});

test('--probe --advice on a tree: every instance is "not-live", and the advice says the display is unknown', (t) => {
	const r = run('--json', '--probe', '--advice', '--root', tree('debian-6.12'));
	t.is(r.status, 0, r.stderr);
	const model = JSON.parse(r.stdout) as {instances: Array<{probe?: {outcome: string}; advice?: {display: string; libvirtXml: string}}>};
	t.is(model.instances.length, 3);
	for (const i of model.instances) {
		t.is(i.probe?.outcome, 'not-live');
		t.is(i.advice?.display, 'unknown');
		t.notRegex(i.advice?.libvirtXml ?? '', /display='on'/);
	}
});

test('features on a tree: one line per instance, every bit unknown (nothing was probed), exit 0', (t) => {
	const r = run('features', '--root', tree('debian-6.12'));
	t.is(r.status, 0, r.stderr);
	const lines = r.stdout.trim().split('\n');
	t.is(lines.length, 3);
	for (const line of lines) t.regex(line, /^[0-9a-f-]{36} \S+ bits=0x0 known=0x0 unknown: not-live/);
});

test('export writes only inside --dir, and an unwritable --dir is exit 2 with the reason', async (t) => {
	const {mkdtempSync, readFileSync, readdirSync, existsSync} = await import('node:fs');
	const {tmpdir} = await import('node:os');
	const {rmSync} = await import('node:fs');
	const base = mkdtempSync(path.join(tmpdir(), 'mdevscope-export-'));
	t.teardown(() => rmSync(base, {recursive: true, force: true}));
	const dir = path.join(base, 'out');
	const r = run('export', '--dir', dir, '--root', tree('debian-6.12'));
	t.is(r.status, 0, r.stderr);
	t.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('.')).sort(), [
		'11111111-1111-1111-1111-111111111111',
		'22222222-2222-2222-2222-222222222222',
		'33333333-3333-3333-3333-333333333333',
	]);
	t.is(readFileSync(path.join(dir, '22222222-2222-2222-2222-222222222222', 'mdev_type'), 'utf8').trim(), 'mdpy-hd');
	// Not probed (a tree): the feature files are absent, never 0.
	t.false(existsSync(path.join(dir, '22222222-2222-2222-2222-222222222222', 'features', 'display_region')));
	const bad = run('export', '--dir', '/etc/passwd/x', '--root', tree('debian-6.12'));
	t.is(bad.status, 2);
	t.regex(bad.stderr, /cannot create the export directory \/etc\/passwd\/x: ENOTDIR/);
});
