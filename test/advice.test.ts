// Config advice from probe results holding the kernel's real answers (test/fixtures/captured/README.md:
// mdpy REGION, mbochs DMABUF, mtty neither), for the instances of the scanned debian-6.12 tree.
// Every snippet is parsed by a strict XML well-formedness checker (below; no dependency) and its
// elements are matched against the probe it came from.
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import type {HostModel, Instance, MdevType, Parent} from '../src/model/types.js';
import type {FeatureAnswer, ProbeOutcome, ProbeResult} from '../src/model/probe.js';
import {scanHost} from '../src/sysfs/scan.js';
import {adviceFor, formatAdvice, type Advice} from '../src/advice/index.js';

// ---- a strict XML 1.0 (+ namespaces) well-formedness checker ----

interface XmlElement {
	name: string;
	attrs: Record<string, string>;
	children: XmlElement[];
	text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9._:-]*/;
const PREDEFINED: Record<string, string> = {amp: '&', lt: '<', gt: '>', apos: "'", quot: '"'};

/** Parses a document; throws with the offset on anything that is not well-formed. */
function parseXml(doc: string): XmlElement {
	let i = 0;
	const fail = (why: string): never => {
		throw new Error(`not well-formed at ${i}: ${why} near ${JSON.stringify(doc.slice(i, i + 30))}`);
	};
	const decode = (raw: string): string =>
		raw.replace(/&([^;]*);|&/g, (m, ref: string | undefined) => {
			if (ref === undefined) return fail('bare & (not a reference)');
			if (ref in PREDEFINED) return PREDEFINED[ref]!;
			const num = /^#x([0-9A-Fa-f]+)$/.exec(ref) ?? /^#([0-9]+)$/.exec(ref);
			if (num) return String.fromCodePoint(parseInt(num[1]!, ref.startsWith('#x') ? 16 : 10));
			return fail(`unknown entity &${ref};`);
		});
	const skipSpace = () => {
		while (i < doc.length && /\s/.test(doc[i]!)) i++;
	};
	/** At `<!--`: skips the comment, which may not hold `--` nor end with `-`. */
	const comment = () => {
		const end = doc.indexOf('-->', i + 4);
		if (end < 0) fail('unterminated comment');
		const body = doc.slice(i + 4, end);
		if (body.includes('--') || body.endsWith('-')) fail('"--" inside a comment');
		i = end + 3;
	};
	const misc = () => {
		for (;;) {
			skipSpace();
			if (doc.startsWith('<!--', i)) {
				comment();
			} else if (doc.startsWith('<?', i)) {
				const end = doc.indexOf('?>', i);
				if (end < 0) fail('unterminated processing instruction');
				i = end + 2;
			} else return;
		}
	};
	const readName = (): string => {
		const m = NAME.exec(doc.slice(i));
		if (!m) return fail('expected a name');
		i += m[0].length;
		return m[0];
	};
	const element = (scope: Map<string, string>): XmlElement => {
		if (doc[i] !== '<') fail('expected <');
		i++;
		const name = readName();
		const attrs: Record<string, string> = {};
		for (;;) {
			const before = i;
			skipSpace();
			if (doc.startsWith('/>', i) || doc[i] === '>') break;
			if (i === before) fail('attributes must be separated by space');
			const attr = readName();
			if (attr in attrs) fail(`duplicate attribute ${attr}`);
			skipSpace();
			if (doc[i] !== '=') fail('expected =');
			i++;
			skipSpace();
			const quote = doc[i];
			if (quote !== "'" && quote !== '"') return fail('attribute value must be quoted');
			const end = doc.indexOf(quote, i + 1);
			if (end < 0) fail('unterminated attribute value');
			const raw = doc.slice(i + 1, end);
			if (raw.includes('<')) fail('< in an attribute value');
			attrs[attr] = decode(raw);
			i = end + 1;
		}
		// Namespaces: declarations on this element are in scope for it and its attributes.
		const inner = new Map(scope);
		for (const [a, v] of Object.entries(attrs)) if (a.startsWith('xmlns:')) inner.set(a.slice(6), v);
		for (const n of [name, ...Object.keys(attrs).filter((a) => !a.startsWith('xmlns'))]) {
			const colon = n.indexOf(':');
			if (colon >= 0 && n.slice(0, colon) !== 'xml' && !inner.has(n.slice(0, colon))) fail(`undeclared prefix in ${n}`);
		}
		const el: XmlElement = {name, attrs, children: [], text: ''};
		if (doc.startsWith('/>', i)) {
			i += 2;
			return el;
		}
		i++; // '>'
		for (;;) {
			const lt = doc.indexOf('<', i);
			if (lt < 0) fail(`unclosed <${name}>`);
			const text = doc.slice(i, lt);
			if (text.includes(']]>')) fail(']]> in text');
			el.text += decode(text);
			i = lt;
			if (doc.startsWith('</', i)) {
				i += 2;
				const close = readName();
				if (close !== name) fail(`</${close}> closes <${name}>`);
				skipSpace();
				if (doc[i] !== '>') fail('expected > after the end tag name');
				i++;
				return el;
			}
			if (doc.startsWith('<!--', i)) {
				comment();
			} else if (doc.startsWith('<![CDATA[', i)) {
				const end = doc.indexOf(']]>', i);
				if (end < 0) fail('unterminated CDATA');
				el.text += doc.slice(i + 9, end);
				i = end + 3;
			} else if (doc.startsWith('<!', i) || doc.startsWith('<?', i)) {
				fail('declarations are not expected here');
			} else {
				el.children.push(element(inner));
			}
		}
	};
	misc();
	if (doc.startsWith('<!DOCTYPE', i)) fail('DOCTYPE not supported');
	const root = element(new Map());
	misc();
	if (i !== doc.length) fail('content after the root element');
	return root;
}

