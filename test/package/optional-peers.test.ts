import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packKit } from "../../fixtures/packed-kit.ts";
import { REPO_ROOT } from "../../fixtures/sales-app-copy.ts";

// `prisma-tenant-kit/pool` as an app without the optional peer `@opentelemetry/api` has it: the packed tarball and
// `pg` (its one required peer for this subpath) installed with npm into a project OUTSIDE the repository, so nothing
// resolves from the repository's node_modules.
// Each case runs npm, node or tsc in a fresh project: minutes on a loaded 2-core machine.
describe("prisma-tenant-kit/pool without @opentelemetry/api", { timeout: 300_000 }, () => {
  let consumer: string;

  beforeAll(() => {
    consumer = mkdtempSync(path.join(tmpdir(), "kit-no-otel-"));
    writeFileSync(path.join(consumer, "package.json"), `${JSON.stringify({ name: "no-otel", private: true })}\n`);
    const version = (name: string) =>
      (
        JSON.parse(readFileSync(path.join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as {
          version: string;
        }
      ).version;
    execFileSync(
      "npm",
      [
        "install",
        packKit().tarball,
        `pg@${version("pg")}`,
        `@types/pg@${version("@types/pg")}`,
        "--no-package-lock",
        "--legacy-peer-deps",
        "--ignore-scripts",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
      ],
      { cwd: consumer, stdio: "pipe" },
    );
  }, 180_000);
  afterAll(() => {
    if (consumer) rmSync(consumer, { recursive: true, force: true });
  });

  it("has no @opentelemetry/api to resolve (else this test would prove nothing)", () => {
    const resolve = () => createRequire(path.join(consumer, "node_modules/prisma-tenant-kit/package.json"));
    expect(() => resolve().resolve("@opentelemetry/api")).toThrow(/Cannot find module/);
    expect(resolve().resolve("pg")).toContain(consumer);
  });

  const imports = {
    esm: [
      'import pg from "pg";',
      "import { instrumentPool, monitorPool, PeerDependencyMissingError, recommendPoolSize } " +
        'from "prisma-tenant-kit/pool";',
    ],
    cjs: [
      'const pg = require("pg");',
      "const { instrumentPool, monitorPool, PeerDependencyMissingError, recommendPoolSize } = " +
        'require("prisma-tenant-kit/pool");',
    ],
  };
  const body = [
    "const advice = recommendPoolSize({ checkoutsPerSecond: 200, holdTimeMillis: 20, maxConnections: 100 });",
    "const pool = new pg.Pool({ max: 4 });",
    "const alerts = [];",
    "const stop = monitorPool(pool, { onAlert: (alert) => alerts.push(alert) });",
    "stop();",
    "let error;",
    "try { instrumentPool(pool); } catch (e) { error = e; }",
    "console.log(JSON.stringify({",
    "  max: typeof advice.max, alerts: alerts.length, typed: error instanceof PeerDependencyMissingError,",
    "  name: error?.name, code: error?.code, packageName: error?.packageName, message: error?.message,",
    "  cause: error?.cause?.code,",
    "}));",
    "pool.end();",
  ];

  for (const format of ["esm", "cjs"] as const) {
    it(`imports in plain Node ${format.toUpperCase()}; instrumentPool alone needs the peer and names it`, () => {
      const file = path.join(consumer, format === "esm" ? "pool.mjs" : "pool.cjs");
      writeFileSync(file, [...imports[format], ...body, ""].join("\n"));
      const output = execFileSync(process.execPath, [file], { cwd: consumer, encoding: "utf8" });
      expect(JSON.parse(output)).toEqual({
        max: "number",
        alerts: 0,
        typed: true,
        name: "PeerDependencyMissingError",
        code: "PEER_DEPENDENCY_MISSING",
        packageName: "@opentelemetry/api",
        message: expect.stringContaining("instrumentPool needs @opentelemetry/api"),
        cause: "MODULE_NOT_FOUND",
      });
      expect(JSON.parse(output).message).toContain("npm install @opentelemetry/api");
    });
  }

  it("type-checks in a strict consumer without it (skipLibCheck false)", () => {
    writeFileSync(
      path.join(consumer, "consumer.mts"),
      [
        'import { instrumentPool, type MetricsMeter, monitorPool, recommendPoolSize } from "prisma-tenant-kit/pool";',
        'import type { TenantPool } from "prisma-tenant-kit/pool";',
        "export function watch(pool: TenantPool, meter?: MetricsMeter): () => void {",
        "  const stops = [monitorPool(pool, { onAlert: (alert) => console.warn(alert.message) })];",
        "  if (meter) stops.push(instrumentPool(pool, { meter }));",
        "  return () => stops.forEach((stop) => stop());",
        "}",
        "const advice = recommendPoolSize({ checkoutsPerSecond: 1, holdTimeMillis: 1, maxConnections: 9 });",
        "export const size: number = advice.max;",
        "",
      ].join("\n"),
    );
    const compilerOptions = {
      strict: true,
      skipLibCheck: false,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      target: "ES2022",
      module: "node16",
      moduleResolution: "node16",
      types: ["node"],
    };
    writeFileSync(path.join(consumer, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["consumer.mts"] }));
    const tsc = path.join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    const result = (() => {
      try {
        return execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: consumer, encoding: "utf8" });
      } catch (error) {
        return String((error as { stdout?: string }).stdout);
      }
    })();
    expect(result).toBe("");
  });
});
