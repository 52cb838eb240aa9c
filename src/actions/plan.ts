// What an action would write, and where, decided before anything is written (issue 18). Pure: it
// reads a scanned model (with its owners), the state of the VFs it names and the request, and
// gives the writes in order, or the reason it refuses. The rules are mdevctl's (src/main.rs and
// src/mdev.rs of mdevctl 1.2–1.4: what `start`, `stop`, `define`, `undefine` and `modify` accept,
// what a definition file holds), so a plan made here is one mdevctl would carry out, plus ours:
// nothing a process holds is stopped, released or undefined, and a holder we cannot see counts as
// one. `--dry-run` prints the plan; src/actions/apply.ts carries it out.
import path from 'node:path';
import type {Definition, HostModel, Instance, MdevType, Parent} from '../model/types.js';
import {PCI_ADDRESS_PATTERN, UUID_PATTERN} from '../model/types.js';
import {ownerWords} from '../owners/text.js';
import type {VfState} from '../sysfs/sriov.js';

export const OPERATIONS = ['start', 'stop', 'define', 'undefine', 'modify'] as const;
export type Operation = (typeof OPERATIONS)[number];
/** mdevctl when it is there (it runs the vendors' callouts, libvirt reads its store), else sysfs and the store written directly. */
export type Backend = 'mdevctl' | 'sysfs';

export interface ActionRequest {
	operation: Operation;
	/** -u: an mdev's UUID, or an NVIDIA SR-IOV VF's PCI address. */
	uuid: string | null;
	/** -p: the parent (an mdev_bus entry; an SR-IOV GPU's PF address). */
	parent: string | null;
	/** -t: the type id (an NVIDIA SR-IOV type's number). */
	mdevType: string | null;
	/** --auto true, --manual false, neither null. */
	autostart: boolean | null;
	/** start: define the device as well (create and define in one, undone together on failure). */
	define?: boolean;
}

/** One write of a plan. Paths are absolute (under the root); `shown` is the path as on the host. */
export type Step =
	| {kind: 'sysfs'; file: string; shown: string; value: string; what: string; retryBusy?: boolean}
	| {kind: 'store'; file: string; shown: string; content: string; what: string}
	| {kind: 'unlink'; file: string; shown: string; what: string}
	| {kind: 'mdevctl'; argv: string[]; what: string; writes: Array<{shown: string; value: string}>};

export interface Plan {
	operation: Operation;
	/** What the plan does, in one line for the status line and the confirmation. */
	summary: string;
	backend: Backend;
	uuid: string;
	parent: string | null;
	mdevType: string | null;
	/** True when the UUID was made here (printed alone on stdout, as mdevctl does). */
	generated: boolean;
	steps: Step[];
	/** Run when a step after `undoAfter` fails, so nothing is left half done (a created device removed). */
	undo: {after: number; steps: Step[]} | null;
	notes: string[];
}

export type RefusalCode = 'usage' | 'locked' | 'not-found' | 'exists' | 'held' | 'owners-unknown' | 'full' | 'ambiguous' | 'unsupported';
export interface Refusal {
	code: RefusalCode;
	message: string;
}
export type PlanResult = {ok: true; plan: Plan} | {ok: false; refusal: Refusal};

export interface PlanContext {
	model: HostModel;
	/** Absolute root (`/` on a host): sysfs and the store are under it. */
	root: string;
	backend: Backend;
	/** The mdevctl program, for the mdevctl backend. */
	mdevctl: string;
	/** A new UUID, when the request has none. */
	newUuid: () => string;
	/** An NVIDIA SR-IOV VF's state now (src/sysfs/sriov.ts readVfState). */
	vf: (bdf: string) => VfState | null;
	/** Why a type has no free instance (the doctor's words), for the refusal. */
	whyFull?: (parent: Parent, type: MdevType) => string | null;
}

/** A definition file as mdevctl writes it: serde_json's pretty form of `{mdev_type, start, attrs}`, in that order, no newline at the end. */
export function definitionJson(mdevType: string, autostart: boolean, attrs: ReadonlyArray<Record<string, string>>): string {
	return JSON.stringify({mdev_type: mdevType, start: autostart ? 'auto' : 'manual', attrs}, null, 2);
}

