// Types for scripts/screens.mjs (used by test/screens.test.ts).
export declare const SIZES: Array<[number, number]>;
export declare const STEPS: Array<[string, string | null]>;
/** `root`: the tree to run on (by default test/fixtures/trees/<tree>); it is shown as test/fixtures/trees/<tree>. */
export declare function capture(tree: string, size: [number, number], root?: string, expected?: string): Promise<string>;
/** Whether a terminal device (`/dev/pts/3`) is in raw mode: no echo, no line editing. */
export declare function inRawMode(tty: string): boolean;
export declare function treeNames(): string[];
export declare function screenFile(tree: string, size: [number, number]): string;
/** `keptDir`: where the kept captures are, to check against (each step waited for as kept). */
export declare function captureAll(names: string[], jobs?: number, keptDir?: string): Promise<Map<string, string>>;
export declare function firstDifference(got: string, want: string): string | null;
