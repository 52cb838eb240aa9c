// A framed pane in ASCII: the title sits in the top border, the focused pane is marked in text
// (`[*]` and `=` borders) so focus never depends on colour or inverse video.
// The frame is drawn here rather than with Ink's borderStyle: Ink 6 re-applies a top border on
// re-render when borderStyle changes while borderTop={false} does not (its style diff drops the
// unchanged key), which pushed every pane's content down a line after the first key press.

import React, {type ReactNode} from 'react';
import {Box, Text} from 'ink';
import {LineView} from './LineView.js';
import {seg} from '../present/line.js';
import {truncate} from '../present/text.js';

export interface PaneProps {
	title: string;
	focused: boolean;
	width: number;
	height: number;
	/** Text in the bottom border (where the title has no room for it). */
	footer?: string;
	children?: ReactNode;
}

export function paneTitleLine(title: string, focused: boolean, width: number): string {
	const fill = focused ? '=' : '-';
	const head = focused ? `+${fill}[*] ` : `+${fill}${fill}${fill} `;
	const text = truncate(title, Math.max(0, width - head.length - 3));
	const line = `${head}${text} `;
	return (line + fill.repeat(Math.max(0, width - line.length - 1)) + '+').slice(0, width);
}

function paneBottomLine(footer: string | undefined, fill: string, width: number): string {
	const line = footer ? `+${fill}${fill} ${truncate(footer, Math.max(0, width - 7))} ` : '+';
	return (line + fill.repeat(Math.max(0, width - line.length - 1)) + '+').slice(0, width);
}

export function Pane({title, focused, width, height, footer, children}: PaneProps) {
	const fill = focused ? '=' : '-';
	const inner = Math.max(0, height - 2);
	const bar = Array.from({length: inner}, () => '|').join('\n');
	return (
		<Box flexDirection="column" width={width} height={height} flexShrink={0}>
			<LineView line={[seg(paneTitleLine(title, focused, width), focused ? 'title' : undefined)]} width={width} />
			<Box flexDirection="row" width={width} height={inner}>
				<Text>{bar}</Text>
				<Box flexDirection="column" width={Math.max(0, width - 2)} height={inner} overflowY="hidden">
					{children}
				</Box>
				<Text>{bar}</Text>
			</Box>
			<LineView line={[seg(paneBottomLine(footer, fill, width))]} width={width} />
		</Box>
	);
}
