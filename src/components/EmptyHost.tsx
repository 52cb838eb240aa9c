import React from 'react';
import type {HostModel} from '../model/types.js';
import {Pane} from './Pane.js';
import {LineView} from './LineView.js';
import {emptyLines} from '../present/empty-lines.js';

/** Instead of empty panes: what was looked for, what is missing and how to fix it. */
export function EmptyHost({model, width, height, canOpenSample}: {model: HostModel; width: number; height: number; canOpenSample: boolean}) {
	const capacity = Math.max(1, height - 2);
	const lines = emptyLines(model, width - 2, canOpenSample);
	// Keep the last lines (the sample key) in view when the screen is short.
	const tail = canOpenSample ? 2 : 1;
	const shown = lines.length > capacity ? [...lines.slice(0, capacity - tail), ...lines.slice(-tail)] : lines;
	return (
		<Pane title="No mdev support found" focused width={width} height={height}>
			{shown.map((line, index) => (
				<LineView key={index} line={line} width={width - 2} />
			))}
		</Pane>
	);
}
