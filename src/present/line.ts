// A line of screen text as tone-tagged segments. Pure data: builders (detail, help, tables) produce
// Lines, LineView draws them. Tones are meanings, not colours; the theme decides what a tone looks like
// (nothing at all with NO_COLOR), so every tone must also be readable from the text alone.

import {sanitize} from './text.js';

export type Tone =
	| 'plain'
	| 'title'
	/** The selected row of the focused pane. */
	| 'cursor'
	/** The selected row of a pane without focus. */
	| 'selected'
	| 'error'
	| 'warn'
	| 'ok'
	| 'dim'
	| 'key'
	| 'source'
	/** The part of a cell the filter's text matched. */
	| 'match';

export interface Segment {
	text: string;
	tone?: Tone;
}

export type Line = Segment[];

export function seg(text: string, tone?: Tone): Segment {
	return tone ? {text, tone} : {text};
}

export function plain(text: string): Line {
	return [{text}];
}

/** Sanitize and cut the segments to `width` columns in total (a cut is marked `~`), dropping empty ones. */
export function fitLine(line: Line, width: number): Line {
	const clean = line.map((s) => ({...s, text: sanitize(s.text)})).filter((s) => s.text !== '');
	if (width <= 0) return [];
	if (lineLength(clean) <= width) return clean;
	const out: Line = [];
	let room = width - 1;
	for (const s of clean) {
		if (room <= 0) {
			out.push({...s, text: '~'});
			return out;
		}
		const text = s.text.slice(0, room);
		room -= text.length;
		if (text.length < s.text.length) {
			out.push({...s, text: text + '~'});
			return out;
		}
		out.push({...s, text});
	}
	return out;
}

export function lineLength(line: Line): number {
	return line.reduce((n, s) => n + s.text.length, 0);
}

export function lineText(line: Line): string {
	return line.map((s) => s.text).join('');
}

/** The line without its first `columns` columns (a view scrolled sideways). */
export function dropColumns(line: Line, columns: number): Line {
	let skip = columns;
	const out: Line = [];
	for (const s of line) {
		if (skip >= s.text.length) {
			skip -= s.text.length;
			continue;
		}
		out.push({...s, text: s.text.slice(skip)});
		skip = 0;
	}
	return out;
}
