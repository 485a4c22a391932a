import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "../cli/tenant-kit-cli.ts";
import { EXIT_CODES } from "../cli/exit-codes.ts";
import { copySalesApp } from "../../fixtures/sales-app-copy.ts";

// `migrate --only` / `--only-from`: a phase applied to the files and handlers a team approved, on a copy of the sales
// fixture app; the rest stays untouched and is reported, and a subset that would not compile is refused.
describe("migrate --only", () => {
  let copy: ReturnType<typeof copySalesApp>;
  const read = (file: string): string => readFileSync(path.join(copy.app, file), "utf8");

  async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const io: CliIo = {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      color: false,
      progress: false,
    };
    const code = await main(["node", "tenant-kit", "migrate", ...args], io);
    return { code, stdout, stderr };
  }

  beforeAll(() => {
    copy = copySalesApp();
  });
  afterAll(() => copy?.cleanup());

  it("refuses a pick that needs an unpicked change of the same phase, naming it, and writes nothing", async () => {
    const before = ["src/lib/auth/sales.ts", "src/lib/tenant.ts"].map(read);
    const { code, stderr } = await run(copy.app, "--phase", "scaffold", "--only", "src/lib/auth/sales.ts");
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr).toContain("TENANT_KIT_SUBSET_DEPENDENCY");
    // withSalesSessionV2 is built on withTenantFromRequestV2, which the scaffold adds to src/lib/tenant.ts.
    // It also needs the read-only typing of the session lookup it hands the V2 client to.
    expect(stderr).toMatch(
      /src\/lib\/auth\/sales\.ts needs the scaffold phase's change to src\/lib\/auth\/session-lookup\.ts, src\/lib\/tenant\.ts,/,
    );
    expect(stderr).toContain("withTenantFromRequestV2");
    expect(["src/lib/auth/sales.ts", "src/lib/tenant.ts"].map(read)).toEqual(before);
  });

  it("refuses picks that name nothing the phase changes", async () => {
    const missing = await run(copy.app, "--phase", "scaffold", "--only", "src/lib/nope.ts");
    expect(missing.code).toBe(EXIT_CODES.usage);
    expect(missing.stderr).toContain("TENANT_KIT_SUBSET_UNKNOWN_PICK");
    const empty = path.join(copy.root, "empty.txt");
    writeFileSync(empty, "# nothing approved yet\n\n");
    const none = await run(copy.app, "--phase", "scaffold", "--only-from", empty);
    expect(none.stderr).toContain("TENANT_KIT_SUBSET_UNKNOWN_PICK: The selection is empty");
  });

  it("applies the picked files only; the others stay and are listed in the output and --json", async () => {
    const admin = read("src/lib/auth/admin.ts");
    const { code, stdout } = await run(
      copy.app,
      "--phase",
      "scaffold",
      "--json",
      "--only",
      "src/lib/auth/sales.ts",
      "src/lib/tenant.ts",
      // The helpers the sales handlers pass their client to, typed read-only by the same phase.
      "src/lib/auth/session-lookup.ts",
      "src/lib/repos/customers-repo.ts",
      "src/lib/repos/orders-repo.ts",
    );
    expect(code).toBe(EXIT_CODES.ok);
    const json = JSON.parse(stdout) as { notSelected: string[]; summary: { changed: number }; written: boolean };
    expect(json.written).toBe(true);
    expect(json.summary.changed).toBe(5);
    expect(json.notSelected).toEqual(["src/lib/auth/admin.ts", "src/lib/auth/portal.ts"]);
    expect(read("src/lib/auth/sales.ts")).toContain("export async function withSalesSessionV2(");
    expect(read("src/lib/tenant.ts")).toContain("export async function withTenantFromRequestV2");
    expect(read("src/lib/auth/admin.ts")).toBe(admin);
  });

  it("applies one handler of a file from an exported selection; its neighbour stays on V1", async () => {
    const list = path.join(copy.root, "selection.txt");
    writeFileSync(list, "src/app/api/customers/[id]/route.ts:22\n");
    const orders = read("src/app/api/orders/route.ts");
    const summary = path.join(copy.root, "pr.md");
    const { code, stdout } = await run(
      path.join(copy.app, "src/app"),
      "--phase",
      "writes",
      "--only-from",
      list,
      "--summary",
      summary,
    );
    expect(code).toBe(EXIT_CODES.ok);
    const after = read("src/app/api/customers/[id]/route.ts");
    // PATCH (line 22) gets V2 and its span; DELETE (line 38) keeps V1 and its db.
    const patch = after.slice(
      after.indexOf("export async function PATCH"),
      after.indexOf("export async function DELETE"),
    );
    const del = after.slice(after.indexOf("export async function DELETE"));
    expect(patch).toContain("withSalesSessionV2(");
    expect(patch).toContain("withTenant(tenantId, async (tx) =>");
    expect(del).toMatch(/return withSalesSession\(/);
    expect(del).not.toContain("withTenant(");
    expect(read("src/app/api/orders/route.ts")).toBe(orders);
    expect(stdout).toMatch(/Not applied \(not selected with --only\): \d+\n/);
    expect(stdout).toContain("  src/app/api/customers/[id]/route.ts:38\n");
    expect(stdout).toContain("  src/app/api/orders/route.ts\n");
    expect(stdout).toMatch(/written writes: 1 changed/);
    const markdown = readFileSync(summary, "utf8");
    expect(markdown).toContain("### Not applied: not selected with `--only`");
    expect(markdown).toContain("- `src/app/api/customers/[id]/route.ts:38`");
  });
});
