// The probe child process: reads a ChildRequest from stdin, probes the instances one after the
// other with the synchronous engine, and writes a line of JSON for each start, step and result
// as it happens, so the runner can stream results and tell where a probe hung. Spawned by
// src/probe/runner.ts (from source through tsx, or as dist/probe-child.js from the bundle).
// It is a process of its own, never a worker thread: ffi-napi crashes in workers, and a hang in
// the kernel or a crash in native code must take down only this child.
import {writeSync} from 'node:fs';
import {isMainThread} from 'node:worker_threads';
import {preload} from '../ffi/libc.js';
import {probeHeldInstance} from './borrow.js';
import {probeInstance} from './engine.js';
import type {ChildMessage, ChildRequest} from './protocol.js';

function emit(message: ChildMessage): void {
	const line = Buffer.from(JSON.stringify(message) + '\n');
	let written = 0;
	while (written < line.length) {
		try {
			written += writeSync(1, line, written);
		} catch (error) {
			// A non-blocking pipe that is full: wait for the reader rather than drop a line.
			if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
		}
	}
}

function parseRequest(text: string): ChildRequest {
	const req = JSON.parse(text) as Partial<ChildRequest>;
	if (typeof req.devRoot !== 'string') throw new Error('devRoot is not a string');
	if (!Array.isArray(req.instances)) throw new Error('instances is not an array');
	if (req.probeHeld !== undefined && typeof req.probeHeld !== 'boolean') throw new Error('probeHeld is not a boolean');
	for (const i of req.instances) {
		if (typeof i?.uuid !== 'string' || !Number.isInteger(i.iommuGroup) || i.iommuGroup < 0 || !(typeof i.vfioDev === 'string' || i.vfioDev == null)) {
			throw new Error(`bad instance entry ${JSON.stringify(i)}`);
		}
	}
	return req as ChildRequest;
}

/** The probe child's work, once its modules are loaded: returns its exit code. */
export async function runProbeChild(): Promise<number> {
	if (!isMainThread) {
		throw new Error('the probe child (src/probe/child.ts) is a process of its own; it must not run in a worker thread');
	}
	let input = '';
	for await (const chunk of process.stdin) input += String(chunk);
	let req: ChildRequest;
	try {
		req = parseRequest(input);
	} catch (error) {
		emit({type: 'fatal', message: `the probe request on stdin is not valid: ${(error as Error).message}`});
		return 2;
	}
	try {
		preload();
	} catch (error) {
		emit({type: 'fatal', message: `the libc FFI addon (ffi-napi) could not be loaded: ${(error as Error).message}`});
		return 3;
	}
	for (const instance of req.instances) {
		emit({type: 'start', uuid: instance.uuid});
		const probe = req.probeHeld ? probeHeldInstance : probeInstance;
		const result = probe(instance, {
			devRoot: req.devRoot,
			onStep: (step, kind) => emit({type: 'step', uuid: instance.uuid, step, kind}),
		});
		emit({type: 'result', result});
	}
	return 0;
}

