import { writeFileSync } from "node:fs";
import path from "node:path";
import { SingleBar, Presets } from "cli-progress";
import { Command, CommanderError, Option } from "commander";
import pc from "picocolors";
import { DoctorConnectionError, type DoctorOptions, runDoctor } from "prisma-tenant-kit/doctor";
import { TenantKitError } from "prisma-tenant-kit";
import type { ConfigFlags } from "../config/tenant-kit-config.ts";
import { CodemodError, formatLocation } from "../errors/codemod-error.ts";
import { DirtyTreeError } from "../errors/dirty-tree-error.ts";
import type { PhaseResult, RunOptions, ScanResult } from "../runner/codemod-runner.ts";
import type { PhaseTypeCheck } from "../verify/verify-phase.ts";
import { coloredDiff } from "./diff-printer.ts";
import { formatDoctorReport } from "./doctor-printer.ts";
import { EXIT_CODES, type ExitCode } from "./exit-codes.ts";

// The codemods load ts-morph and TypeScript (most of the CLI's start time), so commands import them when they run:
// `--help` and usage errors stay fast.
const loadRegistry = () => import("../runner/codemod-registry.ts");
const loadRunner = () => import("../runner/codemod-runner.ts");

/** Where the CLI writes; tests pass buffers. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Colored output (default: stdout is a TTY and NO_COLOR is unset). */
  readonly color: boolean;
  /** Whether a progress bar may be drawn (stderr is a TTY). */
  readonly progress: boolean;
}

/** Files above which a progress bar is shown. */
export const PROGRESS_THRESHOLD = 50;

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  progress: Boolean(process.stderr.isTTY),
};

interface CommonOptions {
  config?: string;
  tsconfig?: string;
  tenantModule?: string;
  tenantWrapper?: string;
  kitModule?: string;
  transactionHelper?: string;
  transactionModule?: string;
  v2Suffix?: string;
  wrapper?: string[];
  keepV2Names?: boolean;
  json?: boolean;
}

