// Config advice from a probe: what to put in libvirt domain XML and on the QEMU command line for
// one instance, decided only by what the kernel answered (user problem #8 in docs/doctor.md: region -> display='on'
// without GL, dmabuf -> display='on' plus a GL-capable graphics device, neither -> display='off').
// When the probe could not tell, the advice says so and what to do; it never guesses.
// Attribute spellings: libvirt docs/formatdomain.rst (hostdev type='mdev': model, display since
// 4.6.0, ramfb since 5.10.0; graphics egl-headless since 4.6.0; spice <gl> local-only), drvqemu
// (<qemu:override>, libvirt 8.2.0); QEMU's vfio-pci properties sysfsdev, display, x-igd-opregion,
// and ramfb, which only vfio-pci-nohotplug has.
import type {HostModel, Instance, MdevType, Parent} from '../model/types.js';
import {displayKind, type FeatureAnswer, type ProbeResult} from '../model/probe.js';
import {explainProbe, quirksFor} from '../quirks/table.js';

export type DisplayKind = 'region' | 'dmabuf' | 'none' | 'unknown';

export interface Advice {
	uuid: string;
	/** What the advice is built for: the display interface the kernel said the device has. */
	display: DisplayKind;
	/** The answers this rests on, one line each (`VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|REGION): supported`, the probe engine's step names). */
	basis: string[];
	/** A well-formed XML fragment to merge into the domain (`virsh edit <vm>`). */
	libvirtXml: string;
	/** Arguments for qemu-system-*, one array element per argv word. */
	qemuArgs: string[];
	notes: string[];
}

export interface AdviceOptions {
	/** Add a ramfb boot display (only with display on; one ramfb per VM). Default false: offered in the notes. */
	ramfb?: boolean;
}

const QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0';
const MODELS = ['vfio-pci', 'vfio-ccw', 'vfio-ap'] as const;
type Model = (typeof MODELS)[number];

