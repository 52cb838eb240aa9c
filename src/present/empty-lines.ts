// The screen for a host without mediated devices: what was looked for, what is missing, the fix.
// Pure: EmptyHost frames it.

import type {HostModel} from '../model/types.js';
import {seg, type Line} from './line.js';
import {wrap} from './text.js';

interface Check {
	ok: boolean;
	what: string;
	state: string;
	fix: string | null;
}

export function hostChecks(model: HostModel): Check[] {
	const h = model.host;
	const modules = (['vfio', 'vfio_iommu_type1', 'mdev'] as const).map((name) => ({name, loaded: h.modules[name]}));
	const missingModules = modules.filter((m) => !m.loaded).map((m) => m.name);
	return [
		{
			ok: h.mdevBus,
			what: '/sys/class/mdev_bus',
			state: h.mdevBus ? 'present, but no parent device is registered' : 'missing: no driver registered an mdev parent',
			fix:
				'load a vendor driver that creates mdev parents (NVIDIA vGPU, i915 with GVT-g enabled, ' +
				'vfio_ccw/vfio_ap on s390), or the kernel samples mtty, mdpy, mbochs',
		},
		{
			ok: missingModules.length === 0,
			what: 'modules',
			state: modules.map((m) => m.name + (m.loaded ? '+' : '-')).join(' ') + ' (/sys/module)',
			fix:
				missingModules.length === 0
					? null
					: `modprobe ${missingModules.join(' ')}` +
						(missingModules.includes('mdev') ? ' (vendor drivers that need mdev load it themselves)' : ''),
		},
		{
			ok: h.vfioContainer,
			what: '/dev/vfio/vfio',
			state: h.vfioContainer ? 'present' : 'missing',
			fix: h.vfioContainer ? null : 'modprobe vfio, and check that devtmpfs is mounted on /dev',
		},
		{
			ok: (h.iommuGroups ?? 0) > 0,
			what: '/sys/kernel/iommu_groups',
			state: h.iommuGroups === null ? 'missing' : `${h.iommuGroups} group(s)`,
			fix:
				(h.iommuGroups ?? 0) > 0
					? null
					: 'each mdev instance gets its own group when it is created; groups for PCI devices need the ' +
						'IOMMU on (intel_iommu=on or amd_iommu=on on the kernel command line)',
		},
	];
}

const WHAT = 26;

export function emptyLines(model: HostModel, width: number, canOpenSample: boolean): Line[] {
	const lines: Line[] = [[seg('No mediated devices found.', 'title')]];
	for (const text of wrap(`Looked under root ${model.root} for mdev parents, types and instances:`, width)) {
		lines.push([seg(text)]);
	}
	for (const check of hostChecks(model)) {
		const states = wrap(check.state, Math.max(10, width - 6 - WHAT));
		states.forEach((text, index) => {
			lines.push(
				index === 0
					? [
							seg(check.ok ? '  [+] ' : '  [-] ', check.ok ? 'ok' : 'warn'),
							seg(check.what.padEnd(WHAT)),
							seg(text, check.ok ? undefined : 'warn'),
						]
					: [seg(' '.repeat(6 + WHAT) + text, check.ok ? undefined : 'warn')],
			);
		});
		if (check.fix) {
			for (const text of wrap('fix: ' + check.fix, Math.max(10, width - 6))) lines.push([seg('      ' + text, 'dim')]);
		}
	}
	lines.push([seg(`  kernel ${model.host.kernelRelease ?? 'n/a'}`)]);
	if (model.errors.length > 0) {
		lines.push([seg(`host problems (${model.errors.length}):`, 'error')]);
		for (const e of model.errors) {
			for (const text of wrap(`! ${e.code} ${e.path}: ${e.message}`, Math.max(10, width - 4), '  ')) {
				lines.push([seg('  ' + text, 'error')]);
			}
		}
	}
	lines.push([]);
	if (canOpenSample) {
		const text = "Press s to open the sample host recorded on Debian 6.12 with the kernel's mdev sample drivers, with the probe answers it gave there.";
		for (const line of wrap(text, width)) lines.push([seg(line, 'key')]);
	} else {
		lines.push([seg("No sample host is available (the package's test/fixtures/captured is missing).", 'dim')]);
	}
	return lines;
}
