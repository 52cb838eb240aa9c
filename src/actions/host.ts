// What an action needs from the host it acts on, for the CLI commands and the TUI alike: whether
// writes are locked off, which backend acts (mdevctl, or sysfs and the store), a fresh scan with
// who holds what (read just before planning: a VM may have started since the screen was drawn),
// the plan, and after the writes what the device looks like now.
import {randomUUID} from 'node:crypto';
import {accessSync, constants, existsSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {readDoctorEnv, runDoctor} from '../doctor/index.js';
import {PCI_ADDRESS_PATTERN, type HostModel, type Instance} from '../model/types.js';
import {readOwners} from '../owners/join.js';
import {makeEnv} from '../sysfs/env.js';
import {scanHost} from '../sysfs/scan.js';
import {readVfState} from '../sysfs/sriov.js';
import {planAction, type ActionRequest, type Backend, type Plan, type PlanResult} from './plan.js';

/** Where mdevctl is looked for: PATH, then where Debian and Fedora install it. */
export function findMdevctl(env: NodeJS.ProcessEnv = process.env): string | null {
	const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/bin'];
	for (const dir of dirs) {
		const file = path.join(dir, 'mdevctl');
		try {
			accessSync(file, constants.X_OK);
			return file;
		} catch {
			// not here
		}
	}
	return null;
}

/**
 * Why writes are locked off on this host, or null: MDEVSCOPE_READ_ONLY in the environment (any value
 * but empty or 0), or the file /etc/mdevscope/read-only (under the root).
 */
export function writeLock(root: string, env: NodeJS.ProcessEnv = process.env): string | null {
	const value = env.MDEVSCOPE_READ_ONLY;
	if (value !== undefined && value !== '' && value !== '0') return `MDEVSCOPE_READ_ONLY=${value} is set`;
	const file = makeEnv(root).at('etc/mdevscope/read-only');
	if (existsSync(file)) return `${root === '/' ? file : makeEnv(root).shown(file)} exists (remove it to allow writes)`;
	return null;
}

/** The backend for this root: mdevctl where it is installed and acts on this host (it has no root of its own). */
export function chooseBackend(wanted: Backend | 'auto', root: string, env: NodeJS.ProcessEnv): {backend: Backend; mdevctl: string} | {usage: string} {
	const found = findMdevctl(env);
	const onHost = path.resolve(root) === '/';
	if (wanted === 'mdevctl') {
		if (!onHost) return {usage: `--backend mdevctl acts on this host only (mdevctl has no --root); for the tree under ${root} use --backend sysfs.`};
		if (found === null) return {usage: '--backend mdevctl: mdevctl is not installed (apt install mdevctl), or use --backend sysfs.'};
		return {backend: 'mdevctl', mdevctl: found};
	}
	if (wanted === 'sysfs' || !onHost || found === null) return {backend: 'sysfs', mdevctl: found ?? 'mdevctl'};
	return {backend: 'mdevctl', mdevctl: found};
}

/** A fresh scan of the root with its owners, and the plan of `request` against it. */
export function planOnHost(request: ActionRequest, root: string, chosen: {backend: Backend; mdevctl: string}): {model: HostModel; planned: PlanResult} {
	const model = readOwners(scanHost(root), root);
	const sysEnv = makeEnv(root);
	const planned = planAction(request, {
		model,
		root: sysEnv.root,
		backend: chosen.backend,
		mdevctl: chosen.mdevctl,
		newUuid: randomUUID,
		vf: (bdf) => readVfState(sysEnv, bdf),
		whyFull: (parent, type) => {
			const check = runDoctor(model, readDoctorEnv(root)).find((c) => c.id === `type-available:${parent.name}/${type.id}`);
			return check ? `${check.seen.replace(/\.$/, '')}${check.fix ? `. Fix: ${check.fix.replace(/\.$/, '')}` : ''}` : null;
		},
	});
	return {model, planned};
}

/** What the instance looks like after the write, from a rescan. */
export function stateAfter(model: HostModel, plan: Plan): Instance[] {
	return model.instances.filter((i) => i.uuid === plan.uuid);
}

export function stateWords(found: Instance[], plan: Plan, tree: boolean): string {
	const active = found.find((i) => i.active);
	const defs = found.filter((i) => i.definition !== null);
	const parts: string[] = [];
	if (active) parts.push(`active on ${active.parent ?? '?'} as ${active.mdevType ?? '?'}${active.iommuGroup !== null ? `, IOMMU group ${active.iommuGroup}` : ''}`);
	else parts.push('not active');
	for (const d of defs) parts.push(`defined on ${d.parent} (${d.definition!.mdevType ?? '?'}, ${d.definition!.autostart ? 'autostart' : 'manual start'})`);
	// An NVIDIA SR-IOV VF has no definition to have.
	if (defs.length === 0 && !PCI_ADDRESS_PATTERN.test(plan.uuid)) parts.push('not defined');
	const expectActive = plan.operation === 'start';
	const mismatch = tree && expectActive !== Boolean(active) && plan.steps.some((s) => s.kind === 'sysfs' || s.kind === 'mdevctl');
	return `${plan.uuid} now: ${parts.join('; ')}${mismatch ? ' (a tree: the write went to a file, and no kernel acted on it)' : ''}`;
}
