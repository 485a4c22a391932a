/**
 * `npm run loadtest`: fixtures/sales-app as V1 (as written) and as V2 (after the kit's codemods), each built with
 * `next build` and served by `next start` on loopback against a real Postgres with the RLS schema; 100 closed-loop
 * users, 80/20 read/write, 50–200 ms of non-database work per handler, pool max 17. Then V2 at more users, a fault
 * run, an audit of the database, and a report (HTML with charts, PNGs, JSON).
 *
 *   npm run loadtest                      # 60 s per run
 *   npm run loadtest -- --duration 300    # the 5-minute run of 000/001/004
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { Command } from "commander";
import pc from "picocolors";
import { recommendPoolSize } from "prisma-tenant-kit/pool";
import { REPO_ROOT } from "../../fixtures/sales-app-copy.ts";
import { prepareVariant, type AppVariant } from "./app-variants.ts";
import { faultOutcomes, faultPlan, injectFaults, type FaultOutcome } from "./fault-injection.ts";
import { auditFailures, auditLoadRun, type LoadAudit } from "./load-audit.ts";
import { startLoadDatabase } from "./load-database.ts";
import { writeLoadReport } from "./load-report.ts";
import { runScenario, type ScenarioResult } from "./load-scenario.ts";
import { formatSummaries, type LoadSummary } from "./load-summary.ts";

const program = new Command("loadtest")
  .description("V1 against V2 of the fixture app under load, on loopback")
  .option("--duration <seconds>", "length of the V1 and V2 runs at --users, in s", "60")
  .option("--users <n>", "concurrent users of the V1 and V2 runs", "100")
  .option("--scale <list>", "V2 runs at these user counts, to find where it bends (empty: none)", "500,1000")
  .option("--scale-duration <seconds>", "length of each scale run, in s", "30")
  .option(
    "--work <ms>",
    "non-database work per handler: a uniform random range, in ms (002's slow handlers: 1000-5000)",
    "50-200",
  )
  .option("--no-faults", "skip the fault run")
  .option("--out <dir>", "where the report, charts and results.json go", path.join(REPO_ROOT, "docs", "loadtest"));
program.parse();
const options = program.opts<{
  duration: string;
  users: string;
  scale: string;
  scaleDuration: string;
  work: string;
  faults: boolean;
  out: string;
}>();
if (!/^\d+(-\d+)?$/.test(options.work))
  program.error(`--work takes a range of milliseconds like 50-200, got "${options.work}".`);
const env = { SIMULATED_WORK_MS: options.work };
const seconds = (value: string, flag: string) => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    program.error(`${flag} must be a positive number of seconds, got "${value}".`);
  return parsed * 1000;
};
const durationMs = seconds(options.duration, "--duration");
const scaleDurationMs = seconds(options.scaleDuration, "--scale-duration");
const users = Number(options.users);
const scale = options.scale.split(",").filter(Boolean).map(Number);
if (![users, ...scale].every((n) => Number.isInteger(n) && n > 0))
  program.error("--users and --scale take positive whole numbers of users.");

const step = (text: string) => console.log(pc.bold(pc.cyan(`\n== ${text}`)));
/** Prints a run's summary and what its failures said (the distinct answers, at most 3). */
const report = (run: ScenarioResult) => {
  console.log(formatSummaries([run.summary]));
  const details = [...new Set(run.samples.filter((s) => s.error).map((s) => `${s.status} ${s.detail ?? ""}`))].slice(
    0,
    3,
  );
  for (const detail of details) console.log(pc.dim(`  failure: ${detail}`));
};

