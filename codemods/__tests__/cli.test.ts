import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main, type CliIo } from "../cli/tenant-kit-cli.ts";
import { EXIT_CODES } from "../cli/exit-codes.ts";
import { FIXTURES_DIR } from "./fixture-harness.ts";
import { REPO_ROOT } from "../../fixtures/sales-app-copy.ts";

const ROUTE = `import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ db }) => NextResponse.json(await db.customer.findMany()));
}
`;

function capture(color = false): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    color,
    progress: false,
    out: () => out,
    err: () => err,
  };
}

describe("tenant-kit CLI", () => {
  let root: string;
  let route: string;
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, stdio: "pipe" });

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "tenant-kit-cli-"));
    cpSync(path.join(FIXTURES_DIR, "_app"), root, { recursive: true });
    route = path.join(root, "src/app/api/customers/route.ts");
    mkdirSync(path.dirname(route), { recursive: true });
    writeFileSync(route, ROUTE);
    git("init", "-q");
    git("add", "-A");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("names the known phases when asked for an unknown one", async () => {
    const io = capture();
    const code = await main(["node", "tenant-kit", "migrate", root, "--phase", "raeds"], io);
    expect(code).toBe(EXIT_CODES.usage);
    expect(io.err()).toContain('There is no codemod "raeds"; pick one of: install, scaffold, reads, writes, finalize.');
  });

  it("--dry-run prints a colored unified diff and the summary, and writes nothing", async () => {
    const io = capture(true);
    const code = await main(
      ["node", "tenant-kit", "migrate", path.join(root, "src/app"), "--phase", "reads", "--dry-run"],
      io,
    );
    expect(code).toBe(EXIT_CODES.ok);
    expect(io.out()).toContain("\u001b[31m-  return withSalesSession(request");
    expect(io.out()).toContain("\u001b[32m+  return withSalesSessionV2(request");
    expect(io.out()).toMatch(/dry run, nothing written.*reads: .*1 changed/);
    expect(readFileSync(route, "utf8")).toBe(ROUTE);
  });

  it("refuses to write on a dirty git tree unless --force", async () => {
    writeFileSync(path.join(root, "src/lib/extra.ts"), "export const x = 1;\n");
    const refused = capture();
    expect(await main(["node", "tenant-kit", "migrate", path.join(root, "src/app"), "--phase", "reads"], refused)).toBe(
      EXIT_CODES.dirtyTree,
    );
    expect(refused.err()).toContain("TENANT_KIT_DIRTY_TREE");
    expect(refused.err()).toContain("src/lib/extra.ts");
    expect(readFileSync(route, "utf8")).toBe(ROUTE);

    const forced = capture();
    expect(
      await main(["node", "tenant-kit", "migrate", path.join(root, "src/app"), "--phase", "reads", "--force"], forced),
    ).toBe(EXIT_CODES.ok);
    expect(readFileSync(route, "utf8")).toContain("withSalesSessionV2(request");
  });

  it("exits with the manual-review code when something is left for a human, and lists it with file:line", async () => {
    writeFileSync(
      route,
      ROUTE.replace("await db.customer.findMany()", "await (db as any)[request.nextUrl.pathname].count()"),
    );
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "dynamic");
    const io = capture();
    expect(await main(["node", "tenant-kit", "migrate", path.join(root, "src/app"), "--phase", "reads"], io)).toBe(
      EXIT_CODES.manualReview,
    );
    expect(io.out()).toContain("src/app/api/customers/route.ts:5:");
    expect(io.out()).toContain("dynamic-db-access");
  });

  it("scan --json lists handlers and wrappers for machines", async () => {
    const io = capture();
    expect(await main(["node", "tenant-kit", "scan", path.join(root, "src/app"), "--json"], io)).toBe(EXIT_CODES.ok);
    const parsed = JSON.parse(io.out()) as {
      handlers: Array<{ classification: string; methods: string[] }>;
      wrappers: Array<{ name: string }>;
    };
    expect(parsed.handlers).toEqual([expect.objectContaining({ classification: "read", methods: ["GET"] })]);
    expect(parsed.wrappers.map((w) => w.name)).toEqual(["withTenantFromRequest", "withSalesSession"]);
  });

  it("a config file renames what the kit looks for", async () => {
    writeFileSync(path.join(root, "tenant-kit.config.json"), JSON.stringify({ v2Suffix: "Fast" }));
    const io = capture();
    expect(await main(["node", "tenant-kit", "scan", path.join(root, "src/app"), "--json"], io)).toBe(EXIT_CODES.ok);
    const parsed = JSON.parse(io.out()) as { wrappers: Array<{ v2Name: string; hasV2: boolean }> };
    expect(parsed.wrappers.map((w) => w.v2Name)).toEqual(["withTenantFromRequestFast", "withSalesSessionFast"]);
    expect(parsed.wrappers.every((w) => !w.hasV2)).toBe(true);
  });

  it("--kit-module sets where scaffold imports poolTimeoutResponse from", async () => {
    const wrapper = readFileSync(path.join(FIXTURES_DIR, "scaffold", "pool-timeout-handled.input.ts"), "utf8");
    writeFileSync(path.join(root, "src/lib/auth/portal.ts"), wrapper.replace(/ *if \(isBusy\(cause\)\)[^\n]*\n/, ""));
    // The app imports the kit under another name; phases only add imports that resolve.
    const tsconfig = path.join(root, "tsconfig.json");
    const mapped = readFileSync(tsconfig, "utf8").replace(
      '"paths": {',
      `"paths": { "@acme/tenant-kit": [${JSON.stringify(path.join(REPO_ROOT, "extension", "dist", "index.d.mts"))}],`,
    );
    expect(mapped).toContain('"@acme/tenant-kit"');
    writeFileSync(tsconfig, mapped);
    const io = capture();
    const code = await main(
      ["node", "tenant-kit", "migrate", root, "--phase", "scaffold", "--dry-run", "--kit-module", "@acme/tenant-kit"],
      io,
    );
    expect(code, io.out()).toBe(EXIT_CODES.ok);
    expect(io.out()).toContain('+import { poolTimeoutResponse } from "@acme/tenant-kit";');
    expect(io.out()).toMatch(/\+ {4}const busy = poolTimeoutResponse\(cause\);\n\+ {4}if \(busy\) return busy;/);
  });

  it("rejects an invalid config file with a sentence saying what to fix", async () => {
    writeFileSync(path.join(root, "tenant-kit.config.json"), JSON.stringify({ tenantModul: "@/lib/tenant" }));
    const io = capture();
    expect(await main(["node", "tenant-kit", "scan", root], io)).toBe(EXIT_CODES.usage);
    expect(io.err()).toContain('unknown key "tenantModul"');
  });

  it("the compiled bin runs without a TypeScript loader", () => {
    const bin = path.join(REPO_ROOT, "codemods", "dist", "tenant-kit.mjs");
    const result = spawnSync(process.execPath, [bin, "list"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    expect(result.status).toBe(0);
    expect(
      result.stdout
        .split("\n")
        .map((l) => l.split(/\s+/)[0])
        .filter(Boolean),
    ).toEqual(["install", "scaffold", "reads", "writes", "finalize"]);
  });
});