const refuse = (code: RefusalCode, message: string): PlanResult => ({ok: false, refusal: {code, message}});

export function planAction(req: ActionRequest, ctx: PlanContext): PlanResult {
	if (req.uuid !== null && !UUID_PATTERN.test(req.uuid) && !PCI_ADDRESS_PATTERN.test(req.uuid)) {
		return refuse('usage', `-u ${req.uuid}: not a UUID (8-4-4-4-12 hexadecimal digits, as mdevctl and sysfs spell one) nor a VF's PCI address (0000:41:00.4).`);
	}
	const request = {...req, uuid: req.uuid === null ? null : req.uuid.toLowerCase()};
	const vf = request.uuid !== null && PCI_ADDRESS_PATTERN.test(request.uuid);
	const sriovParent = request.parent === null ? null : ctx.model.parents.find((p) => p.name === request.parent && p.kind === 'nvidia-sriov');
	if (vf || sriovParent) return planSriov(request, ctx);
	switch (request.operation) {
		case 'start':
			return planStart(request, ctx);
		case 'stop':
			return planStop(request, ctx);
		case 'define':
			return planDefine(request, ctx);
		case 'undefine':
			return planUndefine(request, ctx);
		case 'modify':
			return planModify(request, ctx);
	}
}

// ---- what the model says --------------------------------------------------------------------------

const activeOf = (model: HostModel, uuid: string): Instance | undefined => model.instances.find((i) => i.uuid === uuid && i.active && !i.gone);
const definitionsOf = (model: HostModel, uuid: string, parent: string | null): Instance[] =>
	model.instances.filter((i) => i.uuid === uuid && i.definition !== null && (parent === null || i.parent === parent));

function findParent(model: HostModel, name: string): Parent | string {
	const parent = model.parents.find((p) => p.name === name && !p.gone);
	if (parent) return parent;
	const similar = model.parents.find((p) => p.name.toLowerCase() === name.toLowerCase());
	const names = model.parents.map((p) => p.name);
	return `no parent ${name} here${similar ? `: did you mean ${similar.name}?` : names.length > 0 ? ` (the parents are ${names.join(', ')})` : ' (this host has no mdev parent: mdevscope doctor says why)'}.`;
}

function findType(parent: Parent, id: string): MdevType | string {
	const type = parent.types.find((t) => t.id === id && !t.gone);
	if (type) return type;
	return `${parent.name} does not offer the type ${id} (it offers ${parent.types.map((t) => t.id).join(', ') || 'none'}).`;
}

/** Who holds it, as a refusal; null when nobody does. */
function heldRefusal(instance: Instance, doing: string): PlanResult | null {
	if (instance.owners === undefined || instance.owners === null) {
		const why = (instance.ownersUnknown ?? 'who holds it was not read').replace(/\.$/, '');
		return refuse('owners-unknown', `${instance.uuid}: not ${doing}: who holds it cannot be told (${why}), and a running VM may be using it. Run as root on the host itself.`);
	}
	if (instance.owners.length === 0) return null;
	return refuse('held', `${instance.uuid}: held by ${instance.owners.map(ownerWords).join(', ')}: stop the VM first. Nothing was written.`);
}

/** The active instance's device directory (where `remove` and attributes are). */
const deviceDir = (ctx: PlanContext, uuid: string) => path.join(ctx.root, 'sys/bus/mdev/devices', uuid);
const shownOf = (ctx: PlanContext, file: string) => (ctx.root === '/' ? file : '/' + path.relative(ctx.root, file));
const storeFile = (ctx: PlanContext, parent: string, uuid: string) => path.join(ctx.root, 'etc/mdevctl.d', parent, uuid);
const typeDir = (ctx: PlanContext, parent: string, type: string) => path.join(ctx.root, 'sys/class/mdev_bus', parent, 'mdev_supported_types', type);

