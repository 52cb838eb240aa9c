// A check that needs a tool this machine lacks did not run: it is reported as a failure naming
// the tool and its Debian package, never as skipped or passed. scripts/test-prereqs.sh (npm's
// pretest) installs them as root, so this is seen only where that was bypassed.
import test from 'ava';

export function missingTool(checks: string, tool: string, debianPackage: string): void {
	test(`${checks} (needs ${tool})`, (t) => {
		t.fail(`${tool} is not on this machine, so this was not checked. Install it: apt-get install ${debianPackage} (scripts/test-prereqs.sh, run by npm test, does that as root).`);
	});
}
