// `mdevscope export`: the seed thread's per-device sysfs files, published in user space.
//
//   DIR/<uuid>/features/{display_region,display_dmabuf,migration}   0 or 1; absent when unknown
//   DIR/<uuid>/{mdev_type,parent,available_instances,host_driver,host_driver_version,probed_at}
//   DIR/<uuid>/.mdevscope-export                                   marks the directory as ours
//
// Every file is written to a temporary name in its own directory and renamed over the old one,
// so a reader sees the old content or the new, never a part. Nothing is written outside DIR: DIR
// itself is created only when its parent exists, the instance directories are never followed
// through a symbolic link, and a directory is removed only when it is named by a UUID, carries
// our marker and holds nothing but the files we write (anything else is left alone and said).
import {randomBytes} from 'node:crypto';
import {lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import type {ProbeResult} from '../model/probe.js';
import {UUID_PATTERN, type HostModel, type Instance, type ItemError, type Parent} from '../model/types.js';
import {errCode, errnoMeaning} from '../sysfs/env.js';
import {FEATURES, featureBits, type FeatureName} from './bits.js';

export const DEFAULT_EXPORT_DIR = '/run/mdevscope';

export const ATTRIBUTE_FILES = ['mdev_type', 'parent', 'available_instances', 'host_driver', 'host_driver_version', 'probed_at'] as const;
export type AttributeFile = (typeof ATTRIBUTE_FILES)[number];
export const FEATURES_DIR = 'features';
/** In each instance directory we wrote: only such directories are ever removed. */
export const MARKER_FILE = '.mdevscope-export';
const MARKER_TEXT = 'Written by `mdevscope export`; removed when its instance goes away.\n';
/** In DIR while an export writes: one writer at a time. */
export const LOCK_FILE = '.mdevscope-export.lock';
/** `.<name>.tmp-<pid>-<8 hex>`: our temporary files, renamed into place or removed. */
const TEMP_FILE = /^\..+\.tmp-\d+-[0-9a-f]{8}$/;

/** What one instance's directory should hold. */
export interface InstanceExport {
	uuid: string;
	mdevType: string | null;
	/** Path relative to DIR/<uuid> → content, or null: the file must not exist (unknown). */
	files: Record<string, string | null>;
	/** Why files are absent, in words (features grouped). */
	absent: string[];
}

/**
 * The host driver, for a migration compatibility check: the parent's driver (nvidia, i915,
 * vfio_ccw), else, for a parent that is a virtual class device with no driver (the samples mtty,
 * mdpy, mbochs), the module the scanner found through its instances' mdev driver. Its version is
 * the module's `version` (MODULE_VERSION), else its `srcversion` (Documentation/ABI/stable/sysfs-module).
 */
export function hostDriver(parent: Parent | undefined): {driver: string | null; version: string | null; why: string} {
	if (!parent) return {driver: null, version: null, why: 'the parent is not in the scan'};
	const module = parent.driverModule;
	const driver = parent.driver ?? module?.name ?? null;
	if (driver === null) return {driver, version: null, why: `the parent ${parent.name} has no driver and no module was found for it`};
	if (!module) return {driver, version: null, why: `no module found for the driver ${driver} (built into the kernel?), so no version to read`};
	const version = module.version ?? module.srcversion;
	return {driver, version, why: `the module ${module.name} has neither version nor srcversion in sys/module/${module.name} (it declares no MODULE_VERSION)`};
}

/** The directory contents for one instance, from the scan and its probe result (`instance.probe`). */
export function planInstance(model: HostModel, instance: Instance): InstanceExport {
	const result = instance.probe ?? null;
	const files: Record<string, string | null> = {};
	const absent: string[] = [];
	const put = (file: string, value: string | number | null, why: string): void => {
		files[file] = value === null ? null : `${value}\n`;
		if (value === null) absent.push(`${file} (${why})`);
	};

	const fb = featureBits(instance.uuid, result);
	const unknown: FeatureName[] = [];
	for (const f of FEATURES) {
		const v = fb.features[f.name].value;
		files[`${FEATURES_DIR}/${f.name}`] = v === null ? null : v ? '1\n' : '0\n';
		if (v === null) unknown.push(f.name);
	}
	if (unknown.length > 0) {
		const reasons = [...new Set(unknown.map((n) => fb.features[n].reason ?? 'not answered'))];
		absent.push(`${FEATURES_DIR}/${unknown.length === FEATURES.length ? '*' : `{${unknown.join(',')}}`} (${reasons.join('; ')})`);
	}

	put('mdev_type', instance.mdevType, 'the mdev_type link could not be read');
	put('parent', instance.parent, 'the parent could not be found');
	const parent = model.parents.find((p) => p.name === instance.parent);
	const type = parent?.types.find((t) => t.id === instance.mdevType);
	put(
		'available_instances',
		type?.availableInstances ?? null,
		type ? `${type.id}'s available_instances could not be read` : 'the instance\'s type is not among its parent\'s types',
	);
	const driver = hostDriver(parent);
	put('host_driver', driver.driver, driver.why);
	put('host_driver_version', driver.version, driver.why);
	// A probe that was not made (a tree, a snapshot) has no time to give.
	put('probed_at', fb.probedAt, result?.summary ?? 'not probed');
	return {uuid: instance.uuid, mdevType: instance.mdevType, files, absent};
}

/**
 * Instances that get a directory: active mdevs (named by a UUID), not found gone by the scan or
 * the probe. (NVIDIA's SR-IOV vGPUs are PCI functions, not mdevs: the seed's layout has no place for them.)
 */
export function exportable(instance: Instance): boolean {
	if (instance.kind !== 'mdev' || !instance.active || instance.gone || !UUID_PATTERN.test(instance.uuid)) return false;
	return instance.probe?.outcome !== 'vanished';
}

export interface ExportReport {
	dir: string;
	/** UUIDs whose directory now matches the plan. */
	written: string[];
	/** Files actually changed (a file whose content was already right is not rewritten). */
	changedFiles: number;
	/** UUIDs whose directory was removed (their instance went away). */
	removed: string[];
	/** Directories that look like ours but were not removed, and why. */
	left: Array<{path: string; reason: string}>;
	/** What could not be written or removed. Any of these makes the command exit 2. */
	errors: ItemError[];
}

function fsError(file: string, tried: string, err: unknown): ItemError {
	const code = errCode(err);
	return {path: file, code, message: `${tried} ${file}: ${code}, ${errnoMeaning(code)}.`};
}

/**
 * Makes sure DIR exists (creating it, not its parents) and that files can be created in it.
 * Nothing is probed or scanned before this says yes, so a wrong --dir fails at once.
 */
export function prepareExportDir(dir: string): {ok: true} | {ok: false; error: ItemError} {
	const advice = 'Give a directory that exists or whose parent exists, and that this user can write (--dir).';
	try {
		mkdirSync(dir, {mode: 0o755});
	} catch (err) {
		const code = errCode(err);
		if (code !== 'EEXIST') {
			const why = code === 'ENOENT' ? 'its parent directory does not exist (export creates only DIR itself)' : errnoMeaning(code);
			return {ok: false, error: {path: dir, code, message: `cannot create the export directory ${dir}: ${code}, ${why}. ${advice}`}};
		}
		let isDir = false;
		try {
			isDir = statSync(dir).isDirectory();
		} catch (err2) {
			const code2 = errCode(err2);
			return {ok: false, error: {path: dir, code: code2, message: `cannot use the export directory ${dir}: ${code2}, ${errnoMeaning(code2)}. ${advice}`}};
		}
		if (!isDir) return {ok: false, error: {path: dir, code: 'ENOTDIR', message: `cannot use the export directory ${dir}: it exists and is not a directory. ${advice}`}};
	}
	const probe = path.join(dir, tempName('write-test'));
	try {
		writeFileSync(probe, '', {flag: 'wx', mode: 0o600});
		unlinkSync(probe);
	} catch (err) {
		const code = errCode(err);
		return {ok: false, error: {path: dir, code, message: `cannot write in the export directory ${dir}: ${code}, ${errnoMeaning(code)}. ${advice}`}};
	}
	return {ok: true};
}

const pidAlive = (pid: number): boolean => {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return errCode(err) === 'EPERM';
	}
};