/**
 * Runs the `tenant-kit` CLI and returns its exit code (see {@link EXIT_CODES}).
 *
 * @example
 * ```ts
 * process.exitCode = await main(["node", "tenant-kit", "migrate", "./app", "--phase", "reads", "--dry-run"]);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT_CODES.ok;
  const program = new Command("tenant-kit")
    .description(
      "Codemods that move Next.js handlers from a request-long tenant transaction (V1) to per-query tenant RLS (V2).",
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  const common = (command: Command): Command =>
    command
      .option("--config <file>", "config file (default: tenant-kit.config.json in the repo root)")
      .option("--tsconfig <file>", "tsconfig.json of the repo (default: the nearest one at or above <path>)")
      .option("--tenant-module <specifier>", 'module of the tenant wrapper (default "@/lib/tenant")')
      .option("--tenant-wrapper <name>", 'the V1 tenant wrapper (default "withTenantFromRequest")')
      .option(
        "--kit-module <specifier>",
        'import specifier of prisma-tenant-kit, for poolTimeoutResponse (default "prisma-tenant-kit")',
      )
      .option("--transaction-helper <name>", 'helper wrapping writes (default "withTenant")')
      .option("--transaction-module <specifier>", 'module of the transaction helper (default "@/lib/tenant")')
      .option("--v2-suffix <suffix>", 'suffix of V2 names (default "V2")')
      .option("--wrapper <name@module...>", "treat NAME exported by MODULE as a V1 wrapper (repeatable)")
      .option("--json", "machine-readable output on stdout");

  common(program.command("scan").argument("<path>", "directory (or file) of the app to scan"))
    .description(
      "List every handler with its method(s), wrapper, classification (read | write | unknown) and evidence.",
    )
    .action(async (target: string, options: CommonOptions) => {
      const { runScan } = await loadRunner();
      const result = runScan({ ...runOptions(target, options), onProgress: progress(io, "scan") });
      if (options.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else io.stdout(formatScan(result, io.color));
      exitCode = result.handlers.some((h) => h.classification === "unknown") ? EXIT_CODES.manualReview : EXIT_CODES.ok;
    });

  common(program.command("migrate").argument("<path>", "directory (or file) of the app to migrate"))
    .description("Run one phase of the rollout: install, scaffold, reads, writes, finalize.")
    .addOption(new Option("--phase <phase>", "the phase to run").makeOptionMandatory())
    .option("--dry-run", "print colored unified diffs and a summary; write nothing")
    .option("--force", "write even when the git tree has uncommitted changes")
    .option("--report <file>", "also write a self-contained HTML review page")
    .option("--keep-v2-names", "finalize: keep the V2 names instead of renaming them to V1's")
    .option(
      "--no-markers",
      "reads, writes: no `// tenant-kit: <reason> - <fix>` comment above handlers left for manual review",
    )
    .action(
      async (
        target: string,
        options: CommonOptions & {
          phase: string;
          dryRun?: boolean;
          force?: boolean;
          report?: string;
          markers: boolean;
        },
      ) => {
        const codemod = (await loadRegistry()).getCodemod(options.phase);
        const { openContext, runPhase } = await loadRunner();
        const base = { ...runOptions(target, options), markers: options.markers };
        if (!options.dryRun) {
          const context = openContext(base);
          const { assertCleanTree } = await import("./git-tree-check.ts");
          const state = assertCleanTree(context.project.rootDir, Boolean(options.force));
          if (state.kind === "not-a-repo")
            io.stderr(
              `${pc.createColors(io.color).yellow("warning")}: ${context.project.rootDir} is not in a git ` +
                `repository; review the changes some other way.\n`,
            );
        }
        const result = runPhase(
          codemod.id,
          { ...base, onProgress: progress(io, codemod.id) },
          { write: !options.dryRun },
        );
        if (options.report) {
          const { renderHtmlReport } = await import("../report/html-report.ts");
          writeFileSync(path.resolve(options.report), renderHtmlReport(result, { dryRun: Boolean(options.dryRun) }));
        }
        if (options.json) io.stdout(`${JSON.stringify(phaseJson(result), null, 2)}\n`);
        else io.stdout(formatPhase(result, Boolean(options.dryRun), io.color, options.report));
        exitCode =
          result.summary.errors > 0
            ? EXIT_CODES.fileErrors
            : result.summary.manualReview > 0
              ? EXIT_CODES.manualReview
              : EXIT_CODES.ok;
      },
    );

  program
    .command("doctor")
    .description(
      "Check a database for what would let one tenant reach another's rows, connected as the application role.",
    )
    .option("--url <url>", "DATABASE_URL of the application role (default: $DATABASE_URL)")
    .option("--setting <name>", "the setting the policies must read", "app.tenant_id")
    .option("--tenant-column <name>", "the column that makes a table tenant-scoped", "tenantId")
    .option("--schema <name...>", "only these schemas (repeatable; default: every user schema)")
    .option(
      "--context-mode <mode>",
      "the app's createTenantAdapter contextMode: set-config or transaction-block (Citus)",
      "set-config",
    )
    .option("--no-probe", "skip the live probe (one SELECT ... LIMIT 1 per tenant table, with no tenant)")
    .option("--json", "machine-readable report on stdout")
    .action(
      async (options: {
        url?: string;
        setting: string;
        tenantColumn: string;
        schema?: string[];
        contextMode: string;
        probe: boolean;
        json?: boolean;
      }) => {
        const report = await runDoctor({
          connectionString: options.url ?? process.env.DATABASE_URL,
          setting: options.setting,
          tenantColumn: options.tenantColumn,
          schemas: options.schema,
          contextMode: options.contextMode as DoctorOptions["contextMode"],
          skipProbe: !options.probe,
        });
        io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report, io.color));
        exitCode = report.findings.length > 0 ? EXIT_CODES.doctorFindings : EXIT_CODES.ok;
      },
    );

  program
    .command("list")
    .description("List the codemods, in rollout order.")
    .action(async () => {
      for (const codemod of (await loadRegistry()).CODEMODS) io.stdout(`${codemod.id.padEnd(10)} ${codemod.summary}\n`);
    });

  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    return await handleError(error, io);
  }
}

async function handleError(error: unknown, io: CliIo): Promise<ExitCode> {
  // Colored only where the caller's output is: picocolors alone also colors under CI=true.
  const c = pc.createColors(io.color);
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  if (error instanceof DirtyTreeError) {
    io.stderr(`${c.red("error")} ${error.code}: ${error.message}\n`);
    return EXIT_CODES.dirtyTree;
  }
  if (error instanceof CodemodError) {
    io.stderr(`${c.red("error")} ${error.code}: ${error.message}\n`);
    if (error.code === "TENANT_KIT_UNKNOWN_CODEMOD")
      io.stderr(`Known phases: ${(await loadRegistry()).CODEMOD_IDS.join(", ")}\n`);
    return EXIT_CODES.usage;
  }
  if (error instanceof TenantKitError) {
    io.stderr(`${c.red("error")} ${error.code}: ${error.message}\n`);
    return error instanceof DoctorConnectionError ? EXIT_CODES.doctorFailed : EXIT_CODES.usage;
  }
  io.stderr(
    `${c.red("internal error")}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` +
      `\nPlease report this with the input that caused it.\n`,
  );
  return EXIT_CODES.internal;
}

function runOptions(target: string, options: CommonOptions): RunOptions {
  const flags: ConfigFlags = {
    tenantModule: options.tenantModule,
    tenantWrapper: options.tenantWrapper,
    kitModule: options.kitModule,
    transactionHelper: options.transactionHelper,
    transactionModule: options.transactionModule,
    v2Suffix: options.v2Suffix,
    wrapper: options.wrapper,
    keepV2Names: options.keepV2Names,
  };
  return { target, tsconfig: options.tsconfig, configFile: options.config, flags };
}

/** A progress callback drawing a bar on stderr once the run has more than {@link PROGRESS_THRESHOLD} files. */
function progress(io: CliIo, label: string): ((done: number, total: number) => void) | undefined {
  if (!io.progress) return undefined;
  let bar: SingleBar | undefined;
  return (done, total) => {
    if (total <= PROGRESS_THRESHOLD) return;
    if (!bar) {
      bar = new SingleBar(
        { format: `${label} [{bar}] {value}/{total} files`, stream: process.stderr, clearOnComplete: true },
        Presets.shades_classic,
      );
      bar.start(total, 0);
    }
    bar.update(done);
    if (done === total) bar.stop();
  };
}

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

