// The plain-text view (`--plain`, or stdout not a terminal): host header, then per parent an
// aligned table of its types and one of its instances, like lsmdev. Pure: model in, text out.
// ASCII only; every string from sysfs is cleaned of control characters before it is printed,
// so a hostile or broken attribute cannot move the cursor or change colours.
// The same outcome words as the interactive view (a pure module: no Ink behind it).
import {outcomeWord} from '../present/probe-text.js';
// The same cleaning as the interactive view: whole escape sequences go, not just their ESC byte.
import {clean} from '../present/text.js';
import {emptyHostText} from '../present/empty-lines.js';
import type {DoctorView} from '../doctor/index.js';
import type {FeatureAnswer, ProbeOutcome, ProbeResult} from '../model/probe.js';
import type {HostModel, Instance, ItemError, MdevType, Parent} from '../model/types.js';
import {ownersCell, unknownReasons} from '../owners/text.js';
import {instanceOwners, probeResults, sameUuid} from '../model/instances.js';
import {activeCount, ofType} from '../model/columns.js';

export interface PlainOptions {
	/** The model's instances carry the probe's answers (`--probe`, a snapshot's): adds REGION/DMABUF/MIGRATION columns and a summary. */
	probed?: boolean;
	/** This copy of mdevscope has its sample host (--sample): name it where this host has no mdev. */
	trySample?: boolean;
	/** Where the host has no mdev: the doctor's answer, which says what is missing (src/doctor/view.ts doctorOf). */
	doctor?: DoctorView;
	/** Who holds each instance (its `owners`, src/owners/join.ts): adds an OWNER column and, where unknown, why. */
	owners?: boolean;
}

const show = (value: string | number | null | undefined, none = '-'): string =>
	value === null || value === undefined || value === '' ? none : clean(String(value));

type Align = 'left' | 'right';

interface Row {
	cells: string[];
	/** Lines printed right under the row (its errors, its probe summary). */
	after: string[];
}

/** Aligned columns, two spaces apart; the last column is not padded (no trailing blanks). */
function table(indent: string, header: string[], align: Align[], rows: Row[]): string[] {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i]!.length)));
	const line = (cells: string[]) =>
		(
			indent +
			cells
				.map((cell, i) => {
					if (i === cells.length - 1 && align[i] === 'left') return cell;
					return align[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
				})
				.join('  ')
		).trimEnd();
	const out = [line(header)];
	for (const row of rows) out.push(line(row.cells), ...row.after);
	return out;
}