function sysfs(ctx: PlanContext, file: string, value: string, what: string, extra: {retryBusy?: boolean} = {}): Step {
	return {kind: 'sysfs', file, shown: shownOf(ctx, file), value, what, ...extra};
}
function store(ctx: PlanContext, parent: string, uuid: string, content: string, what: string): Step {
	const file = storeFile(ctx, parent, uuid);
	return {kind: 'store', file, shown: shownOf(ctx, file), content, what};
}
function mdevctl(ctx: PlanContext, args: string[], what: string, writes: Array<{shown: string; value: string}>): Step {
	return {kind: 'mdevctl', argv: [ctx.mdevctl, ...args], what, writes};
}
const autoFlag = (autostart: boolean | null): string[] => (autostart === null ? [] : [autostart ? '--auto' : '--manual']);

// ---- start ------------------------------------------------------------------------------------

function planStart(req: ActionRequest, ctx: PlanContext): PlanResult {
	const {model} = ctx;
	let parentName = req.parent;
	let typeId = req.mdevType;
	let attrs: Array<Record<string, string>> = [];
	let fromDefinition: Definition | null = null;
	if (req.uuid !== null) {
		const running = activeOf(model, req.uuid);
		if (running) {
			const where = `on ${running.parent ?? '?'} as ${running.mdevType ?? '?'}`;
			return refuse('exists', `${req.uuid} is already active ${where}${req.parent !== null && req.parent !== running.parent ? ' (a UUID is one device on the host, whatever its parent)' : ''}: nothing to start.`);
		}
		// mdevctl: a UUID that is defined (once, or once under -p) starts as its definition says.
		const defined = definitionsOf(model, req.uuid, req.parent);
		if (defined.length > 1) {
			return refuse('ambiguous', `${req.uuid} is defined under ${defined.map((d) => d.parent).join(' and ')}: give -p PARENT to say which to start.`);
		}
		const only = defined[0];
		if (only?.definition) {
			if (req.mdevType !== null && only.definition.mdevType !== null && req.mdevType !== only.definition.mdevType) {
				return refuse('exists', `${req.uuid} is defined on ${only.parent} with type ${only.definition.mdevType}, not ${req.mdevType}: start it without -t, or undefine it first.`);
			}
			fromDefinition = only.definition;
			parentName = only.parent;
			typeId = only.definition.mdevType;
			attrs = only.definition.attrs;
		}
	}
	if (typeId !== null && parentName === null) return refuse('usage', `-t ${typeId} needs -p PARENT: a type is a parent's (mdevctl: "can't provide type without parent").`);
	if (typeId === null || parentName === null) {
		return refuse('usage', `${req.uuid ?? 'the device'} is not defined, so start needs -p PARENT and -t TYPE to create it (mdevscope --plain lists both).`);
	}
	if (req.define && fromDefinition) return refuse('exists', `${req.uuid} is already defined on ${parentName}: start it without --define.`);
	const parent = findParent(model, parentName);
	if (typeof parent === 'string') return refuse('not-found', parent);
	const type = findType(parent, typeId);
	if (typeof type === 'string') return refuse('not-found', type);
	if (type.availableInstances === null) {
		return refuse('not-found', `${type.id} on ${parent.name}: available_instances cannot be read (${type.errors[0]?.message ?? 'no value'}), so whether one more fits is unknown; nothing was written.`);
	}
	if (type.availableInstances === 0) {
		const why = ctx.whyFull?.(parent, type);
		return refuse('full', `no free instance of ${type.id} on ${parent.name} (available_instances is 0)${why ? `: ${why}` : ''}. Nothing was written.`);
	}
	const generated = req.uuid === null;
	const uuid = req.uuid ?? ctx.newUuid();
	const createFile = path.join(typeDir(ctx, parent.name, type.id), 'create');
	const attrWrites = attrs.flatMap((a) => Object.entries(a)).map(([name, value]) => ({file: path.join(deviceDir(ctx, uuid), name), name, value}));
	const defineToo = req.define === true;
	const autostart = req.autostart ?? false;
	const summary = `${defineToo ? 'create and define' : fromDefinition ? 'start the defined device' : 'create'} ${uuid} (${type.id} on ${parent.name})${defineToo ? `, started ${autostart ? 'automatically' : 'by hand'}` : ''}`;
	const notes: string[] = [];
	if (!fromDefinition && !defineToo) notes.push('transient: gone after a reboot unless defined (mdevscope define -u UUID --auto)');
	let steps: Step[];
	let undo: Plan['undo'] = null;
	const createWrite = {shown: shownOf(ctx, createFile), value: uuid};
	const removeFile = path.join(deviceDir(ctx, uuid), 'remove');
	if (ctx.backend === 'mdevctl') {
		const args = ['start', '-u', uuid, ...(fromDefinition ? (req.parent !== null ? ['-p', parent.name] : []) : ['-p', parent.name, '-t', type.id])];
		steps = [mdevctl(ctx, args, summary, [createWrite, ...attrWrites.map((a) => ({shown: shownOf(ctx, a.file), value: a.value}))])];
		if (defineToo) {
			steps.push(mdevctl(ctx, ['define', '-u', uuid, ...(autostart ? ['--auto'] : [])], `define ${uuid}`, [{shown: shownOf(ctx, storeFile(ctx, parent.name, uuid)), value: definitionJson(type.id, autostart, [])}]));
			undo = {after: 0, steps: [mdevctl(ctx, ['stop', '-u', uuid], `remove ${uuid} again`, [{shown: shownOf(ctx, removeFile), value: '1'}])]};
		}
	} else {
		steps = [sysfs(ctx, createFile, uuid, `create ${uuid}`), ...attrWrites.map((a) => sysfs(ctx, a.file, a.value, `set ${a.name} of ${uuid}`))];
		if (defineToo) steps.push(store(ctx, parent.name, uuid, definitionJson(type.id, autostart, []), `define ${uuid}`));
		// mdevctl: an attribute the device refuses removes it again (mdev.rs start()).
		if (steps.length > 1) undo = {after: 0, steps: [sysfs(ctx, removeFile, '1', `remove ${uuid} again`)]};
	}
	return {ok: true, plan: {operation: 'start', summary, backend: ctx.backend, uuid, parent: parent.name, mdevType: type.id, generated, steps, undo, notes}};
}

