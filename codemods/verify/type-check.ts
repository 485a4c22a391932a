import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ts as bundledTypeScript } from "ts-morph";
import { TypeCheckFailedError } from "../errors/type-check-failed-error.ts";
import type { TypeCheckRequest, TypeCheckResponse } from "./type-check-protocol.ts";
import { verifyOverlays } from "./type-check-session.ts";

/** Heap of the type-check process, in MiB: a Next.js app of ~800 files needs about 6 GiB. */
const TYPE_CHECK_HEAP_MIB = 8192;

/**
 * Type-checks a phase's edits against the app as it is (see `verifyOverlays`), in a child process with a large heap,
 * using the app's own TypeScript when it has the compiler API (TypeScript 7's native compiler has none: then the
 * one ts-morph bundles).
 *
 * @example
 * ```ts
 * const { accepted, reverted, blocking } = typeCheckEdits("/app/tsconfig.json", { "/app/src/a.ts": newText });
 * ```
 * @throws {TypeCheckFailedError} when the check itself cannot run (the process crashed or ran out of memory).
 */
export function typeCheckEdits(tsconfigPath: string, overlays: Record<string, string>): TypeCheckResponse {
  const request: TypeCheckRequest = {
    tsconfigPath,
    typescriptPath: appTypeScript(path.dirname(tsconfigPath)),
    overlays,
  };
  const here = fileURLToPath(import.meta.url);
  // Run from its TypeScript sources (the kit's own tests, on small apps) the check stays in this process.
  if (here.endsWith(".ts")) {
    const typescript = request.typescriptPath
      ? (createRequire(import.meta.url)(request.typescriptPath) as typeof bundledTypeScript)
      : bundledTypeScript;
    return verifyOverlays(typescript, request);
  }
  const worker = path.join(path.dirname(here), "type-check-worker.mjs");
  const args = [`--max-old-space-size=${TYPE_CHECK_HEAP_MIB}`, worker];
  const child = spawnSync(process.execPath, args, {
    input: JSON.stringify(request),
    maxBuffer: 512 * 1024 * 1024,
    encoding: "utf8",
  });
  if (child.status !== 0 || child.error) {
    const detail =
      child.error?.message ?? (child.stderr.trim().split("\n").slice(-3).join(" ") || `exit ${child.status}`);
    throw new TypeCheckFailedError(detail, child.error);
  }
  return JSON.parse(child.stdout) as TypeCheckResponse;
}

function appTypeScript(rootDir: string): string | undefined {
  try {
    const resolved = createRequire(path.join(rootDir, "package.json")).resolve("typescript");
    if (!existsSync(resolved)) return undefined;
    const candidate = createRequire(import.meta.url)(resolved) as { createProgram?: unknown };
    return typeof candidate.createProgram === "function" ? resolved : undefined;
  } catch {
    return undefined;
  }
}
