// ava config for the VM tests (`npm run test:vm`, after test/vm/build.sh): each test boots real
// Debian kernels under QEMU through test/vm/vm.ts. Same loader settings as package.json's ava config.
export default {
	extensions: {
		ts: 'module',
		tsx: 'module',
	},
	files: ['test/vm/**/*.test.ts'],
	nodeArguments: ['--import=tsx'],
	workerThreads: false,
	// A boot under software emulation takes 10-30 s, node in the guest adds as much again.
	timeout: '10m',
	// One test file at a time: each guest has 2 vCPUs and the machines have 2 cores.
	concurrency: 1,
};
