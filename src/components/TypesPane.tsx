import React, {memo, useMemo} from 'react';
import {ListPane, windowLabel, type ListWindow} from './ListTable.js';
import type {Column} from '../present/table.js';
import type {MdevType} from '../model/types.js';
import type {ParentRow} from '../state/views.js';
import {activeCount, definedCount, ofType} from '../model/columns.js';

export interface TypesPaneProps extends ListWindow {
	parent: ParentRow | null;
	types: MdevType[];
}

function columnsFor(parent: ParentRow | null): Column<MdevType>[] {
	// inst and def as src/model/columns.ts defines them: defined-only instances are never in inst.
	const of = (t: MdevType) => ofType(parent?.instances ?? [], t.id);
	return [
		{key: 'id', title: 'type', priority: 1, min: 8, value: (t) => t.id},
		{key: 'name', title: 'name', priority: 3, min: 6, shorten: 'middle', value: (t) => t.name ?? 'n/a'},
		{key: 'api', title: 'api', priority: 4, min: 5, value: (t) => t.deviceApi ?? 'n/a'},
		{
			// available_instances 0 is a real answer ("no room for another"), shown as 0, never hidden.
			key: 'avail',
			title: 'avail',
			priority: 2,
			min: 5,
			align: 'right',
			value: (t) => (t.availableInstances === null ? 'n/a' : String(t.availableInstances)),
			tone: (t) => (t.availableInstances === 0 ? 'warn' : t.availableInstances === null ? 'dim' : undefined),
		},
		{key: 'inst', title: 'inst', priority: 5, min: 4, align: 'right', value: (t) => String(activeCount(of(t)))},
		{key: 'def', title: 'def', priority: 6, min: 3, align: 'right', value: (t) => String(definedCount(of(t))), tone: (t) => (definedCount(of(t)) > 0 ? 'warn' : 'dim')},
	];
}

// Memoized: its props are derived values that keys in the other panes leave equal.
export const TypesPane = memo(function TypesPane({parent, types, ...window}: TypesPaneProps) {
	const columns = useMemo(() => columnsFor(parent), [parent]);
	const title = parent ? `Types of ${parent.name} ${windowLabel(window.scroll, window.capacity, types.length)}` : 'Types';
	const emptyText = !parent
		? 'no parent selected'
		: !parent.parent
			? 'parent not registered: no types'
			: parent.parent.types.length === 0
				? parent.parent.kind === 'nvidia-sriov'
					? 'no vGPU types listed by its VFs'
					: 'no mdev_supported_types'
				: 'none match the filter';
	return (
		<ListPane
			{...window}
			title={title}
			columns={columns}
			rows={types}
			hasErrors={(t) => t.errors.length > 0}
			emptyText={emptyText}
		/>
	);
});
