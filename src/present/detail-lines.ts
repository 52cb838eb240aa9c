// The detail pane's text for a selection, as Lines wrapped to a width. Pure: the DetailPane component
// only slices the scroll window out of it, and tests can read it without a terminal.
// Values the host did not give read `n/a` with the reason, never a guess.

import type {HostModel, Instance, ItemError, MdevType, Parent} from '../model/types.js';
import {holderName, type ProbeResult} from '../model/probe.js';
import type {InstanceOwners} from '../owners/join.js';
import type {Subject} from '../state/reducer.js';
import type {ParentRow} from '../state/views.js';
import {seg, type Line, type Tone} from './line.js';
import {answerText, displayCell, outcomeWord} from './probe-text.js';
import {planColumns, rowLine, headerLine, type Column} from './table.js';
import {bytes, hex, wrap} from './text.js';
import {sameUuid} from '../model/instances.js';

const LABEL = 14;

export interface ProbeState {
	result?: ProbeResult;
	running: boolean;
}

function title(text: string): Line {
	return [seg(text, 'title')];
}

/** `  label         value` with the value wrapped under itself. */
function field(label: string, value: string, width: number, tone?: Tone): Line[] {
	const indent = ' '.repeat(LABEL + 2);
	const lines = wrap(value, Math.max(8, width - LABEL - 2), '');
	return lines.map((text, index) => [
		seg(index === 0 ? '  ' + label.padEnd(LABEL) : indent, index === 0 ? 'dim' : undefined),
		seg(text, tone),
	]);
}

function paragraph(text: string, width: number, indent = '  ', tone?: Tone): Line[] {
	return wrap(text, Math.max(8, width - indent.length), '  ').map((t) => [seg(indent + t, tone)]);
}

/** n/a with a reason: the item's own error for that file when there is one. */
function missing(errors: ItemError[], file: string, otherwise: string): string {
	const error = errors.find((e) => e.path.endsWith('/' + file));
	return error ? `n/a (${error.code}, see errors)` : `n/a (${otherwise})`;
}

function errorLines(errors: ItemError[], width: number, heading = 'errors'): Line[] {
	if (errors.length === 0) return [];
	const lines: Line[] = [[seg(`${heading} (${errors.length}):`, 'error')]];
	for (const error of errors) {
		lines.push(...paragraph(`! ${error.code} ${error.path}: ${error.message}`, width, '  ', 'error'));
	}
	return lines;
}

function parentLines(row: ParentRow, model: HostModel, width: number): Line[] {
	const lines: Line[] = [];
	const parent: Parent | null = row.parent;
	if (!parent) {
		lines.push(title(`Parent ${row.name} (not in /sys/class/mdev_bus)`));
		lines.push(
			...paragraph(
				`${row.instances.length} instance(s) name this parent, but it is not registered with mdev now: ` +
					'its device or vendor driver is missing, or the instance link is broken. ' +
					'Load the vendor driver or check the mdevctl definition.',
				width,
				'  ',
				'warn',
			),
		);
		return lines;
	}
	lines.push(title(`Parent ${parent.name}${parent.gone ? ' (gone: listed, but its directory is not there)' : ''}`));
	lines.push(
		...field(
			'framework',
			parent.kind === 'nvidia-sriov' ? 'NVIDIA vGPU on SR-IOV virtual functions (no mdev)' : 'mdev',
			width,
		),
	);
	lines.push(...field('device path', parent.devicePath ?? missing(parent.errors, 'device', 'link not resolved'), width));
	lines.push(...field('bus', parent.bus ?? missing(parent.errors, 'subsystem', 'no subsystem link'), width));
	lines.push(...field('driver', parent.driver ?? missing(parent.errors, 'driver', 'no driver link'), width));
	const module = parent.driverModule;
	lines.push(
		...field(
			'driver module',
			module
				? `${module.name} ${module.version ?? '(no version)'}` +
						(module.srcversion ? ` srcversion ${module.srcversion}` : '') +
						(module.via === 'name' ? ' (found by name)' : '')
				: 'n/a (none found)',
			width,
		),
	);
	if (parent.pci) {
		const pci = parent.pci;
		const id = (value: string | null, name: string | null, file: string) =>
			value === null ? missing(parent.errors, file, 'not present') : name ? `${value} ${name}` : `${value} (not in pci.ids)`;
		lines.push(...field('PCI vendor', id(pci.vendorId, pci.vendorName, 'vendor'), width));
		lines.push(...field('PCI device', id(pci.deviceId, pci.deviceName, 'device'), width));
		lines.push(
			...field(
				'PCI subsystem',
				`${pci.subsystemVendorId ?? 'n/a'}:${pci.subsystemDeviceId ?? 'n/a'}`,
				width,
			),
		);
	}
	const numa =
		parent.numaNode === null
			? missing(parent.errors, 'numa_node', 'not present')
			: parent.numaNode === -1
				? '-1 (no node)'
				: String(parent.numaNode);
	lines.push(...field('NUMA node', numa, width));
	if (parent.sriov) {
		const {numVfs, totalVfs, vfs} = parent.sriov;
		lines.push(
			...field('SR-IOV', `${numVfs ?? 'n/a'} of ${totalVfs ?? 'n/a'} VFs enabled` + (vfs.length ? `: ${vfs.join(' ')}` : ''), width),
		);
	}
	lines.push(...field('types', String(parent.types.length), width));
	const active = row.instances.filter((i) => i.active).length;
	lines.push(...field('instances', `${active} active, ${row.instances.length - active} defined only`, width));
	lines.push(...errorLines(parent.errors, width));
	lines.push(...errorLines(model.errors, width, 'host problems'));
	return lines;
}

