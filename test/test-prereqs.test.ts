// scripts/test-prereqs.sh (npm test's pretest): a machine that lacks a tool the tests need is told
// which Debian package to install, and the run stops, instead of tests being skipped.
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'test-prereqs.sh');

function run(root: string) {
	return spawnSync('bash', [script], {encoding: 'utf8', env: {...process.env, MDEVSCOPE_PREREQ_ROOT: root, MDEVSCOPE_NO_APT: '1'}});
}

test('an empty machine: every package is named with why, and the run stops', (t) => {
	const root = mkdtempSync(path.join(tmpdir(), 'mdevscope-prereqs-'));
	t.teardown(() => rmSync(root, {recursive: true, force: true}));
	const r = run(root);
	t.is(r.status, 1);
	for (const pkg of ['gcc', 'linux-libc-dev', 'tmux', 'strace', 'systemd', 'pci.ids', 'groff-base', 'man-db', 'zsh', 'dpkg-dev', 'mdevctl']) t.regex(r.stderr, new RegExp(`^  ${pkg.replace('.', '\\.')} +\\S`, 'm'));
	t.regex(r.stderr, /^ {2}linux-headers-6\.\S+-common +the ABI test/m);
	t.regex(r.stderr, /^Install them first \(as root\): apt-get install --no-install-recommends gcc linux-libc-dev tmux strace systemd pci\.ids groff-base man-db zsh dpkg-dev mdevctl linux-headers-/m);
});

test('headers of 6.1 do not stand in for newer ones; 6.12 does', (t) => {
	const root = mkdtempSync(path.join(tmpdir(), 'mdevscope-prereqs-'));
	t.teardown(() => rmSync(root, {recursive: true, force: true}));
	for (const file of ['usr/bin/gcc', 'usr/include/linux/vfio.h', 'usr/bin/tmux', 'usr/bin/strace', 'usr/bin/systemd-analyze', 'usr/share/misc/pci.ids', 'usr/bin/groff', 'usr/bin/man', 'usr/bin/zsh', 'usr/bin/dpkg-shlibdeps', 'usr/bin/mdevctl']) {
		mkdirSync(path.join(root, path.dirname(file)), {recursive: true});
		writeFileSync(path.join(root, file), '');
	}
	const header = (dir: string) => {
		mkdirSync(path.join(root, 'usr/src', dir, 'include/uapi/linux'), {recursive: true});
		writeFileSync(path.join(root, 'usr/src', dir, 'include/uapi/linux/vfio.h'), '');
	};
	header('linux-headers-6.1.0-57-common');
	const old = run(root);
	t.is(old.status, 1);
	t.regex(old.stderr, /linux-headers-6\.\S+-common +the ABI test/);
	t.notRegex(old.stderr, /tmux|strace/);
	header('linux-headers-6.12.117+deb12-common');
	const now = run(root);
	t.is(now.status, 0, now.stderr);
	t.is(now.stderr, '');
});
