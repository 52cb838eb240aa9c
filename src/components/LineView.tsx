// Draws one Line padded to exactly `width` columns. All screen text goes through here (fitLine
// sanitizes), so no sysfs string reaches the terminal raw and no line is ever wider than its pane.

import React, {memo} from 'react';
import {Text} from 'ink';
import {fitLine, lineLength, type Line, type Tone} from '../present/line.js';
import {toneProps, useTheme} from './theme.js';

export interface LineViewProps {
	line: Line;
	width: number;
	/** A tone for the whole line, padding included (the cursor row). */
	tone?: Tone;
}

function LineViewOf({line, width, tone}: LineViewProps) {
	const theme = useTheme();
	const fitted = fitLine(line, width);
	const pad = ' '.repeat(Math.max(0, width - lineLength(fitted)));
	return (
		<Text wrap="truncate-end" {...toneProps(theme, tone)}>
			{fitted.map((s, index) => (
				<Text key={index} {...toneProps(theme, s.tone)}>
					{s.text}
				</Text>
			))}
			{pad}
		</Text>
	);
}

function sameLine(a: Line, b: Line): boolean {
	return a === b || (a.length === b.length && a.every((s, index) => s.text === b[index]!.text && s.tone === b[index]!.tone));
}

/**
 * Lines are rebuilt on every render (the list windows, the detail text), most of them equal to the
 * last ones: compared by content, an unchanged line skips React's work for its Texts.
 */
export const LineView = memo(LineViewOf, (a, b) => a.width === b.width && a.tone === b.tone && sameLine(a.line, b.line));
