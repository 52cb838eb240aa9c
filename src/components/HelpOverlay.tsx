import React from 'react';
import {Pane} from './Pane.js';
import {LineView} from './LineView.js';
import type {Line} from './line.js';

/** The `?` screen: the key table and legend (help-lines.ts), framed and scrollable. */
export function HelpOverlay({lines, scroll, width, height}: {lines: Line[]; scroll: number; width: number; height: number}) {
	const capacity = Math.max(1, height - 2);
	const top = Math.max(0, Math.min(scroll, lines.length - capacity));
	const more = lines.length > capacity ? ` (${top + 1}-${Math.min(lines.length, top + capacity)}/${lines.length}, j/k scroll)` : '';
	return (
		<Pane title={`Help: ? or Esc closes${more}`} focused width={width} height={height}>
			{lines.slice(top, top + capacity).map((line, index) => (
				<LineView key={top + index} line={line} width={width - 2} />
			))}
		</Pane>
	);
}