/** All elements named `name` in document order. */
function find(el: XmlElement, name: string): XmlElement[] {
	return [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => find(c, name))];
}

test('the XML checker rejects what is not well-formed', (t) => {
	const bad = [
		'<a><b></a></b>',
		'<a x="1" x="2"/>',
		'<a x=1/>',
		'<a>fish & chips</a>',
		'<a/><b/>',
		'<a><!-- a -- b --></a>',
		'<q:a/>',
		'<a x="<"/>',
		'<a>&nbsp;</a>',
		'<a',
		'<a></a>trailing',
		'<a x="1"y="2"/>',
	];
	for (const doc of bad) t.throws(() => parseXml(doc), undefined, doc);
	const ok = parseXml(`<!-- c --><d xmlns:q='urn:x'><q:e a='&apos;&#65;&#x42;'>t&amp;u</q:e><f/></d>\n`);
	t.is(ok.name, 'd');
	t.is(ok.children[0]!.attrs.a, "'AB");
	t.is(ok.children[0]!.text, 't&u');
});

// ---- the real answers, on the real instances ----

const here = path.dirname(fileURLToPath(import.meta.url));
const model: HostModel = scanHost(path.join(here, 'fixtures', 'trees', 'debian-6.12'));

const MTTY = '11111111-1111-1111-1111-111111111111';
const MDPY = '22222222-2222-2222-2222-222222222222';
const MBOCHS = '33333333-3333-3333-3333-333333333333';

function subject(uuid: string): {instance: Instance; parent: Parent; type: MdevType} {
	const instance = model.instances.find((i) => i.uuid === uuid)!;
	const parent = model.parents.find((p) => p.name === instance.parent)!;
	const type = parent.types.find((t) => t.id === instance.mdevType)!;
	return {instance, parent, type};
}

/** A successful probe with the given display answers (everything else as the README reports it). */
function probed(uuid: string, region: FeatureAnswer, dmabuf: FeatureAnswer, plane: ProbeResult['display']['plane'], planeNote: string | null): ProbeResult {
	return {
		uuid,
		outcome: 'ok',
		summary: 'probed',
		probedAt: '2026-11-24T12:00:00.000Z',
		durationMs: 4,
		via: 'direct',
		steps: [
			{step: `VFIO_GROUP_GET_DEVICE_FD(${uuid})`, kind: 'device-open', ok: true},
			{step: 'VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|REGION)', ok: region.supported === true, ...(region.code ? {code: region.code} : {})},
			{step: 'VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|DMABUF)', ok: dmabuf.supported === true, ...(dmabuf.code ? {code: dmabuf.code} : {})},
		],
		// VFIO_DEVICE_GET_INFO: flags 0x2 (PCI) for all; 9 regions (mbochs 10), 5 irqs.
		device: {flags: 0x2, flagNames: ['PCI'], numRegions: uuid === MBOCHS ? 10 : 9, numIrqs: 5},
		regions: [],
		irqs: [],
		display: {region, dmabuf, plane, planeNote},
		migration: {supported: false, code: 'ENOTTY', flags: null, flagNames: []},
		dmaLogging: {supported: false, code: 'ENOTTY'},
	};
}

