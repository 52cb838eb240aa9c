// Types for scripts/screens.mjs (used by test/screens.test.ts).
export declare const SIZES: Array<[number, number]>;
export declare const STEPS: Array<[string, string | null]>;
export declare function capture(tree: string, size: [number, number]): Promise<string>;
export declare function treeNames(): string[];
