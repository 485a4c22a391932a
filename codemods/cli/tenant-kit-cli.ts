import { SingleBar, Presets } from "cli-progress";
import { Command, CommanderError, Option } from "commander";
import pc from "picocolors";
import { DoctorConnectionError, type DoctorOptions, runDoctor } from "prisma-tenant-kit/doctor";
import { TenantKitError } from "prisma-tenant-kit";
import type { ConfigFlags } from "../config/tenant-kit-config.ts";
import { CodemodError } from "../errors/codemod-error.ts";
import { DirtyTreeError } from "../errors/dirty-tree-error.ts";
import type { PhaseResult, RunOptions } from "../runner/codemod-runner.ts";
import { formatDoctorReport } from "./doctor-printer.ts";
import { EXIT_CODES, type ExitCode } from "./exit-codes.ts";
import { formatPhase, phaseJson } from "./phase-printer.ts";
import { formatScan } from "./scan-printer.ts";

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
    .option("--summary <file>", "also write a Markdown summary for the pull request, linking into --report")
    .option("--only <pick...>", "apply the phase to these files or handlers only (file or file:line); the rest stays")
    .option("--only-from <file>", "like --only, one pick per line (the review page's Export selection)")
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
          summary?: string;
          only?: string[];
          onlyFrom?: string;
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
        const subset = options.only || options.onlyFrom ? await import("../runner/subset-selection.ts") : undefined;
        const picks = [
          ...(options.only ?? []),
          ...(options.onlyFrom ? (subset?.readPickList(options.onlyFrom) ?? []) : []),
        ];
        const run = { ...base, onProgress: progress(io, codemod.id) };
        const result: PhaseResult & { notSelected?: readonly string[] } = subset
          ? subset.runPhaseSubset(codemod.id, run, picks, { write: !options.dryRun })
          : runPhase(codemod.id, run, { write: !options.dryRun });
        if (options.report || options.summary) {
          const { writeReviewFiles } = await import("../report/review-files.ts");
          writeReviewFiles(result, {
            dryRun: Boolean(options.dryRun),
            report: options.report,
            summary: options.summary,
          });
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
