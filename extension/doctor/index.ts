export { runDoctor } from "./run-doctor.ts";
export type { DoctorOptions } from "./run-doctor.ts";
export { DOCTOR_FINDING_CODES } from "./doctor-finding.ts";
export type { DoctorFinding, DoctorFindingCode, DoctorObjectKind, DoctorReport } from "./doctor-finding.ts";
export { DoctorConnectionError } from "../errors/doctor-connection-error.ts";
