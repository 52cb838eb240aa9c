// The guest scripts' output convention, shared by the VM tests that run several commands in one
// boot: `run NAME CMD...` prints the command's stdout between `@@@ begin NAME` and
// `@@@ end NAME rc=<exit code>`, then the tail of its stderr as the section NAME.stderr.

/** The shell function, for the top of a guest script. */
export const RUN_FUNCTION = `
run() {
	name=$1; shift
	echo "@@@ begin $name"
	"$@" 2>/tmp/$name.err
	rc=$?
	echo
	echo "@@@ end $name rc=$rc"
	echo "@@@ begin $name.stderr"; tail -c 4000 /tmp/$name.err; echo "@@@ end $name.stderr rc=0"
}
`;

export interface Section {
	text: string;
	rc: number;
}

/** The sections of a guest's stdout; `get` throws, with the whole output, for one that is missing. */
export function sections(stdout: string, stderr = ''): {all: Map<string, Section>; get: (name: string) => Section} {
	const all = new Map<string, Section>();
	const re = /^@@@ begin (\S+)\n([\s\S]*?)\n?@@@ end \1 rc=(\d+)$/gm;
	for (const m of stdout.matchAll(re)) all.set(m[1]!, {text: m[2]!, rc: Number(m[3])});
	return {
		all,
		get(name) {
			const sec = all.get(name);
			if (!sec) throw new Error(`no section ${name} in the guest's output:\n${stdout}\n${stderr}`);
			return sec;
		},
	};
}
