// `mdevscope doctor`: checks over the model and a few facts read under the same root.
export {runDoctor, doctorExitCode, iommuCmdline, cmdlineEnableGvt, type DoctorCheck, type Verdict} from './doctor.js';
export {doctorReport, summarize, type DoctorReport, type DoctorSummary} from './format.js';
export {readDoctorFacts, readDoctorEnv, statNode, type DoctorEnv, type DoctorFacts, type NodeFacts, type PciDisplayFacts} from './facts.js';
export {doctorOf, type DoctorView} from './view.js';
