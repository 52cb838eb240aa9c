#!/usr/bin/env node
// Synthetic host trees for the benchmark: NVIDIA-vGPU-like PCI parents, their types, thousands of
// instances and mdevctl's definitions, laid out the way the kernel lays out sysfs (links included,
// relative as sysfs makes them): Documentation/driver-api/vfio-mediated-device.rst,
// Documentation/ABI/testing/sysfs-bus-vfio-mdev, and mdevctl's store (etc/mdevctl.d/<parent>/<uuid>).
// Deterministic: the same preset and seed give the same tree, byte for byte.
//
//   node bench/gen.mjs <large|huge|small> [--seed N] [--cache DIR]   prints the tree's root
//
// Trees are written once under the cache directory (<cache>/<preset>-<seed>) and reused: a tree is
// complete when its `.bench-tree.json` exists (written last, holding the parameters and the counts
// a scanner must find). Plain Node, no dependencies.
import {mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const DEFAULT_SEED = 6;
export const DEFAULT_CACHE = process.env.MDEVSCOPE_BENCH_CACHE ?? '/var/tmp/mdevscope-bench';

/**
 * parents x typesPerParent PCI GPUs, `instances` active mdevs spread over them at random;
 * `definedShare` of the active ones also have an mdevctl definition, and `definedOnly` more
 * UUIDs are defined in mdevctl's store without being active.
 */
export const PRESETS = {
	large: {parents: 16, typesPerParent: 48, instances: 2048, definedShare: 0.75, definedOnly: 256},
	huge: {parents: 256, typesPerParent: 20, instances: 8192, definedShare: 0.75, definedOnly: 1024},
	// For the test: the same code paths, small enough for `npm test`.
	small: {parents: 3, typesPerParent: 5, instances: 40, definedShare: 0.5, definedOnly: 7},
};

/** The name of the file that marks a tree as complete. */
export const STAMP = '.bench-tree.json';

// ---- a seeded PRNG (mulberry32: 32-bit state, good enough to spread devices, fully reproducible) --

export function prng(seed) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return {
		next,
		/** An integer in [0, n). */
		int: (n) => Math.floor(next() * n),
		pick: (list) => list[Math.floor(next() * list.length)],
		/** A random (version 4, variant 1) UUID. */
		uuid() {
			const hex = Array.from({length: 32}, () => Math.floor(next() * 16).toString(16));
			hex[12] = '4';
			hex[16] = '89ab'[Math.floor(next() * 4)];
			const s = hex.join('');
			return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
		},
	};
}

// ---- writing a tree ------------------------------------------------------------------------------

class Writer {
	constructor(root) {
		this.root = root;
		this.dirs = new Set();
		this.entries = 0;
	}

	abs(rel) {
		return path.join(this.root, rel);
	}

	dir(rel) {
		if (this.dirs.has(rel)) return;
		mkdirSync(this.abs(rel), {recursive: true});
		// Remember every ancestor too: the next file in a known directory costs one syscall.
		for (let d = rel; d !== '.' && d !== '' && !this.dirs.has(d); d = path.dirname(d)) this.dirs.add(d);
		this.entries++;
	}

	file(rel, content = '', mode) {
		this.dir(path.dirname(rel));
		writeFileSync(this.abs(rel), content, mode === undefined ? undefined : {mode});
		this.entries++;
	}

	/** A sysfs attribute: what the kernel prints ends with a newline. */
	attr(rel, value) {
		this.file(rel, `${value}\n`);
	}

	/** A relative link from `rel` to `targetRel` (both under the root), as sysfs makes them. */
	link(rel, targetRel) {
		this.dir(path.dirname(rel));
		symlinkSync(path.relative(path.dirname(rel), targetRel), this.abs(rel));
		this.entries++;
	}
}