function typeLines(row: ParentRow, type: MdevType, width: number): Line[] {
	const lines: Line[] = [title(`Type ${type.id} on ${row.name}${type.gone ? ' (gone: listed, but its directory is not there)' : ''}`)];
	lines.push(...field('name', type.name ?? missing(type.errors, 'name', 'no name file'), width));
	lines.push(
		...field('description', type.description ?? missing(type.errors, 'description', 'no description file'), width),
	);
	lines.push(...field('device_api', type.deviceApi ?? missing(type.errors, 'device_api', 'no device_api file'), width));
	const available = type.availableInstances;
	lines.push(
		...field(
			'available',
			available === null
				? missing(type.errors, 'available_instances', 'no available_instances file')
				: `${available} more can be created now` + (available === 0 ? ' (none left)' : ''),
			width,
			available === 0 ? 'warn' : undefined,
		),
	);
	lines.push(...field('instances', String(row.instances.filter((i) => i.mdevType === type.id).length), width));
	if (row.parent?.devicePath) {
		lines.push(...field('path', `${row.parent.devicePath}/mdev_supported_types/${type.id}`, width));
	}
	lines.push(...errorLines(type.errors, width));
	return lines;
}

/** A QEMU command line from libvirt runs to thousands of characters: the start says enough here. */
const COMMAND_CHARS = 300;

/** Who holds the instance (src/owners/join.ts): pid, command, QEMU's VM name and uuid, the libvirt domain. */
function ownerLines(instance: Instance, entry: InstanceOwners | null | undefined, width: number): Line[] {
	if (!entry) return field('owner', 'looking in /proc...', width, 'dim');
	if (entry.owners === null) return field('owner', `unknown: ${entry.unknown ?? 'no reason given'}`, width, 'warn');
	if (entry.owners.length === 0) {
		const files = [
			instance.iommuGroup === null ? null : `/dev/vfio/${instance.iommuGroup}`,
			instance.vfioDev === null ? null : `/dev/vfio/devices/${instance.vfioDev}`,
		].filter((f) => f !== null);
		return field('owner', instance.active ? `none: no process has ${files.join(' or ')} open` : 'none (not active)', width);
	}
	const lines: Line[] = [];
	for (const o of entry.owners) {
		lines.push(...field('owner', `${o.comm ?? '(comm unreadable)'} pid ${o.pid}, holds ${o.files.join(' and ')}`, width, 'warn'));
		if (o.vmName !== null || o.vmUuid !== null) {
			lines.push(...field('  VM', `${o.vmName ?? '(no -name)'}, ${o.vmUuid === null ? 'no -uuid' : `uuid ${o.vmUuid}`}`, width));
		}
		if (o.libvirtDomain !== null) lines.push(...field('  libvirt', `domain ${o.libvirtDomain} (virsh dumpxml ${o.libvirtDomain})`, width));
		// A snapshot keeps the argv only when taken with --with-cmdline.
		const command =
			o.cmdline === undefined
				? 'not recorded (a snapshot keeps it only with --json --with-cmdline)'
				: o.cmdline === null
					? 'n/a (/proc/<pid>/cmdline unreadable)'
					: o.cmdline.join(' ');
		lines.push(
			...field('  command', command.length > COMMAND_CHARS ? `${command.slice(0, COMMAND_CHARS)} ... (all of it: --json --with-cmdline)` : command, width),
		);
	}
	return lines;
}