// mdpy-hd: PROBE+REGION ok (a query returns XR24, 1920x1080, stride 7680, region index 16), PROBE+DMABUF EINVAL.
const mdpyProbe = probed(
	MDPY,
	{supported: true},
	{supported: false, code: 'EINVAL'},
	{
		drmFormat: 'XR24',
		drmFormatNumber: 0x34325258,
		drmFormatMod: '0x0',
		width: 1920,
		height: 1080,
		stride: 7680,
		size: 7680 * 1080,
		xPos: 0,
		yPos: 0,
		regionIndex: 16,
	},
	null,
);
// mbochs-large: PROBE+REGION EINVAL, PROBE+DMABUF ok.
const mbochsProbe = probed(MBOCHS, {supported: false, code: 'EINVAL'}, {supported: true}, null, 'no plane yet: the DMABUF query succeeded with an empty plane (the guest has not set a mode)');
// mtty-1: ENOTTY to both.
const mttyProbe = probed(MTTY, {supported: false, code: 'ENOTTY'}, {supported: false, code: 'ENOTTY'}, null, 'no display: the device answers neither REGION nor DMABUF plane queries');

function advise(uuid: string, probe: ProbeResult | null, opts?: {ramfb?: boolean}): {advice: Advice; xml: XmlElement} {
	const {instance, parent, type} = subject(uuid);
	const advice = adviceFor(probe ? {...instance, probe} : instance, parent, type, opts);
	return {advice, xml: parseXml(advice.libvirtXml)};
}

function hostdevOf(xml: XmlElement, uuid: string): XmlElement {
	const hostdevs = find(xml, 'hostdev');
	if (hostdevs.length !== 1) throw new Error(`expected one hostdev, got ${hostdevs.length}`);
	const h = hostdevs[0]!;
	const address = find(h, 'source').flatMap((s) => find(s, 'address'));
	if (address.length !== 1 || address[0]!.attrs.uuid !== uuid) throw new Error(`hostdev source address is not ${uuid}`);
	return h;
}

test('region display (mdpy): display on, a plain graphics device, no GL', (t) => {
	const {advice, xml} = advise(MDPY, mdpyProbe);
	t.is(advice.display, 'region');
	t.deepEqual(hostdevOf(xml, MDPY).attrs, {mode: 'subsystem', type: 'mdev', model: 'vfio-pci', display: 'on'});
	t.deepEqual(find(xml, 'graphics').map((g) => g.attrs.type), ['vnc']);
	t.is(find(xml, 'gl').length, 0);
	t.deepEqual(advice.qemuArgs, ['-device', `vfio-pci,sysfsdev=/sys/bus/mdev/devices/${MDPY},display=on`]);
	t.true(advice.basis.includes('VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|REGION): supported'));
	t.true(advice.basis.includes('VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|DMABUF): not supported (EINVAL)'));
	const notes = advice.notes.join('\n');
	t.regex(notes, /no GL is needed/);
	t.regex(notes, /1920x1080 XR24, stride 7680/);
	t.regex(notes, /ramfb='on'/);
	t.regex(notes, /Only one ramfb device per VM/);
});

test('region display with ramfb: the attribute, and QEMU\'s vfio-pci-nohotplug device', (t) => {
	const {advice, xml} = advise(MDPY, mdpyProbe, {ramfb: true});
	t.deepEqual(hostdevOf(xml, MDPY).attrs, {mode: 'subsystem', type: 'mdev', model: 'vfio-pci', display: 'on', ramfb: 'on'});
	t.deepEqual(advice.qemuArgs, ['-device', `vfio-pci-nohotplug,sysfsdev=/sys/bus/mdev/devices/${MDPY},display=on,ramfb=on`]);
	t.regex(advice.notes.join('\n'), /Only one ramfb device per VM/);
});

test('dmabuf display (mbochs): display on plus a GL-capable graphics device', (t) => {
	const {advice, xml} = advise(MBOCHS, mbochsProbe);
	t.is(advice.display, 'dmabuf');
	t.deepEqual(hostdevOf(xml, MBOCHS).attrs, {mode: 'subsystem', type: 'mdev', model: 'vfio-pci', display: 'on'});
	t.deepEqual(find(xml, 'graphics').map((g) => g.attrs.type), ['vnc', 'egl-headless']);
	t.deepEqual(advice.qemuArgs, [
		'-device',
		`vfio-pci,sysfsdev=/sys/bus/mdev/devices/${MBOCHS},display=on`,
		'-display',
		'egl-headless',
		'-vnc',
		'127.0.0.1:0',
	]);
	t.true(advice.basis.includes('VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|DMABUF): supported'));
	const notes = advice.notes.join('\n');
	t.regex(notes, /needs OpenGL on the host/);
	t.regex(notes, /<gl enable='yes'\/>/); // the Spice alternative, spelled as libvirt wants it
	t.notRegex(notes, /stride/); // no plane was reported, none is described
});

