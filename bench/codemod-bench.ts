/**
 * `npm run bench:codemod`: the codemods on a repo of 2,000 route files. Copies fixtures/sales-app (lib, tsconfig,
 * generated Prisma client, laid out like the repo so its paths resolve) to a temp dir, clones its route files under
 * numbered folders (`src/app/api/bench-0001/...`) until there are BENCH_ROUTES of them, then runs scan and each phase
 * in order (install, scaffold, reads, writes, finalize; each phase writes, so the next one starts where a user's
 * would), every step in its own process, and prints files/s and peak RSS per step. Targets: >= 100 files/s per step,
 * < 1.5 GiB.
 * A benchmark, not a test: it asserts nothing about time. Options (env): BENCH_ROUTES (default 2000).
 */
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import pc from "picocolors";
import { copySalesApp, REPO_ROOT } from "../fixtures/sales-app-copy.ts";
import type { PhaseMeasurement } from "./codemod-phase-worker.ts";

const ROUTES = Number(process.env.BENCH_ROUTES ?? 2000);
const STEPS = ["scan", "install", "scaffold", "reads", "writes", "finalize"] as const;
const TARGET_FILES_PER_SECOND = 100;
const TARGET_RSS_BYTES = 1.5 * 1024 ** 3;

/** The route files of the app (relative to `api`), sorted. */
function routeFiles(api: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry === "route.ts") out.push(path.relative(api, full));
    }
  };
  walk(api);
  return out.sort();
}

/**
 * Clones the app's route files under `api/bench-NNNN/` until the app has `total` route files. The fixture's routes
 * import through the `@/` alias only, so the clones resolve like the originals; a relative import would not, so it is
 * refused.
 */
function cloneRoutes(app: string, total: number): number {
  const api = path.join(app, "src", "app", "api");
  const originals = routeFiles(api);
  const relative = originals.filter((file) => /from\s+["']\.\.?\//.test(readFileSync(path.join(api, file), "utf8")));
  if (relative.length > 0)
    throw new Error(
      `The fixture routes ${relative.join(", ")} use relative imports, which the cloned folders would break; ` +
        `import through "@/" instead.`,
    );
  let count = originals.length;
  for (let copy = 1; count < total; copy++) {
    const folder = path.join(api, `bench-${String(copy).padStart(4, "0")}`);
    for (const file of originals.slice(0, total - count)) {
      cpSync(path.join(api, file), path.join(folder, file));
      count += 1;
    }
  }
  return count;
}

function measure(step: string, app: string): PhaseMeasurement {
  const output = execFileSync(
    process.execPath,
    ["--import", "tsx", path.join(REPO_ROOT, "bench", "codemod-phase-worker.ts"), step, app],
    {
      cwd: REPO_ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(output.trim().split("\n").pop()!) as PhaseMeasurement;
}

const copy = copySalesApp();
try {
  const routes = cloneRoutes(copy.app, ROUTES);
  console.log(
    `${routes} route files in ${copy.app} (${process.platform}, ${process.versions.node}, one process per step)\n`,
  );
  console.log(pc.bold("step       seconds   cpu s   files/s   peak RSS MiB   outcome"));
  const rows: string[] = [];
  for (const step of STEPS) {
    const m = measure(step, copy.app);
    const rate = routes / m.seconds;
    const mib = m.maxRssBytes / 1024 ** 2;
    const ok = rate >= TARGET_FILES_PER_SECOND && m.maxRssBytes < TARGET_RSS_BYTES;
    const line =
      `${step.padEnd(10)} ${m.seconds.toFixed(2).padStart(7)} ${m.cpuSeconds.toFixed(2).padStart(7)}   ` +
      `${rate.toFixed(0).padStart(7)}   ${mib.toFixed(0).padStart(12)}   ${m.outcome}`;
    console.log(ok ? line : pc.red(line));
    rows.push(
      `| ${step} | ${m.seconds.toFixed(2)} | ${m.cpuSeconds.toFixed(2)} | ` +
        `${rate.toFixed(0)} | ${mib.toFixed(0)} | ${m.outcome} |`,
    );
  }
  console.log(
    `\ntargets: >= ${TARGET_FILES_PER_SECOND} files/s per step (${routes} route files / step wall time), ` +
      "peak RSS < 1536 MiB (red: missed)",
  );
  console.log(
    pc.dim(
      [
        "\nmarkdown:",
        "| step | seconds | cpu s | files/s | peak RSS MiB | outcome |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        ...rows,
      ].join("\n"),
    ),
  );
} finally {
  copy.cleanup();
}
