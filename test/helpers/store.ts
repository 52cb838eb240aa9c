// Driving the TUI's store (src/state/store.ts) in tests: messages in, the state and the effects out.
import {update, type Effect, type Msg, type StoreState} from '../../src/state/store.js';

/** Sends each message in turn; the effects asked for on the way, in order. */
export function send(state: StoreState, ...msgs: Msg[]): {state: StoreState; effects: Effect[]} {
	const effects: Effect[] = [];
	for (const msg of msgs) {
		const [next, asked] = update(state, msg);
		state = next;
		effects.push(...asked);
	}
	return {state, effects};
}
