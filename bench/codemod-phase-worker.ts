/**
 * One measured step of `npm run bench:codemod`, in its own process so that its peak RSS is its own:
 * `tsx bench/codemod-phase-worker.ts <scan|install|scaffold|reads|writes|finalize> <app dir>`. Runs the step over the
 * app (phases write their changes, so the next phase starts where a user's would) and prints one JSON line:
 * {@link PhaseMeasurement}.
 */
import path from "node:path";
import { runPhase, runScan } from "../codemods/runner/codemod-runner.ts";

/** What the worker prints. */
export interface PhaseMeasurement {
  readonly step: string;
  /** Wall time of the step in the process: opening the project, analysis, transforms, writing. */
  readonly seconds: number;
  /** CPU time (user + system) of the step: on a shared machine, wall time minus waiting for a core. */
  readonly cpuSeconds: number;
  /** Peak resident set size of the worker process, in bytes. */
  readonly maxRssBytes: number;
  /** What the step found or did, e.g. "839 files changed, 193 manual review, 0 errors". */
  readonly outcome: string;
}

const [step, app] = process.argv.slice(2);
if (!step || !app)
  throw new Error("Usage: tsx bench/codemod-phase-worker.ts <scan|install|scaffold|reads|writes|finalize> <app dir>.");
// The targets a user would pass: the route folder for scan/reads/writes, the repo for the global phases.
const target = step === "install" || step === "scaffold" || step === "finalize" ? app : path.join(app, "src", "app");

const start = performance.now();
const cpuStart = process.cpuUsage();
let outcome: string;
if (step === "scan") {
  const scan = runScan({ target });
  const unknown = scan.handlers.filter((h) => h.classification === "unknown").length;
  outcome = `${scan.handlers.length} handlers, ${unknown} unknown`;
} else {
  const { summary } = runPhase(step, { target }, { write: true });
  outcome = `${summary.changed} files changed, ${summary.manualReview} manual review, ${summary.errors} errors`;
}
const cpu = process.cpuUsage(cpuStart);
const report: PhaseMeasurement = {
  step,
  seconds: (performance.now() - start) / 1000,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  // resourceUsage().maxRSS is in kilobytes.
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  outcome,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
