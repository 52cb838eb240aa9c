// Entry of the interactive TUI (imported lazily by the CLI, so --json/--plain never load Ink or
// React). The alternate screen and the terminal's restoration on every way out are src/terminal/screen.tsx's.

import React from 'react';
import type {HostModel} from '../model/types.js';
import {openSampleHost, type SampleFiles} from '../snapshot/sample.js';
import {App} from '../components/App.js';
import type {ProbeFn} from '../components/hooks/use-store.js';
import {runFullScreen, type Streams} from './screen.js';

export interface RunTuiOptions extends Streams {
	root: string;
	/** The observation to show first: a recording's, or --probe's, with the probe results on its instances. */
	model: HostModel;
	probeTimeoutMs?: number;
	concurrency?: number;
	/** How `r` reads the host again, given the model shown (the CLI passes src/sysfs/rescan.ts's rescanHost); the source marker is kept. */
	rescan: (shown: HostModel) => HostModel;
	/** The sample host (src/snapshot/sample.ts) the empty-host screen offers; absent or null: none. */
	sample?: SampleFiles | null;
	probeFn?: ProbeFn;
	/** Mouse reports on from the start (--mouse). */
	mouse?: boolean;
	/** The keys that write (issue 18): on from the start (--allow-write) or locked off (why); and where and how they act. Absent: they cannot act. */
	writes?: {on: boolean; lock: string | null};
	actions?: {root: string; backend: 'auto' | 'mdevctl' | 'sysfs'};
}

export async function runTui(opts: RunTuiOptions): Promise<void> {
	// Never this machine: a tree labelled as what it was recorded on, with its recorded probe answers.
	const sample = opts.sample ?? null;
	const openSample = sample ? () => openSampleHost(sample) : undefined;
	await runFullScreen(
		<App
			model={opts.model}
			rescan={opts.rescan}
			openSample={openSample}
			timeoutMs={opts.probeTimeoutMs}
			concurrency={opts.concurrency}
			probeFn={opts.probeFn}
			mouse={opts.mouse}
			writes={opts.writes}
			actions={opts.actions}
		/>,
		opts,
	);
}
