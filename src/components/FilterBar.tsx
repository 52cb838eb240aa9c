import React from 'react';
import {LineView} from './LineView.js';
import {seg} from '../present/line.js';

/** `/` filter: while typing, a prompt with a cursor; once kept, what is applied and how to clear it. */
export function FilterBar({text, editing, width}: {text: string; editing: boolean; width: number}) {
	const line = editing
		? [seg('filter /', 'key'), seg(text), seg('_', 'dim'), seg('   Enter keep  Esc clear', 'dim')]
		: [seg('filter: ', 'dim'), seg(text, 'title'), seg('   / edit  Esc clear', 'dim')];
	return <LineView line={line} width={width} />;
}
