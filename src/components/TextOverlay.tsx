import React from 'react';
import {Pane} from './Pane.js';
import {LineView} from './LineView.js';
import type {Line} from './line.js';

export interface TextOverlayProps {
	/** `Help: ? or Esc closes`: what it is and how to close it. */
	title: string;
	lines: Line[];
	scroll: number;
	width: number;
	height: number;
}

/** A framed, scrollable text over the panes: the `?` help, the `d` doctor and the `x` advice views. */
export function TextOverlay({title, lines, scroll, width, height}: TextOverlayProps) {
	const capacity = Math.max(1, height - 2);
	const top = Math.max(0, Math.min(scroll, lines.length - capacity));
	const more = lines.length > capacity ? ` (${top + 1}-${Math.min(lines.length, top + capacity)}/${lines.length}, j/k scroll)` : '';
	return (
		<Pane title={title + more} focused width={width} height={height}>
			{lines.slice(top, top + capacity).map((line, index) => (
				<LineView key={top + index} line={line} width={width - 2} />
			))}
		</Pane>
	);
}
