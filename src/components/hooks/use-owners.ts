// Who holds each instance, for the TUI: scans /proc (src/owners/join.ts) after each render that
// brought a new model (the first one, `r`), and again when a probe batch has ended, so the list never
// shows the probe's own short-lived children and shows a VM that grabbed a device meanwhile.
// A recording (snapshot, sample host) is not this host: its owners are the recorded ones, if any.

import {useEffect, useReducer, useRef, useState} from 'react';
import type {HostModel} from '../../model/types.js';
import {ownersByInstance, recordedOwners, type OwnersByInstance} from '../../owners/join.js';

export interface OwnersOptions {
	/** Whose /proc to read; by default the model's root (`/`, or the tree's own process table). */
	procRoot?: string;
	/** True while probes run: the owners are read again once it turns false. */
	probing: boolean;
}

export function ownersOf(model: HostModel, procRoot?: string): OwnersByInstance {
	if (procRoot === undefined && model.source.kind === 'snapshot') return recordedOwners(model);
	return ownersByInstance(model, procRoot ?? model.root);
}

/** null until the first scan is done (a moment after the first frame). */
export function useOwners(model: HostModel, {procRoot, probing}: OwnersOptions): OwnersByInstance | null {
	const [owners, setOwners] = useState<OwnersByInstance | null>(null);
	const [round, again] = useReducer((n: number) => n + 1, 0);
	const wasProbing = useRef(probing);
	useEffect(() => {
		if (wasProbing.current && !probing) again();
		wasProbing.current = probing;
	}, [probing]);
	useEffect(() => {
		setOwners(ownersOf(model, procRoot));
	}, [model, procRoot, round]);
	return owners;
}
