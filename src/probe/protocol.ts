// What the runner and the probe child say to each other: one JSON request on the child's stdin,
// one JSON object per line on its stdout.
import type {ProbeResult, StepKind} from '../model/probe.js';

export interface ChildRequest {
	/** Where dev/vfio (and proc) are found: `/` on a host. */
	devRoot: string;
	/**
	 * `--probe-held`: a device found held is probed through its holder's own fd (borrowed with
	 * pidfd_getfd, read-only queries only; src/probe/borrow.ts). Absent: false.
	 */
	probeHeld?: boolean;
	/** Probed one after the other, in this order. */
	instances: Array<{uuid: string; iommuGroup: number; vfioDev: string | null}>;
}

export type ChildMessage =
	/** The child begins this instance (the runner's timeout for it starts now). */
	| {type: 'start'; uuid: string}
	/** About to make this call: if the child then hangs, this is where. */
	| {type: 'step'; uuid: string; step: string; kind: StepKind}
	| {type: 'result'; result: ProbeResult}
	/** The request could not be read; nothing was probed. */
	| {type: 'fatal'; message: string};
