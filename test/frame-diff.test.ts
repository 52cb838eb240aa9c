// FrameDiffer (src/terminal/frame-diff.ts): what it writes instead of Ink's whole frames must leave
// the terminal showing exactly the frame, with fewer bytes. Checked on a small terminal model
// (test/helpers/screen-model.ts), styles included.
import test from 'ava';
import {FrameDiffer} from '../src/terminal/frame-diff.js';
import {ScreenModel} from './helpers/screen-model.js';

const ERASE = (n: number) => (n === 0 ? '' : '\x1b[2K\x1b[1A'.repeat(n - 1) + '\x1b[2K\x1b[G');

/** What the terminal shows after Ink's own full redraw of `frame`. */
function shown(frame: string, columns: number, rows: number): string {
	return new ScreenModel(columns, rows).feed(frame.replace(/\n/g, '\r\n')).text({styles: true});
}

const COLS = 40;
const ROWS = 8;

test('each frame leaves the terminal showing exactly that frame, for fewer bytes than a redraw', (t) => {
	const differ = new FrameDiffer();
	const term = new ScreenModel(COLS, ROWS);
	const frames = [
		'+--[*] Parents ------+\n|> \x1b[7m0000:3b:00.0\x1b[27m |\n|  0000:5e:00.0 |\nfooter \x1b[36mq\x1b[39m quit\n',
		'+--[*] Parents ------+\n|  0000:3b:00.0 |\n|> \x1b[7m0000:5e:00.0\x1b[27m |\nfooter \x1b[36mq\x1b[39m quit\n',
		// A shorter line, a line gone, colour moved within a line.
		'+--[*] Parents ------+\n|  0000:3b:00.0 |\nfoo \x1b[33mwarn\x1b[39m\n',
		'x'.repeat(COLS) + '\n' + 'y'.repeat(COLS) + '\n',
		'x'.repeat(COLS - 1) + 'z\n\n',
	];
	let previousLines = 0;
	for (const frame of frames) {
		const out = differ.write(ERASE(previousLines) + frame, COLS, ROWS);
		term.feed(out);
		t.is(term.text({styles: true}), shown(frame, COLS, ROWS));
		previousLines = frame.split('\n').length;
	}
	// Moving the cursor row: two cells' worth of change, not the frame again.
	const a = frames[0]!;
	const b = frames[1]!;
	const differ2 = new FrameDiffer();
	differ2.write(a, COLS, ROWS);
	const step = differ2.write(ERASE(5) + b, COLS, ROWS);
	t.true(step.length < b.length, `${step.length} bytes for a ${b.length}-byte frame`);
});

test('an unchanged frame writes only the cursor back below it', (t) => {
	const differ = new FrameDiffer();
	differ.write('one\ntwo\n', COLS, ROWS);
	t.is(differ.write(ERASE(3) + 'one\ntwo\n', COLS, ROWS), '\x1b[3H');
});

test('a new terminal size, or a write that is not a frame, makes the next frame whole again', (t) => {
	const differ = new FrameDiffer();
	differ.write('one\n', COLS, ROWS);
	t.true(differ.write(ERASE(2) + 'one\n', COLS + 1, ROWS).startsWith('\x1b[0m\x1b[H\x1b[2J'));
	// Console output patched by Ink: passed through, then the frame is drawn whole.
	t.is(differ.write('hello from console.log\n', COLS + 1, ROWS), 'hello from console.log\n');
	t.is(differ.write('\x1b[2J\x1b[3J\x1b[Hone\n', COLS + 1, ROWS), '\x1b[2J\x1b[3J\x1b[Hone\n');
	t.true(differ.write(ERASE(2) + 'one\n', COLS + 1, ROWS).startsWith('\x1b[0m\x1b[H\x1b[2J'));
	// An SGR code it does not model (here 6, rapid blink): passed through as Ink wrote it.
	const odd = ERASE(2) + 'a \x1b[6mb\x1b[25m\n';
	t.is(differ.write(odd, COLS + 1, ROWS), odd);
});

