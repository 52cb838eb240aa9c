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
	const redraw = useContext(RedrawContext);
	// Ink re-subscribes useInput's handler in an effect, which may run after the next key arrives;
	// reading the latest handler through a ref keeps keys from acting on the previous screen's state.
	const press = useRef(handler);
	press.current = (input, key) => {
		// The key table's redraw works in every view and state, so it is answered here, not by a view.
		if (resolveKey(['global'], input, key)?.action === 'redraw') redraw();
		else handler(input, key);
	};
	useInput(
		useCallback((input: string, key: KeyPress) => {
			const [first, ...rest] = splitKeys(input, key);
			press.current(first!.input, first!.key);
			for (const next of rest) setTimeout(() => press.current(next.input, next.key), 0);
		}, []),
	);
}
