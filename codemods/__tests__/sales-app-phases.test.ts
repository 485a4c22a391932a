import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPhase, runScan } from "../runner/codemod-runner.ts";
import { copySalesApp, typeCheck } from "../../fixtures/sales-app-copy.ts";

// The whole rollout of 002 on a copy of fixtures/sales-app: after every phase the app still type-checks (real
// generated Prisma client, the real extension types), a second run changes nothing, and files without the pattern
// stay byte-identical.
// Each phase type-checks the app twice (see codemods/verify/) besides the tsc of each step: minutes on a loaded machine.
describe("fixtures/sales-app through every phase", { timeout: 600_000 }, () => {
  let copy: ReturnType<typeof copySalesApp>;
  const untouched = [
    "src/app/api/legacy/ping/route.ts",
    "src/lib/prisma.ts",
    "src/lib/legacy/sales.ts",
    "src/lib/auth/responses.ts",
  ];
  let originals: Map<string, string>;

  beforeAll(() => {
    copy = copySalesApp();
    originals = new Map(untouched.map((file) => [file, readFileSync(path.join(copy.app, file), "utf8")]));
  });
  afterAll(() => copy?.cleanup());

  const read = (file: string): string => readFileSync(path.join(copy.app, file), "utf8");
  const run = (phase: string, target = phase === "reads" || phase === "writes" ? "src/app" : ".") =>
    runPhase(phase, { target: path.join(copy.app, target) }, { write: true });

  it("type-checks as V1 (the starting point)", () => {
    const result = typeCheck(copy.app);
    expect(result.output).toBe("");
  });

  it("scaffold adds a V2 beside each wrapper, the tenant one derived from V1, and type-checks", () => {
    const result = run("scaffold");
    expect(result.summary.errors).toBe(0);
    expect(
      result.files
        .filter((f) => f.changed)
        .map((f) => f.file)
        .sort(),
    ).toEqual([
      "src/lib/auth/admin.ts",
      "src/lib/auth/portal.ts",
      "src/lib/auth/sales.ts",
      "src/lib/auth/session-lookup.ts",
      "src/lib/repos/customers-repo.ts",
      "src/lib/repos/orders-repo.ts",
      "src/lib/tenant.ts",
    ]);
    // The helpers that only read take a read-only client, so V2 handlers can pass theirs; V1 callers still can.
    expect(read("src/lib/repos/orders-repo.ts")).toContain(
      "export async function listRecentOrders(db: TenantReadClient<TenantDb>, tenantId: string, take = 50)",
    );
    // The session wrappers' V2 hand their handler the read-only client, typed so.
    expect(read("src/lib/auth/sales.ts")).toContain("handler: TenantReadHandler<SalesSessionHandler>,");
    expect(read("src/lib/auth/sales.ts")).toContain("export async function withSalesSessionV2(");
    // The tenant wrapper's V2 is V1's code without the transaction: the same lookup and error, fn gets $forTenant.
    const tenantV2 = read("src/lib/tenant.ts").split("export async function withTenantFromRequestV2<T>(")[1] ?? "";
    expect(tenantV2).toContain("await prisma.tenant.findUnique({ where: { slug }, select: { id: true } });");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the app's source text, with its own template literal.
    expect(tenantV2).toContain('if (!tenant) throw new TenantNotFoundError(`slug "${slug}"`);');
    expect(tenantV2).toContain("return { result: await fn(tenantId, readOnlyClient(prisma.$forTenant(tenantId))) };");
    expect(tenantV2).toContain("fn: (tenantId: string, db: TenantReadView<TenantDb>) => Promise<T>,");
    expect(tenantV2).not.toMatch(/\$transaction|set_config|\btx\b/);
    // Each V2 answers a pool timeout with 503 + Retry-After before its other error handling; V1 is unchanged.
    for (const [file, v2] of [
      ["sales", "withSalesSessionV2"],
      ["admin", "withAdminSessionV2"],
      ["portal", "withPortalSessionV2"],
    ] as const) {
      const text = read(`src/lib/auth/${file}.ts`);
      expect(text).toMatch(
        new RegExp(
          `function ${v2}\\([\\s\\S]*\\} catch \\(error\\) \\{\\n {4}` +
            "const busy = poolTimeoutResponse\\(error\\);\\n {4}if \\(busy\\) return busy;\\n",
        ),
      );
      expect(text.match(/poolTimeoutResponse\(/g), file).toHaveLength(1);
    }
    expect(result.summary.manualReview).toBe(0);
    expect(result.typeCheck).toMatchObject({ reverted: 0, blocking: [] });
    expect(typeCheck(copy.app).output).toBe("");
    expect(run("scaffold").summary.changed).toBe(0);
  });

  it("reads moves every read handler to V2, lists the unknown ones, and type-checks", () => {
    const result = run("reads");
    expect(result.summary.errors).toBe(0);
    const migrated = result.files.flatMap((f) => f.sites.filter((s) => s.action === "migrated"));
    expect(migrated.every((s) => s.classification === "read")).toBe(true);
    expect(migrated.length).toBe(13);
    const reasons = result.files.flatMap((f) => f.manualReview.map((m) => `${m.location.file}:${m.reason}`)).sort();
    expect(reasons).toEqual([
      "src/app/api/customers/export/route.ts:db-escapes",
      "src/app/api/plugins/run/route.ts:unresolved-callee",
      "src/app/api/reports/dynamic/route.ts:dynamic-db-access",
    ]);
    expect(read("src/app/api/sessions/touch/route.ts")).toContain("withSalesSession(");
    expect(typeCheck(copy.app).output).toBe("");
    expect(run("reads").summary.changed).toBe(0);
  });

  it("writes moves every write handler to V2 with a transaction span, and type-checks", () => {
    const result = run("writes");
    expect(result.summary.errors).toBe(0);
    const migrated = result.files.flatMap((f) => f.sites.filter((s) => s.action === "migrated"));
    expect(migrated.every((s) => s.classification === "write")).toBe(true);
    expect(migrated.length).toBe(19);
    const orders = read("src/app/api/orders/route.ts");
    // Read-modify-write: the stock check and the decrement share the transaction.
    expect(orders).toMatch(
      new RegExp(
        /withTenant\(tenantId, async \(tx\) => \{\s*for \(const item of body\.items\) \{\s*/.source +
          /const stock = await tx\.inventory\.findUnique/.source,
      ),
    );
    // The webhook stays outside the span.
    const invoice = read("src/app/api/orders/[id]/invoice/route.ts");
    expect(invoice.indexOf("await fetch(")).toBeGreaterThan(
      invoice.indexOf("if (txResult.returned) return txResult.value;"),
    );
    expect(typeCheck(copy.app).output).toBe("");
    expect(run("writes").summary.changed).toBe(0);
  });

  it("finalize removes the wrappers nobody uses on V1 and keeps the others, listing their uses", () => {
    const result = run("finalize");
    expect(result.summary.errors).toBe(0);
    expect(read("src/lib/auth/admin.ts")).not.toContain("withAdminSessionV2");
    expect(read("src/app/api/admin/users/route.ts")).toContain("withAdminSession(");
    expect(read("src/lib/auth/sales.ts")).toContain("export async function withSalesSessionV2(");
    const blocked = result.files
      .flatMap((f) => f.manualReview.filter((m) => m.reason === "v1-still-used").map((m) => m.location.file))
      .sort();
    expect(blocked).toEqual([
      "src/app/api/customers/export/route.ts",
      "src/app/api/plugins/run/route.ts",
      "src/app/api/reports/dynamic/route.ts",
      "src/lib/auth/sales.ts",
    ]);
    expect(typeCheck(copy.app).output).toBe("");
    expect(run("finalize").summary.changed).toBe(0);
  });

  it("finalize completes once the manual-review handlers are fixed by hand (here: removed)", () => {
    for (const route of ["customers/export", "plugins/run", "reports/dynamic"])
      rmSync(path.join(copy.app, "src/app/api", route), { recursive: true });
    const result = run("finalize");
    expect(result.summary.manualReview).toBe(0);
    const sales = read("src/lib/auth/sales.ts");
    const tenant = read("src/lib/tenant.ts");
    expect(sales).not.toContain("V2");
    expect(sales).toContain("const busy = poolTimeoutResponse(error);");
    expect(tenant).not.toContain("withTenantFromRequestV2");
    // The only transaction left in the tenant module is withTenant's.
    expect(tenant.match(/\$transaction/g)).toHaveLength(1);
    expect(typeCheck(copy.app).output).toBe("");
    for (const phase of ["finalize", "scaffold", "reads", "writes"]) expect(run(phase).summary.changed, phase).toBe(0);
    const scan = runScan({ target: path.join(copy.app, "src/app") });
    expect(scan.handlers.every((h) => h.wrapperVersion === 2)).toBe(true);
  });

  it("left the files without the pattern byte-identical", () => {
    for (const [file, text] of originals) expect(read(file), file).toBe(text);
  });
});