// ---- stop -------------------------------------------------------------------------------------

function planStop(req: ActionRequest, ctx: PlanContext): PlanResult {
	if (req.uuid === null) return refuse('usage', 'stop needs -u UUID: the device to remove.');
	const running = activeOf(ctx.model, req.uuid);
	if (!running) {
		const defined = definitionsOf(ctx.model, req.uuid, null);
		return refuse('not-found', `${req.uuid} is not active${defined.length > 0 ? ` (it is defined on ${defined.map((d) => d.parent).join(', ')}, not started)` : ' (no such device here)'}: nothing to stop.`);
	}
	const held = heldRefusal(running, 'stopped');
	if (held) return held;
	const removeFile = path.join(deviceDir(ctx, req.uuid), 'remove');
	const summary = `remove ${req.uuid} (${running.mdevType ?? '?'} on ${running.parent ?? '?'})`;
	const write = {shown: shownOf(ctx, removeFile), value: '1'};
	const steps = ctx.backend === 'mdevctl' ? [mdevctl(ctx, ['stop', '-u', req.uuid], summary, [write])] : [sysfs(ctx, removeFile, '1', summary)];
	const notes = running.definition ? [`still defined: mdevscope start -u ${req.uuid} starts it again`] : ['not defined: its type and UUID are gone with it'];
	return {ok: true, plan: {operation: 'stop', summary, backend: ctx.backend, uuid: req.uuid, parent: running.parent, mdevType: running.mdevType, generated: false, steps, undo: null, notes}};
}

// ---- define -----------------------------------------------------------------------------------

