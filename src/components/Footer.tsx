import React from 'react';
import type {FooterHint} from '../keymap.js';
import {LineView} from './LineView.js';
import {seg, type Line, type Tone} from './line.js';

export interface Status {
	text: string;
	tone?: Tone;
}

/**
 * The keys that work here (generated from the key table for the current contexts), after a status
 * such as probe progress. Hints that do not fit are left out whole, keeping the last two (`? help`,
 * `q quit`): the help screen lists everything.
 */
export function footerLine(hints: FooterHint[], status: Status | null, width: number): Line {
	const head: Line = status ? [seg(status.text, status.tone), seg(' | ')] : [];
	const headLength = head.reduce((n, s) => n + s.text.length, 0);
	let shown = [...hints];
	const length = (list: FooterHint[], gap: number) =>
		list.reduce((n, h) => n + h.keys.length + 1 + h.label.length, 0) + gap * Math.max(0, list.length - 1);
	let gap = 2;
	while (headLength + length(shown, gap) > width) {
		if (gap === 2) {
			gap = 1;
			continue;
		}
		if (shown.length <= 2) break;
		shown = [...shown.slice(0, shown.length - 3), ...shown.slice(shown.length - 2)];
		gap = 2;
	}
	const line: Line = [...head];
	shown.forEach((h, index) => {
		if (index > 0) line.push(seg(' '.repeat(gap)));
		line.push(seg(h.keys, 'key'), seg(' ' + h.label));
	});
	return line;
}

export function Footer({hints, status, width}: {hints: FooterHint[]; status: Status | null; width: number}) {
	return <LineView line={footerLine(hints, status, width)} width={width} />;
}
