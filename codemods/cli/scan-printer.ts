import pc from "picocolors";
import type { ScanResult } from "../runner/codemod-runner.ts";

/** The scan table: one row per handler, then the wrappers with their routes. */
export function formatScan(result: ScanResult, color: boolean): string {
  const c = pc.createColors(color);
  const paint = (classification: string): string =>
    classification === "read"
      ? c.green(classification)
      : classification === "write"
        ? c.yellow(classification)
        : c.red(classification);
  const rows = result.handlers.map((h) => [
    h.methods.join(",") || h.functionName,
    `${h.location.file}:${h.location.line}`,
    `${h.wrapper}${h.wrapperVersion === 2 ? " (V2)" : ""}`,
    h.classification,
    h.evidence.join("; "),
  ]);
  const widths = [6, 4, 7].map((min, i) => Math.max(min, ...rows.map((r) => r[i]!.length)));
  const header = `${["METHOD", "FILE", "WRAPPER"].map((h, i) => h.padEnd(widths[i]!)).join("  ")}  CLASS    EVIDENCE`;
  const lines = [c.bold(header)];
  for (const row of rows) {
    lines.push(
      `${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]!.padEnd(widths[2]!)}  ` +
        `${paint(row[3]!)}${" ".repeat(9 - row[3]!.length)}${row[4]}`,
    );
  }
  lines.push("", c.bold("Wrappers"));
  for (const w of result.wrappers) {
    lines.push(
      `${w.kind.padEnd(7)} ${w.name} (${w.file}:${w.line}, ${w.source})${w.hasV2 ? ` V2: ${w.v2Name}` : " no V2 yet"}` +
        `: ${w.routes.length} handler(s)`,
    );
    for (const route of w.routes) lines.push(`          ${route}`);
  }
  const counts = { read: 0, write: 0, unknown: 0 };
  for (const h of result.handlers) counts[h.classification] += 1;
  lines.push(
    "",
    `${result.handlers.length} handlers in ${result.filesScanned} files: ${c.green(`${counts.read} read`)}` +
      `, ${c.yellow(`${counts.write} write`)}, ${c.red(`${counts.unknown} unknown`)}`,
  );
  return `${lines.join("\n")}\n`;
}
