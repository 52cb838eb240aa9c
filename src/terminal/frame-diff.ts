// Ink redraws the whole screen on every frame: its log-update erases every line it drew and writes
// them all again, ~8.7 KB per key on a 160x48 terminal, which is what each key costs over a slow SSH
// link. Ink's own `incrementalRendering` rewrites only the changed lines, but whole, with a relative
// cursor (it loses its place when the terminal resizes and scrolls) and an erase after each line
// (which clips the last column on terminals that keep the cursor there after a full-width line).
// On the alternate screen every cell is ours, so FrameDiffer turns each of Ink's frames into writes
// of the cells that changed since the last frame, at absolute positions. Pure string work, no Ink.
//
// A frame is what log-update writes: the erase of the previous frame's lines, then the lines, whose
// only escapes are SGR (colours and attributes; everything we draw is sanitized ASCII, so a character
// is a column). Anything else is passed through untouched and the next frame is drawn whole.

// log-update's erase of `n` lines (ansi-escapes eraseLines): n x (erase line, up one) ending at column 1.
// eslint-disable-next-line no-control-regex
const FRAME = /^((?:\x1b\[2K\x1b\[1A)*\x1b\[2K\x1b\[G)?((?:[^\x1b]|\x1b\[[0-9;]*m)*)$/;
// Private modes Ink sets around frames (synchronized update 2026, cursor 25): they change no cell.
// eslint-disable-next-line no-control-regex
const MODES = /^(?:\x1b\[\?[0-9;]*[hl])+$/;
// eslint-disable-next-line no-control-regex
const OTHER_SCREEN = /\x1b\[\?(?:1049|1047|47)[hl]/;
// eslint-disable-next-line no-control-regex
const TOKEN = /\x1b\[([0-9;]*)m|[^\x1b]/g;
/** Unchanged cells between two changed runs of a line shorter than this are rewritten, not jumped over (a jump costs ~8 bytes). */
const GAP = 8;

/** The SGR state of a cell as the parameters that set it from a reset ('' = default). */
type Sgr = string;

interface Row {
	chars: string[];
	sgr: Sgr[];
}

const ATTRIBUTES: Record<number, [slot: number, on: boolean]> = {
	1: [0, true],
	2: [1, true], // 22 ends both bold and dim: SgrState.apply
	3: [2, true],
	23: [2, false],
	4: [3, true],
	24: [3, false],
	5: [4, true],
	25: [4, false],
	7: [5, true],
	27: [5, false],
	8: [6, true],
	28: [6, false],
	9: [7, true],
	29: [7, false],
};
const ATTRIBUTE_CODES = ['1', '2', '3', '4', '5', '7', '8', '9'];

/** Applies SGR parameters to a state; null for a code we do not know (the frame is then passed through). */
class SgrState {
	private attributes = [false, false, false, false, false, false, false, false];
	private fg = '';
	private bg = '';

	apply(params: string): boolean {
		const codes = params === '' ? [0] : params.split(';').map(Number);
		for (let i = 0; i < codes.length; i++) {
			const code = codes[i]!;
			if (code === 0) {
				this.attributes.fill(false);
				this.fg = '';
				this.bg = '';
			} else if (code === 22) {
				this.attributes[0] = false;
				this.attributes[1] = false;
			} else if (ATTRIBUTES[code]) {
				const [slot, on] = ATTRIBUTES[code];
				this.attributes[slot] = on;
			} else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) this.fg = String(code);
			else if (code === 39) this.fg = '';
			else if ((code >= 40 && code <= 47) || (code >= 100 && code <= 107)) this.bg = String(code);
			else if (code === 49) this.bg = '';
			else if (code === 38 || code === 48) {
				// 38;5;n or 38;2;r;g;b (and 48 for the background)
				const take = codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : -1;
				if (take < 0 || i + take >= codes.length) return false;
				const value = codes.slice(i, i + take + 1).join(';');
				if (code === 38) this.fg = value;
				else this.bg = value;
				i += take;
			} else return false;
		}
		return true;
	}

	get key(): Sgr {
		const params = ATTRIBUTE_CODES.filter((_, slot) => this.attributes[slot]);
		if (this.fg) params.push(this.fg);
		if (this.bg) params.push(this.bg);
		return params.join(';');
	}
}

/** A line of a frame as cells; null when it has an SGR code we do not know. */
function parseLine(line: string): Row | null {
	const row: Row = {chars: [], sgr: []};
	const state = new SgrState();
	let key: Sgr = '';
	for (const match of line.matchAll(TOKEN)) {
		if (match[1] !== undefined) {
			if (!state.apply(match[1])) return null;
			key = state.key;
		} else {
			row.chars.push(match[0]);
			row.sgr.push(key);
		}
	}
	return row;
}

const at = (row: number, column: number) => (column === 1 ? `\x1b[${row}H` : `\x1b[${row};${column}H`);
const sgrOf = (key: Sgr) => (key === '' ? '\x1b[0m' : `\x1b[0;${key}m`);

export class FrameDiffer {
	/** What the terminal shows, or null when that is not known (the next frame is drawn whole). */
	private screen: Row[] | null = null;
	/** The lines of the last frame as Ink wrote them: a line written again unchanged is not parsed again. */
	private lines: string[] = [];
	private size = '';
	/** Ink's last frame as it wrote it, for redraw(). */
	private last: string | null = null;

	/** Forget what the terminal shows: the next frame is drawn whole. */
	invalidate(): void {
		this.screen = null;
	}

	/**
	 * The last frame drawn whole (clear screen, every cell), for Ctrl-L: whatever else wrote to the
	 * terminal meanwhile (a `wall` message, a kernel console line) is painted over. '' before the
	 * first frame.
	 */
	redraw(columns: number, rows: number): string {
		if (this.last === null) return '';
		this.invalidate();
		return this.write(this.last, columns, rows);
	}

	/**
	 * What to write instead of `data`, one of Ink's writes to a `columns` x `rows` terminal: for a
	 * frame, the changed cells; anything else unchanged (and, unless it only sets modes such as the
	 * cursor's visibility, the next frame is drawn whole).
	 */
	write(data: string, columns: number, rows: number): string {
		if (MODES.test(data)) {
			if (OTHER_SCREEN.test(data)) this.invalidate();
			return data;
		}
		const match = FRAME.exec(data);
		const size = `${columns}x${rows}`;
		// Without log-update's erase in front, text is a frame only when nothing is on screen yet
		// (Ink's first frame); otherwise it is someone's output (patched console), passed through.
		if (!match || (!match[1] && this.screen !== null)) {
			this.invalidate();
			return data;
		}
		this.last = data;
		const text = match[2]!;
		const lines = text.split('\n');
		const endsWithNewline = text.endsWith('\n');
		if (endsWithNewline) lines.pop();
		let out = '';
		// A new size may have reflowed or scrolled what the terminal shows: start from a clear screen.
		if (this.screen === null || size !== this.size) {
			out += '\x1b[0m\x1b[H\x1b[2J';
			this.screen = [];
			this.lines = [];
			this.size = size;
		}
		const before = this.screen;
		const frame: Row[] = [];
		for (const [r, line] of lines.entries()) {
			const row = line === this.lines[r] && before[r] ? before[r] : parseLine(line);
			if (!row) {
				this.invalidate();
				return data;
			}
			frame.push(row);
		}
		let current: Sgr = '';
		for (let r = 0; r < Math.max(frame.length, before.length); r++) {
			if (frame[r] !== undefined && frame[r] === before[r]) continue;
			const next = frame[r] ?? {chars: [], sgr: []};
			const old = before[r] ?? {chars: [], sgr: []};
			const same = (c: number) =>
				(next.chars[c] ?? ' ') === (old.chars[c] ?? ' ') && (next.sgr[c] ?? '') === (old.sgr[c] ?? '');
			const width = Math.max(next.chars.length, old.chars.length);
			// Runs of changed cells, joined when the unchanged cells between them are fewer than GAP.
			let c = 0;
			while (c < width) {
				if (same(c)) {
					c++;
					continue;
				}
				let end = c + 1; // one past the last changed cell of the run
				for (let k = end, unchanged = 0; k < width && unchanged < GAP; k++) {
					if (same(k)) unchanged++;
					else {
						end = k + 1;
						unchanged = 0;
					}
				}
				out += at(r + 1, c + 1);
				const stop = Math.min(end, next.chars.length);
				for (let k = c; k < stop; k++) {
					if (next.sgr[k] !== current) {
						current = next.sgr[k]!;
						out += sgrOf(current);
					}
					out += next.chars[k];
				}
				// The new line ends before the old one did: erase the rest, in the default colours.
				if (end > next.chars.length) {
					if (current !== '') out += sgrOf((current = ''));
					out += '\x1b[K';
					break;
				}
				c = end;
			}
		}
		if (current !== '') out += sgrOf('');
		// Leave the cursor where log-update believes it is: below the frame, or after its last line.
		const last = frame.length;
		out += endsWithNewline || last === 0 ? at(last + 1, 1) : at(last, (frame[last - 1]?.chars.length ?? 0) + 1);
		this.screen = frame;
		this.lines = lines;
		return out;
	}
}