function planDefine(req: ActionRequest, ctx: PlanContext): PlanResult {
	const {model} = ctx;
	if (req.uuid === null && req.parent === null) return refuse('usage', 'define needs -u UUID (a running device) or -p PARENT -t TYPE.');
	const running = req.uuid === null ? undefined : activeOf(model, req.uuid);
	// mdevctl: -u alone defines a running device as it runs; -p and -t say it otherwise.
	if (req.parent === null && (!running || req.mdevType !== null)) {
		return refuse('usage', `${req.uuid} ${running ? 'has -t without -p' : 'is not active'}: give -p PARENT${running ? '' : ' -t TYPE'} (mdevctl: "No parent specified").`);
	}
	const parentName = req.parent ?? running!.parent;
	const typeId = req.mdevType ?? (running && running.parent === parentName ? running.mdevType : null);
	if (parentName === null) return refuse('not-found', `${req.uuid}: its parent cannot be told from sysfs; give -p PARENT.`);
	if (typeId === null) return refuse('usage', `define needs -t TYPE for ${parentName}${running ? ` (${req.uuid} runs on ${running.parent})` : ''}.`);
	const generated = req.uuid === null;
	const uuid = req.uuid ?? ctx.newUuid();
	if (definitionsOf(model, uuid, parentName).length > 0) {
		return refuse('exists', `${uuid} is already defined on ${parentName} (mdevctl: "already defined"): use modify to change it, or undefine it first.`);
	}
	const notes: string[] = [];
	const parent = model.parents.find((p) => p.name === parentName && !p.gone);
	if (!parent) notes.push(`${parentName} is not present now: the definition waits for it (mdevctl starts an --auto device when its parent appears)`);
	else if (!parent.types.some((t) => t.id === typeId)) notes.push(`${parentName} does not offer ${typeId} now: starting it will fail until it does`);
	const autostart = req.autostart ?? false;
	const content = definitionJson(typeId, autostart, []);
	const summary = `define ${uuid} (${typeId} on ${parentName}, started ${autostart ? 'automatically' : 'by hand'})`;
	const file = storeFile(ctx, parentName, uuid);
	const steps =
		ctx.backend === 'mdevctl'
			? [
					mdevctl(
						ctx,
						['define', '-u', uuid, ...(req.parent !== null || !running ? ['-p', parentName] : []), ...(req.mdevType !== null ? ['-t', typeId] : []), ...(autostart ? ['--auto'] : [])],
						summary,
						[{shown: shownOf(ctx, file), value: content}],
					),
				]
			: [store(ctx, parentName, uuid, content, summary)];
	return {ok: true, plan: {operation: 'define', summary, backend: ctx.backend, uuid, parent: parentName, mdevType: typeId, generated, steps, undo: null, notes}};
}

// ---- undefine ---------------------------------------------------------------------------------

function planUndefine(req: ActionRequest, ctx: PlanContext): PlanResult {
	if (req.uuid === null) return refuse('usage', 'undefine needs -u UUID.');
	const defined = definitionsOf(ctx.model, req.uuid, req.parent);
	if (defined.length === 0) return refuse('not-found', `${req.uuid} is not defined${req.parent !== null ? ` on ${req.parent}` : ''} (mdevctl: "No devices match the specified uuid").`);
	const running = activeOf(ctx.model, req.uuid);
	if (running && defined.some((d) => d.parent === running.parent)) {
		const held = heldRefusal(running, 'undefined');
		if (held) return held;
	}
	const files = defined.map((d) => storeFile(ctx, d.parent!, req.uuid!));
	const summary = `undefine ${req.uuid} (${defined.map((d) => `${d.definition?.mdevType ?? '?'} on ${d.parent}`).join(', ')})`;
	const steps: Step[] =
		ctx.backend === 'mdevctl'
			? [mdevctl(ctx, ['undefine', '-u', req.uuid, ...(req.parent !== null ? ['-p', req.parent] : [])], summary, files.map((f) => ({shown: shownOf(ctx, f), value: '(removed)'})))]
			: files.map((file) => ({kind: 'unlink', file, shown: shownOf(ctx, file), what: `remove the definition ${shownOf(ctx, file)}`}));
	const notes = running ? [`${req.uuid} keeps running until stopped; it will not come back after a reboot`] : [];
	return {ok: true, plan: {operation: 'undefine', summary, backend: ctx.backend, uuid: req.uuid, parent: req.parent ?? defined[0]!.parent, mdevType: defined[0]!.definition?.mdevType ?? null, generated: false, steps, undo: null, notes}};
}

