import React from 'react';
import {Pane} from './Pane.js';
import {LineView} from './LineView.js';
import {dropColumns, lineLength, type Line} from '../present/line.js';

export interface TextOverlayProps {
	/** `Help: ? or Esc closes`: what it is and how to close it. */
	title: string;
	lines: Line[];
	scroll: number;
	/** Columns scrolled sideways (the doctor and advice views, whose long words are never broken). */
	left?: number;
	width: number;
	height: number;
}

/** Columns of a pane's top border around the title: `+=[*] ` before it, ` =+` at least after it. */
const TITLE_FRAME = 9;

/**
 * A framed, scrollable text over the panes: the `?` help, the `d` doctor and the `x` advice views.
 * The title is never cut: where it leaves no room for the position in the text, that goes into the
 * bottom border.
 */
export function TextOverlay({title, lines, scroll, left = 0, width, height}: TextOverlayProps) {
	const capacity = Math.max(1, height - 2);
	const inner = Math.max(0, width - 2);
	const top = Math.max(0, Math.min(scroll, lines.length - capacity));
	const widest = lines.reduce((n, line) => Math.max(n, lineLength(line)), 0);
	const from = Math.max(0, Math.min(left, widest - inner));
	const where: string[] = [];
	const keys: string[] = [];
	if (lines.length > capacity) {
		where.push(`${top + 1}-${Math.min(lines.length, top + capacity)}/${lines.length}`);
		keys.push('j/k');
	}
	if (widest > inner) {
		where.push(`cols ${from + 1}-${Math.min(widest, from + inner)}/${widest}`);
		keys.push('Left/Right');
	}
	const more = where.length > 0 ? `(${where.join(', ')}, ${keys.join(' ')} scroll)` : '';
	const inTitle = more !== '' && title.length + 1 + more.length + TITLE_FRAME <= width;
	return (
		<Pane title={inTitle ? `${title} ${more}` : title} focused width={width} height={height} footer={inTitle || more === '' ? undefined : more}>
			{lines.slice(top, top + capacity).map((line, index) => (
				<LineView key={top + index} line={from > 0 ? dropColumns(line, from) : line} width={inner} />
			))}
		</Pane>
	);
}
