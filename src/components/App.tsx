// The TUI's root, a view of the store (src/state/store.ts, run by hooks/use-store.ts): it draws the
// state, turns keys into the key table's messages, and sends resizes and the status's height.

import React, {useMemo} from 'react';
import {Box, useStdout} from 'ink';
import type {HostModel} from '../model/types.js';
import {activeContexts, footerHints, MAIN_CONTEXTS, resolveKey, sharedAction, type Binding} from '../keymap.js';
import {detailSubject, layoutOf, viewOf} from '../state/reducer.js';
import {footerStatus, initialStore, type KeyInput} from '../state/store.js';
import {helpCapacity, innerWidth, MIN_COLUMNS, MIN_ROWS, paneBox, paneCapacity, statusRoom, type PaneBox} from '../state/layout.js';
import {parentRows} from '../state/views.js';
import {isEmptyHost} from '../model/columns.js';
import {sizeOf, useResize} from './hooks/use-terminal-size.js';
import {useStore, type StoreOptions} from './hooks/use-store.js';
import {useKeys} from './hooks/use-keys.js';
import {useMouse} from './hooks/terminal.js';
import {adviceOf} from '../advice/index.js';
import {ThemeProvider, colorFromEnv} from './theme.js';
import {Header} from './Header.js';
import {Footer, footerLayout} from './Footer.js';
import {FilterBar} from './FilterBar.js';
import {HelpOverlay} from './HelpOverlay.js';
import {TextOverlay} from './TextOverlay.js';
import {adviceLines, doctorLines} from '../present/panel-lines.js';
import {EmptyHost} from './EmptyHost.js';
import {ParentsPane} from './ParentsPane.js';
import {TypesPane} from './TypesPane.js';
import {InstancesPane} from './InstancesPane.js';
import {DetailPane} from './DetailPane.js';
import {LineView} from './LineView.js';
import {detailLines} from '../present/detail-lines.js';
import {helpLines} from '../present/help-lines.js';
import {lineLength, seg} from '../present/line.js';
import {wrap} from '../present/text.js';
import {instanceOwners} from '../model/instances.js';

/** The store's options (how to rescan, probe, read owners and open the sample), the first observation and the colour. */
export interface AppProps extends StoreOptions {
	/** The observation shown first (a recording's, or --probe's, with its probe results on its instances). */
	model: HostModel;
	/** Colour on/off; by default off when NO_COLOR is set. */
	color?: boolean;
	/** Mouse reports on from the start (--mouse); M turns them on and off. */
	mouse?: boolean;
	/** The keys that write: on from the start (--allow-write), or locked off and why (src/actions/host.ts writeLock). */
	writes?: {on: boolean; lock: string | null};
}

/** The advice view's title, without the uuid where that would not fit (the first line names it too): never cut. */
function adviceTitle(uuid: string | null, columns: number): string {
	const title = `Advice${uuid ? ` for ${uuid}` : ''}: x or Esc closes`;
	return title.length + 9 <= columns ? title : 'Advice: x or Esc closes';
}

