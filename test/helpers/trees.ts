// The fixture trees (written by `npm run fixtures`), scanned, and the model a test expects of one.
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {HostModel} from '../../src/model/types.js';
import {scanHost} from '../../src/sysfs/scan.js';

export const trees = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'trees');

export function scanTree(name: string): HostModel {
	return scanHost(path.join(trees, name));
}

/** The model as expected: everything literal except the scan's own timestamp. */
export function expectedTree(name: string, m: HostModel, rest: Pick<HostModel, 'host' | 'parents' | 'instances' | 'errors'>): HostModel {
	return {
		schemaVersion: 1,
		root: path.join(trees, name),
		source: {kind: 'tree', label: path.join(trees, name), recordedAt: null},
		scannedAt: m.scannedAt,
		...rest,
	};
}