/** Escapes text for a single- or double-quoted XML attribute value or element content. */
export function xmlEscape(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

/** XML comments may not contain `--` nor end with `-`. */
function xmlComment(text: string): string {
	return `<!-- ${text.replace(/-{2,}/g, (m) => m.split('').join(' ')).replace(/-$/, '- ')} -->`;
}

function answerText(what: string, a: FeatureAnswer): string {
	if (a.supported === true) return `${what}: supported`;
	if (a.supported === false) return `${what}: not supported${a.code ? ` (${a.code})` : ''}`;
	return `${what}: not asked${a.reason ? ` (${a.reason})` : a.code ? ` (${a.code})` : ''}`;
}

/** The device API from sysfs (`device_api`), else from the probe's VFIO_DEVICE_GET_INFO flags. */
function modelOf(type: MdevType | null, probe: ProbeResult | null): Model | null {
	const api = type?.deviceApi ?? null;
	if (api && (MODELS as readonly string[]).includes(api)) return api as Model;
	const flags = probe?.device?.flagNames ?? [];
	// VFIO_DEVICE_FLAGS_PCI / _CCW / _AP (include/uapi/linux/vfio.h), however the engine spells them.
	if (flags.some((f) => /(^|_)PCI$/.test(f))) return 'vfio-pci';
	if (flags.some((f) => /(^|_)CCW$/.test(f))) return 'vfio-ccw';
	if (flags.some((f) => /(^|_)AP$/.test(f))) return 'vfio-ap';
	return null;
}

function displayOf(model: Model | null, probe: ProbeResult | null): DisplayKind {
	// libvirt: display applies to model='vfio-pci' only; s390 devices have none by their API.
	if (model === 'vfio-ccw' || model === 'vfio-ap') return 'none';
	if (!probe || probe.outcome !== 'ok') return 'unknown';
	const kind = displayKind(probe.display);
	// QEMU's vfio display code asks for DMABUF first and uses it when offered, else REGION.
	return kind === 'region+dmabuf' ? 'dmabuf' : kind;
}

/** Why the display is unknown and what to do, from the probe outcome. */
function unknownNotes(probe: ProbeResult | null, parent: Parent | null, type: MdevType | null): string[] {
	const notes: string[] = [];
	// GVT-g and NVIDIA vGPUs open only inside a VM (user problem #6 in docs/doctor.md, #7): a probe from here cannot answer.
	const vmOnly = parent ? quirksFor(parent, type).find((q) => q.id === 'gvtg-needs-kvm' || q.id === 'nvidia-needs-vm') : undefined;
	if (!probe) {
		notes.push(
			vmOnly
				? `The display could not be determined: this instance was not probed, and a probe from outside a VM cannot open it (${vmOnly.title}). Only the VM that uses it can tell: start it with display='on' and see whether the console shows the guest; until then display= is left out (libvirt and QEMU default to off).`
				: 'The display could not be determined: this instance was not probed. Probe it as root on the live host while no VM holds it, then ask for advice again; until then display= is left out (libvirt and QEMU default to off).',
		);
		return notes;
	}
	const why: Record<ProbeResult['outcome'], string> = {
		ok: 'the kernel did not answer both display questions',
		busy: 'the device is in use, so it was not opened',
		'needs-root': 'opening /dev/vfio needs root',
		vanished: 'the instance went away during the probe',
		'not-viable': 'its VFIO group is not viable',
		'no-vfio': '/dev/vfio/vfio is missing or answered a wrong API version',
		'not-live': 'the model was read from a tree or snapshot, where nothing can be opened',
		timeout: 'the probe did not answer in time',
		error: 'the probe failed',
	};
	const todo: Record<ProbeResult['outcome'], string> = {
		ok: 'probe it again on the live host',
		busy: 'the VM holding it already has a working configuration: read its QEMU command line (display=on/off), or probe after that VM stops',
		'needs-root': 'run mdevscope as root and probe again',
		vanished: 'check that the instance exists (mdevctl list) and probe again',
		'not-viable': 'run mdevscope doctor and probe again once the group is viable',
		'no-vfio': 'run mdevscope doctor (vfio modules, /dev/vfio/vfio) and probe again',
		'not-live': 'run mdevscope on that host and probe there',
		timeout: 'probe again; if it keeps hanging, the vendor driver is stuck (see dmesg)',
		error: 'see the probe steps for the call that failed',
	};
	notes.push(
		`The display could not be determined: ${why[probe.outcome]} (${probe.summary}). ${todo[probe.outcome][0]!.toUpperCase()}${todo[probe.outcome].slice(1)}; until then display= is left out (libvirt and QEMU default to off).`,
	);
	const explained = explainProbe(probe, parent, type);
	if (explained) notes.push(explained.text);
	return notes;
}

/** `0000:41:00.4` -> its parts as libvirt's PCI address attributes want them; null if it is not one. */
function pciAddressParts(bdf: string): {domain: string; bus: string; slot: string; fn: string} | null {
	const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(bdf);
	return m ? {domain: m[1]!, bus: m[2]!, slot: m[3]!, fn: m[4]!} : null;
}

/** libvirt user aliases must start with `ua-` (formatdomain: Devices, alias). */
const aliasFor = (uuid: string) => `ua-mdev-${uuid.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** Advice for one instance of the model, from its probe (`instance.probe`; without one, the advice says what is unknown). */
export function adviceOf(model: HostModel, instance: Instance, opts: AdviceOptions = {}): Advice {
	const parent = model.parents.find((p) => p.name === instance.parent) ?? null;
	const type = parent?.types.find((t) => t.id === instance.mdevType) ?? null;
	return adviceFor(instance, parent, type, opts);
}

/**
 * Advice for one instance from its probe (`instance.probe`, absent when not probed). `parent`/`type`
 * are the model's entries for the instance (null when unknown); they decide the device API and vendor quirks.
 */
export function adviceFor(instance: Instance, parent: Parent | null, type: MdevType | null, opts: AdviceOptions = {}): Advice {
	const uuid = instance.uuid;
	const probe = instance.probe ?? null;
	const usableProbe = probe && probe.uuid === uuid ? probe : null;
	const model = modelOf(type, usableProbe);
	const display = displayOf(model, usableProbe);
	const quirkIds = parent ? quirksFor(parent, type).map((q) => q.id) : [];
	const gvtg = quirkIds.includes('gvtg-needs-kvm');
	const nvidia = quirkIds.includes('nvidia-needs-vm');
	const displayOn = display === 'region' || display === 'dmabuf';
	const ramfb = displayOn && opts.ramfb === true;
	const notes: string[] = [];
	const basis: string[] = [];

	if (type?.deviceApi) basis.push(`device_api (sysfs): ${type.deviceApi}`);
	if (probe && probe.uuid !== uuid) notes.push(`The probe given is for ${probe.uuid}, not this instance; it was not used.`);
	if (usableProbe) {
		basis.push(`probe outcome: ${usableProbe.outcome}`);
		if (usableProbe.outcome === 'ok') {
			basis.push(answerText('VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|REGION)', usableProbe.display.region));
			basis.push(answerText('VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|DMABUF)', usableProbe.display.dmabuf));
		}
	}

	// --- libvirt ---
	const indent = (lines: string[], n: number) => lines.map((l) => ' '.repeat(n) + l);
	const hostdevAttrs = [`mode='subsystem'`, `type='mdev'`];
	if (model) hostdevAttrs.push(`model='${model}'`);
	if (model === 'vfio-pci' && display !== 'unknown') hostdevAttrs.push(`display='${displayOn ? 'on' : 'off'}'`);
	if (ramfb) hostdevAttrs.push(`ramfb='on'`);
	// An NVIDIA SR-IOV vGPU is a PCI VF (its id is the PCI address), not an mdev: a PCI hostdev, and
	// managed='no' because the VF must stay bound to nvidia (vfio-pci refuses it; kubevirt #17642).
	const vf = instance.kind === 'nvidia-sriov' ? pciAddressParts(uuid) : null;
	const hostdev = vf
		? [
				`<hostdev mode='subsystem' type='pci' managed='no'>`,
				`  <source>`,
				`    <address domain='0x${vf.domain}' bus='0x${vf.bus}' slot='0x${vf.slot}' function='0x${vf.fn}'/>`,
				`  </source>`,
				`</hostdev>`,
			]
		: [
				`<hostdev ${hostdevAttrs.join(' ')}>`,
				`  <source>`,
				`    <address uuid='${xmlEscape(uuid)}'/>`,
				`  </source>`,
				...(gvtg ? [`  <alias name='${xmlEscape(aliasFor(uuid))}'/>`] : []),
				`</hostdev>`,
			];
	const graphics: string[] = [];
	if (display === 'region') graphics.push(`<graphics type='vnc' autoport='yes'/>`);
	if (display === 'dmabuf') graphics.push(`<graphics type='vnc' autoport='yes'/>`, `<graphics type='egl-headless'/>`);

	const headline =
		display === 'unknown'
			? `display not determined for ${uuid} (see the notes); merge into your domain`
			: `${display === 'none' ? 'no display' : `${display} display`} for ${uuid}; merge into your domain`;
	const devices = ['<devices>', ...indent([xmlComment(headline), ...(model ? hostdev : []), ...graphics], 2), '</devices>'];
	if (!model) {
		devices.splice(
			2,
			0,
			'  ' + xmlComment(`the device API of ${type?.id ?? 'this type'} is unknown: no hostdev is suggested`),
		);
	}
	let xmlLines: string[];
	if (gvtg && model === 'vfio-pci') {
		xmlLines = [
			`<domain xmlns:qemu='${QEMU_NS}'>`,
			...indent(devices, 2),
			...indent(
				[
					'<qemu:override>',
					`  <qemu:device alias='${xmlEscape(aliasFor(uuid))}'>`,
					'    <qemu:frontend>',
					`      <qemu:property name='x-igd-opregion' type='bool' value='true'/>`,
					'    </qemu:frontend>',
					'  </qemu:device>',
					'</qemu:override>',
				],
				2,
			),
			'</domain>',
		];
	} else {
		xmlLines = devices;
	}

	// --- QEMU ---
	const qemuArgs: string[] = [];
	if (vf) {
		qemuArgs.push('-device', `vfio-pci,host=${uuid}`);
	} else if (model) {
		const props = [`sysfsdev=/sys/bus/mdev/devices/${uuid}`];
		if (model === 'vfio-pci' && display !== 'unknown') props.push(`display=${displayOn ? 'on' : 'off'}`);
		if (gvtg && model === 'vfio-pci') props.push('x-igd-opregion=on');
		if (ramfb) props.push('ramfb=on');
		qemuArgs.push('-device', `${ramfb ? 'vfio-pci-nohotplug' : model},${props.join(',')}`);
	}
	if (display === 'dmabuf') qemuArgs.push('-display', 'egl-headless', '-vnc', '127.0.0.1:0');

	// --- notes ---
	if (display === 'region') {
		notes.push(
			"The kernel offers a region display: QEMU copies the framebuffer from a device region, so no GL is needed on the host. libvirt requires a graphics device with display='on' (VNC or Spice); any QEMU display (gtk, sdl, vnc, spice) shows it.",
		);
	}
	if (display === 'dmabuf') {
		notes.push(
			"The kernel offers a dmabuf display: QEMU imports the guest's framebuffer as a dmabuf, which needs OpenGL on the host (a render node such as /dev/dri/renderD128). egl-headless renders it and VNC shows it (remote access works); for a local viewer Spice's own GL is faster: <graphics type='spice'><listen type='none'/><gl enable='yes'/></graphics> (QEMU: -spice gl=on,unix=on,addr=<socket>,disable-ticketing=on). Without GL the screen stays black.",
		);
	}
	if (displayOn) {
		const plane = usableProbe?.display.plane;
		if (plane) {
			notes.push(`The kernel reported the current plane: ${plane.width}x${plane.height} ${plane.drmFormat}, stride ${plane.stride}.`);
		}
		if (!ramfb) {
			notes.push(
				"A vGPU shows nothing until the guest's driver loads (no boot display). For firmware and boot-loader output add ramfb='on' to the hostdev (libvirt 5.10+; QEMU: -device vfio-pci-nohotplug,...,ramfb=on). Only one ramfb device per VM.",
			);
		} else {
			notes.push(
				'ramfb is on: it gives the boot display until the guest driver takes over. Only one ramfb device per VM; QEMU needs vfio-pci-nohotplug for it, so this device cannot be hot-unplugged.',
			);
		}
		notes.push("If the vGPU is the guest's only screen, add <video><model type='none'/></video> so libvirt adds no emulated card.");
	}
	if (display === 'none' && model === 'vfio-pci') {
		notes.push(
			"The kernel answered no to both display questions: this device has no display. display='off' (libvirt's default) is right; give the VM an emulated video device if it needs a screen.",
		);
	}
	if (display === 'unknown') notes.push(...unknownNotes(usableProbe, parent, type));
	if (opts.ramfb && !displayOn) notes.push('ramfb was asked for but needs display=on, which this advice cannot set; it was left out.');
	if (gvtg) {
		notes.push(
			'GVT-g: x-igd-opregion=on gives the guest the IGD OpRegion its i915/Windows driver needs for display output. libvirt has no attribute for it: the <qemu:override> above sets it on the hostdev with the ua- alias (libvirt 8.2+, and the domain needs the qemu namespace as shown). GVT-g vGPUs only open in a KVM guest.',
		);
	}
	if (nvidia) {
		notes.push(
			'NVIDIA vGPU: QEMU must be started with -uuid <the VM\'s UUID>; nvidia-vgpu-mgr refuses to start the vGPU without it ("Failed to get VM UUID"). libvirt passes the domain\'s <uuid> as -uuid itself; on a plain QEMU command line add it. nvidia-vgpu-mgr must be running.',
		);
	}
	if (model === 'vfio-ccw' || model === 'vfio-ap') {
		const q = parent ? quirksFor(parent, type).find((x) => x.id === 's390-ap-no-display' || x.id === 's390-ccw-no-display') : undefined;
		notes.push(
			q?.text ??
				`${model} devices have no display; libvirt's display attribute applies to vfio-pci only.`,
		);
		if (model === 'vfio-ccw') notes.push("libvirt assigns a ccw address (<address type='ccw' cssid='0xfe' .../>) when none is given.");
	}
	if (!instance.active) notes.push('This instance is defined but not active: start it (mdevctl start -u ' + uuid + ') before the VM.');

	return {uuid, display, basis, libvirtXml: xmlLines.join('\n') + '\n', qemuArgs, notes};
}