test('random frames: the terminal always ends up showing the last one', (t) => {
	let seed = 7;
	const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
	const styles = ['', '\x1b[1m', '\x1b[7m', '\x1b[31m', '\x1b[2m'];
	const ends = ['', '\x1b[22m', '\x1b[27m', '\x1b[39m', '\x1b[22m'];
	// Half of the lines are the last frame's, as on a screen where one pane changes.
	let last: string[] = [];
	const frameOf = () =>
		(last = Array.from({length: 1 + Math.floor(random() * (ROWS - 1))}, (_, index) => {
			if (index < last.length && random() < 0.5) return last[index]!;
			let line = '';
			let width = 0;
			const target = Math.floor(random() * (COLS + 1));
			while (width < target) {
				const s = Math.floor(random() * styles.length);
				const text = 'ab |'.repeat(3).slice(0, Math.min(target - width, 1 + Math.floor(random() * 10)));
				line += styles[s] + text + ends[s];
				width += text.length;
			}
			return line;
		})).join('\n') + '\n';
	const differ = new FrameDiffer();
	const term = new ScreenModel(COLS, ROWS);
	let previousLines = 0;
	for (let i = 0; i < 300; i++) {
		const frame = frameOf();
		term.feed(differ.write(ERASE(previousLines) + frame, COLS, ROWS));
		if (term.text({styles: true}) !== shown(frame, COLS, ROWS)) return t.fail(`frame ${i}:\n${term.text({styles: true})}\n---\n${shown(frame, COLS, ROWS)}`);
		previousLines = frame.split('\n').length;
	}
	t.pass();
});

test('modes Ink sets around frames (synchronized update, cursor) pass through and keep the screen known', (t) => {
	const differ = new FrameDiffer();
	differ.write('one\ntwo\n', COLS, ROWS);
	for (const mode of ['\x1b[?2026h', '\x1b[?25l', '\x1b[?2026l']) t.is(differ.write(mode, COLS, ROWS), mode);
	t.is(differ.write(ERASE(3) + 'one\ntwo\n', COLS, ROWS), '\x1b[3H');
	// Another screen buffer: what it shows is not known.
	differ.write('\x1b[?1049h', COLS, ROWS);
	t.true(differ.write(ERASE(3) + 'one\ntwo\n', COLS, ROWS).startsWith('\x1b[0m\x1b[H\x1b[2J'));
});

test('redraw (Ctrl-L): the last frame whole again over whatever else the terminal received; diffs go on from it', (t) => {
	const differ = new FrameDiffer();
	const term = new ScreenModel(COLS, ROWS);
	t.is(differ.redraw(COLS, ROWS), '', 'nothing to redraw before the first frame');
	const a = '+--[*] Parents ------+\n|> \x1b[7m0000:3b:00.0\x1b[27m |\nfooter \x1b[36mq\x1b[39m quit\n';
	const b = '+--[*] Parents ------+\n|  0000:3b:00.0 |\nfooter \x1b[36mq\x1b[39m quit\n';
	term.feed(differ.write(a, COLS, ROWS));
	// Someone else's output lands on the screen; the differ does not know.
	term.feed('\x1b[2;3HBroadcast message from root\x1b[5;1Hgarbage');
	t.not(term.text({styles: true}), shown(a, COLS, ROWS));
	term.feed(differ.redraw(COLS, ROWS));
	t.is(term.text({styles: true}), shown(a, COLS, ROWS));
	// The next frame is a diff against what the redraw left.
	const next = differ.write(ERASE(a.split('\n').length) + b, COLS, ROWS);
	term.feed(next);
	t.is(term.text({styles: true}), shown(b, COLS, ROWS));
	t.true(next.length < b.length, 'a diff again, not a whole frame');
});
