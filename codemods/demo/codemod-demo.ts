import { writeFileSync } from "node:fs";
import path from "node:path";
import pc from "picocolors";
import { copySalesApp } from "../../fixtures/sales-app-copy.ts";
import { coloredDiff } from "../cli/diff-printer.ts";
import { formatSummaryLine } from "../cli/phase-printer.ts";
import { formatScan } from "../cli/scan-printer.ts";
import { formatLocation } from "../errors/codemod-error.ts";
import { CODEMOD_IDS } from "../runner/codemod-registry.ts";
import { runPhase, runScan, type PhaseResult } from "../runner/codemod-runner.ts";
import type { CodemodId } from "../runner/codemod-types.ts";

/** How many changed files of a phase the demo shows as diffs. */
const DIFFS_PER_PHASE = 2;

/** The files whose diffs show each phase best, when the phase changes them (else the first changed files are shown). */
const SHOWCASE: Readonly<Record<CodemodId, readonly string[]>> = {
  install: ["src/lib/tenant.ts"],
  scaffold: ["src/lib/auth/sales.ts", "src/lib/tenant.ts"],
  reads: ["src/app/api/dashboard/route.ts", "src/app/api/orders/route.ts"],
  writes: ["src/app/api/orders/route.ts", "src/app/api/orders/[id]/invoice/route.ts"],
  finalize: ["src/lib/auth/portal.ts", "src/app/api/portal/orders/route.ts"],
};

/** Where each phase runs, as a user would point it: the routes for reads/writes, the app for the global phases. */
const PHASE_TARGET: Readonly<Record<CodemodId, string>> = {
  install: ".",
  scaffold: ".",
  reads: "src/app",
  writes: "src/app",
  finalize: ".",
};

/**
 * The codemod half of `npm run demo`: on a temp copy of fixtures/sales-app, prints the `scan` table, then for each
 * phase in rollout order (scaffold, reads, writes, finalize) a dry run: the colored diffs of a few representative
 * files, the manual-review items and the summary line. Each phase is then applied to the copy, so the next dry run
 * starts where a user's would. The copy is removed at the end.
 *
 * @example
 * ```ts
 * await runCodemodDemo(); // demo/run-demo.ts, step 4
 * ```
 */
export async function runCodemodDemo(options: { log?: (text: string) => void; color?: boolean } = {}): Promise<void> {
  const log = options.log ?? ((text: string) => console.log(text));
  const color = options.color ?? pc.isColorSupported;
  const c = pc.createColors(color);
  const copy = copySalesApp();
  try {
    log(c.bold(`\n$ tenant-kit scan src/app`));
    log(formatScan(runScan({ target: path.join(copy.app, "src", "app") }), color).trimEnd());
    for (const phase of CODEMOD_IDS) {
      const target = PHASE_TARGET[phase];
      log(c.bold(`\n$ tenant-kit migrate ${target} --phase ${phase} --dry-run`));
      const result = runPhase(phase, { target: path.join(copy.app, target) }, { write: false });
      log(describeDryRun(result, color));
      // Apply what the dry run showed, as `tenant-kit migrate --phase <phase>` would.
      for (const file of result.files) if (file.changed) writeFileSync(file.absolutePath, file.after);
    }
    log(c.dim(`\nThe phases were applied to a temp copy (${copy.app}), now removed; fixtures/sales-app is unchanged.`));
  } finally {
    copy.cleanup();
  }
}

/** A phase's dry run, shortened: a few diffs, how many more, the manual-review items, the summary line. */
function describeDryRun(result: PhaseResult, color: boolean): string {
  const c = pc.createColors(color);
  const changed = result.files.filter((f) => f.changed);
  const preferred = SHOWCASE[result.phase].flatMap((file) => changed.filter((f) => f.file === file));
  const shown = [...new Set([...preferred, ...changed])].slice(0, DIFFS_PER_PHASE);
  const out = shown.map((file) => coloredDiff(file.file, file.before, file.after, color).trimEnd());
  const hidden = changed.filter((f) => !shown.includes(f)).map((f) => f.file);
  if (hidden.length > 0) out.push(c.dim(`... and ${hidden.length} more changed file(s): ${hidden.join(", ")}`));
  for (const item of result.files.flatMap((f) => f.manualReview))
    out.push(`${c.red("manual review")} ${formatLocation(item.location)} ${item.reason}: ${item.detail}`);
  out.push(formatSummaryLine(result, true, color));
  return out.join("\n");
}
