// Entry of the compare view (imported lazily by the CLI only on a terminal without --json/--plain,
// so automation never loads Ink or React). It returns when the user quits; the CLI then prints the
// plain report and exits with the comparison's code, as without the view.

import React from 'react';
import {CompareView} from '../components/CompareView.js';
import {runFullScreen, type Streams} from './screen.js';
import type {Comparison} from '../compare/compare.js';

export async function runCompareTui(comparison: Comparison, streams: Streams = {}): Promise<void> {
	await runFullScreen(<CompareView comparison={comparison} />, streams);
}