/** A line of the advice's text, with what it is: the title, a section's heading, or a section's line. */
export interface AdviceRow {
	kind: 'title' | 'heading' | 'basis' | 'xml' | 'qemu' | 'note';
	text: string;
}

/** The text of an advice (for `--advice --plain` and the TUI `x` view), a line at a time. */
export function adviceRows(advice: Advice): AdviceRow[] {
	const row = (kind: AdviceRow['kind']) => (text: string): AdviceRow => ({kind, text});
	const rows = [row('title')(`advice for ${advice.uuid}: ${advice.display === 'unknown' ? 'display not determined' : `display ${advice.display}`}`)];
	if (advice.basis.length > 0) rows.push(row('heading')('based on:'), ...advice.basis.map((b) => row('basis')(`  ${b}`)));
	rows.push(row('heading')('libvirt domain XML:'), ...advice.libvirtXml.trimEnd().split('\n').map((l) => row('xml')(`  ${l}`)));
	if (advice.qemuArgs.length > 0) rows.push(row('heading')('QEMU:'), row('qemu')(`  ${advice.qemuArgs.map(shellWord).join(' ')}`));
	if (advice.notes.length > 0) rows.push(row('heading')('notes:'), ...advice.notes.map((n) => row('note')(`  - ${n}`)));
	return rows;
}