// ---- modify -----------------------------------------------------------------------------------

function planModify(req: ActionRequest, ctx: PlanContext): PlanResult {
	if (req.uuid === null) return refuse('usage', 'modify needs -u UUID.');
	if (req.autostart === null && req.mdevType === null) return refuse('usage', 'modify needs --auto, --manual or -t TYPE: what to change in the definition.');
	const defined = definitionsOf(ctx.model, req.uuid, req.parent);
	if (defined.length === 0) return refuse('not-found', `${req.uuid} is not defined${req.parent !== null ? ` on ${req.parent}` : ''}: define it first (mdevscope define -u UUID).`);
	if (defined.length > 1) return refuse('ambiguous', `${req.uuid} is defined under ${defined.map((d) => d.parent).join(' and ')}: give -p PARENT.`);
	const entry = defined[0]!;
	const def = entry.definition!;
	const typeId = req.mdevType ?? def.mdevType;
	if (typeId === null) return refuse('not-found', `${def.path} has no readable mdev_type (${entry.errors[0]?.message ?? 'unreadable'}): give -t TYPE to rewrite it.`);
	const autostart = req.autostart ?? def.autostart;
	const content = definitionJson(typeId, autostart, def.attrs);
	const changes = [
		...(typeId !== def.mdevType ? [`type ${def.mdevType ?? '?'} -> ${typeId}`] : []),
		...(autostart !== def.autostart ? [`start ${def.autostart ? 'auto' : 'manual'} -> ${autostart ? 'auto' : 'manual'}`] : []),
	];
	const summary = `modify ${req.uuid} on ${entry.parent}: ${changes.join(', ') || 'no change'}`;
	const file = storeFile(ctx, entry.parent!, req.uuid);
	const steps: Step[] =
		ctx.backend === 'mdevctl'
			? [mdevctl(ctx, ['modify', '-u', req.uuid, '-p', entry.parent!, ...(req.mdevType !== null ? ['-t', typeId] : []), ...autoFlag(req.autostart)], summary, [{shown: shownOf(ctx, file), value: content}])]
			: [store(ctx, entry.parent!, req.uuid, content, summary)];
	const notes = activeOf(ctx.model, req.uuid) && typeId !== def.mdevType ? ['the running device keeps its type until it is stopped and started again'] : [];
	return {ok: true, plan: {operation: 'modify', summary, backend: ctx.backend, uuid: req.uuid, parent: entry.parent, mdevType: typeId, generated: false, steps, undo: null, notes}};
}

// ---- NVIDIA SR-IOV vGPUs ----------------------------------------------------------------------

/**
 * A VF takes a vGPU when its type id is written to `nvidia/current_vgpu_type` and gives it back
 * when 0 is (NVIDIA's vGPU user guide, "Creating an NVIDIA vGPU on a Linux with KVM Hypervisor" for
 * GPUs that support SR-IOV). There is no store: both reset on reboot or driver reload, and mdevctl
 * does not know them.
 */