// NVIDIA boards that offer vGPU (PCI device ids as in pci.ids) with their frame buffer in GiB.
const BOARDS = [
	{device: '0x1eb8', subsystem: '0x12a2', board: 'T4', fb: 16},
	{device: '0x2236', subsystem: '0x1482', board: 'A10', fb: 24},
	{device: '0x2235', subsystem: '0x145a', board: 'A40', fb: 48},
	{device: '0x25b6', subsystem: '0x14a9', board: 'A16', fb: 16},
	{device: '0x26b9', subsystem: '0x1851', board: 'L40S', fb: 48},
];
// vGPU series suffixes: B (virtual PCs), C (compute), Q (virtual workstations), A (virtual apps).
const SERIES = ['Q', 'B', 'C', 'A'];
const PROFILES_MB = [512, 1024, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 49152];

const GPU_DRIVER = 'sys/bus/pci/drivers/nvidia';
const MDEV_DRIVER = 'nvidia-vgpu-vfio';

/** `0000:BB:DD.0` for the i-th GPU: 32 devices per bus, buses from 0x10. */
function bdf(i) {
	const bus = (0x10 + Math.floor(i / 32)).toString(16).padStart(2, '0');
	const dev = (i % 32).toString(16).padStart(2, '0');
	return `0000:${bus}:${dev}.0`;
}

/**
 * Writes the tree for `params` under `root` (which must not exist) and returns what a scanner
 * must find in it. Everything random comes from `seed`.
 */