test('no display (mtty): display off, no graphics device', (t) => {
	const {advice, xml} = advise(MTTY, mttyProbe, {ramfb: true});
	t.is(advice.display, 'none');
	t.deepEqual(hostdevOf(xml, MTTY).attrs, {mode: 'subsystem', type: 'mdev', model: 'vfio-pci', display: 'off'});
	t.is(find(xml, 'graphics').length, 0);
	t.deepEqual(advice.qemuArgs, ['-device', `vfio-pci,sysfsdev=/sys/bus/mdev/devices/${MTTY},display=off`]);
	const notes = advice.notes.join('\n');
	t.regex(notes, /no display/);
	t.regex(notes, /ramfb was asked for but needs display=on/);
	t.true(advice.basis.includes('VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|REGION): not supported (ENOTTY)'));
});

test('unknown display: not probed, busy, or read from a tree; nothing is guessed', (t) => {
	const cases: Array<[ProbeResult | null, RegExp]> = [
		[null, /was not probed/],
		[{...mdpyProbe, outcome: 'busy' as ProbeOutcome, summary: 'in use by pid 4321 (qemu-system-x86_64)'}, /in use .*pid 4321.*read its QEMU command line/],
		[{...mdpyProbe, outcome: 'not-live' as ProbeOutcome, summary: 'read from a tree'}, /tree or snapshot/],
		[{...mdpyProbe, outcome: 'needs-root' as ProbeOutcome, summary: 'needs root'}, /as root/],
	];
	for (const [probe, note] of cases) {
		const {advice, xml} = advise(MDPY, probe);
		t.is(advice.display, 'unknown');
		const h = hostdevOf(xml, MDPY);
		t.false('display' in h.attrs);
		t.is(find(xml, 'graphics').length, 0);
		t.deepEqual(advice.qemuArgs, ['-device', `vfio-pci,sysfsdev=/sys/bus/mdev/devices/${MDPY}`]);
		t.regex(advice.notes.join('\n'), /could not be determined/);
		t.regex(advice.notes.join('\n'), note);
	}
	// A probe of another instance is not used for this one.
	const {advice} = advise(MTTY, mdpyProbe);
	t.is(advice.display, 'unknown');
	t.regex(advice.notes.join('\n'), new RegExp(`for ${MDPY}, not this instance`));
});

test('the snippets differ exactly where the probes differ', (t) => {
	const displays = [advise(MDPY, mdpyProbe), advise(MBOCHS, mbochsProbe), advise(MTTY, mttyProbe)].map(
		({advice, xml}) => [advice.display, find(xml, 'hostdev')[0]!.attrs.display, find(xml, 'graphics').length],
	);
	t.deepEqual(displays, [
		['region', 'on', 1],
		['dmabuf', 'on', 2],
		['none', 'off', 0],
	]);
});

// ---- vendor-specific advice, on the vendor fixtures ----

function vendor(fixture: string, uuid: string, probe: ProbeResult | null) {
	const m = scanHost(path.join(here, 'fixtures', 'trees', fixture));
	const instance = m.instances.find((i) => i.uuid === uuid)!;
	const parent = m.parents.find((p) => p.name === instance.parent)!;
	const type = parent.types.find((x) => x.id === instance.mdevType)!;
	const advice = adviceFor(probe ? {...instance, probe} : instance, parent, type);
	return {advice, xml: parseXml(advice.libvirtXml)};
}

test('GVT-g: x-igd-opregion=on on the QEMU device and through <qemu:override>; the KVMGT refusal explained', (t) => {
	const uuid = '4e8d2c1a-9b3f-4a6e-b5d7-0c2e4f6a8b1d';
	const refused: ProbeResult = {
		...mttyProbe,
		uuid,
		outcome: 'error',
		summary: 'error: the vendor driver refused to open the device: no such process',
		steps: [{step: `VFIO_GROUP_GET_DEVICE_FD(${uuid})`, kind: 'device-open', ok: false, errno: 3, code: 'ESRCH', meaning: 'the vendor driver refused to open the device'}],
		device: null,
		display: {region: {supported: null}, dmabuf: {supported: null}, plane: null, planeNote: 'not asked'},
	};
	const {advice, xml} = vendor('intel-gvtg', uuid, refused);
	t.is(advice.display, 'unknown');
	t.is(xml.name, 'domain');
	t.is(xml.attrs['xmlns:qemu'], 'http://libvirt.org/schemas/domain/qemu/1.0');
	const h = hostdevOf(xml, uuid);
	const alias = find(h, 'alias')[0]!.attrs.name!;
	t.regex(alias, /^ua-/);
	const device = find(xml, 'qemu:device')[0]!;
	t.is(device.attrs.alias, alias);
	t.deepEqual(find(device, 'qemu:property')[0]!.attrs, {name: 'x-igd-opregion', type: 'bool', value: 'true'});
	t.deepEqual(advice.qemuArgs, ['-device', `vfio-pci,sysfsdev=/sys/bus/mdev/devices/${uuid},x-igd-opregion=on`]);
	const notes = advice.notes.join('\n');
	t.regex(notes, /KVMGT refused .* with ESRCH/);
	t.regex(notes, /libvirt 8\.2/);
});

