// The mouse (issue 17: optional, off until --mouse or M): the terminal modes that turn its reports
// on and off, and the reports read out of what the terminal sends. Pure: src/terminal/screen.tsx
// takes the reports out of stdin before Ink sees them, the store turns them into moves.
//
// The modes are xterm's (ctlseqs, "Mouse Tracking"): 1000 reports button presses and releases,
// with the wheel as buttons 4 and 5; 1006 has them sent as SGR `CSI < b ; x ; y M|m`, decimal and
// without the 223-column limit of the X10 encoding (`CSI M` and three bytes), which is still read
// here for a terminal that ignores 1006.

/** Turn mouse reports on: press and release (1000), in SGR form (1006). */
export const MOUSE_ON = '\x1b[?1000h\x1b[?1006h';
/** Turn them off again; written on every way out, whether they were on or not (it costs nothing). */
export const MOUSE_OFF = '\x1b[?1006l\x1b[?1000l';

/** One report: a press of the left button, or a wheel step; x and y count from 0 (the terminal's from 1). */
export type MouseReport = {kind: 'click'; x: number; y: number} | {kind: 'wheel'; dir: 1 | -1; x: number; y: number};

// eslint-disable-next-line no-control-regex
const REPORT = /\x1b\[<(\d+);(\d+);(\d+)([Mm])|\x1b\[M([\s\S])([\s\S])([\s\S])/g;
/** The start of a report that the next read will finish. */
// eslint-disable-next-line no-control-regex
const UNFINISHED = /\x1b(?:\[(?:<[\d;]*|M[\s\S]{0,2})?)?$/;

/** What a button code and the press/release flag mean here; null for what the TUI does not use. */
function reportOf(code: number, press: boolean, x: number, y: number): MouseReport | null {
	// Bits 2-4 are Shift, Meta, Ctrl; 32 is motion (not asked for); 64 marks the wheel.
	if (code & 32) return null;
	const button = code & 3;
	if (code & 64) return button === 0 ? {kind: 'wheel', dir: -1, x, y} : button === 1 ? {kind: 'wheel', dir: 1, x, y} : null;
	return press && button === 0 && (code & 128) === 0 ? {kind: 'click', x, y} : null;
}

/**
 * Takes the mouse reports out of a chunk read from the terminal. `text` is the rest, for the key
 * parser; `held` an unfinished report at the end (or a lone ESC that may start one: `held` is
 * given back with the next read, and to keep a lone Esc from waiting, only ESC sequences that can
 * still become a report are held).
 */
export function takeMouseReports(chunk: string): {text: string; reports: MouseReport[]; held: string} {
	const reports: MouseReport[] = [];
	let text = chunk.replace(REPORT, (_all, sgrCode?: string, sgrX?: string, sgrY?: string, end?: string, b?: string, bx?: string, by?: string) => {
		const report =
			sgrCode !== undefined
				? reportOf(Number(sgrCode), end === 'M', Number(sgrX) - 1, Number(sgrY) - 1)
				: // X10: each byte is 32 + the value (coordinates from 1); a release is button 3.
					reportOf(b!.charCodeAt(0) - 32, (b!.charCodeAt(0) - 32 & 3) !== 3, bx!.charCodeAt(0) - 33, by!.charCodeAt(0) - 33);
		if (report) reports.push(report);
		return '';
	});
	let held = '';
	const tail = UNFINISHED.exec(text);
	// A lone ESC at the end is Esc (or Ink's to wait for); only `ESC [<...` and `ESC [M..` are held.
	if (tail && (tail[0].startsWith('\x1b[<') || tail[0].startsWith('\x1b[M'))) {
		held = tail[0];
		text = text.slice(0, tail.index);
	}
	return {text, reports, held};
}
