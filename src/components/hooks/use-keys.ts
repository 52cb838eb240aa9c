// Key input for a view: Ink's useInput, with text that arrived in one read split into single key
// presses (src/keymap.ts splitKeys), each handled after the screen has caught up with the one
// before (`/` opens the filter, then `m` is text).

import {createContext, useCallback, useContext, useRef} from 'react';
import {useInput} from 'ink';
import {resolveKey, splitKeys, type KeyPress} from '../../keymap.js';

/**
 * Draws the whole screen again (src/screen.tsx provides it; frames are otherwise written as the
 * cells that changed, so something else's output on the terminal would stay until overdrawn).
 */
export const RedrawContext = createContext<() => void>(() => {});

export function useKeys(handler: (input: string, key: KeyPress) => void): void {
	// Ink re-subscribes useInput's handler in an effect, which may run after the next key arrives;
	// reading the latest handler through a ref keeps keys from acting on the previous screen's state.
	const onKey = useRef(handler);
	onKey.current = handler;
	const redraw = useContext(RedrawContext);
	const press = (input: string, key: KeyPress) => {
		// The key table's redraw works in every view and state, so it is answered here, not by a view.
		if (resolveKey(['global'], input, key)?.action === 'redraw') redraw();
		else onKey.current(input, key);
	};
	const pressRef = useRef(press);
	pressRef.current = press;
	useInput(
		useCallback((input: string, key: KeyPress) => {
			const [first, ...rest] = splitKeys(input, key);
			pressRef.current(first!.input, first!.key);
			for (const next of rest) setTimeout(() => pressRef.current(next.input, next.key), 0);
		}, []),
	);
}
