import pc from "picocolors";
import type { DoctorReport } from "prisma-tenant-kit/doctor";

/**
 * The human output of `tenant-kit doctor`: a header, then one block per finding (code, object, problem, fix), then
 * a summary line.
 *
 * @example
 * ```text
 * RLS_NOT_FORCED  table public."Customer"
 *   public."Customer" is owned by app, whose privileges the application role app has, and RLS is not FORCEd: ...
 *   fix: ALTER TABLE public."Customer" FORCE ROW LEVEL SECURITY; ...
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
  for (const finding of report.findings) {
    lines.push(
      "",
      `${c.red(c.bold(finding.code))}  ${finding.object.kind} ${finding.object.name}`,
      `  ${finding.problem}`,
      `  ${c.cyan("fix:")} ${finding.fix}`,
    );
  }
  for (const note of report.notes) lines.push("", `${c.yellow("note:")} ${note}`);
  const count = report.findings.length;
  lines.push(
    "",
    count === 0
      ? c.green("No findings: nothing here lets one tenant reach another's rows that the doctor knows how to detect.")
      : c.red(`${count} finding(s). Fix them and run tenant-kit doctor again.`),
  );
  return `${lines.join("\n")}\n`;
}