step("Postgres with the RLS schema, 5 tenants seeded");
const database = await startLoadDatabase();
const variants: AppVariant[] = [];
const runs: ScenarioResult[] = [];
let faults: FaultOutcome[] = [];
let audit: LoadAudit;
try {
  step("next build: V1 (fixture as written) and V2 (after tenant-kit scaffold, reads, writes)");
  for (const name of ["V1", "V2"] as const) variants.push(await prepareVariant(name));
  const [v1, v2] = variants as [AppVariant, AppVariant];

  for (const variant of [v1, v2]) {
    step(`${variant.name}: ${users} users for ${durationMs / 1000} s`);
    runs.push(await runScenario({ variant, database, users, durationMs, env }));
    report(runs.at(-1)!);
  }
  for (const count of scale) {
    step(`V2: ${count} users for ${scaleDurationMs / 1000} s`);
    runs.push(await runScenario({ variant: v2, database, users: count, durationMs: scaleDurationMs, env }));
    report(runs.at(-1)!);
  }
  if (options.faults) {
    step("V2 under faults: backends killed, pool exhausted, Postgres restarted (acquire timeout 2 s)");
    const plan = faultPlan(database);
    const run = await runScenario({
      variant: v2,
      database,
      users,
      label: `V2 ${users} users, faults`,
      durationMs: plan.at(-1)!.atMs + 12_000,
      env: { ...env, POOL_ACQUIRE_TIMEOUT_MS: "2000" },
      during: (elapsed) => injectFaults(plan, elapsed),
    });
    runs.push(run);
    report(run);
    faults = faultOutcomes(plan, run.samples);
    for (const fault of faults) {
      console.log(
        `${fault.name} at ${fault.atMs / 1000} s: errors ${JSON.stringify(fault.errors)}, ` +
          `slowest failure ${fault.slowestFailureMs} ms, recovered after ${fault.recoveredAfterMs} ms`,
      );
    }
  }

  step("Audit: rows across tenants, half-applied writes");
  audit = await auditLoadRun(database.adminUrl, database.initialStock);
  const failures = auditFailures(audit);
  const verdict = failures.length
    ? pc.red(failures.join("; "))
    : pc.green("0 rows across tenants, 0 half-applied writes");
  console.log(
    `checked ${audit.checked.orders} orders, ${audit.checked.items} items, ` +
      `${audit.checked.customers} customers: ${verdict}`,
  );
} finally {
  for (const variant of variants) variant.cleanup();
  await database.stop();
}

step("Results");
const summaries = runs.map((r) => r.summary);
console.log(formatSummaries(summaries));
const [v1Run, v2Run] = summaries as [LoadSummary, LoadSummary];
const targets = [
  [`V2 ${users} users: 0 pool timeouts`, v2Run.errors["pool-timeout"] === 0 && v2Run.poolTimeouts === 0],
  [`V2 ${users} users: 0 errors`, Object.values(v2Run.errors).every((n) => n === 0)],
  [`V2 read p95 < 200 ms (${v2Run.read.p95.toFixed(0)})`, v2Run.read.p95 < 200],
  [`V2 write p95 < 1 s (${v2Run.write.p95.toFixed(0)})`, v2Run.write.p95 < 1000],
  [
    `V2 throughput ≥ 5× V1 (${(v2Run.throughputPerSecond / v1Run.throughputPerSecond).toFixed(2)}×)`,
    v2Run.throughputPerSecond >= 5 * v1Run.throughputPerSecond,
  ],
] as const;
// What recommendPoolSize makes of each run's measured checkout rate and mean hold time
// (this server: 400 max_connections).
const sizing = summaries.map((s) => ({
  run: s.variant,
  ...recommendPoolSize({
    checkoutsPerSecond: Math.max(s.checkoutsPerSecond, 1),
    holdTimeMillis: Math.max(s.holdPerCheckoutMs, 0.1),
    maxConnections: 400,
  }),
}));
for (const s of sizing) console.log(`${s.run}: recommendPoolSize → max ${s.max}: ${s.explanation}`);
for (const [name, met] of targets) console.log(`${met ? pc.green("met    ") : pc.red("NOT met")} ${name}`);
const alertsBeforeFailure = runs.map((run) => {
  const firstFailure = run.samples.find((s) => s.error)?.at;
  const firstAlert = run.alerts.find((a) => !a.resolved)?.atMs;
  return { run: run.summary.variant, firstAlertMs: firstAlert ?? null, firstFailureMs: firstFailure ?? null };
});
for (const a of alertsBeforeFailure)
  if (a.firstFailureMs !== null)
    console.log(
      `${a.run}: first pool alert at ${a.firstAlertMs ?? "never"} ms, ` +
        `first failed request at ${Math.round(a.firstFailureMs)} ms`,
    );

await mkdir(options.out, { recursive: true });
// Two reports, so V1 against V2 at the same load is not drowned by the scale runs' much larger numbers.
const reports = [
  {
    runs: runs.slice(0, 2),
    dir: options.out,
    title: `V1 against V2, ${users} users, pool max 17, ${options.work} ms of work per handler`,
  },
  {
    runs: runs.slice(2),
    dir: path.join(options.out, "v2-scale-and-faults"),
    title: "V2 at more users, and under faults",
  },
].filter((r) => r.runs.length > 0);
const written: string[] = [];
for (const r of reports) {
  const htmlPath = path.join(r.dir, "report.html");
  const images = await writeLoadReport(r.runs, `prisma-tenant-kit load test: ${r.title}`, htmlPath, r.dir);
  written.push(htmlPath, ...images);
}
const results = {
  date: new Date().toISOString(),
  durationMs,
  users,
  work: options.work,
  summaries,
  faults,
  audit: audit!,
  alertsBeforeFailure,
  sizing,
  targets,
};
await writeFile(path.join(options.out, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nreport and charts: ${written.map((file) => path.relative(process.cwd(), file)).join(", ")}`);
if (auditFailures(audit!).length) process.exitCode = 1;