/**
 * Takes DIR's lock (a file holding our pid, created exclusively). A lock whose process is gone is
 * taken over; a live one is waited for up to `waitMs`, so exports started by several uevents at
 * once run one after the other, each scanning after the one before has finished.
 */
export async function lockExportDir(dir: string, opts: {waitMs?: number} = {}): Promise<{ok: true; release: () => void} | {ok: false; error: ItemError}> {
	const file = path.join(dir, LOCK_FILE);
	const deadline = Date.now() + (opts.waitMs ?? 60_000);
	for (;;) {
		try {
			writeFileSync(file, `${process.pid}\n`, {flag: 'wx', mode: 0o644});
			return {
				ok: true,
				release: () => {
					try {
						if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
					} catch {
						// already gone: nothing to release
					}
				},
			};
		} catch (err) {
			if (errCode(err) !== 'EEXIST') return {ok: false, error: fsError(file, 'Creating the lock', err)};
		}
		let holder: number | null = null;
		try {
			const text = readFileSync(file, 'utf8').trim();
			holder = /^\d+$/.test(text) ? Number(text) : null;
		} catch (err) {
			if (errCode(err) === 'ENOENT') continue; // released between our two calls
			return {ok: false, error: fsError(file, 'Reading the lock', err)};
		}
		if (holder === null || !pidAlive(holder)) {
			// Left by an export that was killed (or half-written by one starting right now: then its
			// own exclusive create fails and it waits for us).
			try {
				unlinkSync(file);
			} catch (err) {
				if (errCode(err) !== 'ENOENT') return {ok: false, error: fsError(file, 'Removing the stale lock', err)};
			}
			continue;
		}
		if (Date.now() >= deadline) {
			return {
				ok: false,
				error: {
					path: file,
					code: 'EBUSY',
					message: `another export (pid ${holder}) is still writing ${dir}; waited ${opts.waitMs ?? 60_000} ms. Try again when it has finished, or remove ${file} if pid ${holder} is not an export.`,
				},
			};
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

function tempName(name: string): string {
	return `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** An error of ours, with an errno-like code and the words for it. */
function refusal(code: string, why: string): Error {
	return Object.assign(new Error(why), {code, why});
}

type Kind = 'file' | 'dir' | 'link' | 'other' | null;

function kindOf(file: string): Kind {
	try {
		const st = lstatSync(file);
		return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'other';
	} catch (err) {
		if (errCode(err) === 'ENOENT') return null;
		throw err;
	}
}

/** Writes `content` to dir/name through a temporary file and a rename; false when it was already so. */
function writeAtomic(dir: string, name: string, content: string): boolean {
	const target = path.join(dir, name);
	const kind = kindOf(target);
	if (kind === 'dir') throw refusal('EISDIR', 'a directory is where this file goes; left alone');
	if (kind === 'file' && readFileSync(target, 'utf8') === content) return false;
	const temp = path.join(dir, tempName(name));
	writeFileSync(temp, content, {flag: 'wx', mode: 0o644});
	try {
		// rename replaces a symbolic link itself, never what it points to.
		renameSync(temp, target);
	} catch (err) {
		try {
			unlinkSync(temp);
		} catch {
			// nothing left to clean
		}
		throw err;
	}
	return true;
}

/** Creates a directory of ours, or accepts one that is there; refuses anything else (a link could lead outside DIR). */
function ensureDir(dir: string): void {
	try {
		mkdirSync(dir, {mode: 0o755});
		return;
	} catch (err) {
		if (errCode(err) !== 'EEXIST') throw err;
	}
	const kind = kindOf(dir);
	if (kind === 'link') throw refusal('ELOOP', 'it is a symbolic link, which could lead outside DIR; left alone');
	if (kind !== 'dir') throw refusal('ENOTDIR', 'it exists and is not a directory; left alone');
}

/** Our temporary files that an earlier, killed export left behind (safe: we hold the lock). */
function removeStaleTemps(dir: string): void {
	for (const name of readdirSync(dir)) if (TEMP_FILE.test(name) && kindOf(path.join(dir, name)) === 'file') unlinkSync(path.join(dir, name));
}

function removeFile(file: string): boolean {
	const kind = kindOf(file);
	if (kind === null) return false;
	if (kind === 'dir') throw refusal('EISDIR', 'a directory is where this file would be; left alone');
	unlinkSync(file);
	return true;
}

/**
 * Writes the planned instances into DIR (prepared and locked by the caller) and removes the
 * directories of instances that are no longer there.
 */
export function writeExport(dir: string, plan: InstanceExport[]): ExportReport {
	const report: ExportReport = {dir, written: [], changedFiles: 0, removed: [], left: [], errors: []};
	try {
		removeStaleTemps(dir);
	} catch (err) {
		report.errors.push(fsError(dir, 'Cleaning up temporary files in', err));
	}
	for (const entry of plan) {
		const instanceDir = path.join(dir, entry.uuid);
		let current = instanceDir;
		try {
			ensureDir(instanceDir);
			current = path.join(instanceDir, MARKER_FILE);
			if (writeAtomic(instanceDir, MARKER_FILE, MARKER_TEXT)) report.changedFiles++;
			removeStaleTemps(instanceDir);
			const featuresDir = path.join(instanceDir, FEATURES_DIR);
			const anyFeature = FEATURES.some((f) => entry.files[`${FEATURES_DIR}/${f.name}`] != null);
			current = featuresDir;
			if (anyFeature) ensureDir(featuresDir);
			if (kindOf(featuresDir) === 'dir') removeStaleTemps(featuresDir);
			for (const [file, content] of Object.entries(entry.files)) {
				current = path.join(instanceDir, file);
				const parent = path.dirname(current);
				if (content !== null) {
					if (writeAtomic(parent, path.basename(current), content)) report.changedFiles++;
				} else if (kindOf(parent) === 'dir' && removeFile(current)) report.changedFiles++;
			}
			current = featuresDir;
			if (!anyFeature && kindOf(featuresDir) === 'dir' && readdirSync(featuresDir).length === 0) rmdirSync(featuresDir);
			report.written.push(entry.uuid);
		} catch (err) {
			const code = errCode(err);
			const why = (err as {why?: string}).why ?? errnoMeaning(code);
			report.errors.push({path: current, code, message: `Writing ${entry.uuid}'s export: ${current}: ${code}, ${why}; its files there may be stale.`});
		}
	}
	removeVanished(dir, new Set(plan.map((e) => e.uuid)), report);
	return report;
}

const OUR_FILES = new Set<string>([MARKER_FILE, ...ATTRIBUTE_FILES]);
const OUR_FEATURE_FILES = new Set<string>(FEATURES.map((f) => f.name));

/** Entries that are not regular files we write (or our temporary files). */
function foreignIn(dir: string, names: string[], ours: Set<string>): string[] {
	return names.filter((n) => !((ours.has(n) || TEMP_FILE.test(n)) && kindOf(path.join(dir, n)) === 'file'));
}

function removeVanished(dir: string, keep: Set<string>, report: ExportReport): void {
	let names: string[];
	try {
		names = readdirSync(dir);
	} catch (err) {
		report.errors.push(fsError(dir, 'Listing', err));
		return;
	}
	for (const name of names.sort()) {
		if (!UUID_PATTERN.test(name) || keep.has(name)) continue;
		const instanceDir = path.join(dir, name);
		try {
			if (kindOf(instanceDir) !== 'dir') continue; // not a directory we made
			if (kindOf(path.join(instanceDir, MARKER_FILE)) !== 'file') {
				report.left.push({path: instanceDir, reason: `no ${MARKER_FILE} in it: not written by mdevscope export, left alone`});
				continue;
			}
			const entries = readdirSync(instanceDir);
			const featuresDir = path.join(instanceDir, FEATURES_DIR);
			const hasFeatures = entries.includes(FEATURES_DIR) && kindOf(featuresDir) === 'dir';
			const featureEntries = hasFeatures ? readdirSync(featuresDir) : [];
			const foreign = [
				...foreignIn(instanceDir, entries.filter((n) => !(n === FEATURES_DIR && hasFeatures)), OUR_FILES),
				...foreignIn(featuresDir, featureEntries, OUR_FEATURE_FILES).map((n) => `${FEATURES_DIR}/${n}`),
			];
			if (foreign.length > 0) {
				report.left.push({
					path: instanceDir,
					reason: `its instance is gone, but it holds what mdevscope export did not write (${foreign.join(', ')}): left alone`,
				});
				continue;
			}
			for (const n of featureEntries) unlinkSync(path.join(featuresDir, n));
			if (hasFeatures) rmdirSync(featuresDir);
			// The marker goes last: a removal cut short leaves a directory still known as ours.
			for (const n of entries) if (n !== FEATURES_DIR && n !== MARKER_FILE) unlinkSync(path.join(instanceDir, n));
			unlinkSync(path.join(instanceDir, MARKER_FILE));
			rmdirSync(instanceDir);
			report.removed.push(name);
		} catch (err) {
			report.errors.push(fsError(instanceDir, 'Removing the export of a vanished instance,', err));
		}
	}
}
