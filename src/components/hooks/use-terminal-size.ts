// Ink 6 has no window-size hook: read the size from Ink's stdout and follow its 'resize' events.
// The callback runs inside the event (not from an effect after a render), and our listener is
// prepended, so the new size is in state before Ink repaints for the same event: Ink then lays out a
// tree already sized for the new terminal and never draws a line wider than it (which would wrap
// and leave garbage behind).

import {useEffect, useRef} from 'react';
import {useStdout} from 'ink';

export interface TerminalSize {
	columns: number;
	rows: number;
}

/** Without a TTY (tests, pipes) columns/rows may be missing: 80x24, the terminal default. */
export function sizeOf(stream: {columns?: number; rows?: number}): TerminalSize {
	return {columns: stream.columns || 80, rows: stream.rows || 24};
}

/** Calls `onResize` with the new size on every 'resize' of Ink's stdout (and once on mount). */
export function useResize(onResize: (size: TerminalSize) => void): void {
	const {stdout} = useStdout();
	const callback = useRef(onResize);
	callback.current = onResize;
	useEffect(() => {
		const handler = () => callback.current(sizeOf(stdout));
		stdout.prependListener('resize', handler);
		// A resize between the first render and this subscription would otherwise be missed.
		handler();
		return () => {
			stdout.off('resize', handler);
		};
	}, [stdout]);
}
