// `mdevscope compare SOURCE DEST`: reads both sides (a snapshot file, or `-`/`local` for this host,
// scanned and probed now), compares them, prints the report and returns the exit code
// (0 all ok, 1 any risky, 2 any blocked); on a terminal the CLI passes `show`, the interactive view,
// which comes first. Problems with the arguments or files are thrown as CompareInputError, which
// the CLI prints as `mdevscope: ...` on stderr with no report, and an exit code no verdict uses
// (64 a wrong argument, 66 a file that cannot be read or is not a snapshot: src/exit-codes.ts).
import process from 'node:process';
import {loadSnapshot, SnapshotError} from '../snapshot/load.js';
import {compareHosts, exitCode, unknownUuids, type Comparison, type Side} from '../compare/compare.js';
import {renderCompareJson, renderComparePlain} from '../output/compare.js';

/** Words that mean "this host" instead of a file. */
export const LOCAL_WORDS = ['-', 'local'] as const;

export class CompareInputError extends Error {
	constructor(
		message: string,
		/** True for a wrong argument (the CLI adds its "see --help" line), false for a bad file. */
		readonly usage: boolean,
	) {
		super(message);
		this.name = 'CompareInputError';
	}
}

export interface CompareCommand {
	source: string;
	dest: string;
	uuids: readonly string[];
	json: boolean;
	/**
	 * The interactive view, on a terminal without --json or --plain: shown first, then the plain
	 * report is printed (the answer stays in the scrollback) and the exit code is the same.
	 */
	show?: (comparison: Comparison) => Promise<void>;
	/** This host (or --root tree): scanned and probed by the CLI (its model carries the probe results), only when a side asks for it. */
	local: () => Promise<Side>;
}

export async function runCompareCommand(cmd: CompareCommand): Promise<number> {
	let local: Promise<Side> | null = null;
	const read = async (arg: string): Promise<Side> => {
		if ((LOCAL_WORDS as readonly string[]).includes(arg)) {
			local ??= cmd.local();
			return local;
		}
		try {
			const s = loadSnapshot(arg);
			return {name: arg, model: s.model};
		} catch (err) {
			if (err instanceof SnapshotError) throw new CompareInputError(err.message, false);
			throw err;
		}
	};
	const source = await read(cmd.source);
	const dest = await read(cmd.dest);
	const unknown = unknownUuids(source.model, cmd.uuids);
	if (unknown.length > 0) {
		const known = source.model.instances.map((i) => i.uuid);
		throw new CompareInputError(
			`--uuid ${unknown.join(', ')}: not ${unknown.length === 1 ? 'an instance' : 'instances'} of SOURCE (${cmd.source}); ${
				known.length === 0 ? 'it has none' : `its instances are ${known.join(', ')}`
			}.`,
			true,
		);
	}
	const comparison = compareHosts(source, dest, {uuids: cmd.uuids});
	if (cmd.show && !cmd.json) await cmd.show(comparison);
	process.stdout.write(cmd.json ? renderCompareJson(comparison) : renderComparePlain(comparison));
	return exitCode(comparison);
}
