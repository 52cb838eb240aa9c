// Types for bench/gen.mjs (plain JS, so the benchmark runs without a build), for test/bench-gen.test.ts.

export interface TreeParams {
	parents: number;
	typesPerParent: number;
	instances: number;
	/** Share of the active instances that also have an mdevctl definition (0..1). */
	definedShare: number;
	/** UUIDs defined in mdevctl's store without being active. */
	definedOnly: number;
}

export interface TreeInfo {
	params: TreeParams;
	seed: number;
	/** Files, directories and links written. */
	entries: number;
	expected: {
		parents: number;
		types: number;
		active: number;
		definedActive: number;
		definedOnly: number;
		instances: number;
		iommuGroups: number;
		activePerParent: Record<string, number>;
	};
}

export const DEFAULT_SEED: number;
export const DEFAULT_CACHE: string;
export const PRESETS: {large: TreeParams; huge: TreeParams; small: TreeParams};
export const STAMP: string;
export function prng(seed: number): {next(): number; int(n: number): number; pick<T>(list: T[]): T; uuid(): string};
export function writeTree(root: string, params: TreeParams, seed: number): TreeInfo;
export function ensureTree(
	preset: string,
	opts?: {seed?: number; cache?: string; params?: TreeParams},
): {root: string; info: TreeInfo; generated: boolean};
