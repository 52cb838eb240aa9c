// Entry of the interactive TUI (imported lazily by the CLI, so --json/--plain never load Ink or
// React). The alternate screen and the terminal's restoration on every way out are src/screen.tsx's.

import React from 'react';
import {existsSync} from 'node:fs';
import type {HostModel} from './model/types.js';
import {scanHost} from './sysfs/scan.js';
import {App} from './components/App.js';
import type {ProbeFn} from './components/hooks/use-probes.js';
import type {ProbeResult} from './model/probe.js';
import {runFullScreen, type Streams} from './screen.js';

export interface RunTuiOptions extends Streams {
	root: string;
	model: HostModel;
	probeTimeoutMs?: number;
	concurrency?: number;
	/** How `r` reads the host again, given the model shown (the CLI passes src/sysfs/rescan.ts's rescanHost); the source marker is kept. */
	rescan: (shown: HostModel) => HostModel;
	/** The bundled captured host (test/fixtures/trees/debian-6.12) offered by the empty-host screen. */
	sampleRoot?: string;
	probeFn?: ProbeFn;
	/** Probe results to show from the start: a snapshot's recorded ones, or those of `--probe`. */
	initialProbes?: ReadonlyMap<string, ProbeResult>;
}

/** The sample host is a recording, never this machine: marked RECORDED in the header. */
export function sampleSource(): HostModel['source'] {
	return {kind: 'snapshot', label: 'sample: Debian 6.12', recordedAt: null};
}

export async function runTui(opts: RunTuiOptions): Promise<void> {
	const sampleRoot = opts.sampleRoot;
	const openSample =
		sampleRoot && existsSync(sampleRoot) ? () => scanHost(sampleRoot, {source: sampleSource()}) : undefined;
	await runFullScreen(
		<App
			model={opts.model}
			rescan={opts.rescan}
			openSample={openSample}
			probeTimeoutMs={opts.probeTimeoutMs}
			concurrency={opts.concurrency}
			probeFn={opts.probeFn}
			initialProbes={opts.initialProbes}
		/>,
		opts,
	);
}