function instanceLines(row: ParentRow, instance: Instance, all: readonly Instance[], probe: ProbeState, width: number, owner?: InstanceOwners | null): Line[] {
	const what = instance.kind === 'nvidia-sriov' ? 'vGPU on VF' : 'Instance';
	const lines: Line[] = [title(`${what} ${instance.uuid}${instance.gone ? ' (gone: listed, but its directory is not there)' : ''}`)];
	// The probe's answer first, so it is on screen without scrolling; the full panel follows below.
	const {result, running} = probe;
	lines.push(
		...field(
			'probe',
			running
				? 'running...'
				: result
					? `${outcomeWord(result.outcome)}: ${result.summary}`
					: instance.active
						? 'not probed - press p'
						: 'not possible (not active)',
			width,
			result ? (result.outcome === 'ok' ? 'ok' : 'warn') : 'dim',
		),
	);
	lines.push(...ownerLines(instance, owner, width));
	lines.push(
		...field(
			'state',
			instance.active ? 'active' : 'defined, not active (mdevctl: start it to use or probe it)',
			width,
			instance.active ? undefined : 'warn',
		),
	);
	lines.push(...field('parent', instance.parent ?? 'n/a (not resolved)', width));
	// mdevctl lets one uuid be defined under several parents; only one of them can be active.
	const others = sameUuid(all, instance);
	if (others.length > 0) {
		const where = others.map((o) => `${o.parent ?? '?'} (${o.active ? 'active there' : 'defined, not active'})`).join(', ');
		lines.push(...field('also under', where, width, others.some((o) => o.active) && !instance.active ? 'warn' : undefined));
	}
	const type = row.parent?.types.find((t) => t.id === instance.mdevType);
	lines.push(
		...field(
			'type',
			instance.mdevType === null
				? 'n/a (no mdev_type link or definition)'
				: type?.name && type.name !== instance.mdevType
					? `${instance.mdevType} (${type.name})`
					: instance.mdevType,
			width,
		),
	);
	// The type's device_api: the list's api column, which is the first to go when room is short.
	if (type) lines.push(...field('device API', type.deviceApi ?? 'n/a (no device_api)', width));
	lines.push(
		...field(
			'IOMMU group',
			instance.iommuGroup === null ? (instance.active ? 'n/a (no iommu_group link)' : 'none (not active)') : String(instance.iommuGroup),
			width,
		),
	);
	lines.push(...field('driver', instance.driver ?? (instance.active ? 'none bound' : 'none (not active)'), width));
	lines.push(...field('vfio-dev', instance.vfioDev ?? 'none (no vfio-dev/ child)', width));
	const def = instance.definition;
	if (def) {
		const attrs = def.attrs.map((a) => Object.entries(a).map(([k, v]) => `${k}=${v}`).join(',')).join('; ');
		lines.push(
			...field(
				'definition',
				`${def.path}; start ${def.autostart ? 'auto' : 'manual'}` +
					(def.mdevType && def.mdevType !== instance.mdevType ? `; type ${def.mdevType}` : '') +
					(attrs ? `; attrs ${attrs}` : ''),
				width,
			),
		);
	} else {
		lines.push(...field('definition', 'none (not in mdevctl store)', width));
	}
	lines.push(...errorLines(instance.errors, width));
	const details = probeLines(probe, width);
	if (details.length > 0) lines.push([], ...details);
	return lines;
}

const regionColumns: Column<ProbeResult['regions'][number]>[] = [
	{key: 'index', title: 'idx', priority: 1, min: 3, align: 'right', value: (r) => String(r.index)},
	{key: 'name', title: 'name', priority: 2, min: 4, value: (r) => r.name ?? '-'},
	{key: 'size', title: 'size', priority: 3, min: 4, align: 'right', value: (r) => bytes(r.size)},
	{key: 'offset', title: 'offset', priority: 6, min: 6, value: (r) => hex(r.offset)},
	{key: 'flags', title: 'flags', priority: 4, min: 5, shorten: 'end', value: (r) => r.flagNames.join(',') || hex(r.flags)},
	{
		key: 'caps',
		title: 'caps',
		priority: 5,
		min: 4,
		shorten: 'end',
		value: (r) =>
			r.caps
				.map((c) => c.name + (c.type !== undefined ? `(${c.type}/${c.subtype ?? '-'})` : ''))
				.join(',') || '-',
	},
];

const irqColumns: Column<ProbeResult['irqs'][number]>[] = [
	{key: 'index', title: 'idx', priority: 1, min: 3, align: 'right', value: (r) => String(r.index)},
	{key: 'name', title: 'name', priority: 2, min: 4, value: (r) => r.name ?? '-'},
	{key: 'count', title: 'count', priority: 3, min: 5, align: 'right', value: (r) => String(r.count)},
	{key: 'flags', title: 'flags', priority: 4, min: 5, shorten: 'end', value: (r) => r.flagNames.join(',') || hex(r.flags)},
];

function table<T>(columns: Column<T>[], rows: T[], width: number): Line[] {
	const plan = planColumns(columns, rows, Math.max(10, width - 4));
	return [[seg('    '), ...headerLine(plan)], ...rows.map((r) => [seg('    '), ...rowLine(plan, r)])];
}