export function writeTree(root, params, seed) {
	const {parents: nParents, typesPerParent, instances: nInstances, definedShare, definedOnly} = params;
	const rng = prng(seed);
	const w = new Writer(root);
	w.dir('.');

	// ---- host facts ----
	const release = '6.12.117+deb12-amd64';
	w.attr('proc/version', `Linux version ${release} (debian-kernel@lists.debian.org) (x86_64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.12.117-1~deb12u1 (2025-11-12)`);
	w.attr('proc/sys/kernel/osrelease', release);
	w.attr('proc/sys/kernel/hostname', `bench-${seed}`);
	w.attr('proc/cmdline', `BOOT_IMAGE=/boot/vmlinuz-${release} root=/dev/mapper/vg0-root ro intel_iommu=on iommu=pt`);
	w.attr('etc/hostname', `bench-${seed}`);
	for (const mod of ['vfio', 'vfio_iommu_type1', 'vfio_pci_core', 'mdev', 'kvm', 'nvidia', 'nvidia_vgpu_vfio']) {
		w.attr(`sys/module/${mod}/initstate`, 'live');
	}
	w.dir('sys/class/mdev_bus');
	w.dir('sys/class/vfio-dev');
	w.dir('sys/bus/mdev/devices');
	w.dir(`sys/bus/mdev/drivers/${MDEV_DRIVER}`);
	w.attr('sys/bus/mdev/drivers_autoprobe', 1);
	w.dir(GPU_DRIVER);
	w.dir('dev/vfio');
	w.file('dev/vfio/vfio'); // stands for the character device /dev/vfio/vfio
	// mdevctl's own directories (its package creates them; mdevctl refuses to run without them).
	w.dir('etc/mdevctl.d/scripts.d/callouts');
	w.dir('etc/mdevctl.d/scripts.d/notifiers');

	const group = (n, {emulated}) => {
		const dir = `sys/kernel/iommu_groups/${n}`;
		w.dir(`${dir}/devices`);
		if (emulated) w.attr(`${dir}/name`, 'vfio-noiommu');
		w.attr(`${dir}/type`, emulated ? 'unknown' : 'DMA');
		w.file(`${dir}/reserved_regions`, emulated ? '' : '0x00000000fee00000 0x00000000feefffff msi\n');
		w.file(`dev/vfio/${n}`); // stands for the character device /dev/vfio/<group>
	};

	// ---- parents and their types ----
	const gpus = [];
	for (let i = 0; i < nParents; i++) {
		const name = bdf(i);
		const dev = `sys/devices/pci0000:00/${name}`;
		const board = rng.pick(BOARDS);
		const numa = nParents > 1 ? (i < nParents / 2 ? 0 : 1) : 0;
		for (const [file, value] of [
			['vendor', '0x10de'],
			['device', board.device],
			['subsystem_vendor', '0x10de'],
			['subsystem_device', board.subsystem],
			['class', '0x030200'],
			['numa_node', numa],
			['irq', 16 + (i % 200)],
			['enable', 1],
			['local_cpulist', numa === 0 ? '0-31' : '32-63'],
			['current_link_speed', '16.0 GT/s PCIe'],
			['current_link_width', 16],
		]) {
			w.attr(`${dev}/${file}`, value);
		}
		w.file(`${dev}/uevent`, `DRIVER=nvidia\nPCI_CLASS=30200\nPCI_ID=10DE:${board.device.slice(2).toUpperCase()}\nPCI_SLOT_NAME=${name}\n`);
		w.file(`${dev}/config`, Buffer.alloc(256));
		w.dir(`${dev}/power`);
		w.link(`${dev}/subsystem`, 'sys/bus/pci');
		w.link(`${dev}/driver`, GPU_DRIVER);
		w.link(`${GPU_DRIVER}/${name}`, dev);
		w.link(`sys/bus/pci/devices/${name}`, dev);
		group(i, {emulated: false});
		w.link(`${dev}/iommu_group`, `sys/kernel/iommu_groups/${i}`);
		w.link(`sys/kernel/iommu_groups/${i}/devices/${name}`, dev);
		w.link(`sys/class/mdev_bus/${name}`, dev);

		const types = [];
		const base = 200 + (i % 8) * 64; // type ids differ between boards, as the vGPU manager numbers them
		for (let t = 0; t < typesPerParent; t++) {
			const id = `nvidia-${base + t}`;
			const mb = PROFILES_MB[t % PROFILES_MB.length];
			const series = SERIES[Math.floor(t / PROFILES_MB.length) % SERIES.length];
			const max = Math.max(1, Math.floor((board.fb * 1024) / mb));
			const dir = `${dev}/mdev_supported_types/${id}`;
			w.attr(`${dir}/name`, `GRID ${board.board}-${mb >= 1024 ? mb / 1024 : `${mb}M`}${series}${t >= PROFILES_MB.length * SERIES.length ? `-${t}` : ''}`);
			w.attr(
				`${dir}/description`,
				`num_heads=4, frl_config=${series === 'B' ? 45 : 60}, framebuffer=${mb}M, max_resolution=${mb >= 2048 ? '7680x4320' : '5120x2880'}, max_instance=${max}`,
			);
			w.attr(`${dir}/device_api`, 'vfio-pci');
			w.file(`${dir}/create`, '', 0o200); // write-only in sysfs
			w.dir(`${dir}/devices`);
			types.push({id, dir, max, used: 0});
		}
		gpus.push({name, dev, types});
	}

	// ---- active instances ----
	const active = [];
	for (let k = 0; k < nInstances; k++) {
		const gpu = gpus[rng.int(gpus.length)];
		const type = gpu.types[rng.int(gpu.types.length)];
		type.used++;
		const uuid = rng.uuid();
		const n = nParents + k; // the emulated IOMMU group vfio gives each mdev
		const dir = `${gpu.dev}/${uuid}`;
		const vfio = `vfio${k}`;
		group(n, {emulated: true});
		w.dir(`${dir}/power`);
		w.file(`${dir}/remove`, '', 0o200);
		w.file(`${dir}/uevent`, `DRIVER=${MDEV_DRIVER}\nMDEV_TYPE=${type.id}\n`);
		w.link(`${dir}/subsystem`, 'sys/bus/mdev');
		w.link(`${dir}/mdev_type`, type.dir);
		w.link(`${type.dir}/devices/${uuid}`, dir);
		w.link(`${dir}/iommu_group`, `sys/kernel/iommu_groups/${n}`);
		w.link(`sys/kernel/iommu_groups/${n}/devices/${uuid}`, dir);
		w.link(`${dir}/driver`, `sys/bus/mdev/drivers/${MDEV_DRIVER}`);
		w.link(`sys/bus/mdev/drivers/${MDEV_DRIVER}/${uuid}`, dir);
		w.file(`${dir}/vfio-dev/${vfio}/uevent`, `MAJOR=511\nMINOR=${k}\nDEVNAME=vfio/devices/${vfio}\n`);
		w.link(`${dir}/vfio-dev/${vfio}/device`, dir);
		w.link(`${dir}/vfio-dev/${vfio}/subsystem`, 'sys/class/vfio-dev');
		w.link(`sys/class/vfio-dev/${vfio}`, `${dir}/vfio-dev/${vfio}`);
		w.link(`sys/bus/mdev/devices/${uuid}`, dir);
		active.push({uuid, parent: gpu.name, type: type.id});
	}
	for (const gpu of gpus) {
		for (const type of gpu.types) w.attr(`${type.dir}/available_instances`, Math.max(0, type.max - type.used));
	}

	// ---- mdevctl's definitions, formatted the way mdevctl writes them ----
	const define = (parent, uuid, mdevType, start) =>
		w.file(`etc/mdevctl.d/${parent}/${uuid}`, `${JSON.stringify({mdev_type: mdevType, start, attrs: []}, null, 2)}\n`);
	let definedActive = 0;
	for (const inst of active) {
		if (rng.next() < definedShare) {
			define(inst.parent, inst.uuid, inst.type, rng.next() < 0.8 ? 'auto' : 'manual');
			definedActive++;
		}
	}
	for (let k = 0; k < definedOnly; k++) {
		const gpu = gpus[rng.int(gpus.length)];
		define(gpu.name, rng.uuid(), rng.pick(gpu.types).id, rng.next() < 0.5 ? 'auto' : 'manual');
	}

	const perParent = Object.fromEntries(gpus.map((g) => [g.name, active.filter((a) => a.parent === g.name).length]));
	return {
		params,
		seed,
		entries: w.entries,
		expected: {
			parents: nParents,
			types: nParents * typesPerParent,
			active: nInstances,
			definedActive,
			definedOnly,
			instances: nInstances + definedOnly,
			iommuGroups: nParents + nInstances,
			activePerParent: perParent,
		},
	};
}

