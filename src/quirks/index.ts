// Vendor quirks: one table, and the functions that read it.
export {allQuirks, quirksFor, explainProbe, failedDeviceOpen, type Quirk, type ProbeExplanation} from './table.js';
