// The codemods on a real app, out of the box: runs ../shared/real-apps/measure-app.sh (clone and pack this checkout's
// HEAD, install the app, tsc baseline, every phase with its re-run and tsc) and checks what the kit promises: every
// changed file parses, no phase adds a tsc error, a second run of a phase changes nothing, and at least 95 % of the
// handlers are on V2 before finalize. Too slow for every CI run (about 10 minutes on 2 cores with a ~800-file app), so
// it runs only when given the app's git dir:
//
//   npm run check:real-app -- <git dir of ghogue02/leora-admin-portal> [commit] [name]
//
// and otherwise prints one line and exits 0. It measures the committed HEAD: commit first.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const REFERENCE_COMMIT = "c12b80c1896eb8d0efb89dbf30b981607a933e45";
const MIN_V2_SHARE = 0.95;
const root = path.resolve(import.meta.dirname, "..");
const [gitDir = process.env.REAL_APP_GIT_DIR, commit = REFERENCE_COMMIT, name = "leora"] = process.argv.slice(2);
const script = [
  path.resolve(root, "..", "shared", "real-apps", "measure-app.sh"),
  "/work/shared/real-apps/measure-app.sh",
].find(existsSync);

if (!gitDir || !script) {
  console.log(
    `real-app check skipped: ${!gitDir ? "no app git dir given (npm run check:real-app -- <git dir>)" : "measure-app.sh not found beside the checkout"}`,
  );
  process.exit(0);
}

const out = mkdtempSync(path.join(os.tmpdir(), `tenant-kit-${name}-`));
const run = spawnSync("bash", [script, gitDir, root, commit, name, "oob="], {
  env: { ...process.env, OUT: out },
  stdio: "inherit",
});
if (run.status !== 0) {
  console.error(`measure-app.sh exited ${run.status}; see ${out}`);
  process.exit(1);
}

const summary = readFileSync(path.join(out, "summary.txt"), "utf8");
const failures: string[] = [];
for (const line of summary.split("\n")) {
  const introduced = /tsc after (\w+):.*introduced=(\d+)/.exec(line);
  if (introduced && Number(introduced[2]) > 0) failures.push(`${introduced[1]} added ${introduced[2]} tsc errors`);
  if (/parse-errors=[1-9]/.test(line)) failures.push(`a changed file does not parse: ${line.trim()}`);
  if (/idempotent=NO/.test(line)) failures.push(`a second run changed files: ${line.trim()}`);
}
interface ScanHandler {
  readonly wrapperVersion: 1 | 2;
}
const scanPath = path.join(out, "oob", "scan-after-writes.json");
const handlers = existsSync(scanPath)
  ? (JSON.parse(readFileSync(scanPath, "utf8")) as { handlers: ScanHandler[] }).handlers
  : [];
const onV2 = handlers.filter((h) => h.wrapperVersion === 2).length;
const share = handlers.length > 0 ? onV2 / handlers.length : 0;
console.log(`${name}: ${onV2} of ${handlers.length} handlers on V2 before finalize (${(share * 100).toFixed(1)} %)`);
if (share < MIN_V2_SHARE) failures.push(`only ${(share * 100).toFixed(1)} % of the handlers are on V2`);
for (const failure of failures) console.error(`FAIL ${failure}`);
console.log(`results in ${out}`);
process.exit(failures.length > 0 ? 1 : 0);