/**
 * The tree for a preset (or explicit params) and seed under `cache`, written when missing.
 * Returns {root, info} where info is the stamp's content.
 */
export function ensureTree(preset, {seed = DEFAULT_SEED, cache = DEFAULT_CACHE, params} = {}) {
	const p = params ?? PRESETS[preset];
	if (!p) throw new Error(`unknown tree preset ${JSON.stringify(preset)}; known: ${Object.keys(PRESETS).join(', ')}`);
	const root = path.join(cache, `${preset}-${seed}`);
	const stamp = path.join(root, STAMP);
	if (existsSync(stamp)) {
		const info = JSON.parse(readFileSync(stamp, 'utf8'));
		if (JSON.stringify(info.params) === JSON.stringify(p)) return {root, info, generated: false};
	}
	// Written beside, then renamed: a half-written tree (an interrupted run) is never taken for one.
	const partial = `${root}.partial-${process.pid}`;
	rmSync(partial, {recursive: true, force: true});
	mkdirSync(cache, {recursive: true});
	const info = writeTree(partial, p, seed);
	writeFileSync(path.join(partial, STAMP), `${JSON.stringify(info, null, 2)}\n`);
	rmSync(root, {recursive: true, force: true});
	renameSync(partial, root);
	return {root, info, generated: true};
}

// ---- command line -----------------------------------------------------------------------------------

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const args = process.argv.slice(2);
	const opt = (name, fallback) => {
		const i = args.indexOf(name);
		return i === -1 ? fallback : args[i + 1];
	};
	const preset = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
	if (!preset || !PRESETS[preset]) {
		process.stderr.write(`usage: node bench/gen.mjs <${Object.keys(PRESETS).join('|')}> [--seed N] [--cache DIR]\n`);
		process.exit(2);
	}
	const seed = Number(opt('--seed', DEFAULT_SEED));
	if (!Number.isInteger(seed) || seed < 0) {
		process.stderr.write('--seed needs a whole number >= 0\n');
		process.exit(2);
	}
	const started = performance.now();
	const {root, info, generated} = ensureTree(preset, {seed, cache: opt('--cache', DEFAULT_CACHE)});
	const took = ((performance.now() - started) / 1000).toFixed(1);
	process.stderr.write(
		`${generated ? `generated in ${took} s` : 'cached'}: ${info.expected.parents} parents, ${info.expected.types} types, ` +
			`${info.expected.active} active + ${info.expected.definedOnly} defined-only instances, ${info.entries} entries\n`,
	);
	process.stdout.write(`${root}\n`);
}