/** One line per error; the path is only repeated when the message does not already name it. */
function errorLines(indent: string, errors: readonly ItemError[]): string[] {
	return errors.map((e) => `${indent}! ${clean(e.code)}: ${clean(e.message.includes(e.path) ? e.message : `${e.path}: ${e.message}`)}`);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function hostHeader(model: HostModel): string[] {
	const h = model.host;
	const yesNo = (b: boolean) => (b ? 'yes' : 'no');
	const source =
		model.source.kind === 'live'
			? `this host (${clean(model.root)})`
			: `${model.source.kind} ${show(model.source.label ?? model.root)}${model.source.recordedAt ? `, recorded ${clean(model.source.recordedAt)}` : ''}`;
	const active = model.instances.filter((i) => i.active && !i.gone).length;
	const defined = model.instances.filter((i) => !i.active).length;
	const gone = model.instances.length - active - defined;
	const types = model.parents.reduce((n, p) => n + p.types.length, 0);
	return [
		`Host      ${show(h.hostname, 'unknown hostname')}, kernel ${show(h.kernelRelease, 'unknown')}`,
		`Source    ${source}`,
		`Modules   vfio ${yesNo(h.modules.vfio)}, vfio_iommu_type1 ${yesNo(h.modules.vfio_iommu_type1)}, mdev ${yesNo(h.modules.mdev)}`,
		`VFIO      /dev/vfio/vfio ${h.vfioContainer ? 'present' : 'missing'}, IOMMU groups ${
			h.iommuGroups === null ? 'missing' : h.iommuGroups
		}, /sys/class/mdev_bus ${h.mdevBus ? 'present' : 'missing'}`,
		`Found     ${plural(model.parents.length, 'parent')}, ${plural(types, 'type')}, ${plural(active, 'active instance')}, ${plural(
			defined,
			'defined, not active',
			'defined, not active',
		)}${gone > 0 ? `, ${gone} gone while read` : ''}`,
	];
}

/** The SR-IOV line of an NVIDIA SR-IOV GPU: how many VFs are enabled and how many carry a vGPU. */
function sriovLine(parent: Parent): string | null {
	const s = parent.sriov;
	if (s === null) return null;
	const total = show(s.totalVfs, '?');
	if (s.numVfs === 0) return `SR-IOV off: 0 of ${total} VFs enabled, so no vGPU can be created (/usr/lib/nvidia/sriov-manage -e ${clean(parent.name)})`;
	const used = parent.types.reduce((n, t) => n + t.instances.length, 0);
	return `SR-IOV ${show(s.numVfs, '?')} of ${total} VFs enabled, ${used} with a vGPU (nvidia/current_vgpu_type), ${s.vfs.length - used} free`;
}

function parentLines(parent: Parent): string[] {
	// The kind only where it is not mdev, so mdev hosts print as they always did.
	const out = [`Parent ${show(parent.name)}${parent.kind === 'nvidia-sriov' ? '  (NVIDIA SR-IOV vGPU: vGPUs are VFs, not mdevs)' : ''}`];
	const facts: string[] = [];
	if (parent.pci) {
		const p = parent.pci;
		const id = (a: string | null, b: string | null) => `${show(a?.replace(/^0x/, '') ?? null, '?')}:${show(b?.replace(/^0x/, '') ?? null, '?')}`;
		const names = [p.vendorName, p.deviceName].filter((n): n is string => n !== null).map(clean).join(' ');
		facts.push(`PCI ${id(p.vendorId, p.deviceId)}${names ? ` ${names}` : ''}, subsystem ${id(p.subsystemVendorId, p.subsystemDeviceId)}`);
	}
	if (parent.devicePath !== null) {
		facts.push(`bus ${show(parent.bus, '?')}`, `driver ${show(parent.driver, 'none')}`);
		if (parent.numaNode !== null) facts.push(`NUMA node ${parent.numaNode === -1 ? 'none (-1)' : parent.numaNode}`);
		out.push(`  ${facts.join(', ')}`, `  ${clean(parent.devicePath)}`);
		const sriov = sriovLine(parent);
		if (sriov !== null) out.push(`  ${sriov}`);
	}
	out.push(...errorLines('  ', parent.errors));
	return out;
}

/** INSTANCES is the TUI's `inst` (src/model/columns.ts): the active instances of the type, not the defined-only ones. */
function typeRows(types: readonly MdevType[], instances: readonly Instance[]): Row[] {
	return types.map((t) => ({
		cells: [show(t.id), show(t.name, '?'), show(t.deviceApi, '?'), show(t.availableInstances, '?'), String(activeCount(ofType(instances, t.id))), show(t.description)],
		after: errorLines('    ', t.errors),
	}));
}

function probeCell(result: ProbeResult | undefined, answer: (r: ProbeResult) => FeatureAnswer): string {
	if (!result) return '-';
	if (result.outcome !== 'ok') return outcomeWord(result.outcome);
	const a = answer(result);
	return a.supported === null ? '?' : a.supported ? 'yes' : 'no';
}

/** autostart / manual from mdevctl's definition; `invalid` when the definition could not be read. */
function mdevctlCell(i: Instance): string {
	if (i.definition === null) return '-';
	const path = i.definition.path;
	if (i.errors.some((e) => e.path === path)) return 'invalid';
	return i.definition.autostart ? 'autostart' : 'manual';
}

/** `defined, not active`, and where the uuid is active under another parent, which one. */
function stateCell(i: Instance, all: readonly Instance[]): string {
	if (i.gone) return 'gone';
	if (i.active) return 'active';
	const activeThere = sameUuid(all, i).find((o) => o.active);
	return activeThere ? `defined, not active (active on ${show(activeThere.parent, '?')})` : 'defined, not active';
}

/** Which columns the instance tables have, and the model they are of. */
interface Columns {
	model: HostModel;
	probed: boolean;
	owners: boolean;
}

function instanceRows(instances: readonly Instance[], cols: Columns): Row[] {
	const all = cols.model.instances;
	return instances.map((i) => {
		const cells = [
			show(i.uuid),
			show(i.mdevType, '?'),
			stateCell(i, all),
			show(i.iommuGroup),
			show(i.driver),
			show(i.vfioDev),
			mdevctlCell(i),
		];
		const after: string[] = [];
		if (cols.probed) {
			const r = i.probe;
			cells.push(
				probeCell(r, (x) => x.display.region),
				probeCell(r, (x) => x.display.dmabuf),
				probeCell(r, (x) => x.migration),
			);
			if (r) after.push(`    probe: ${clean(r.summary)}`);
		}
		if (cols.owners) cells.push(clean(ownersCell(instanceOwners(cols.model, i))));
		after.push(...errorLines('    ', i.errors));
		return {cells, after};
	});
}

const instanceHeader = ['INSTANCE', 'TYPE', 'STATE', 'GROUP', 'DRIVER', 'VFIO-DEV', 'MDEVCTL'];
const instanceAlign: Align[] = ['left', 'left', 'left', 'right', 'left', 'left', 'left'];
const probeHeader = ['REGION', 'DMABUF', 'MIGRATION'];
const probeAlign: Align[] = ['left', 'left', 'left'];

function instancesTable(instances: readonly Instance[], cols: Columns): string[] {
	// OWNER last: it is the longest cell and the last column is not padded.
	return table(
		'  ',
		[...instanceHeader, ...(cols.probed ? probeHeader : []), ...(cols.owners ? ['OWNER'] : [])],
		[...instanceAlign, ...(cols.probed ? probeAlign : []), ...(cols.owners ? (['left'] as Align[]) : [])],
		instanceRows(instances, cols),
	);
}

/** OWNER is `-` (nobody), `?` (unknown) or the holders; each reason for a `?` once. */
function ownersSummary(model: HostModel): string[] {
	return unknownReasons(model.instances.map((i) => instanceOwners(model, i))).map((reason, index) => `${index === 0 ? 'Owners   ' : '         '} ?: ${clean(reason)}`);
}

function probeSummary(probes: readonly ProbeResult[]): string[] {
	const counts = new Map<ProbeOutcome, number>();
	for (const r of probes) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
	const parts = [...counts].map(([outcome, n]) => `${n} ${outcome}`);
	const out = [`Probes    ${probes.length === 0 ? 'no active instance to probe' : `${plural(probes.length, 'instance')}: ${parts.join(', ')}`}`];
	if (counts.has('not-live')) {
		out.push('          (read from a tree, not this host: there is no device to open, so nothing was asked)');
	}
	out.push('          REGION/DMABUF: display via a region or a dmabuf (VFIO_DEVICE_QUERY_GFX_PLANE); MIGRATION: VFIO_DEVICE_FEATURE_MIGRATION.');
	out.push('          yes/no: the kernel answered; ?: not asked; other words: the probe could not open the device.');
	return out;
}

export function renderPlain(model: HostModel, opts: PlainOptions = {}): string {
	const cols: Columns = {model, probed: opts.probed ?? false, owners: opts.owners ?? false};
	const out = hostHeader(model);
	if (model.errors.length > 0) out.push(...errorLines('', model.errors));
	out.push('');
	if (model.parents.length === 0 && model.instances.length === 0) {
		out.push(...emptyHostText(model, opts.doctor, opts.trySample ?? false));
		return `${out.join('\n').trimEnd()}\n`;
	}
	const shown = new Set<Instance>();
	for (const parent of model.parents) {
		out.push(...parentLines(parent));
		if (parent.types.length > 0) {
			out.push(
				...table(
					'  ',
					['TYPE', 'NAME', 'API', 'AVAIL', 'INSTANCES', 'DESCRIPTION'],
					['left', 'left', 'left', 'right', 'right', 'left'],
					typeRows(parent.types, model.instances.filter((i) => i.parent === parent.name)),
				),
			);
		}
		const instances = model.instances.filter((i) => i.parent === parent.name);
		if (instances.length > 0) {
			out.push(...instancesTable(instances, cols));
			for (const i of instances) shown.add(i);
		} else {
			out.push('  (no instances)');
		}
		out.push('');
	}
	const orphans = model.instances.filter((i) => !shown.has(i));
	if (orphans.length > 0) {
		out.push('Instances whose parent is not in /sys/class/mdev_bus');
		out.push(...instancesTable(orphans, cols), '');
	}
	const ownerNotes = cols.owners ? ownersSummary(model) : [];
	if (ownerNotes.length > 0) out.push(...ownerNotes, '');
	if (cols.probed) out.push(...probeSummary(probeResults(model)), '');
	return `${out.join('\n').trimEnd()}\n`;
}
