import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { request } from "undici";
import { freePort } from "../../fixtures/database/postgres-server.ts";

const NEXT_BIN = createRequire(import.meta.url).resolve("next/dist/bin/next");

/** A `next start` server of one app directory, on loopback. */
export interface RunningNextApp {
  readonly url: string;
  /** Everything the server printed, for diagnosing failures. */
  readonly output: string[];
  stop(): Promise<void>;
}

// LOADTEST_CPU_PROFILE_DIR=/tmp/prof: `next start` writes a V8 CPU profile there when it stops (where the server's
// CPU goes under load). Not for `next build`: its workers reject --cpu-prof in NODE_OPTIONS.
function profileFlags(args: string[]): string[] {
  const dir = process.env.LOADTEST_CPU_PROFILE_DIR;
  return dir && args[0] === "start" ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

function run(dir: string, args: string[], env: Record<string, string>, unset: string[] = []): ChildProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !unset.includes(name)));
  return spawn(process.execPath, [...profileFlags(args), NEXT_BIN, ...args], {
    cwd: dir,
    env: { ...inherited, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * `next build` in `dir`, without DATABASE_URL: route modules are evaluated while Next collects page data, and the
 * kit checks its connection string only at the first query, as an app's CI build needs.
 */
export async function buildNextApp(dir: string): Promise<void> {
  const child = run(dir, ["build"], {}, ["DATABASE_URL"]);
  const output: string[] = [];
  child.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`next build failed in ${dir} (exit ${code}):\n${output.join("").slice(-4000)}`);
}

/** `next start` in `dir` on a free loopback port; resolves once `readyPath` answers. */
export async function startNextApp(
  dir: string,
  env: Record<string, string>,
  readyPath = "/api/metrics",
): Promise<RunningNextApp> {
  const port = await freePort();
  const child = run(dir, ["start", "-p", String(port), "-H", "127.0.0.1"], env);
  const output: string[] = [];
  child.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null)
      throw new Error(`next start exited (${child.exitCode}):\n${output.join("").slice(-4000)}`);
    try {
      const response = await request(`${url}${readyPath}`, { headersTimeout: 1_000, bodyTimeout: 1_000 });
      await response.body.dump();
      if (response.statusCode < 500) return { url, output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`next start did not answer ${readyPath} within 30 s:\n${output.join("").slice(-4000)}`);
}
