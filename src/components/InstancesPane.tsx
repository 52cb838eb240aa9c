import React, {useMemo} from 'react';
import {ListPane, windowLabel, type ListWindow} from './ListTable.js';
import type {Column} from '../present/table.js';
import type {HostModel, Instance, MdevType} from '../model/types.js';
import {SORT_WORDS, typeName, type ParentRow, type Sort} from '../state/views.js';
import {migrationCell, probeCell} from '../present/probe-text.js';
import {vmCell} from '../owners/text.js';
import {instanceOwners} from '../model/instances.js';

export interface InstancesPaneProps extends ListWindow {
	parent: ParentRow | null;
	/** The type whose instances are listed; null: all instances of the parent. */
	type: MdevType | null;
	instances: Instance[];
	/** The model they are of (a recording's owners read as recorded). */
	model: Pick<HostModel, 'source'>;
	/** Uuids being probed now. */
	running: ReadonlySet<string>;
	/** The list's order, said in the title unless it is the scan's. */
	sort?: Sort;
}

/**
 * The instances list's columns, most important first (issue 17): the uuid (never cut), the type by
 * its name, the VM, display and migration; then state, IOMMU group (never cut), start, driver and
 * device API where there is room. Names are shortened in the middle; the detail has them whole.
 */
function columnsFor(
	instances: Instance[],
	parent: ParentRow | null,
	showType: boolean,
	model: Pick<HostModel, 'source'>,
	running: ReadonlySet<string>,
): Column<Instance>[] {
	// `..` until /proc has been read for it.
	const vm = (i: Instance) => {
		const entry = instanceOwners(model, i);
		return entry === undefined ? '..' : vmCell(entry);
	};
	const types = parent?.parent?.types ?? [];
	const probe = (i: Instance) => probeCell(i.probe, i.active && running.has(i.uuid));
	// NVIDIA's SR-IOV vGPUs are named by their VF's PCI address, not a UUID.
	const idTitle = instances.some((i) => i.kind === 'nvidia-sriov') ? 'uuid / VF' : 'uuid';
	const columns: Column<Instance>[] = [
		{key: 'uuid', title: idTitle, priority: 1, min: 36, value: (i) => i.uuid},
		// What admins call a type: its name (GRID T4-2Q, mdpy-hd), the id where it has none.
		{key: 'type', title: 'type', priority: 2, min: 8, want: 16, shorten: 'middle', value: (i) => typeName(i, types) ?? 'n/a'},
		{key: 'vm', title: 'VM', priority: 3, min: 6, want: 16, shorten: 'middle', value: vm, tone: (i) => (vm(i).length <= 2 ? 'dim' : undefined)},
		{key: 'probe', title: 'display', priority: 4, min: 7, value: (i) => probe(i).text, tone: (i) => probe(i).tone},
		{key: 'migration', title: 'mig', priority: 5, min: 3, value: (i) => migrationCell(i.probe).text, tone: (i) => migrationCell(i.probe).tone},
		{key: 'state', title: 'state', priority: 6, min: 7, value: (i) => (i.active ? 'active' : 'defined'), tone: (i) => (i.active ? undefined : 'warn')},
		{key: 'group', title: 'grp', priority: 7, min: 3, align: 'right', value: (i) => (i.iommuGroup === null ? '-' : String(i.iommuGroup))},
		{key: 'start', title: 'start', priority: 8, min: 5, value: (i) => (i.definition ? (i.definition.autostart ? 'auto' : 'manual') : '-')},
		{key: 'driver', title: 'driver', priority: 9, min: 6, value: (i) => i.driver ?? '-'},
		{key: 'api', title: 'api', priority: 10, min: 3, value: (i) => types.find((t) => t.id === i.mdevType)?.deviceApi ?? '-'},
	];
	return showType ? columns : columns.filter((c) => c.key !== 'type');
}

/** ` by VM`, ` by group, reversed`, ` reversed`; '' in the scan's order. */
export function sortLabel(sort: Sort | undefined): string {
	if (!sort) return '';
	const by = sort.by === null ? '' : ` by ${SORT_WORDS[sort.by]}`;
	return by + (sort.reverse ? (by ? ', reversed' : ' reversed') : '');
}

export function InstancesPane({parent, type, instances, model, running, sort, ...window}: InstancesPaneProps) {
	const of = type ? type.id : parent ? `${parent.name}, all types` : '';
	// The same column objects while only the selection moves, so that ListPane measures them once.
	const columns = useMemo(() => columnsFor(instances, parent, type === null, model, running), [instances, parent, type === null, model, running]);
	const title = `Instances${of ? ' of ' + of : ''} ${windowLabel(window.scroll, window.capacity, instances.length)}${sortLabel(sort)}`;
	return (
		<ListPane
			{...window}
			title={title}
			columns={columns}
			rows={instances}
			hasErrors={(i) => i.errors.length > 0}
			emptyText={parent ? 'no instances' : 'no parent selected'}
		/>
	);
}