test('NVIDIA: the -uuid note', (t) => {
	const {advice} = vendor('nvidia-grid', '8d4b2a6e-3f1c-4c52-9a0e-7b6d5c4e3f21', null);
	t.regex(advice.notes.join('\n'), /-uuid <the VM's UUID>/);
	t.regex(advice.notes.join('\n'), /libvirt passes the domain's <uuid>/);
	// Not probed, and a probe from outside a VM could not open it: the advice does not send the admin to probe.
	t.regex(advice.notes.join('\n'), /a probe from outside a VM cannot open it/);
	t.notRegex(advice.notes.join('\n'), /Probe it as root/);
});

test('s390: vfio-ccw and vfio-ap hostdevs without a display attribute', (t) => {
	const ccw = vendor('s390', '6dfd3ec5-e8b3-4e18-a6fe-57bc9eceb920', null);
	t.is(ccw.advice.display, 'none');
	t.deepEqual(hostdevOf(ccw.xml, '6dfd3ec5-e8b3-4e18-a6fe-57bc9eceb920').attrs, {mode: 'subsystem', type: 'mdev', model: 'vfio-ccw'});
	t.deepEqual(ccw.advice.qemuArgs, ['-device', 'vfio-ccw,sysfsdev=/sys/bus/mdev/devices/6dfd3ec5-e8b3-4e18-a6fe-57bc9eceb920']);
	t.regex(ccw.advice.notes.join('\n'), /no graphics plane/);
	const ap = vendor('s390', '7e270a25-e163-4922-af60-757fc8ed48c6', null);
	t.deepEqual(hostdevOf(ap.xml, '7e270a25-e163-4922-af60-757fc8ed48c6').attrs, {mode: 'subsystem', type: 'mdev', model: 'vfio-ap'});
	t.deepEqual(ap.advice.qemuArgs, ['-device', 'vfio-ap,sysfsdev=/sys/bus/mdev/devices/7e270a25-e163-4922-af60-757fc8ed48c6']);
});

test('formatAdvice: plain lines with the XML and a shell-ready QEMU line', (t) => {
	const lines = formatAdvice(advise(MBOCHS, mbochsProbe).advice);
	t.is(lines[0], `advice for ${MBOCHS}: display dmabuf`);
	t.true(lines.includes(`  -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/${MBOCHS},display=on -display egl-headless -vnc 127.0.0.1:0`));
	t.true(lines.some((l) => l.includes("<graphics type='egl-headless'/>")));
});

test('NVIDIA SR-IOV vGPU: a PCI hostdev for the VF (managed=no, it stays on nvidia), never an mdev path', (t) => {
	const m = scanHost(path.join(here, 'fixtures', 'trees', 'nvidia-sriov'));
	const instance = m.instances.find((i) => i.kind === 'nvidia-sriov' && i.active)!;
	const parent = m.parents.find((p) => p.name === instance.parent)!;
	const type = parent.types.find((x) => x.id === instance.mdevType) ?? null;
	const advice = adviceFor(instance, parent, type);
	const xml = parseXml(advice.libvirtXml);
	const hostdev = find(xml, 'hostdev');
	t.is(hostdev.length, 1);
	t.deepEqual(hostdev[0]!.attrs, {mode: 'subsystem', type: 'pci', managed: 'no'});
	const [domain, bus, slotFn] = instance.uuid.split(':');
	const [slot, fn] = slotFn!.split('.');
	t.deepEqual(find(hostdev[0]!, 'address')[0]!.attrs, {domain: `0x${domain}`, bus: `0x${bus}`, slot: `0x${slot}`, function: `0x${fn}`});
	t.deepEqual(advice.qemuArgs, ['-device', `vfio-pci,host=${instance.uuid}`]);
	t.notRegex(advice.libvirtXml + advice.qemuArgs.join(' '), /mdev/);
});
