// What --version names (src/build-info.ts): package.json's version and the commit the build is
// made from, `-dirty` when tracked files differ from it; `unknown` outside a git checkout.
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';

export function buildInfo({singleFile}) {
	const {version, description} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
	let commit = 'unknown';
	try {
		const git = (...args) => execFileSync('git', args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
		commit = git('rev-parse', '--short=12', 'HEAD');
		if (git('status', '--porcelain', '--untracked-files=no') !== '') commit += '-dirty';
	} catch {
		// not a checkout (an unpacked npm package): the commit is not known
	}
	return {version, description, commit, singleFile};
}

/** esbuild's `define` for it. */
export function buildInfoDefine(info) {
	return {__MDEVSCOPE_BUILD__: JSON.stringify(info)};
}
