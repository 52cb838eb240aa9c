// The probe child's entry point (dist/probe-child.js, or this file through tsx from source): see
// src/probe/child.ts.
import {runProbeChild} from './child.js';

process.exitCode = await runProbeChild();
