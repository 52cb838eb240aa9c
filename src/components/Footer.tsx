import React from 'react';
import type {FooterHint} from '../keymap.js';
import {LineView} from './LineView.js';
import {seg, type Line} from '../present/line.js';
import type {Status} from '../state/store.js';
import {truncate, wrap} from '../present/text.js';

export type {Status};

function hintsLength(list: FooterHint[], gap: number): number {
	return list.reduce((n, h) => n + h.keys.length + 1 + h.label.length, 0) + gap * Math.max(0, list.length - 1);
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
	let gap = 2;
	while (headLength + hintsLength(shown, gap) > width) {
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

export interface FooterLayout {
	/** The status on lines of its own above the keys (none when it shares their line). */
	status: Line[];
	footer: Line;
}

/**
 * Where a status goes: on the keys' line when it fits there with every key; else wrapped onto up to
 * `room` lines of its own above them, so that neither the message nor the keys are cut (a message
 * longer than `room` lines ends in `~`). With no room at all (a terminal of the minimum height), it
 * shares the keys' line as before.
 */
export function footerLayout(hints: FooterHint[], status: Status | null, width: number, room: number): FooterLayout {
	if (!status || room <= 0 || status.text.length + 3 + hintsLength(hints, 1) <= width) {
		return {status: [], footer: footerLine(hints, status, width)};
	}
	const lines = wrap(status.text, width, '  ');
	const kept = lines.slice(0, room);
	if (lines.length > room) kept[room - 1] = truncate(kept[room - 1]! + ' ' + lines.slice(room).map((l) => l.trim()).join(' '), width);
	return {status: kept.map((text) => [seg(text, status.tone)]), footer: footerLine(hints, null, width)};
}

export function Footer({hints, status, width, room = 0}: {hints: FooterHint[]; status: Status | null; width: number; room?: number}) {
	const {status: above, footer} = footerLayout(hints, status, width, room);
	return (
		<>
			{above.map((line, index) => (
				<LineView key={index} line={line} width={width} />
			))}
			<LineView line={footer} width={width} />
		</>
	);
}
