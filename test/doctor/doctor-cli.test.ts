import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EXIT_CODES } from "../../codemods/cli/exit-codes.ts";
import { main, type CliIo } from "../../codemods/cli/tenant-kit-cli.ts";
import type { DoctorReport } from "prisma-tenant-kit/doctor";
import { initTest, type TestDatabase } from "../setup/init-test.ts";
import { CLEAN_SCHEMA_SQL, PLANTED_SCHEMA_SQL, runAsSuperuser } from "./planted-schemas.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await initTest();
  await runAsSuperuser(inject("database").superuserUrl, database.name, CLEAN_SCHEMA_SQL + PLANTED_SCHEMA_SQL);
});
afterAll(() => database.drop());

function capture(): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    color: false,
    progress: false,
    out: () => out,
    err: () => err,
  };
}

const doctor = (...args: string[]) => ["node", "tenant-kit", "doctor", ...args];

describe("tenant-kit doctor", () => {
  it("exits 0 and says so on a clean schema", async () => {
    const io = capture();
    expect(await main(doctor("--url", database.appUrl(), "--schema", "clean"), io)).toBe(EXIT_CODES.ok);
    expect(io.out()).toContain("No findings");
    expect(io.out()).toContain("role tenant_kit_app");
  });

  it("prints the findings grouped by problem, the objects under each, and exits non-zero", async () => {
    const io = capture();
    expect(await main(doctor("--url", database.appUrl(), "--schema", "planted"), io)).toBe(EXIT_CODES.doctorFindings);
    const out = io.out();
    expect(out).toContain(
      "RLS_NOT_FORCED  RLS is enabled but not FORCEd on a table the application role owns (1)\n" +
        "  table planted.app_owned\n",
    );
    expect(out).toContain("    fix: ALTER TABLE planted.app_owned FORCE ROW LEVEL SECURITY;");
    // One heading per problem, both views listed under it.
    expect(out.match(/^VIEW_BYPASSES_RLS /gm)).toHaveLength(1);
    expect(out).toMatch(
      /VIEW_BYPASSES_RLS .*\(2\)\n {2}materialized view planted.leaky_matview\n[\s\S]*\n {2}view planted.leaky_view\n/,
    );
    expect(out).toContain("fix: ALTER VIEW planted.leaky_view SET (security_invoker = true);");
    expect(out.match(/^LIVE_PROBE_RETURNED_ROWS /gm)).toHaveLength(1);
    expect(out).toMatch(/19 finding\(s\) of 12 kind\(s\)/);
  });

  it("prints no warning from a library (run as the real bin, stderr empty)", () => {
    const bin = fileURLToPath(new URL("../../codemods/dist/tenant-kit.mjs", import.meta.url));
    const run = spawnSync(process.execPath, [bin, "doctor", "--url", database.appUrl(), "--schema", "planted"], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(run.status).toBe(EXIT_CODES.doctorFindings);
    expect(run.stdout).toContain("19 finding(s)");
    expect(run.stderr).toBe("");
  });

  it("--json prints the report for CI", async () => {
    const io = capture();
    const code = await main(doctor("--url", database.appUrl(), "--schema", "planted", "--json", "--no-probe"), io);
    expect(code).toBe(EXIT_CODES.doctorFindings);
    const report = JSON.parse(io.out()) as DoctorReport;
    expect(report.findings.some((f) => f.code.startsWith("LIVE_PROBE"))).toBe(false);
    expect(report.findings.map((f) => f.code)).toContain("TRUNCATE_GRANTED");
    expect(report.setting).toBe("app.tenant_id");
    expect(report.version).toBe(2);
  });

  it("falls back to DATABASE_URL, and fails with a typed error when it cannot connect", async () => {
    const missing = new URL(database.appUrl());
    missing.pathname = "/no_such_database";
    const io = capture();
    const previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = missing.toString();
    try {
      expect(await main(doctor(), io)).toBe(EXIT_CODES.doctorFailed);
    } finally {
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
    }
    expect(io.err()).toContain("error DOCTOR_CANNOT_CONNECT:");
    expect(io.err()).toContain("no_such_database");
  });

  it("rejects a malformed --setting as bad usage", async () => {
    const io = capture();
    expect(await main(doctor("--url", database.appUrl(), "--setting", "tenant"), io)).toBe(EXIT_CODES.usage);
    expect(io.err()).toContain("error INVALID_OPTION:");
  });
});
