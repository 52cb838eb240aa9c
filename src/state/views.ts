// What the lists show, derived from the model and the filter. Pure functions, no React or Ink.

import type {HostModel, Instance, MdevType, Parent} from '../model/types.js';
import {displayKind} from '../model/probe.js';
import {vmCell} from '../owners/text.js';

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

/**
 * What `/` finds (issue 17: what admins search for): a case-insensitive substring of a parent's
 * name (its PCI address), driver or PCI names, a type's id, name or device_api, an instance's uuid or
 * the name of the VM holding it (QEMU's -name, libvirt's domain); and, whole, an instance's IOMMU
 * group (`118`, `/dev/vfio/118`) or the pid of a process holding it (a substring of a number would
 * match half the host).
 */
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
	private whole(value: number | null | undefined): boolean {
		return value != null && (this.needle === String(value) || this.needle === `/dev/vfio/${value}`);
	}
	parentSelf(row: ParentRow): boolean {
		const p = row.parent;
		return this.has(row.name) || this.has(p?.driver) || this.has(p?.pci?.vendorName) || this.has(p?.pci?.deviceName);
	}
	typeSelf(type: MdevType): boolean {
		return this.has(type.id) || this.has(type.name) || this.has(type.deviceApi);
	}
	instanceSelf(instance: Instance): boolean {
		if (this.has(instance.uuid) || this.whole(instance.iommuGroup)) return true;
		return (instance.owners ?? []).some((o) => this.has(o.vmName) || this.has(o.libvirtDomain) || this.whole(o.pid));
	}
}

/** What admins call an instance's type: its name (GRID T4-2Q, mdpy-hd), the id where it has none; null without a type. */
export function typeName(instance: Instance, types: readonly MdevType[]): string | null {
	return types.find((t) => t.id === instance.mdevType)?.name ?? instance.mdevType;
}

/** The instances list's orders (`o` cycles them, `O` reverses): null is the scan's order. */
export const SORT_KEYS = ['uuid', 'type', 'vm', 'group', 'state', 'display'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface Sort {
	by: SortKey | null;
	reverse: boolean;
}
export const SCAN_ORDER: Sort = {by: null, reverse: false};
/** How the pane title says the order: `by VM`, `by group, reversed`. */
export const SORT_WORDS: Record<SortKey, string> = {uuid: 'uuid', type: 'type', vm: 'VM', group: 'group', state: 'state', display: 'display'};

/** The next order `o` gives: the scan's, then each key in SORT_KEYS, then the scan's again. */
export function nextSort(sort: Sort): Sort {
	const at = sort.by === null ? -1 : SORT_KEYS.indexOf(sort.by);
	return {by: SORT_KEYS[at + 1] ?? null, reverse: sort.reverse};
}

/** A value to sort by, and whether it is missing (missing values go last, whichever the direction). */
function sortValue(instance: Instance, by: SortKey, types: readonly MdevType[]): string | number | null {
	switch (by) {
		case 'uuid':
			return instance.uuid;
		case 'type':
			return typeName(instance, types);
		case 'vm': {
			// As the VM column says it; nobody, or not known: last.
			const owners = instance.owners;
			return owners && owners.length > 0 ? vmCell({owners, unknown: null}) : null;
		}
		case 'group':
			return instance.iommuGroup;
		case 'state':
			return instance.active ? 0 : 1;
		case 'display':
			return instance.probe ? displayKind(instance.probe.display) : null;
	}
}

const byText = new Intl.Collator('en', {numeric: true});

/** `instances` in the order `sort` asks for (stable: equal values keep the scan's order). */
export function sortInstances(instances: readonly Instance[], sort: Sort, types: readonly MdevType[]): Instance[] {
	const by = sort.by;
	if (by === null) return sort.reverse ? [...instances].reverse() : (instances as Instance[]);
	const keyed = instances.map((instance, index) => ({instance, index, value: sortValue(instance, by, types)}));
	keyed.sort((a, b) => {
		if (a.value === null || b.value === null) return a.value === b.value ? a.index - b.index : a.value === null ? 1 : -1;
		const order = typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : byText.compare(String(a.value), String(b.value));
		return (sort.reverse ? -order : order) || a.index - b.index;
	});
	return keyed.map((k) => k.instance);
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

/**
 * The instances pane's last list per parent row: a key that only moves the selection derives the
 * view again, and gets the same list (the same array, so the pane measures its columns once).
 */
const instancesCache = new WeakMap<ParentRow, {type: MdevType | null; needle: string; by: Sort['by']; reverse: boolean; list: Instance[]}>();

export function visibleInstances(row: ParentRow | null, type: MdevType | null, f: FilterMatcher, sort: Sort = SCAN_ORDER): Instance[] {
	if (!row) return [];
	const cached = instancesCache.get(row);
	if (cached && cached.type === type && cached.needle === f.text && cached.by === sort.by && cached.reverse === sort.reverse) return cached.list;
	const list = filteredInstances(row, type, f, sort);
	instancesCache.set(row, {type, needle: f.text, by: sort.by, reverse: sort.reverse, list});
	return list;
}

function filteredInstances(row: ParentRow, type: MdevType | null, f: FilterMatcher, sort: Sort): Instance[] {
	const types = row.parent?.types ?? [];
	const shown = (list: Instance[]) => sortInstances(list, sort, types);
	const base = type ? instancesOfType(row, type) : row.instances;
	if (!f.active || f.parentSelf(row) || (type && f.typeSelf(type))) return shown(base);
	const matchingTypes = new Set(types.filter((t) => f.typeSelf(t)).map((t) => t.id));
	return shown(base.filter((i) => f.instanceSelf(i) || (i.mdevType !== null && matchingTypes.has(i.mdevType))));
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
	sort: Sort = SCAN_ORDER,
): View {
	const f = new FilterMatcher(filterText);
	const parents = visibleParents(model, f);
	const parent = parents[clampIndex(selected.parents, parents.length)] ?? null;
	const types = visibleTypes(parent, f);
	const typeSelected = types[clampIndex(selected.types, types.length)] ?? null;
	const instanceScope = focus === 'parents' || typeSelected === null ? 'parent' : 'type';
	const type = instanceScope === 'type' ? typeSelected : null;
	const instances = visibleInstances(parent, type, f, sort);
	const instance = instances[clampIndex(selected.instances, instances.length)] ?? null;
	return {parents, parent, types, type: typeSelected, instanceScope, instances, instance};
}