/** The human output of a phase: diffs (dry run), manual-review items, notes, and the summary line. */
export function formatPhase(result: PhaseResult, dryRun: boolean, color: boolean, report?: string): string {
  const c = pc.createColors(color);
  const out: string[] = [];
  if (dryRun)
    for (const file of result.files) if (file.changed) out.push(coloredDiff(file.file, file.before, file.after, color));
  const review = result.files.flatMap((f) => f.manualReview);
  if (review.length) {
    out.push(c.bold("Manual review"));
    for (const item of review)
      out.push(`  ${formatLocation(item.location)}  ${c.red(item.reason)}: ${item.detail}\n      ${c.dim(item.hint)}`);
  }
  const notes = result.files.flatMap((f) => f.notes);
  if (notes.length) out.push(c.bold("Notes"), ...notes.map((n) => `  ${n}`));
  // A refusal of the whole phase is one error carried by every changed file: print it once.
  const errors = new Map<string, string[]>();
  for (const file of result.files)
    if (file.error) {
      const key = `${file.error.code}: ${file.error.message}`;
      errors.set(key, [...(errors.get(key) ?? []), file.file]);
    }
  for (const [error, files] of errors)
    out.push(`${c.red("error")} ${files.length > 1 ? `${files.length} files` : files[0]}: ${error}`);
  if (result.typeCheck) out.push(formatTypeCheck(result.typeCheck, c));
  out.push(`${formatSummaryLine(result, dryRun, color)}${report ? `; report: ${report}` : ""}`);
  return `${out.join("\n")}\n`;
}

/** What the phase's type check proved: files compared, edits it refused. */
function formatTypeCheck(check: PhaseTypeCheck, c: ReturnType<typeof pc.createColors>): string {
  const refused =
    check.blocking.length > 0
      ? c.red(`${check.blocking.length} new errors outside the changed files: nothing is written`)
      : check.reverted > 0
        ? c.yellow(`${check.reverted} files left unchanged (their edit added tsc errors, listed above)`)
        : c.green("no new errors");
  return `type check (TypeScript ${check.typescriptVersion}, ${check.checkedFiles} files compared): ${refused}`;
}

/**
 * The last line of a phase's output: written or dry run, and the counts.
 * @example formatSummaryLine(result, true, false)
 * // "dry run, nothing written reads: 13 changed, 20 unchanged, 3 manual review, 0 errors"
 */
export function formatSummaryLine(result: PhaseResult, dryRun: boolean, color: boolean): string {
  const c = pc.createColors(color);
  const s = result.summary;
  return (
    `${dryRun ? c.cyan("dry run, nothing written") : c.cyan("written")} ${result.phase}: ` +
    `${c.green(`${s.changed} changed`)}, ${s.unchanged} unchanged` +
    `, ${s.manualReview ? c.red(`${s.manualReview} manual review`) : "0 manual review"}` +
    `, ${s.errors ? c.red(`${s.errors} errors`) : "0 errors"}`
  );
}

function phaseJson(result: PhaseResult): object {
  return {
    phase: result.phase,
    rootDir: result.rootDir,
    written: result.written,
    summary: result.summary,
    typeCheck: result.typeCheck,
    reviewSites: result.reviewSites,
    files: result.files
      .filter((f) => f.changed || f.manualReview.length || f.error || f.sites.length)
      .map((f) => ({
        file: f.file,
        changed: f.changed,
        sites: f.sites,
        manualReview: f.manualReview,
        notes: f.notes,
        error: f.error,
        diff: f.changed ? coloredDiff(f.file, f.before, f.after, false) : undefined,
      })),
  };
}
