import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (where node_modules and extension/ are). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The fixture app. */
export const SALES_APP = path.join(REPO_ROOT, "fixtures", "sales-app");

/** Generates the fixture's Prisma client when it is missing (offline: the schema engine is not needed). */
export function ensureGeneratedClient(): void {
  if (existsSync(path.join(SALES_APP, "src", "generated", "prisma", "client.ts"))) return;
  execFileSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "prisma", "build", "index.js"), "generate", "--schema", path.join(SALES_APP, "prisma", "schema.prisma")], {
    cwd: REPO_ROOT,
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/bin/true" },
    stdio: "pipe",
  });
}

/**
 * Copies fixtures/sales-app (with its generated client) into a temp dir under `parentDir` laid out like the repo, so
 * its tsconfig paths (`../../extension/index.ts`) and node_modules resolve. Outside the repo node_modules is a
 * symlink; `next build` needs a copy inside the repo instead (Turbopack compiles nothing outside its root, the
 * directory of the nearest lockfile). Returns the copy's app dir and a cleanup function.
 */
export function copySalesApp(parentDir = os.tmpdir()): { root: string; app: string; cleanup: () => void } {
  ensureGeneratedClient();
  mkdirSync(parentDir, { recursive: true });
  const root = mkdtempSync(path.join(parentDir, "tenant-kit-sales-app-"));
  const app = path.join(root, "fixtures", "sales-app");
  cpSync(SALES_APP, app, { recursive: true, filter: (source) => !source.includes(`${path.sep}.next`) && !source.endsWith("node_modules") });
  cpSync(path.join(REPO_ROOT, "extension"), path.join(root, "extension"), { recursive: true });
  if (path.relative(REPO_ROOT, root).startsWith("..")) symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"));
  return { root, app, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Runs `tsc --noEmit -p app` (typescript of the repo); returns its output, empty when it passes. */
export function typeCheck(app: string): { ok: boolean; output: string } {
  try {
    execFileSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", app], { stdio: "pipe" });
    return { ok: true, output: "" };
  } catch (error) {
    const failure = error as { stdout?: Buffer; stderr?: Buffer };
    return { ok: false, output: `${failure.stdout?.toString() ?? ""}${failure.stderr?.toString() ?? ""}` };
  }
}
