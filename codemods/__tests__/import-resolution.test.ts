import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FIXTURES_DIR } from "./fixture-harness.ts";
import { runPhase } from "../runner/codemod-runner.ts";
import { REPO_ROOT } from "../../fixtures/sales-app-copy.ts";

// Every import a phase adds resolves and names an export. The transaction helper is imported from
// the module that declares it, and a phase refuses (a typed error with file:line, the file unchanged) rather than
// write an import that would dangle.
const ROUTE = "src/app/api/case/route.ts";
const WRITE_HANDLER = `import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const customer = await db.customer.create({ data: { tenantId, name: "n", email: "e" } });
    await db.auditLog.create({ data: { tenantId, action: "customer.created", entityId: customer.id } });
    return NextResponse.json(customer, { status: 201 });
  });
}
`;

describe("imports added by a phase", () => {
  let tmp: string | undefined;
  afterEach(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
  });

  /**
   * The fixture app laid out like the repo, with withTenant moved out of src/lib/tenant.ts into src/lib/prisma-tx.ts.
   */
  function appWithHelperElsewhere(exportHelper: boolean): string {
    tmp = mkdtempSync(path.join(os.tmpdir(), "tenant-kit-imports-"));
    const app = path.join(tmp, path.relative(REPO_ROOT, path.join(FIXTURES_DIR, "_app")));
    cpSync(path.join(FIXTURES_DIR, "_app"), app, { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "extension"), path.join(tmp, "extension"));
    const tenantPath = path.join(app, "src/lib/tenant.ts");
    const tenant = readFileSync(tenantPath, "utf8");
    const helper = /\/\*\*\n \* Runs `fn` inside one interactive transaction[\s\S]*?\n\}\n/.exec(tenant)?.[0];
    expect(helper).toBeDefined();
    writeFileSync(tenantPath, tenant.replace(helper!, ""));
    const moved = exportHelper
      ? helper!
      : helper!.replace("export async function withTenant", "async function withTenant");
    writeFileSync(
      path.join(app, "src/lib/prisma-tx.ts"),
      `import { prisma } from "@/lib/prisma";\nimport type { TenantDb } from "@/lib/tenant";\n\n${moved}`,
    );
    mkdirSync(path.dirname(path.join(app, ROUTE)), { recursive: true });
    writeFileSync(path.join(app, ROUTE), WRITE_HANDLER);
    return app;
  }

  it("imports the transaction helper from the module that declares it, not from the default @/lib/tenant", () => {
    const app = appWithHelperElsewhere(true);
    const result = runPhase("writes", { target: path.join(app, ROUTE) }, { write: false });
    const route = result.files.find((f) => f.file === ROUTE);
    expect(route?.error).toBeUndefined();
    expect(route?.after).toContain('import { withTenant } from "@/lib/prisma-tx";');
    expect(route?.after).not.toContain('import { withTenant } from "@/lib/tenant"');
  });

  it("never imports a helper no module exports: the span then opens on what the app has", () => {
    const app = appWithHelperElsewhere(false);
    const result = runPhase("writes", { target: path.join(app, ROUTE) }, { write: true });
    const route = result.files.find((f) => f.file === ROUTE);
    expect(route?.error).toBeUndefined();
    expect(result.summary.errors).toBe(0);
    const text = readFileSync(path.join(app, ROUTE), "utf8");
    expect(text).not.toMatch(/import \{[^}]*\bwithTenant\b[^}]*\} from "@\/lib\/tenant"/);
    // Whatever it wrote type-checks (the phase's own check), or it left the file as it was.
    expect(route?.changed ? result.typeCheck?.reverted : 0).toBe(0);
  });

  it("refuses install's kit imports when prisma-tenant-kit does not resolve", () => {
    const app = appWithHelperElsewhere(true);
    const prismaFile = path.join(app, "src/lib/prisma.ts");
    writeFileSync(
      prismaFile,
      'import { PrismaClient } from "@prisma/client";\n\nexport const prisma = new PrismaClient();\n',
    );
    const tsconfig = path.join(app, "tsconfig.json");
    writeFileSync(tsconfig, readFileSync(tsconfig, "utf8").replace(/, "prisma-tenant-kit": \[[^\]]*\]/, ""));
    const result = runPhase("install", { target: app }, { write: false });
    const client = result.files.find((f) => f.file === "src/lib/prisma.ts");
    expect(client?.error?.code).toBe("TENANT_KIT_UNRESOLVED_IMPORT");
    expect(client?.error?.message).toContain('"prisma-tenant-kit" does not resolve from src/lib/prisma.ts');
    expect(client?.after).toBe(client?.before);
  });
});
