// How owners read in the plain table and the TUI's instances list. Pure. comm and cmdline come
// from processes and may hold anything: callers clean them like any other string they print.
import type {InstanceOwners, Owner} from '../model/types.js';

/**
 * `qemu pid 4242 vm=vdi-42`, `sleep pid 99`, `pid 99` when comm is unreadable. QEMU's task names
 * (`qemu-system-x86`, `qemu-kvm`) are shortened to `qemu` to fit a column; JSON and the detail
 * pane keep them whole.
 */
export function ownerWords(owner: Owner): string {
	const program = owner.comm === null ? null : owner.comm.startsWith('qemu') ? 'qemu' : owner.comm;
	return `${program === null ? '' : `${program} `}pid ${owner.pid}${owner.vmName === null ? '' : ` vm=${owner.vmName}`}`;
}

/** --plain's owner column: its owners (the TUI's VM column is vmCell below), `-` when nobody holds it, `?` when that could not be told. */
export function ownersCell(entry: InstanceOwners | undefined): string {
	if (!entry || entry.owners === null) return '?';
	if (entry.owners.length === 0) return '-';
	return entry.owners.map(ownerWords).join(', ');
}

/**
 * The VM column: the VM's name (QEMU's `-name guest=`, else libvirt's domain), else the holder as
 * `qemu pid 4242`; `-` when nobody holds it, `?` when that could not be told (the detail says why).
 */
export function vmCell(entry: InstanceOwners | undefined): string {
	if (!entry || entry.owners === null) return '?';
	if (entry.owners.length === 0) return '-';
	return entry.owners.map((o) => o.vmName ?? o.libvirtDomain ?? ownerWords(o)).join(', ');
}

/** The distinct reasons why owners are unknown, in instance order. */
export function unknownReasons(owners: Iterable<InstanceOwners | undefined>): string[] {
	return [...new Set([...owners].flatMap((o) => (o && o.owners === null && o.unknown !== null ? [o.unknown] : [])))];
}
