// The TUI's root: wires the navigation reducer, the probe hook and the key table to the panes.
// Effects live in hooks and in the key actions below; the panes only receive data.

import React, {useMemo, useReducer, useState} from 'react';
import {Box, useApp, useStdout} from 'ink';
import type {HostModel} from '../model/types.js';
import {activeContexts, footerHints, MAIN_CONTEXTS, resolveKey, sharedAction, type Action} from '../keymap.js';
import {detailSubject, initialState, layoutOf, reducer, shownInstances, staleProbes, viewOf} from '../state/reducer.js';
import {helpCapacity, innerWidth, MIN_COLUMNS, MIN_ROWS, paneBox, paneCapacity, statusRoom, type PaneBox} from '../state/layout.js';
import {isEmptyHost, parentRows} from '../state/views.js';
import {sizeOf, useResize} from './hooks/use-terminal-size.js';
import {useProbes, type ProbeFn} from './hooks/use-probes.js';
import type {ProbeResult} from '../model/probe.js';
import {useOwners} from './hooks/use-owners.js';
import {useDoctor} from './hooks/use-doctor.js';
import {useKeys} from './hooks/use-keys.js';
import {adviceFor} from '../advice/index.js';
import {ThemeProvider, colorFromEnv} from './theme.js';
import {Header} from './Header.js';
import {Footer, footerLayout, type Status} from './Footer.js';
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
import {borrowQuestion} from '../present/borrow-confirm.js';
import {ownersOf, probeOf} from '../model/instances.js';

export interface AppProps {
	model: HostModel;
	/** Reads the host again (`r`), given the model shown now; the new model keeps its source marker. */
	rescan: (shown: HostModel) => HostModel;
	/** Reads the bundled sample host (`s` on the empty screen), with its recorded probe answers; absent when there is none. */
	openSample?: () => {model: HostModel; probes?: ReadonlyMap<string, ProbeResult>};
	probeTimeoutMs?: number;
	concurrency?: number;
	/** The probe runner; by default src/probe/runner.ts, loaded on first probe. */
	probeFn?: ProbeFn;
	/** Probe results known at start (a snapshot's recorded ones, or those of `--probe`). */
	initialProbes?: ReadonlyMap<string, ProbeResult>;
	/** Colour on/off; by default off when NO_COLOR is set. */
	color?: boolean;
	/** Whose /proc tells who holds each instance; by default the model's root (a recording: as recorded). */
	procRoot?: string;
}

function clock(): string {
	return new Date().toTimeString().slice(0, 8);
}

/** The advice view's title, without the uuid where that would not fit (the first line names it too): never cut. */
function adviceTitle(uuid: string | null, columns: number): string {
	const title = `Advice${uuid ? ` for ${uuid}` : ''}: x or Esc closes`;
	return title.length + 9 <= columns ? title : 'Advice: x or Esc closes';
}

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