/** Whose fd answered (`--probe-held`, B), why none was borrowed, or that B could ask the holder. */
function borrowLines(result: ProbeResult, width: number): Line[] {
	const from = result.borrowedFrom;
	if (from) {
		return field(
			'borrowed',
			`from ${holderName(from)}: a duplicate of its fd ${from.fd} (found by ${from.foundBy}), asked read-only questions, closed at once`,
			width,
			'warn',
		);
	}
	if (result.borrowRefused) return field('not borrowed', result.borrowRefused.message, width, 'warn');
	if (result.outcome === 'busy') return field('borrow', "B probes it through its holder's own fd (read-only; asks first)", width, 'dim');
	return [];
}

/** The full probe readout below an instance's facts (its one-line summary is at the top). */
export function probeLines(probe: ProbeState, width: number): Line[] {
	const {result, running} = probe;
	if (!result) return [];
	const lines: Line[] = [];
	lines.push([seg('Probe details', 'title'), seg(running ? '  (probing again...)' : '')]);
	lines.push(
		...field(
			'probed',
			`${result.probedAt} (${result.durationMs} ms${result.via ? `, via ${result.via}` : ''})`,
			width,
		),
	);
	lines.push(...borrowLines(result, width));
	const display = displayCell(result);
	lines.push(...field('display', display.text, width, display.tone));
	lines.push(...field('  region', answerText(result.display.region), width));
	lines.push(...field('  dmabuf', answerText(result.display.dmabuf), width));
	const plane = result.display.plane;
	if (plane) {
		const where =
			plane.regionIndex !== undefined
				? `region index ${plane.regionIndex}`
				: plane.dmabufId !== undefined
					? `dmabuf id ${plane.dmabufId}`
					: '';
		lines.push(
			...field(
				'plane',
				`${plane.drmFormat} (${hex(plane.drmFormatNumber)}) ${plane.width}x${plane.height} stride ${plane.stride} ` +
					`size ${plane.size} at ${plane.xPos},${plane.yPos} modifier ${plane.drmFormatMod}` +
					(where ? ` ${where}` : ''),
				width,
			),
		);
	} else if (result.display.planeNote && result.display.planeNotAsked !== 'probe-not-run') {
		// (A probe that never ran: the summary above says why; its planeNote would repeat it.)
		lines.push(...field('plane', result.display.planeNote, width));
	}
	const migration = result.migration;
	lines.push(
		...field(
			'migration',
			answerText(migration) +
				(migration.supported && migration.flags !== null
					? `: ${migration.flagNames.join(' ') || '(no flags)'} (flags ${hex(migration.flags)})`
					: ''),
			width,
			migration.supported ? 'ok' : undefined,
		),
	);
	lines.push(...field('dma logging', answerText(result.dmaLogging), width));
	if (result.device) {
		const d = result.device;
		lines.push(
			...field(
				'device',
				`flags ${hex(d.flags)} ${d.flagNames.join(',')}; ${d.numRegions} regions, ${d.numIrqs} irqs`,
				width,
			),
		);
	} else {
		lines.push(...field('device', 'n/a (VFIO_DEVICE_GET_INFO not reached)', width));
	}
	if (result.regions.length > 0) {
		lines.push([seg('  regions', 'dim')]);
		lines.push(...table(regionColumns, result.regions, width));
	}
	if (result.irqs.length > 0) {
		lines.push([seg('  irqs', 'dim')]);
		lines.push(...table(irqColumns, result.irqs, width));
	}
	const failed = result.steps.filter((s) => !s.ok);
	if (failed.length > 0) {
		lines.push([seg(`  failed steps (${failed.length})`, 'dim')]);
		for (const step of failed) {
			const errno = step.code ? `${step.code}${step.errno !== undefined ? ` (${step.errno})` : ''}` : 'failed';
			lines.push(...paragraph(`${step.step}: ${errno}${step.meaning ? ' - ' + step.meaning : ''}`, width, '    ', 'warn'));
		}
	}
	return lines;
}

/** `owner`: who holds the instance subject (undefined or null: not looked up yet). */
export function detailLines(subject: Subject, model: HostModel, probe: ProbeState, width: number, owner?: InstanceOwners | null): Line[] {
	switch (subject.kind) {
		case 'none':
			return [[seg('Nothing selected', 'dim')], ...errorLines(model.errors, width, 'host problems')];
		case 'parent':
			return parentLines(subject.row, model, width);
		case 'type':
			return typeLines(subject.row, subject.type, width);
		case 'instance':
			return instanceLines(subject.row, subject.instance, model.instances, probe, width, owner);
	}
}
