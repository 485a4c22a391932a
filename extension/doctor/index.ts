export { runDoctor } from "./run-doctor.ts";
export type { DoctorOptions } from "./run-doctor.ts";
export { DOCTOR_FINDING_CODES, DOCTOR_FINDING_TITLES, DOCTOR_REPORT_VERSION } from "./doctor-finding.ts";
export type { DoctorFinding, DoctorFindingCode, DoctorObjectKind, DoctorReport } from "./doctor-finding.ts";
export { DoctorConnectionError } from "../errors/doctor-connection-error.ts";
export { DoctorParserMissingError } from "../errors/doctor-parser-missing-error.ts";
