// What a view may ask of the terminal beside Ink's frames, provided by src/terminal/screen.tsx: draw
// the whole screen again, write a sequence that moves no cursor (OSC 52, the mouse modes), and hear
// the mouse reports taken out of stdin. Outside it (ink-testing-library) nothing reaches a terminal.

import {createContext, useContext, useEffect, useRef} from 'react';
import type {MouseReport} from '../../state/mouse.js';

export interface Terminal {
	/** Draws the whole screen again (frames are otherwise written as the cells that changed). */
	redraw: () => void;
	/** Writes straight to the terminal, beside Ink's frames. */
	write: (sequence: string) => void;
	/** Calls `listener` with each mouse report; returns how to stop. */
	onMouse: (listener: (report: MouseReport) => void) => () => void;
}

export const TerminalContext = createContext<Terminal>({redraw: () => {}, write: () => {}, onMouse: () => () => {}});

export function useTerminal(): Terminal {
	return useContext(TerminalContext);
}

/** Calls the latest `handler` with each mouse report while the view is shown. */
export function useMouse(handler: (report: MouseReport) => void): void {
	const {onMouse} = useTerminal();
	const latest = useRef(handler);
	latest.current = handler;
	useEffect(() => onMouse((report) => latest.current(report)), [onMouse]);
}
