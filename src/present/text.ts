// Text helpers for the TUI. No Ink import: pure string functions, tested on their own.
// Every string that reaches the screen goes through sanitize() (via fit/wrap/LineView): sysfs values,
// mdevctl JSON and probe summaries come from outside and may carry terminal escape sequences.
// We draw ASCII only, so a string's length is its width on screen and no terminal needs UTF-8.

// ECMA-48 sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P/X/^/_ ... ST),
// and two-byte escapes (ESC + one char). Unterminated OSC/DCS runs are dropped up to the end of the string.
const ESCAPE_SEQUENCE =
	// eslint-disable-next-line no-control-regex
	/\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[\x20-\x7e]?)/g;
// 8-bit CSI/OSC introducers (C1) are removed with the rest of the C1 range below.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
// eslint-disable-next-line no-control-regex
const WHITESPACE_CONTROL = /[\t\n\r]/g;

/**
 * Make a string safe to draw: escape sequences and control characters removed, tabs/newlines turned
 * into spaces, anything outside printable ASCII shown as `?`.
 */
export function sanitize(value: string): string {
	return value
		.replace(ESCAPE_SEQUENCE, '')
		.replace(WHITESPACE_CONTROL, ' ')
		.replace(CONTROL, '')
		.replace(/[^\x20-\x7e]/gu, '?');
}

/**
 * sanitize for a line of plain text: newlines become `; ` first, so what was on several lines stays
 * readable on one (`ESC ] 0;title BEL`, `ESC [2J` and control characters go, non-ASCII becomes `?`).
 */
export function clean(text: string): string {
	return sanitize(text.replace(/\r?\n/g, '; '));
}

/** Cut to `width` columns, marking the cut with `~` (ASCII, unlike Ink's own truncation). */
export function truncate(value: string, width: number): string {
	if (width <= 0) return '';
	if (value.length <= width) return value;
	if (width === 1) return '~';
	return value.slice(0, width - 1) + '~';
}

/** Cut in the middle (for paths, whose both ends say something): `test/fi~/debian-6.12`. */
export function truncateMiddle(value: string, width: number): string {
	if (width <= 0) return '';
	if (value.length <= width) return value;
	if (width < 5) return truncate(value, width);
	const head = Math.ceil((width - 1) / 2);
	const tail = width - 1 - head;
	return value.slice(0, head) + '~' + value.slice(value.length - tail);
}

/** Sanitize, cut and pad to exactly `width` columns. */
export function fit(value: string, width: number, align: 'left' | 'right' = 'left'): string {
	const text = truncate(sanitize(value), width);
	const pad = ' '.repeat(Math.max(0, width - text.length));
	return align === 'right' ? pad + text : text + pad;
}

/**
 * Word-wrap a (sanitized) string to `width` columns; words longer than a line are cut hard, or with
 * `long: 'keep'` left whole on a line of their own (a path or command someone copies from the screen).
 * `indent` is put in front of continuation lines.
 */
export function wrap(value: string, width: number, indent = '', long: 'cut' | 'keep' = 'cut'): string[] {
	const text = sanitize(value).replace(/ +/g, ' ').trim();
	if (width <= 0) return [];
	if (text === '') return [''];
	const lines: string[] = [];
	let line = '';
	const room = () => width - (lines.length === 0 ? 0 : indent.length);
	const push = () => {
		lines.push((lines.length === 0 ? '' : indent) + line);
		line = '';
	};
	for (let word of text.split(' ')) {
		while (word.length > 0) {
			const space = line === '' ? 0 : 1;
			if (line.length + space + word.length <= room()) {
				line += (space ? ' ' : '') + word;
				word = '';
			} else if (line === '' && long === 'keep') {
				line = word;
				word = '';
				push();
			} else if (line === '') {
				// A word longer than the whole line: cut it.
				const cut = Math.max(1, room());
				line = word.slice(0, cut);
				word = word.slice(cut);
				push();
			} else {
				push();
			}
		}
	}
	if (line !== '' || lines.length === 0) push();
	return lines;
}

/** `0x2` style, as the kernel's headers write flags. */
export function hex(value: number): string {
	return '0x' + value.toString(16);
}

/** Bytes in the largest binary unit that keeps an integer-ish figure (`64M`, `7.9M`, `4096`). */
export function bytes(value: number): string {
	const units = ['', 'K', 'M', 'G', 'T'];
	let n = value;
	let unit = 0;
	while (n >= 1024 && unit < units.length - 1) {
		n /= 1024;
		unit++;
	}
	if (unit === 0) return String(value);
	return (Number.isInteger(n) ? String(n) : n.toFixed(1)) + units[unit];
}
