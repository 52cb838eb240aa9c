// `y`'s OSC 52 (src/components/hooks/clipboard.ts): the sequence, and what can be told about the
// terminal from the environment: tmux's own option, terminals that name themselves, and otherwise
// that it cannot be known. The pty and tmux's buffer are in test/terminal.test.ts.
import test from 'ava';
import {fileURLToPath} from 'node:url';
import {clipboardSupport, osc52} from '../src/components/hooks/clipboard.js';
import {scanHost} from '../src/sysfs/scan.js';
import {initialStore} from '../src/state/store.js';
import {send} from './helpers/store.js';

test('osc52: ESC ] 52 ; c ; base64 of the UTF-8 text, BEL', (t) => {
	t.is(osc52('8d4b2a6e'), '\x1b]52;c;OGQ0YjJhNmU=\x07');
	t.is(Buffer.from(osc52('<hostdev mode="subsystem"/>\nä').slice(7, -1), 'base64').toString('utf8'), '<hostdev mode="subsystem"/>\nä');
});

test('under tmux its set-clipboard decides: on takes it, external and off do not (with the fix), unreadable is unknown', (t) => {
	const tmux = {TMUX: '/tmp/tmux-0/default,1,0', TERM: 'tmux-256color'};
	t.deepEqual(clipboardSupport(tmux, () => 'on'), {verdict: 'yes', how: 'tmux, set-clipboard on'});
	for (const option of ['external', 'off']) {
		const said = clipboardSupport(tmux, () => option);
		t.is(said.verdict, 'no');
		t.regex(said.verdict === 'no' ? said.why : '', new RegExp(`set-clipboard ${option}: .*set -g set-clipboard on`));
	}
	t.is(clipboardSupport(tmux, () => null).verdict, 'unknown');
});

test('terminals that name themselves are known; GNU screen does not pass it; anything else is unknown and says why', (t) => {
	const never = () => {
		throw new Error('tmux is not asked outside tmux');
	};
	t.deepEqual(clipboardSupport({TERM: 'xterm-kitty'}, never), {verdict: 'yes', how: 'kitty'});
	t.deepEqual(clipboardSupport({TERM_PROGRAM: 'WezTerm', TERM: 'xterm-256color'}, never), {verdict: 'yes', how: 'WezTerm'});
	t.deepEqual(clipboardSupport({WT_SESSION: 'x', TERM: 'xterm-256color'}, never), {verdict: 'yes', how: 'Windows Terminal'});
	t.is(clipboardSupport({STY: '1234.pts-0', TERM: 'screen'}, never).verdict, 'no');
	const unknown = clipboardSupport({TERM: 'xterm-256color'}, never);
	t.is(unknown.verdict, 'unknown');
	t.regex(unknown.verdict === 'unknown' ? unknown.why : '', /TERM=xterm-256color; xterm needs allowWindowOps/);
});

test("y copies the selection's uuid (a type's id, a parent's address), in the advice view the libvirt XML; an unknown terminal is warned about once", (t) => {
	let state = initialStore(scanHost(fileURLToPath(new URL('fixtures/trees/debian-6.12', import.meta.url))), {columns: 120, rows: 40});
	t.deepEqual(send(state, {type: 'copy'}).effects, [{type: 'copy', text: 'mbochs', what: 'mbochs'}]);
	state = send(state, {type: 'focus', to: 'types'}).state;
	t.deepEqual(send(state, {type: 'copy'}).effects, [{type: 'copy', text: 'mbochs-large', what: 'mbochs-large'}]);
	state = send(state, {type: 'focus', to: 'instances'}).state;
	const uuid = '33333333-3333-3333-3333-333333333333';
	t.deepEqual(send(state, {type: 'copy'}).effects, [{type: 'copy', text: uuid, what: uuid}]);
	const advice = send(state, {type: 'advice'}, {type: 'copy'}).effects as Array<{text: string; what: string}>;
	t.is(advice[0]!.what, `the libvirt XML for ${uuid}`);
	t.regex(advice[0]!.text, new RegExp(`<hostdev mode=['"]subsystem['"] type=['"]mdev['"][^]*${uuid}`));
	// Said once: the second copy to an unknown terminal only reports.
	const once = send(state, {type: 'copied', what: uuid, verdict: 'unknown', words: 'why'});
	t.deepEqual(once.state.status, {text: `sent ${uuid} as OSC 52: why`, tone: 'warn'});
	t.deepEqual(send(once.state, {type: 'copied', what: uuid, verdict: 'unknown', words: 'why'}).state.status, {text: `sent ${uuid} as OSC 52`});
	t.deepEqual(send(state, {type: 'copied', what: uuid, verdict: 'no', words: 'tmux says no'}).state.status, {text: `sent ${uuid} as OSC 52, but tmux says no`, tone: 'warn'});
});
