import React from 'react';
import {ListPane, windowLabel, type ListWindow} from './ListTable.js';
import type {Column} from '../present/table.js';
import type {HostModel, Instance, MdevType} from '../model/types.js';
import type {ParentRow} from '../state/views.js';
import {migrationCell, probeCell} from '../present/probe-text.js';
import {ownersCell} from '../owners/text.js';
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
}

function columnsFor(
	instances: Instance[],
	showType: boolean,
	model: Pick<HostModel, 'source'>,
	running: ReadonlySet<string>,
): Column<Instance>[] {
	// `..` until /proc has been read for it.
	const owner = (i: Instance) => {
		const entry = instanceOwners(model, i);
		return entry === undefined ? '..' : ownersCell(entry);
	};
	const probe = (i: Instance) => probeCell(i.probe, i.active && running.has(i.uuid));
	// NVIDIA's SR-IOV vGPUs are named by their VF's PCI address, not a UUID.
	const idTitle = instances.some((i) => i.kind === 'nvidia-sriov') ? 'uuid / VF' : 'uuid';
	const columns: Column<Instance>[] = [
		{key: 'uuid', title: idTitle, priority: 1, min: 13, max: 36, value: (i) => i.uuid},
		{
			key: 'state',
			title: 'state',
			priority: 2,
			min: 7,
			value: (i) => (i.active ? 'active' : 'defined'),
			tone: (i) => (i.active ? undefined : 'warn'),
		},
		{
			key: 'start',
			title: 'start',
			priority: 7,
			min: 5,
			value: (i) => (i.definition ? (i.definition.autostart ? 'auto' : 'manual') : '-'),
		},
		{key: 'type', title: 'type', priority: 6, min: 6, max: 20, value: (i) => i.mdevType ?? 'n/a'},
		{key: 'group', title: 'grp', priority: 5, min: 3, align: 'right', value: (i) => (i.iommuGroup === null ? '-' : String(i.iommuGroup))},
		{
			key: 'probe',
			title: 'display',
			priority: 3,
			min: 7,
			max: 13,
			value: (i) => probe(i).text,
			tone: (i) => probe(i).tone,
		},
		{
			key: 'migration',
			title: 'mig',
			priority: 4,
			min: 3,
			value: (i) => migrationCell(i.probe).text,
			tone: (i) => migrationCell(i.probe).tone,
		},
		{
			// `qemu pid 4242 vm=vdi-42`; `-` nobody, `?` unknown (the detail says why).
			key: 'owner',
			title: 'owner',
			priority: 3.5,
			min: 5,
			max: 40,
			value: owner,
			tone: (i) => (owner(i).length <= 2 ? 'dim' : undefined),
		},
	];
	return showType ? columns : columns.filter((c) => c.key !== 'type');
}

export function InstancesPane({parent, type, instances, model, running, ...window}: InstancesPaneProps) {
	const of = type ? type.id : parent ? `${parent.name}, all types` : '';
	const title = `Instances${of ? ' of ' + of : ''} ${windowLabel(window.scroll, window.capacity, instances.length)}`;
	return (
		<ListPane
			{...window}
			title={title}
			columns={columnsFor(instances, type === null, model, running)}
			rows={instances}
			hasErrors={(i) => i.errors.length > 0}
			emptyText={parent ? 'no instances' : 'no parent selected'}
		/>
	);
}
