import pc from "picocolors";
import { DOCTOR_FINDING_TITLES, type DoctorFinding, type DoctorReport } from "prisma-tenant-kit/doctor";

/**
 * The human output of `tenant-kit doctor`: a header, then the findings grouped by problem (one heading per code, in
 * the report's order, with the objects that have it listed under it, each with what is wrong there and the fix), then
 * a summary line.
 *
 * @example
 * ```text
 * RLS_NOT_FORCED  RLS is enabled but not FORCEd on a table the application role owns (1)
 *   table planted.app_owned
 *     planted.app_owned is owned by the application role itself, and RLS is not FORCEd: ...
 *     fix: ALTER TABLE planted.app_owned FORCE ROW LEVEL SECURITY; ...
 * ```
 */
export function formatDoctorReport(report: DoctorReport, color: boolean): string {
  const c = pc.createColors(color);
  const lines = [
    c.dim(
      `doctor: role ${report.role} on ${report.database}, setting ${report.setting}, ` +
        `tenant column ${report.tenantColumn}, ${report.tenantTables.length} tenant table(s)`,
    ),
  ];
  const groups = new Map<DoctorFinding["code"], DoctorFinding[]>();
  for (const finding of report.findings) groups.set(finding.code, [...(groups.get(finding.code) ?? []), finding]);
  for (const [code, findings] of groups) {
    lines.push("", `${c.red(c.bold(code))}  ${DOCTOR_FINDING_TITLES[code]} (${findings.length})`);
    for (const finding of findings) {
      lines.push(
        `  ${c.bold(`${finding.object.kind} ${finding.object.name}`)}`,
        `    ${finding.problem}`,
        `    ${c.cyan("fix:")} ${finding.fix}`,
      );
    }
  }
  for (const note of report.notes) lines.push("", `${c.yellow("note:")} ${note}`);
  const count = report.findings.length;
  lines.push(
    "",
    count === 0
      ? c.green("No findings: nothing here lets one tenant reach another's rows that the doctor knows how to detect.")
      : c.red(
          `${count} finding(s) of ${groups.size} kind(s). Fix them and run tenant-kit doctor again ` +
            `(docs/doctor.md lists every code).`,
        ),
  );
  return `${lines.join("\n")}\n`;
}
