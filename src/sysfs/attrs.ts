// Attributes every reader of a device's sysfs directory shares (src/sysfs/scan.ts, src/sysfs/sriov.ts):
// a text attribute that may be required, the error for one the kernel always creates, PCI ids.
import path from 'node:path';
import type {ItemError, PciIds} from '../model/types.js';
import {excerpt, itemError, readAttr, type Env} from './env.js';
import {pciNames} from './pciids.js';

export type Owner = 'mdev type' | 'device' | 'mdev';

export function missing(env: Env, file: string, what: string, owner: Owner): ItemError {
	return itemError(
		env,
		file,
		'ENOENT',
		`${env.shown(file)} does not exist, so the ${what} is unknown. The kernel creates it for every ${owner} (Documentation/ABI/testing/sysfs-bus-vfio-mdev, sysfs-bus-mdev): the driver or the tree is incomplete.`,
	);
}

/** A text attribute. Absent: null, plus an error when `required` says what it is. */
export function text(env: Env, file: string, errors: ItemError[], required?: {what: string; owner: Owner}): string | null {
	const read = readAttr(env, file);
	if (!read.ok) {
		if (!read.absent) errors.push(read.error);
		else if (required) errors.push(missing(env, file, required.what, required.owner));
		return null;
	}
	if (read.warning) errors.push(read.warning);
	return read.value;
}

const PCI_ID = /^0x[0-9a-f]{4}$/i;

/** A PCI device's ids and their pci.ids names (also for NVIDIA SR-IOV GPUs, src/sysfs/sriov.ts). */
export function readPciIds(env: Env, dir: string, errors: ItemError[]): PciIds {
	const id = (file: string): string | null => {
		const full = path.join(dir, file);
		const value = text(env, full, errors, {what: `PCI ${file.replace('_', ' ')} id`, owner: 'device'});
		if (value === null) return null;
		if (!PCI_ID.test(value)) {
			errors.push(itemError(env, full, 'EPARSE', `Reading ${env.shown(full)}: expected a 16-bit id like 0x10de, found ${excerpt(value)}.`));
			return null;
		}
		return value.toLowerCase();
	};
	const vendorId = id('vendor');
	const deviceId = id('device');
	const subsystemVendorId = id('subsystem_vendor');
	const subsystemDeviceId = id('subsystem_device');
	return {vendorId, deviceId, subsystemVendorId, subsystemDeviceId, ...pciNames(env, vendorId, deviceId)};
}
