// Key input for a view: Ink's useInput, with text that arrived in one read split into single key
// presses (src/keymap.ts splitKeys), each handled after the screen has caught up with the one
// before (`/` opens the filter, then `m` is text).

import {useCallback, useRef} from 'react';
import {useInput} from 'ink';
import {splitKeys, type KeyPress} from '../../keymap.js';

export function useKeys(handler: (input: string, key: KeyPress) => void): void {
	// Ink re-subscribes useInput's handler in an effect, which may run after the next key arrives;
	// reading the latest handler through a ref keeps keys from acting on the previous screen's state.
	const onKey = useRef(handler);
	onKey.current = handler;
	useInput(
		useCallback((input: string, key: KeyPress) => {
			const [first, ...rest] = splitKeys(input, key);
			onKey.current(first!.input, first!.key);
			for (const next of rest) setTimeout(() => onKey.current(next.input, next.key), 0);
		}, []),
	);
}
