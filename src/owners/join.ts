// The owner of every instance: the /proc scan of holders.ts joined to the model by the files an
// instance is opened through, its group `/dev/vfio/<iommuGroup>` and its device cdev
// `/dev/vfio/devices/<vfioDev>`. ownersByInstance() is the only effect (it reads `<root>/proc`);
// joinOwners() is pure; src/model/instances.ts withOwners() puts what they found on the model.
// An owner that cannot be told is null with the reason, never an empty list: "free" is only said
// when every process's fds were read (user problem #5 in docs/doctor.md: who holds the group is the first question).
import {join} from 'node:path';
import type {HostModel, Instance, InstanceOwners, Owner} from '../model/types.js';
import {instanceKey, withOwners} from '../model/instances.js';
import {holdersOfCdev, holdersOfGroup, scanVfioHolders, type HolderScan, type VfioHolder} from './holders.js';

export type {InstanceOwners, Owner};

/** What a read of /proc found for each instance, by instanceKey (src/model/instances.ts withOwners gives it to the model). */
export type OwnersByInstance = ReadonlyMap<string, InstanceOwners>;

/**
 * The libvirt domain a QEMU command line belongs to, when the command line shows libvirt started
 * it: libvirt passes `-name guest=<domain>,debug-threads=on` together with its per-domain master
 * key secret (`-object secret,id=masterKey0,...,file=<state dir>/domain-<id>-<name>/master-key.aes`,
 * or the same as JSON) and its monitor (`-chardev socket,id=charmonitor,...`). A `-name` alone is
 * not enough: anyone can pass one. Null when there is no such mark or no name.
 */
export function libvirtDomain(cmdline: readonly string[], vmName: string | null): string | null {
	const marked = cmdline.some((word) => /\/domain--?\d+-[^/]*\/master-key\.aes/.test(word) || /(^|,)id=charmonitor(,|$)/.test(word));
	return marked ? vmName : null;
}

function ownerOf(holder: VfioHolder, files: string[]): Owner {
	const vmName = holder.qemu?.name ?? null;
	return {
		pid: holder.pid,
		comm: holder.comm,
		cmdline: holder.cmdline,
		vmName,
		vmUuid: holder.qemu?.uuid ?? null,
		libvirtDomain: holder.cmdline ? libvirtDomain(holder.cmdline, vmName) : null,
		files,
	};
}

const unknown = (reason: string): InstanceOwners => ({owners: null, unknown: reason});

/**
 * Why a scan cannot vouch that nobody holds a file, or null when it can. `procDir` only names the
 * directory in the message.
 */
function incompleteBecause(scan: HolderScan, procDir: string): string | null {
	if (scan.error) return scan.error.message;
	if (scan.scanned === 0) {
		return `no process's open files could be read under ${procDir} (a captured tree has no process table): who holds it is unknown here; run mdevscope on the host itself.`;
	}
	if (scan.unknown.length > 0) {
		const codes = [...new Set(scan.unknown.map((u) => u.code))].join(', ');
		const n = scan.unknown.length;
		return `${n === 1 ? "1 process's" : `${n} processes'`} open files could not be read (${codes}: another user's, or /proc mounted with hidepid); run as root to see every holder.`;
	}
	// A device fd whose group fd was closed again is no longer tied to any /dev/vfio file, and the
	// kernel does not say in fdinfo which device it is.
	const loose = scan.holders.filter((h) => h.deviceFds > 0 && !h.files.some((f) => /^\/dev\/vfio\/(\d+|devices\/.+)$/.test(f.path)));
	if (loose.length > 0) {
		const who = loose.map((h) => `${h.comm ?? '?'} pid ${h.pid}`).join(', ');
		return `${who} holds VFIO device fds without their group or device file open, and the kernel does not say which device they are: it may be this one.`;
	}
	return null;
}

/** Joins a holder scan to the model's instances. Pure. */
export function joinOwners(model: HostModel, scan: HolderScan, procDir: string): Map<string, InstanceOwners> {
	const incomplete = incompleteBecause(scan, procDir);
	return new Map(model.instances.map((instance) => [instanceKey(instance), ownersOfInstance(instance, scan, incomplete)]));
}

function ownersOfInstance(instance: Instance, scan: HolderScan, incomplete: string | null): InstanceOwners {
	// Defined-only and vanished instances have no device, so nothing can hold them.
	if (!instance.active || instance.gone) return {owners: [], unknown: null};
	if (scan.error) return unknown(scan.error.message);
	const group = instance.iommuGroup === null ? null : `/dev/vfio/${instance.iommuGroup}`;
	const cdev = instance.vfioDev === null ? null : `/dev/vfio/devices/${instance.vfioDev}`;
	if (group === null && cdev === null) {
		return unknown('it has no IOMMU group and no vfio-dev in sysfs, so there is no /dev/vfio file to look for: bind it to its VFIO driver (see its errors).');
	}
	const holders = [
		...(instance.iommuGroup === null ? [] : holdersOfGroup(scan, instance.iommuGroup)),
		...(instance.vfioDev === null ? [] : holdersOfCdev(scan, instance.vfioDev)),
	].filter((h, index, all) => all.findIndex((o) => o.pid === h.pid) === index);
	if (holders.length > 0) {
		return {
			owners: holders.map((h) => ownerOf(h, [...new Set(h.files.map((f) => f.path).filter((p) => p === group || p === cdev))])),
			unknown: null,
		};
	}
	return incomplete === null ? {owners: [], unknown: null} : unknown(incomplete);
}

/**
 * Who holds each instance now: scans `<procRoot>/proc` (`/` on a host; a tree's root reads the
 * tree's process table, if it has one). Never throws: an unreadable /proc makes every active
 * instance's owner unknown, with the reason.
 */
export function ownersByInstance(model: HostModel, procRoot: string = model.root): Map<string, InstanceOwners> {
	return joinOwners(model, scanVfioHolders({root: procRoot}), join(procRoot, 'proc'));
}

/** The model with who holds each instance now (ownersByInstance's scan), on its instances. */
export function readOwners(model: HostModel, procRoot: string = model.root): HostModel {
	return withOwners(model, ownersByInstance(model, procRoot));
}
