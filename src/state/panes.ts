// What the main screen is made of, in the state's own words: the four panes and the views that
// cover them. The key table (src/keymap.ts) says which keys work where in these terms; the state
// never needs the key table (issue 16: the imports run one way).

export type PaneId = 'parents' | 'types' | 'instances' | 'detail';
export const PANES: readonly PaneId[] = ['parents', 'types', 'instances', 'detail'];

/** The views that cover the panes like the help screen does. */
export type Panel = 'doctor' | 'advice';
