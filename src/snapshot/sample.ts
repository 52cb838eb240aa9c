// The sample host the empty-host screen offers (`s`): the tree recorded on Debian 6.12 with the
// kernel's mdev sample drivers (test/fixtures/captured/, see its README), with the answers those
// instances gave to the probes in that VM (test/fixtures/probes/debian-6.12.json, case `free`).
// Both ship in the package (package.json `files`). The tree is a tar archive because sysfs is made
// of symlinks and npm packs none: it is unpacked once per process into a private temp directory,
// removed again at exit. Read-only towards everything but that directory. Probing it again (`p`) asks
// the tree, which has no devices (`not-live`), as for any tree.
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import type {ProbeResult} from '../model/probe.js';
import type {HostModel} from '../model/types.js';
import {atExit} from '../cleanup.js';
import {scratchDirs} from '../scratch.js';
import {scanHost} from '../sysfs/scan.js';
import {withProbes} from '../model/instances.js';
import {probeResultProblem} from './load.js';

/** What the sample is, said wherever it is shown (the header, the empty screen, the status line). */
export const SAMPLE_LABEL = "sample: recorded on Debian 6.12 with the kernel's mdev sample drivers";

export interface SampleFiles {
	/** Where the captured tree (`tar czf` of its root) is: a file, or an asset of the single executable. */
	archive: string;
	/** Where the recorded probe answers (test/vm/record-probes.ts's output) are. */
	probes: string;
	readArchive(): Buffer;
	readProbes(): string;
}

/** The sample's files in a package (or checkout) directory; null when either is missing. */
export function sampleFiles(packageDir: string): SampleFiles | null {
	const archive = path.join(packageDir, 'test', 'fixtures', 'captured', SAMPLE_ARCHIVE);
	const probes = path.join(packageDir, 'test', 'fixtures', 'probes', SAMPLE_PROBES);
	if (!existsSync(archive) || !existsSync(probes)) return null;
	return {archive, probes, readArchive: () => readFileSync(archive), readProbes: () => readFileSync(probes, 'utf8')};
}

/** The sample's two files, by the names they have in the package and as the single executable's assets. */
export const SAMPLE_ARCHIVE = 'sysfs-debian-6.12-mdev-samples.tar.gz';
export const SAMPLE_PROBES = 'debian-6.12.json';

/** The sample inside the single executable (scripts/release.mjs adds both files as SEA assets). */
export function assetSampleFiles(getAsset: (name: string) => ArrayBuffer): SampleFiles {
	return {
		archive: `${SAMPLE_ARCHIVE} (inside this executable)`,
		probes: `${SAMPLE_PROBES} (inside this executable)`,
		readArchive: () => Buffer.from(getAsset(SAMPLE_ARCHIVE)),
		readProbes: () => Buffer.from(getAsset(SAMPLE_PROBES)).toString('utf8'),
	};
}

/** The recorded answers: `cases.free`, every one checked like a snapshot's probe. */
function readProbes(files: SampleFiles): ProbeResult[] {
	const file = files.probes;
	const json = JSON.parse(files.readProbes()) as {cases?: {free?: unknown}};
	const free = json.cases?.free;
	if (!Array.isArray(free)) throw new Error(`${file}: no recorded probe answers (cases.free)`);
	return free.map((value: unknown, index) => {
		const problem = probeResultProblem(value, `cases.free[${index}]`);
		if (problem !== null) throw new Error(`${file}: ${problem}`);
		return value as ProbeResult;
	});
}

const unpacked = new Map<string, string>();