export function App(props: AppProps) {
	const {exit} = useApp();
	const {stdout} = useStdout();
	const [state, dispatch] = useReducer(reducer, undefined, () => initialState(props.model, sizeOf(stdout)));
	useResize((size) => dispatch({type: 'resize', ...size}));
	const [status, setStatus] = useState<Status | null>(null);
	// B's question, while it waits for y (yes) or any other key (no).
	const [confirm, setConfirm] = useState<{uuid: string; ask: string} | null>(null);
	const [rescan, setRescan] = useState<(shown: HostModel) => HostModel>(() => props.rescan);
	// What the running P batch covers (`of mdpy-hd (filter: mdpy)`), for its progress line.
	const [batchNote, setBatchNote] = useState<string | null>(null);
	const probes = useProbes({timeoutMs: props.probeTimeoutMs, concurrency: props.concurrency, probeFn: props.probeFn, initialResults: props.initialProbes});
	const owners = useOwners(state.model, {procRoot: props.procRoot, probing: probes.running.size > 0});
	const doctor = useDoctor();
	const color = props.color ?? colorFromEnv(process.env);
	// One object while the colour choice stands: a new one each render would re-render every line.
	const theme = useMemo(() => ({color}), [color]);

	const view = useMemo(() => viewOf(state), [state]);
	const layout = useMemo(() => layoutOf(state), [state]);
	const empty = isEmptyHost(state.model);
	const subject = useMemo(() => detailSubject(state, view), [state, view]);
	const detailBox = paneBox(layout, 'detail');
	const detail = useMemo(() => {
		const probe =
			subject.kind === 'instance'
				? {result: probeOf(probes.results, subject.instance), running: subject.instance.active && probes.running.has(subject.instance.uuid)}
				: {running: false};
		const owner = subject.kind === 'instance' ? ownersOf(owners, subject.instance) : undefined;
		return detailLines(subject, state.model, probe, detailBox ? innerWidth(detailBox) : 40, owner);
		// probes.version: the probe maps are mutated in place
	}, [subject, state.model, detailBox?.width, probes.version, owners]);
	const help = useMemo(() => helpLines(Math.max(20, layout.columns - 2), {contexts: MAIN_CONTEXTS}), [layout.columns]);
	// The doctor (`d`) or the selected instance's advice (`x`), over the panes like the help.
	const panelKind = state.panel?.kind ?? null;
	const panel = useMemo(() => {
		const width = Math.max(20, layout.columns - 2);
		if (panelKind === 'doctor') return doctor.view ? doctorLines(doctor.view, width) : [[seg('checking...', 'dim')]];
		if (panelKind === 'advice' && subject.kind === 'instance') {
			const {instance, row} = subject;
			const type = row.parent?.types.find((t) => t.id === instance.mdevType) ?? null;
			return adviceLines(adviceFor(instance, probeOf(probes.results, instance) ?? null, row.parent, type), width);
		}
		return [];
	}, [panelKind, doctor.view, subject, layout.columns, probes.version]);
	const contexts = activeContexts({
		empty,
		sampleAvailable: !!props.openSample,
		help: state.help.open,
		panel: panelKind,
		filterEditing: state.filter.editing,
		focus: state.focus,
	});

	const probeUuids = (uuids: string[], what: string) => {
		if (uuids.length === 0) setStatus({text: `nothing to probe: ${what}`, tone: 'warn'});
		else probes.probe(state.model, uuids);
	};

	const perform = (action: Action, input: string) => {
		const shared = sharedAction(action, input, state.help.open ? help.length : state.panel ? panel.length : detail.length);
		if (shared) return dispatch(shared);
		switch (action) {
			case 'paneRight':
				return dispatch({type: 'focus', to: 'right'});
			case 'paneLeft':
				return dispatch({type: 'focus', to: 'left'});
			case 'sidewaysRight':
			case 'sidewaysLeft': {
				const widest = panel.reduce((n, line) => Math.max(n, lineLength(line)), 0);
				return dispatch({type: 'sideways', dir: action === 'sidewaysRight' ? 1 : -1, overflow: Math.max(0, widest - (layout.columns - 2))});
			}
			case 'drill':
				return dispatch({type: 'drill'});
			case 'doctor':
				// Checked each time the view opens: the host may have changed since.
				if (panelKind !== 'doctor') doctor.check(state.model);
				return dispatch({type: 'panel', kind: 'doctor'});
			case 'advice': {
				if (panelKind === 'advice') return dispatch({type: 'panel', kind: 'advice', open: false});
				if (subject.kind !== 'instance') return setStatus({text: 'select an instance for its advice', tone: 'warn'});
				if (!probeOf(probes.results, subject.instance)) {
					setStatus({text: 'not probed: the advice cannot tell the display yet (p probes it)', tone: 'warn'});
				}
				return dispatch({type: 'panel', kind: 'advice', open: true});
			}
			case 'probe': {
				if (subject.kind !== 'instance') {
					return setStatus({text: 'select an instance to probe (P probes all)', tone: 'warn'});
				}
				if (!subject.instance.active) {
					return setStatus({text: 'defined, not active: start it (mdevctl start) to probe it', tone: 'warn'});
				}
				if (probes.running.size === 0) setBatchNote(null);
				return probeUuids([subject.instance.uuid], 'no active instance');
			}
			case 'borrow': {
				if (subject.kind !== 'instance') return setStatus({text: 'select a held instance to borrow its fd', tone: 'warn'});
				const question = borrowQuestion(subject.instance, probeOf(probes.results, subject.instance), ownersOf(owners, subject.instance));
				if (question.ask === null) return setStatus({text: question.why, tone: 'warn'});
				return setConfirm({uuid: question.uuid, ask: question.ask});
			}
			case 'probeAll': {
				// What the instances pane lists, as filtered: never an instance the screen hides.
				const filter = state.filter.text.trim();
				const of =
					state.focus === 'parents'
						? filter ? 'listed' : 'on this host'
						: `of ${view.instanceScope === 'type' && view.type ? view.type.id : (view.parent?.name ?? 'this parent')}`;
				const note = `${of}${filter ? ` (filter: ${filter})` : ''}`;
				const uuids = shownInstances(state, view).filter((i) => i.active).map((i) => i.uuid);
				if (uuids.length > 0 && probes.running.size === 0) setBatchNote(note);
				return probeUuids(uuids, `no active instance ${note}`);
			}
			case 'refresh':
				try {
					const fresh = {...rescan(state.model), source: state.model.source};
					// Results are kept only for the devices that are still the same ones.
					probes.forget(staleProbes(state.model, fresh, probes.results.keys()));
					dispatch({type: 'set-model', model: fresh});
					if (panelKind === 'doctor') doctor.check(fresh);
					return setStatus({text: `rescanned ${clock()}`});
				} catch (error) {
					return setStatus({text: `rescan failed: ${message(error)}`, tone: 'error'});
				}
			case 'sample': {
				const open = props.openSample;
				if (!open) return setStatus({text: "no sample host available (the package's test/fixtures/captured is missing)", tone: 'warn'});
				try {
					const sample = open();
					probes.replace(sample.probes ?? new Map());
					dispatch({type: 'set-model', model: sample.model});
					setRescan(() => () => open().model);
					return setStatus({text: `${sample.model.source.label ?? 'sample host'}: not this machine`, tone: 'warn'});
				} catch (error) {
					return setStatus({text: `sample host failed: ${message(error)}`, tone: 'error'});
				}
			}
			case 'quit':
				return exit();
		}
	};

	useKeys((input, key) => {
		if (confirm) {
			// Only y borrows; any other key says no (Ctrl-C still quits).
			setConfirm(null);
			if (input === 'y' && !key.ctrl && !key.meta) probes.probe(state.model, [confirm.uuid], {probeHeld: true});
			else if (resolveKey(['global'], input, key)?.action === 'quit') exit();
			else setStatus({text: 'not borrowed'});
			return;
		}
		const binding = resolveKey(contexts, input, key);
		if (!binding) return;
		// A status line answers the last key only; the action may set a new one.
		setStatus(null);
		perform(binding.action, input);
	});

	const footerStatus: Status | null = confirm
		? {text: confirm.ask, tone: 'warn'}
		: probes.running.size > 0 && probes.progress
		? {text: `probing ${probes.progress.done}/${probes.progress.total}${batchNote ? ` instances ${batchNote}` : ''}`, tone: 'warn'}
		: probes.error
			? {text: probes.error, tone: 'error'}
			: status;
	const {columns, rows} = layout;
	const filterShown = layout.filterLines > 0;
	const hints = confirm ? [] : footerHints(contexts);
	const room = statusRoom(state.viewport, filterShown);
	// A long status takes lines of its own above the keys; the panes give them up (in the reducer's
	// layout, so scroll windows and paging agree). Set while rendering: no frame is drawn with both.
	const statusLines = footerLayout(hints, footerStatus, columns, room).status.length;
	if (statusLines !== state.statusLines) dispatch({type: 'status-lines', lines: statusLines});

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
		body = <EmptyHost model={state.model} width={columns} height={layout.bodyHeight} canOpenSample={!!props.openSample} />;
	} else {
		const pane = (box: PaneBox) => {
			const focused = state.focus === box.id;
			const common = {focused, width: box.width, height: box.height, capacity: paneCapacity(layout, box.id)};
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
							probes={probes.results}
							running={probes.running}
							owners={owners}
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
				<Header model={state.model} width={columns} />
				<Box flexDirection="column" width={columns} height={Math.max(0, layout.bodyHeight)} overflowY="hidden">
					{body}
				</Box>
				{filterShown ? <FilterBar text={state.filter.text} editing={state.filter.editing} width={columns} /> : null}
				<Footer hints={hints} status={footerStatus} width={columns} room={room} />
			</Box>
		</ThemeProvider>
	);
}
