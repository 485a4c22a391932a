// npm run bench:cli: start time of the compiled `tenant-kit` CLI for `--help`, against a bare `node -e 0` in the same
// run (goal: < 0.5 s). Run `npm run build` first (bench:cli does).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../fixtures/sales-app-copy.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BIN = path.join(REPO_ROOT, "codemods", "dist", "tenant-kit.mjs");

function timeRuns(args: string[]): number[] {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { stdio: "pipe" });
    if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const node = timeRuns(["-e", "0"]);
const help = timeRuns([BIN, "--help"]);
const row = (name: string, t: number[]) =>
  `| ${name} | ${quantile(t, 0.5).toFixed(0)} | ${quantile(t, 0.95).toFixed(0)} |`;
console.log(`tenant-kit --help, ${RUNS} runs each (noise of a shared machine included)\n`);
console.log("| command | p50 ms | p95 ms |\n| --- | ---: | ---: |");
console.log(row("node -e 0 (floor)", node));
console.log(row("tenant-kit --help", help));
const p50 = quantile(help, 0.5);
const ratio = (p50 / quantile(node, 0.5)).toFixed(2);
console.log(`\nCLI p50 = ${ratio}x node's own start; goal < 500 ms: ${p50 < 500 ? "met" : "NOT met"}`);
