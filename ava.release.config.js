// ava config for the release tests (`npm run test:release`, after `npm run release`): the single
// executable and the .deb in clean Debian roots (test/release/roots.sh). Same loader settings as
// package.json's ava config.
export default {
	extensions: {
		ts: 'module',
		tsx: 'module',
	},
	files: ['test/release/**/*.test.ts'],
	nodeArguments: ['--import=tsx'],
	workerThreads: false,
	timeout: '5m',
	concurrency: 1,
};