function planSriov(req: ActionRequest, ctx: PlanContext): PlanResult {
	const sriovNote = 'NVIDIA SR-IOV vGPUs are VFs, not mdevs: mdevctl cannot define them and they reset at every reboot or driver reload (assign them again from a boot-time unit or the VM manager\'s hook)';
	if (req.operation === 'define' || req.operation === 'undefine' || req.operation === 'modify') return refuse('unsupported', `${req.operation}: ${sriovNote}.`);
	if (req.operation === 'stop') {
		if (req.uuid === null || !PCI_ADDRESS_PATTERN.test(req.uuid)) return refuse('usage', 'stop on an NVIDIA SR-IOV GPU needs -u VF (the VF\'s PCI address, e.g. 0000:41:00.4).');
		const state = ctx.vf(req.uuid);
		if (!state) return refuse('not-found', `${req.uuid} is not an NVIDIA SR-IOV VF (it has no nvidia/current_vgpu_type).`);
		if (state.currentType === null) return refuse('not-found', `${state.currentFile}: ${state.error?.message ?? 'unreadable'}; nothing was written.`);
		if (state.currentType === 0) return refuse('not-found', `${req.uuid} carries no vGPU (current_vgpu_type is 0): nothing to release.`);
		const instance = activeOf(ctx.model, req.uuid);
		if (!instance) return refuse('not-found', `${req.uuid} carries type ${state.currentType} but is not in the scan; rescan and try again.`);
		const held = heldRefusal(instance, 'released');
		if (held) return held;
		const summary = `release the vGPU ${state.currentType} of ${req.uuid} (write 0 to its current_vgpu_type)`;
		return {
			ok: true,
			plan: {
				operation: 'stop',
				summary,
				backend: 'sysfs',
				uuid: req.uuid,
				parent: state.pf,
				mdevType: String(state.currentType),
				generated: false,
				// Proxmox retries this write after QEMU exits: the VF can stay busy for a moment after its last fd is closed.
				steps: [sysfs(ctx, state.currentFile, '0', summary, {retryBusy: true})],
				undo: null,
				notes: [],
			},
		};
	}
	// start: a VF named, or the first free VF of the GPU that lists the type.
	if (req.mdevType === null) return refuse('usage', 'start on an NVIDIA SR-IOV GPU needs -t TYPE (the vGPU type id, e.g. 1155, from mdevscope --plain).');
	const typeId = req.mdevType;
	let state: VfState | null = null;
	if (req.uuid !== null) {
		if (!PCI_ADDRESS_PATTERN.test(req.uuid)) return refuse('usage', `-u ${req.uuid}: on an NVIDIA SR-IOV GPU the vGPU is named by its VF's PCI address (0000:41:00.4), not by a UUID.`);
		state = ctx.vf(req.uuid);
		if (!state) return refuse('not-found', `${req.uuid} is not an NVIDIA SR-IOV VF (it has no nvidia/current_vgpu_type).`);
		if (req.parent !== null && state.pf !== null && state.pf !== req.parent) return refuse('usage', `${req.uuid} is a VF of ${state.pf}, not of ${req.parent}.`);
		if (state.currentType === null || state.creatable === null) return refuse('not-found', `${req.uuid}: ${state.error?.message ?? 'its vGPU state cannot be read'}; nothing was written.`);
		if (state.currentType !== 0) return refuse('exists', `${req.uuid} already carries the vGPU type ${state.currentType}: release it first (mdevscope stop -u ${req.uuid}).`);
		if (!state.creatable.some((t) => t.id === typeId)) {
			return refuse('full', `${req.uuid} cannot take type ${typeId} now: its nvidia/creatable_vgpu_types lists ${state.creatable.map((t) => `${t.id} (${t.name ?? '?'})`).join(', ') || 'no type (the GPU is full, or holds another size)'}.`);
		}
	} else {
		const parent = ctx.model.parents.find((p) => p.name === req.parent);
		const vfs = parent?.sriov?.vfs ?? [];
		if (vfs.length === 0) return refuse('not-found', `${req.parent} has no VF enabled: enable SR-IOV first (/usr/lib/nvidia/sriov-manage -e ${req.parent}).`);
		const states = vfs.map((bdf) => ctx.vf(bdf)).filter((s): s is VfState => s !== null);
		state = states.find((s) => s.currentType === 0 && s.creatable?.some((t) => t.id === typeId)) ?? null;
		if (!state) {
			const free = states.filter((s) => s.currentType === 0).length;
			return refuse('full', `no free VF of ${req.parent} lists type ${typeId} in nvidia/creatable_vgpu_types (${free} of ${vfs.length} VFs free): the GPU is full, or its vGPUs are of another size.`);
		}
	}
	const name = state.creatable?.find((t) => t.id === typeId)?.name;
	const summary = `assign the vGPU type ${typeId}${name ? ` (${name})` : ''} to ${state.bdf}`;
	return {
		ok: true,
		plan: {
			operation: 'start',
			summary,
			backend: 'sysfs',
			uuid: state.bdf,
			parent: state.pf,
			mdevType: typeId,
			generated: false,
			steps: [sysfs(ctx, state.currentFile, typeId, summary)],
			undo: null,
			notes: [sriovNote],
		},
	};
}
