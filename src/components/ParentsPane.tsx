import React, {memo} from 'react';
import {ListPane, windowLabel, type ListWindow} from './ListTable.js';
import type {Column} from '../present/table.js';
import type {ParentRow} from '../state/views.js';
import {activeCount, definedCount} from '../model/columns.js';

export interface ParentsPaneProps extends ListWindow {
	rows: ParentRow[];
	total: number;
}

const columns: Column<ParentRow>[] = [
	{
		key: 'name',
		title: 'parent',
		priority: 1,
		// A PCI address (0000:3b:00.0) is never cut: the column is as wide as the longest name.
		min: 6,
		value: (r) => r.name,
		tone: (r) => (r.parent ? undefined : 'warn'),
	},
	// inst and def as src/model/columns.ts defines them: defined-only instances are never in inst.
	{key: 'inst', title: 'inst', priority: 2, min: 4, align: 'right', value: (r) => String(activeCount(r.instances))},
	{key: 'def', title: 'def', priority: 4, min: 3, align: 'right', value: (r) => String(definedCount(r.instances)), tone: (r) => (definedCount(r.instances) > 0 ? 'warn' : 'dim')},
	{key: 'driver', title: 'driver', priority: 3, min: 6, value: (r) => r.parent?.driver ?? '-'},
];

// Memoized: its props are derived values that keys in the other panes leave equal.
export const ParentsPane = memo(function ParentsPane({rows, total, ...window}: ParentsPaneProps) {
	const count = rows.length === total ? windowLabel(window.scroll, window.capacity, rows.length) : `(${rows.length}/${total})`;
	return (
		<ListPane
			{...window}
			title={`Parents ${count}`}
			columns={columns}
			rows={rows}
			hasErrors={(r) => (r.parent?.errors.length ?? 0) > 0 || r.parent === null}
			emptyText={total === 0 ? 'no parents' : 'none match the filter'}
		/>
	);
});
