// What a terminal shows after some output: a small model of the sequences the full-screen views
// write (cursor positions, erase in display and line, SGR, CR/LF, printable ASCII). Other CSI
// sequences (private modes: synchronized update, cursor visibility, the alternate screen) change no
// cell and are skipped. A cell keeps the SGR codes that drew it, sorted ('' = default).

export class ScreenModel {
	cells: {ch: string; sgr: string}[][];
	private row = 0;
	private col = 0;
	private sgr: string[] = [];

	constructor(
		readonly columns: number,
		readonly rows: number,
	) {
		this.cells = this.blank();
	}

	private blank() {
		return Array.from({length: this.rows}, () => Array.from({length: this.columns}, () => ({ch: ' ', sgr: ''})));
	}

	feed(data: string): this {
		// eslint-disable-next-line no-control-regex
		for (const m of data.matchAll(/\x1b\[([0-9;?]*)([A-Za-z])|\x1b[^[]|\r|\n|[^\x1b]/g)) {
			const [all, params = '', final] = m;
			if (all === '\r') this.col = 0;
			else if (all === '\n') this.row = Math.min(this.rows - 1, this.row + 1);
			else if (all.startsWith('\x1b') && final === undefined) continue;
			else if (final === undefined) {
				if (this.col < this.columns) this.cells[this.row]![this.col] = {ch: all, sgr: this.sgr.join(';')};
				this.col++;
			} else if (params.startsWith('?')) continue;
			else if (final === 'H') {
				const [r = 1, c = 1] = params.split(';').map((v) => Number(v || 1));
				this.row = Math.min(this.rows, r) - 1;
				this.col = Math.min(this.columns, c) - 1;
			} else if (final === 'J' && params === '2') this.cells = this.blank();
			else if (final === 'K') for (let c = this.col; c < this.columns; c++) this.cells[this.row]![c] = {ch: ' ', sgr: ''};
			else if (final === 'm') {
				for (const code of (params || '0').split(';')) {
					const colour = (s: string) => /^3\d$/.test(s);
					if (code === '0') this.sgr = [];
					else if (code === '39') this.sgr = this.sgr.filter((s) => !colour(s));
					else if (code === '27') this.sgr = this.sgr.filter((s) => s !== '7');
					else if (code === '22') this.sgr = this.sgr.filter((s) => s !== '1' && s !== '2');
					else this.sgr = [...this.sgr.filter((s) => s !== code && !(colour(s) && colour(code))), code].sort();
				}
			} else throw new Error(`the screen model does not know ${JSON.stringify(all)}`);
		}
		return this;
	}

	/** The rows as text; with `styles`, a styled cell is written `{codes}c`. */
	text({styles = false} = {}): string {
		return this.cells.map((row) => row.map((c) => (styles && c.sgr ? `{${c.sgr}}${c.ch}` : c.ch)).join('').trimEnd()).join('\n');
	}
}