export function App(props: AppProps) {
	const {stdout} = useStdout();
	const [state, send] = useStore(() => initialStore(props.model, sizeOf(stdout), {sampleAvailable: !!props.openSample, mouse: props.mouse, writes: props.writes}), props);
	useResize((size) => send({type: 'resize', ...size}));
	const color = props.color ?? colorFromEnv(process.env);
	// One object while the colour choice stands: a new one each render would re-render every line.
	const theme = useMemo(() => ({color}), [color]);

	const view = useMemo(() => viewOf(state), [state.model, state.filter.text, state.selected, state.focus, state.sort]);
	const layout = useMemo(() => layoutOf(state), [state.viewport, state.focus, state.filter, state.statusLines]);
	const empty = isEmptyHost(state.model);
	const subject = useMemo(() => detailSubject(state, view), [state.lastList, view]);
	const running = useMemo(() => new Set(state.probes.running), [state.probes.running]);
	const detailBox = paneBox(layout, 'detail');
	const detail = useMemo(() => {
		const probe = subject.kind === 'instance' ? {result: subject.instance.probe, running: subject.instance.active && running.has(subject.instance.uuid)} : {running: false};
		const owner = subject.kind === 'instance' ? instanceOwners(state.model, subject.instance) : undefined;
		return detailLines(subject, state.model, probe, detailBox ? innerWidth(detailBox) : 40, owner);
	}, [subject, state.model, detailBox?.width, running]);
	const help = useMemo(() => helpLines(Math.max(20, layout.columns - 2), {contexts: MAIN_CONTEXTS}), [layout.columns]);
	// The doctor (`d`) or the selected instance's advice (`x`), over the panes like the help.
	const panelKind = state.panel?.kind ?? null;
	const panel = useMemo(() => {
		const width = Math.max(20, layout.columns - 2);
		if (panelKind === 'doctor') return state.doctor ? doctorLines(state.doctor, width) : [[seg('checking...', 'dim')]];
		if (panelKind === 'advice' && subject.kind === 'instance') return adviceLines(adviceOf(state.model, subject.instance), width);
		return [];
	}, [panelKind, state.doctor, subject, state.model, layout.columns]);
	const contexts = activeContexts({
		confirm: state.confirm !== null,
		empty,
		sampleAvailable: state.sampleAvailable,
		help: state.help.open,
		panel: panelKind,
		filterEditing: state.filter.editing,
		focus: state.focus,
	});

	/** The binding's message: its own, or the shared navigation's (which needs the length of what it scrolls or shifts). */
	const messageOf = (binding: Binding, input: string): KeyInput | null => {
		const reason = binding.disabledReason?.(state);
		if (reason) return {type: 'status', status: {text: reason, tone: 'warn'}};
		if (binding.message) return binding.message;
		if (binding.action === 'sidewaysRight' || binding.action === 'sidewaysLeft') {
			const widest = panel.reduce((n, line) => Math.max(n, lineLength(line)), 0);
			return {type: 'sideways', dir: binding.action === 'sidewaysRight' ? 1 : -1, overflow: Math.max(0, widest - (layout.columns - 2))};
		}
		return sharedAction(binding.action, input, state.help.open ? help.length : state.panel ? panel.length : detail.length);
	};

	useKeys((input, key) => {
		const binding = resolveKey(contexts, input, key);
		const msg = binding ? messageOf(binding, input) : null;
		if (msg) send({type: 'key', msg});
	});

	// The wheel scrolls what a move would: the help, the doctor or advice view, or the detail's text.
	useMouse((report) => send({type: 'key', msg: {type: 'pointer', report, contentLength: state.help.open ? help.length : state.panel ? panel.length : detail.length}}));

	const status = footerStatus(state);
	const {columns, rows} = layout;
	const filterShown = layout.filterLines > 0;
	const hints = footerHints(contexts, {writes: state.writes.on, state});
	const room = statusRoom(state.viewport, filterShown);
	// A long status takes lines of its own above the keys; the panes give them up (in the reducer's
	// layout, so scroll windows and paging agree). Set while rendering: no frame is drawn with both.
	const statusLines = footerLayout(hints, status, columns, room).status.length;
	if (statusLines !== state.statusLines) send({type: 'status-lines', lines: statusLines});

	let body: React.ReactNode;
	if (layout.tooSmall) {
		const text = `Terminal ${columns}x${rows} is too small: mdevscope needs ${MIN_COLUMNS}x${MIN_ROWS}. q quits.`;
		body = wrap(text, columns).map((line, index) => <LineView key={index} line={[seg(line, 'warn')]} width={columns} />);
	} else if (state.help.open) {
		body = <HelpOverlay lines={help} scroll={state.help.scroll} width={columns} height={helpCapacity(layout) + 2} />;
	} else if (state.panel) {
		const title =
			state.panel.kind === 'doctor'
				? 'Doctor: d or Esc closes, r checks again'
				: adviceTitle(subject.kind === 'instance' ? subject.instance.uuid : null, columns);
		body = <TextOverlay title={title} lines={panel} scroll={state.panel.scroll} left={state.panel.left} width={columns} height={helpCapacity(layout) + 2} />;
	} else if (empty) {
		body = <EmptyHost model={state.model} doctor={state.doctor} width={columns} height={layout.bodyHeight} canOpenSample={state.sampleAvailable} />;
	} else {
		const pane = (box: PaneBox) => {
			const focused = state.focus === box.id;
			const common = {focused, width: box.width, height: box.height, capacity: paneCapacity(layout, box.id), mark: state.filter.text};
			switch (box.id) {
				case 'parents':
					return (
						<ParentsPane
							key={box.id}
							{...common}
							rows={view.parents}
							total={parentRows(state.model).length}
							selected={state.selected.parents}
							scroll={state.scroll.parents}
						/>
					);
				case 'types':
					return (
						<TypesPane
							key={box.id}
							{...common}
							parent={view.parent}
							types={view.types}
							selected={state.selected.types}
							scroll={state.scroll.types}
						/>
					);
				case 'instances':
					return (
						<InstancesPane
							key={box.id}
							{...common}
							parent={view.parent}
							type={view.instanceScope === 'type' ? view.type : null}
							instances={view.instances}
							selected={state.selected.instances}
							scroll={state.scroll.instances}
							model={state.model}
							running={running}
							sort={state.sort}
						/>
					);
				case 'detail':
					return (
						<DetailPane
							key={box.id}
							title="Detail"
							lines={detail}
							scroll={state.scroll.detail}
							focused={focused}
							width={box.width}
							height={box.height}
						/>
					);
			}
		};
		body = layout.bands.map((band, index) => (
			<Box key={index} flexDirection="row" width={columns} height={band[0]?.height ?? 0}>
				{band.map(pane)}
			</Box>
		));
	}

	return (
		<ThemeProvider theme={theme}>
			<Box flexDirection="column" width={columns} height={Math.max(1, rows - 1)} overflowY="hidden">
				<Header model={state.model} width={columns} writes={state.writes.on} />
				<Box flexDirection="column" width={columns} height={Math.max(0, layout.bodyHeight)} overflowY="hidden">
					{body}
				</Box>
				{filterShown ? <FilterBar text={state.filter.text} editing={state.filter.editing} width={columns} /> : null}
				<Footer hints={hints} status={status} width={columns} room={room} />
			</Box>
		</ThemeProvider>
	);
}