/** adviceRows as text, for --advice. */
export function formatAdvice(advice: Advice): string[] {
	return adviceRows(advice).map((r) => r.text);
}

/**
 * The QEMU arguments as shell lines of at most `width` columns: broken only between arguments (an
 * option stays with its value where they fit together), each line but the last ending in ` \`, so
 * that copied from the screen they paste as one command. An argument longer than a line stays whole
 * on a line of its own (the view scrolls sideways to it).
 */
export function qemuLines(args: readonly string[], width: number, indent = '  '): string[] {
	const words = args.map(shellWord);
	const units: string[][] = [];
	for (let i = 0; i < words.length; i++) {
		const pair = words[i]!.startsWith('-') && i + 1 < words.length && !words[i + 1]!.startsWith('-');
		units.push(pair ? [words[i]!, words[++i]!] : [words[i]!]);
	}
	const lines: string[] = [];
	let line = '';
	const put = (text: string) => {
		// Room for the ` \` that ends a line another follows.
		if (line !== '' && line.length + 1 + text.length + 2 > width) {
			lines.push(line + ' \\');
			line = '';
		}
		line = line === '' ? (lines.length === 0 ? indent : indent + '  ') + text : line + ' ' + text;
	};
	for (const unit of units) {
		const whole = unit.join(' ');
		if (indent.length + 2 + whole.length + 2 <= width || unit.length === 1) put(whole);
		else for (const word of unit) put(word);
	}
	if (line !== '') lines.push(line);
	return lines;
}

/** Quotes a word for a POSIX shell when it needs it. */
function shellWord(word: string): string {
	return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
