// Config advice (libvirt XML, QEMU arguments) from an instance's probe.
export {adviceFor, adviceOf, adviceRows, formatAdvice, qemuLines, xmlEscape, type Advice, type AdviceOptions, type DisplayKind} from './advice.js';