/** A new private directory (mkdtemp: mode 0700) in the first scratch place that takes one. */
function privateDir(): string {
	const tried: string[] = [];
	for (const base of scratchDirs()) {
		try {
			return mkdtempSync(path.join(base, 'mdevscope-sample-'));
		} catch (err) {
			tried.push(`${base}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
		}
	}
	throw new Error(`cannot make a directory to unpack the sample host into (${tried.join('; ')}); set TMPDIR to a writable directory`);
}

/** The archive unpacked (once per process) into a temp directory of its own, removed at exit or on a signal. */
function unpack(files: SampleFiles): string {
	const archive = files.archive;
	const known = unpacked.get(archive);
	if (known && existsSync(known)) return known;
	const dir = privateDir();
	unpacked.set(archive, dir);
	atExit(() => {
		rmSync(dir, {recursive: true, force: true});
		if (unpacked.get(archive) === dir) unpacked.delete(archive);
	});
	try {
		extractTar(gunzipSync(files.readArchive()), dir);
	} catch (err) {
		rmSync(dir, {recursive: true, force: true});
		unpacked.delete(archive);
		throw new Error(`cannot unpack the sample host ${archive}: ${err instanceof Error ? err.message : String(err)}`);
	}
	return dir;
}

/**
 * Reads the sample: its tree and its probe answers. It is a tree on disk, shown as one (TREE, so the
 * doctor checks it and owners are looked for in its own, empty, process table) with what it is as
 * the label, never as this machine.
 */
export function openSampleHost(files: SampleFiles): HostModel {
	const root = unpack(files);
	return withProbes(scanHost(root, {source: {kind: 'tree', label: SAMPLE_LABEL, recordedAt: null}}), readProbes(files));
}

// ---- tar --------------------------------------------------------------------------------------

const BLOCK = 512;

function field(header: Buffer, start: number, length: number): string {
	const raw = header.subarray(start, start + length);
	const end = raw.indexOf(0);
	return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

/**
 * Unpacks a tar stream (ustar, and GNU's long names and link targets, as GNU tar writes) of
 * directories, files and symlinks into `dest`. A name may not leave `dest`, by `..`, by an
 * absolute path or through a link unpacked before it; any other entry type is refused.
 */
export function extractTar(tar: Buffer, dest: string): void {
	const links = new Set<string>();
	let longName: string | null = null;
	let longLink: string | null = null;
	for (let at = 0; at + BLOCK <= tar.length; ) {
		const header = tar.subarray(at, at + BLOCK);
		if (header.every((b) => b === 0)) break;
		const size = parseInt(field(header, 124, 12).trim() || '0', 8);
		const type = String.fromCharCode(header[156]!);
		const data = tar.subarray(at + BLOCK, at + BLOCK + size);
		at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
		if (type === 'L' || type === 'K') {
			const text = data.toString('utf8').replace(/\0+$/, '');
			if (type === 'L') longName = text;
			else longLink = text;
			continue;
		}
		const prefix = field(header, 257, 6).startsWith('ustar') ? field(header, 345, 155) : '';
		const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
		const linkName = longLink ?? field(header, 157, 100);
		longName = longLink = null;
		const rel = path.posix.normalize(name.replace(/^\.\//, '')).replace(/\/$/, '');
		if (rel === '.' || rel === '') continue;
		if (path.posix.isAbsolute(rel) || rel === '..' || rel.startsWith('../')) throw new Error(`the entry ${JSON.stringify(name)} leaves the directory`);
		const parts = rel.split('/');
		for (let i = 1; i < parts.length; i++) {
			if (links.has(parts.slice(0, i).join('/'))) throw new Error(`the entry ${JSON.stringify(name)} goes through the link ${parts.slice(0, i).join('/')}`);
		}
		const target = path.join(dest, ...parts);
		mkdirSync(path.dirname(target), {recursive: true});
		if (type === '5') mkdirSync(target, {recursive: true});
		else if (type === '0' || type === '\0' || type === '7') writeFileSync(target, data, {flag: 'wx'});
		else if (type === '2') {
			symlinkSync(linkName, target);
			links.add(rel);
		} else throw new Error(`the entry ${JSON.stringify(name)} is of tar type ${JSON.stringify(type)}, not a file, directory or symlink`);
	}
}
