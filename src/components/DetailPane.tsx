import React, {memo} from 'react';
import {Pane} from './Pane.js';
import {LineView} from './LineView.js';
import type {Line} from '../present/line.js';

export interface DetailPaneProps {
	title: string;
	lines: Line[];
	scroll: number;
	focused: boolean;
	width: number;
	height: number;
}

/** The detail text (built by detail-lines.ts), showing the window that fits; scrolls when focused. */
export const DetailPane = memo(function DetailPane({title, lines, scroll, focused, width, height}: DetailPaneProps) {
	const capacity = Math.max(1, height - 2);
	const top = Math.max(0, Math.min(scroll, lines.length - capacity));
	const more = lines.length > capacity ? ` (${top + 1}-${Math.min(lines.length, top + capacity)}/${lines.length}${focused ? '' : ', Tab here to scroll'})` : '';
	return (
		<Pane title={title + more} focused={focused} width={width} height={height}>
			{lines.slice(top, top + capacity).map((line, index) => (
				<LineView key={top + index} line={line} width={width - 2} />
			))}
		</Pane>
	);
});
