// A framed list pane: a column header and only the visible window of rows (scroll .. scroll +
// capacity), so a list of thousands costs what a screenful costs. Rows start with two marker columns:
// `>` on the selected row and `!` on a row whose item has errors.

import React, {useMemo} from 'react';
import {LineView} from './LineView.js';
import {Pane} from './Pane.js';
import {seg, type Line} from '../present/line.js';
import {headerLine, hiddenNote, planTable, rowLine, type Column} from '../present/table.js';

/** Where a list pane is and which part of its list it shows (from the reducer and the layout). */
export interface ListWindow {
	selected: number;
	scroll: number;
	capacity: number;
	focused: boolean;
	width: number;
	height: number;
	/** The filter's text: where it occurs in a cell, that part is marked. */
	mark?: string;
}

export interface ListPaneProps<T> extends ListWindow {
	title: string;
	columns: Column<T>[];
	rows: readonly T[];
	hasErrors: (row: T) => boolean;
	/** Shown instead of rows when the list is empty (says why). */
	emptyText: string;
}

const MARKS = 2;

export function ListPane<T>(props: ListPaneProps<T>) {
	const {title, columns, rows, selected, scroll, capacity, focused, width, height, hasErrors, emptyText, mark} = props;
	const inner = width - 2;
	const room = Math.max(1, inner - MARKS);
	// Measured over every row (a column is as wide as its longest value): once per list and width,
	// not per key that only moves the selection (256 parents' counts on the huge bench host).
	const {plan, hidden} = useMemo(() => planTable(columns, rows, room), [columns, rows, room]);
	// The columns that did not fit are counted in the bottom border (past its corner and dashes): Enter shows them all in the detail.
	const note = hiddenNote(hidden.length, width - 7);
	const header: Line = [seg(' '.repeat(MARKS)), ...headerLine(plan)];
	const visible = rows.slice(scroll, scroll + capacity);
	return (
		<Pane title={title} footer={note === '' ? undefined : note} focused={focused} width={width} height={height}>
			<LineView line={header} width={inner} />
			{rows.length === 0 ? <LineView line={[seg('  ' + emptyText, 'dim')]} width={inner} /> : null}
			{visible.map((row, offset) => {
				const index = scroll + offset;
				const isSelected = index === selected;
				const errors = hasErrors(row);
				const line: Line = [
					seg(isSelected ? '>' : ' '),
					seg(errors ? '!' : ' ', errors ? 'error' : undefined),
					...rowLine(plan, row, mark),
				];
				return (
					<LineView
						key={index}
						line={line}
						width={inner}
						tone={isSelected ? (focused ? 'cursor' : 'selected') : undefined}
					/>
				);
			})}
		</Pane>
	);
}

/** `(3)`, or `(3-6/40)` when the list does not fit, for pane titles. */
export function windowLabel(scroll: number, capacity: number, length: number): string {
	if (length <= capacity) return `(${length})`;
	return `(${scroll + 1}-${Math.min(length, scroll + capacity)}/${length})`;
}
