// Key input for a view: Ink's useInput, with text that arrived in one read split into single key
// presses (src/keymap.ts splitKeys), each handled after the screen has caught up with the one
// before (`/` opens the filter, then `m` is text). An Esc read together with the next key is kept
// apart from it before Ink parses the read (src/terminal/screen.tsx keyboardStdin).

import {useCallback, useEffect, useReducer, useRef} from 'react';
import {useInput} from 'ink';
import {resolveKey, splitKeys, type KeyPress} from '../../keymap.js';
import {useTerminal} from './terminal.js';

export function useKeys(handler: (input: string, key: KeyPress) => void): void {
	// Frames are written as the cells that changed, so something else's output would stay until overdrawn.
	const {redraw} = useTerminal();
	// Ink re-subscribes useInput's handler in an effect, which may run after the next key arrives;
	// reading the latest handler through a ref keeps keys from acting on the previous screen's state.
	const press = useRef(handler);
	press.current = (input, key) => {
		// The key table's redraw works in every view and state, so it is answered here, not by a view.
		if (resolveKey(['global'], input, key)?.action === 'redraw') redraw();
		else handler(input, key);
	};
	// Keys not handled yet, in the order they arrived: one Ink input split into several, and the inputs
	// that arrive while those wait (Ink reports `ab`, then the Esc, then `/` of one read at once).
	// Each key is handled once the screen has been rendered after the one before: a key bumps `drawn`,
	// so a render follows even a key that changed nothing, and the effect after it takes the next key.
	// (A timer would not do: React may render after it.)
	const queue = useRef<Array<{input: string; key: KeyPress}>>([]);
	const busy = useRef(false);
	const [drawn, bump] = useReducer((n: number) => n + 1, 0);
	const next = useCallback(() => {
		const first = queue.current.shift();
		busy.current = first !== undefined;
		if (!first) return;
		try {
			press.current(first.input, first.key);
		} finally {
			bump();
		}
	}, []);
	useEffect(() => {
		if (busy.current) next();
	}, [drawn, next]);
	useInput(
		useCallback(
			(input: string, key: KeyPress) => {
				queue.current.push(...splitKeys(input, key));
				if (!busy.current) next();
			},
			[next],
		),
	);
}
