// Ink reads CI and CONTINUOUS_INTEGRATION once, when it loads (is-in-ci), and with either set it
// draws nothing until exit. The CLI hides them while it loads Ink for a terminal (src/cli.tsx,
// loadInteractive), so the screen an admin sees is drawn live; a test that runs the TUI in its own
// process (runTui on a fake terminal) must load Ink the same way. Import this first, before
// anything that imports Ink: modules run in import order.
import process from 'node:process';

for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[name];
