// Types for scripts/screens.mjs (used by test/screens.test.ts).
export declare const SIZES: Array<[number, number]>;
export declare const STEPS: Array<[string, string | null]>;
export declare function capture(tree: string, size: [number, number]): Promise<string>;
export declare function treeNames(): string[];
export declare function screenFile(tree: string, size: [number, number]): string;
export declare function captureAll(names: string[], jobs?: number): Promise<Map<string, string>>;
export declare function firstDifference(got: string, want: string): string | null;
