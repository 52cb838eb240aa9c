// The README's keys table, from the one key table (src/keymap.ts helpEntries, as the `?` screen
// reads it). `npx tsx scripts/readme-keys.ts` rewrites the table between its markers in README.md;
// test/readme.test.ts fails when the README's table is not this one.
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {helpEntries, MAIN_CONTEXTS} from '../src/keymap.js';

export const BEGIN = '<!-- keys: generated from src/keymap.ts by `npx tsx scripts/readme-keys.ts`; test/readme.test.ts checks it -->';
export const END = '<!-- /keys -->';
export const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The table, one row per binding of the main screen: keys, where they work, what they do. */
export function keysTable(): string {
	const rows = helpEntries(MAIN_CONTEXTS).map((e) => `| ${cell(e.keys)} | ${cell(e.where)} | ${cell(e.help)}${e.dangerous ? ' (changes the host)' : ''} |`);
	return ['| keys | where | does |', '|---|---|---|', ...rows].join('\n');
}

/** README.md's text with the table between the markers replaced by keysTable(). */
export function withKeysTable(readme: string): string {
	const start = readme.indexOf(BEGIN);
	const end = readme.indexOf(END);
	if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} ... ${END} markers`);
	return readme.slice(0, start + BEGIN.length) + '\n' + keysTable() + '\n' + readme.slice(end);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	writeFileSync(README, withKeysTable(readFileSync(README, 'utf8')));
}
