import React from 'react';
import type {DoctorView} from '../doctor/index.js';
import type {HostModel} from '../model/types.js';
import {Pane} from './Pane.js';
import {LineView} from './LineView.js';
import {emptyLines} from '../present/empty-lines.js';

/** Instead of empty panes: where mdevscope looked, and what the doctor found missing, with the fixes. */
export function EmptyHost({model, doctor, width, height, canOpenSample}: {model: HostModel; doctor: DoctorView | null; width: number; height: number; canOpenSample: boolean}) {
	const capacity = Math.max(1, height - 2);
	const lines = emptyLines(model, doctor, width - 2, canOpenSample);
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
