// The compare view: SOURCE and DEST and the result on top, SOURCE's instances with their verdicts,
// and the reasons of the selected one. State is src/state/compare-view.ts's reducer, the text
// src/present/compare-lines.ts; this only draws and reads keys (through the one key table).

import React, {useMemo, useReducer} from 'react';
import {Box, useApp, useStdout} from 'ink';
import type {Comparison, InstanceVerdict} from '../compare/compare.js';
import {onDest, where} from '../output/compare.js';
import {
	compareHelpCapacity,
	compareLayoutOf,
	compareReducer,
	initialCompareState,
	listCapacity,
	selectedVerdict,
	visibleVerdicts,
} from '../state/compare-view.js';
import {COMPARE_LEGEND, reasonLines, resultLine, sideLines, verdictTone} from '../present/compare-lines.js';
import {compareContexts, footerHints, resolveKey, sharedAction} from '../keymap.js';
import {MIN_COLUMNS, MIN_ROWS} from '../state/layout.js';
import {sizeOf, useResize} from './hooks/use-terminal-size.js';
import {useKeys} from './hooks/use-keys.js';
import {ThemeProvider, colorFromEnv} from './theme.js';
import {ListPane, windowLabel} from './ListTable.js';
import {DetailPane} from './DetailPane.js';
import {HelpOverlay} from './HelpOverlay.js';
import {FilterBar} from './FilterBar.js';
import {Footer} from './Footer.js';
import {LineView} from './LineView.js';
import {helpLines} from '../present/help-lines.js';
import {seg} from '../present/line.js';
import {wrap} from '../present/text.js';
import type {Column} from '../present/table.js';

export interface CompareViewProps {
	comparison: Comparison;
	/** Colour on/off; by default off when NO_COLOR is set. */
	color?: boolean;
}

const COLUMNS: Column<InstanceVerdict>[] = [
	{key: 'uuid', title: 'instance', priority: 1, min: 36, value: (v) => v.uuid},
	// Active or defined-only is in the reasons pane: the room goes to where the instance would go.
	{key: 'type', title: 'type', priority: 3, min: 10, max: 32, shorten: 'middle', value: where},
	{key: 'dest', title: 'on DEST', priority: 4, min: 12, max: 40, shorten: 'end', value: onDest},
	{key: 'verdict', title: 'verdict', priority: 2, min: 7, value: (v) => v.verdict, tone: (v) => verdictTone(v.verdict)},
];

export function CompareView({comparison, color = colorFromEnv(process.env)}: CompareViewProps) {
	const {exit} = useApp();
	const {stdout} = useStdout();
	const [state, dispatch] = useReducer(compareReducer, undefined, () => initialCompareState(comparison.instances, sizeOf(stdout)));
	useResize((size) => dispatch({type: 'resize', ...size}));
	const layout = compareLayoutOf(state);
	const {columns, rows} = layout;
	const shown = useMemo(() => visibleVerdicts(state.all, state.filter.text), [state.all, state.filter.text]);
	const selected = selectedVerdict(state);
	const reasons = useMemo(() => (selected ? reasonLines(selected, Math.max(20, columns - 2)) : []), [selected, columns]);
	const contexts = compareContexts({help: state.help.open, filterEditing: state.filter.editing});
	const theme = useMemo(() => ({color}), [color]);
	const help = useMemo(
		() => helpLines(Math.max(20, columns - 2), {contexts: ['compare', 'help', 'filter', 'global'], legend: COMPARE_LEGEND, where: 'compare = the instances or reasons pane; filter = while typing one', columns: []}),
		[columns],
	);

	useKeys((input, key) => {
		const binding = resolveKey(contexts, input, key);
		if (!binding) return;
		if (binding.action === 'quit') return exit();
		// Everything else here is the navigation the main screen has too (the table scopes nothing more).
		const shared = sharedAction(binding.action, input, state.help.open ? help.length : reasons.length);
		if (shared) dispatch(shared);
	});

	let body: React.ReactNode;
	if (layout.tooSmall) {
		const text = `Terminal ${columns}x${rows} is too small: mdevscope needs ${MIN_COLUMNS}x${MIN_ROWS}. q quits (the report is printed then).`;
		body = wrap(text, columns).map((line, index) => <LineView key={index} line={[seg(line, 'warn')]} width={columns} />);
	} else if (state.help.open) {
		body = <HelpOverlay lines={help} scroll={state.help.scroll} width={columns} height={compareHelpCapacity(layout) + 2} />;
	} else {
		const capacity = listCapacity(layout);
		const empty = comparison.instances.length === 0 ? 'SOURCE has no mdev instance to compare' : 'no instance matches the filter (Esc clears it)';
		body = (
			<>
				<ListPane
					title={`SOURCE instances ${windowLabel(state.scroll, capacity, shown.length)}`}
					columns={COLUMNS}
					rows={shown}
					selected={state.selected}
					scroll={state.scroll}
					capacity={capacity}
					focused={state.focus === 'instances'}
					width={columns}
					height={layout.listHeight}
					hasErrors={() => false}
					emptyText={empty}
				/>
				<DetailPane
					title="Reasons"
					lines={reasons}
					scroll={state.reasonsScroll}
					focused={state.focus === 'reasons'}
					width={columns}
					height={layout.reasonsHeight}
				/>
			</>
		);
	}

	return (
		<ThemeProvider theme={theme}>
			<Box flexDirection="column" width={columns} height={Math.max(1, rows - 1)} overflowY="hidden">
				{sideLines(comparison.source, comparison.dest, columns).map((line, i) => (
					<LineView key={i} line={line} width={columns} />
				))}
				<LineView line={resultLine(comparison, shown.length)} width={columns} />
				<Box flexDirection="column" width={columns} height={Math.max(0, layout.bodyHeight)} overflowY="hidden">
					{body}
				</Box>
				{layout.filterLines > 0 ? <FilterBar text={state.filter.text} editing={state.filter.editing} width={columns} /> : null}
				<Footer hints={footerHints(contexts)} status={null} width={columns} />
			</Box>
		</ThemeProvider>
	);
}
