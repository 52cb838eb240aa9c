// What the lists show, derived from the model and the filter. Pure functions, no React or Ink.

import type {HostModel, Instance, MdevType, Parent} from '../model/types.js';

/**
 * A row of the parents pane. Usually a Parent from `sys/class/mdev_bus/`; an instance (active or only
 * defined in mdevctl's store) whose parent is not there gets a row too (`parent: null`), so that
 * nothing the model holds is hidden.
 */
export interface ParentRow {
	/** Stable identity across rescans. */
	key: string;
	name: string;
	parent: Parent | null;
	/** All instances of this parent, sorted as in the model. */
	instances: Instance[];
}

const UNKNOWN_PARENT = '(no parent)';
const rowsCache = new WeakMap<HostModel, ParentRow[]>();
/**
 * The last filtered parent list of each model: one key derives the view several times (the
 * reducer's move and normalize, then the screen), and each time the filter would go through every
 * instance of the host again (8,192 on the benchmark's `huge` tree) for the same text.
 */
const filteredCache = new WeakMap<HostModel, {needle: string; rows: ParentRow[]}>();

export function parentRows(model: HostModel): ParentRow[] {
	const cached = rowsCache.get(model);
	if (cached) return cached;
	const byParent = new Map<string | null, Instance[]>();
	for (const instance of model.instances) {
		const list = byParent.get(instance.parent);
		if (list) list.push(instance);
		else byParent.set(instance.parent, [instance]);
	}
	const rows: ParentRow[] = model.parents.map((parent) => ({
		key: 'p:' + parent.name,
		name: parent.name,
		parent,
		instances: byParent.get(parent.name) ?? [],
	}));
	const known = new Set(model.parents.map((p) => p.name));
	for (const [name, instances] of byParent) {
		if (name !== null && known.has(name)) continue;
		rows.push({key: name === null ? 'u:' : 'm:' + name, name: name ?? UNKNOWN_PARENT, parent: null, instances});
	}
	rowsCache.set(model, rows);
	return rows;
}

function instancesOfType(row: ParentRow, type: MdevType): Instance[] {
	return row.instances.filter((i) => i.mdevType === type.id);
}

/** Case-insensitive substring matching over ids, names and uuids. */
export class FilterMatcher {
	private readonly needle: string;
	constructor(text: string) {
		this.needle = text.trim().toLowerCase();
	}
	get active(): boolean {
		return this.needle !== '';
	}
	/** What is matched (lower case, trimmed): equal for two matchers that match the same things. */
	get text(): string {
		return this.needle;
	}
	private has(value: string | null | undefined): boolean {
		return value != null && value.toLowerCase().includes(this.needle);
	}
	parentSelf(row: ParentRow): boolean {
		const p = row.parent;
		return this.has(row.name) || this.has(p?.driver) || this.has(p?.pci?.vendorName) || this.has(p?.pci?.deviceName);
	}
	typeSelf(type: MdevType): boolean {
		return this.has(type.id) || this.has(type.name);
	}
	instanceSelf(instance: Instance): boolean {
		return this.has(instance.uuid);
	}
}

export function visibleParents(model: HostModel, f: FilterMatcher): ParentRow[] {
	const rows = parentRows(model);
	if (!f.active) return rows;
	const cached = filteredCache.get(model);
	if (cached?.needle === f.text) return cached.rows;
	const shown = rows.filter(
		(row) =>
			f.parentSelf(row) ||
			(row.parent?.types ?? []).some((t) => f.typeSelf(t)) ||
			row.instances.some((i) => f.instanceSelf(i)),
	);
	filteredCache.set(model, {needle: f.text, rows: shown});
	return shown;
}

export function visibleTypes(row: ParentRow | null, f: FilterMatcher): MdevType[] {
	if (!row) return [];
	const types = row.parent?.types ?? [];
	if (!f.active || f.parentSelf(row)) return types;
	return types.filter((t) => f.typeSelf(t) || instancesOfType(row, t).some((i) => f.instanceSelf(i)));
}

export function visibleInstances(row: ParentRow | null, type: MdevType | null, f: FilterMatcher): Instance[] {
	if (!row) return [];
	const base = type ? instancesOfType(row, type) : row.instances;
	if (!f.active || f.parentSelf(row) || (type && f.typeSelf(type))) return base;
	const types = row.parent?.types ?? [];
	const matchingTypes = new Set(types.filter((t) => f.typeSelf(t)).map((t) => t.id));
	return base.filter((i) => f.instanceSelf(i) || (i.mdevType !== null && matchingTypes.has(i.mdevType)));
}

export type ListPane = 'parents' | 'types' | 'instances';

/** Everything the main screen lists, for a selection. */
export interface View {
	parents: ParentRow[];
	parent: ParentRow | null;
	types: MdevType[];
	type: MdevType | null;
	/** `parent`: the instances pane lists all instances of the parent (parents pane focused, or no type). */
	instanceScope: 'type' | 'parent';
	instances: Instance[];
	instance: Instance | null;
}

export function clampIndex(index: number, length: number): number {
	if (length <= 0) return 0;
	return Math.max(0, Math.min(index, length - 1));
}

export function deriveView(
	model: HostModel,
	filterText: string,
	selected: Record<ListPane, number>,
	focus: ListPane | 'detail',
): View {
	const f = new FilterMatcher(filterText);
	const parents = visibleParents(model, f);
	const parent = parents[clampIndex(selected.parents, parents.length)] ?? null;
	const types = visibleTypes(parent, f);
	const typeSelected = types[clampIndex(selected.types, types.length)] ?? null;
	const instanceScope = focus === 'parents' || typeSelected === null ? 'parent' : 'type';
	const type = instanceScope === 'type' ? typeSelected : null;
	const instances = visibleInstances(parent, type, f);
	const instance = instances[clampIndex(selected.instances, instances.length)] ?? null;
	return {parents, parent, types, type: typeSelected, instanceScope, instances, instance};
}
