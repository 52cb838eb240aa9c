/**
 * Blank parents and instances: what the model holds for a name before anything about it was read.
 * The scanner starts every parent and instance from these, and the tests build their expected
 * values from them, so a field added to the model is added once, here.
 */
import type {Instance, Parent} from './types.js';

/** A parent of which only the name is known (so far): every field unread, no types, no errors. */
export function blankParent(name: string, fields: Partial<Parent> = {}): Parent {
	return {name, kind: 'mdev', devicePath: null, bus: null, driver: null, driverModule: null, pci: null, numaNode: null, sriov: null, types: [], errors: [], ...fields};
}

/** An active instance of which only the uuid is known (so far): no parent, type, group, driver, vfio device or definition. */
export function blankInstance(uuid: string, fields: Partial<Instance> = {}): Instance {
	return {uuid, kind: 'mdev', parent: null, mdevType: null, active: true, iommuGroup: null, driver: null, vfioDev: null, definition: null, errors: [], ...fields};
}

