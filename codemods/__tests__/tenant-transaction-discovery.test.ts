import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { discoverTenantTransactions } from "../analysis/tenant-transaction-discovery.ts";
import { DEFAULT_CONFIG } from "../config/tenant-kit-config.ts";
import { CodemodProject } from "../project/codemod-project.ts";
import { openContext, runScan } from "../runner/codemod-runner.ts";

// Discovery by behaviour: the tenant transaction is found by what it does (opens an interactive transaction, sets the
// RLS setting, runs a callback parameter with the transaction client), not by module path, name or signature.
const TSCONFIG = JSON.stringify({
  compilerOptions: { strict: true, module: "ESNext", moduleResolution: "Bundler", paths: { "~/*": ["./src/*"] } },
  include: ["src/**/*.ts"],
});
const CLIENT = `import { PrismaClient } from "@prisma/client";\nexport const prisma = new PrismaClient();\n`;

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function app(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "tenant-kit-discovery-"));
  roots.push(root);
  for (const [file, text] of Object.entries({ "tsconfig.json": TSCONFIG, "src/server/client.ts": CLIENT, ...files })) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

const TENANT_FIRST_HELPER = `import { prisma } from "~/server/client";
export async function inOrg<T>(orgId: string, work: (client: unknown) => Promise<T>): Promise<T> {
  return prisma.$transaction(async (trx) => {
    await trx.$executeRaw\`SELECT set_config('app.org_id', \${orgId}, true)\`;
    return work(trx);
  });
}
`;

const CLIENT_FIRST_HELPER = `import type { PrismaClient } from "@prisma/client";
export const scoped = async <T>(client: PrismaClient, org: string, fn: (db: unknown) => Promise<T>) =>
  client.$transaction(async (t) => {
    await t.$queryRawUnsafe("SELECT set_config('app.org_id', $1, true)", org);
    return fn(t);
  });
`;

describe("discovery by behaviour", () => {
  it("names each parameter's role by data flow, whatever its position or name", () => {
    const root = app({ "src/server/org-tx.ts": TENANT_FIRST_HELPER, "src/server/scoped.ts": CLIENT_FIRST_HELPER });
    const project = CodemodProject.open(root, DEFAULT_CONFIG);
    const found = discoverTenantTransactions(project).map((f) => ({
      name: f.name,
      role: f.role,
      parameters: f.parameters,
      handoff: f.handoff,
      setting: f.setting,
    }));
    expect(found).toEqual([
      {
        name: "inOrg",
        role: "transaction-helper",
        parameters: ["tenant-id", "callback"],
        handoff: { kind: "positional", tenantIdIndex: -1, dbIndex: 0 },
        setting: "app.org_id",
      },
      {
        name: "scoped",
        role: "transaction-helper",
        parameters: ["client", "tenant-id", "callback"],
        handoff: { kind: "positional", tenantIdIndex: -1, dbIndex: 0 },
        setting: "app.org_id",
      },
    ]);
  });

  it("finds a request wrapper built on a helper, and session wrappers on it, with no @/lib/tenant and no config", () => {
    const root = app({
      "src/server/org-tx.ts": TENANT_FIRST_HELPER,
      "src/server/request-org.ts": `import { inOrg } from "~/server/org-tx";
export async function fromRequest<T>(req: Request, run: (db: unknown, orgId: string) => Promise<T>) {
  const session = await lookup(req.headers.get("cookie"));
  const orgId = session.orgId;
  return inOrg(orgId, (client) => run(client, orgId));
}
async function lookup(cookie: string | null) { return { orgId: cookie ?? "" }; }
`,
      "src/server/staff.ts": `import { fromRequest } from "~/server/request-org";
export function withStaff<T>(req: Request, handler: (ctx: { db: unknown; orgId: string }) => Promise<T>) {
  return fromRequest(req, (db, orgId) => handler({ db, orgId }));
}
`,
    });
    const context = openContext({ target: root });
    const tenant = context.index.requestWrapper;
    expect(tenant).toMatchObject({
      name: "fromRequest",
      kind: "tenant",
      source: "behaviour",
      handlerIndex: 1,
      shape: { kind: "positional", tenantIdIndex: 1, dbIndex: 0 },
    });
    expect(context.index.sessionWrappers.map((w) => [w.name, w.shape])).toEqual([
      ["withStaff", { kind: "object", dbKey: "db", tenantIdKey: "orgId" }],
    ]);
    expect(context.index.transactionHelpers.map((h) => h.name)).toEqual(["inOrg"]);
    const roles = discoverTenantTransactions(context.project).find((f) => f.name === "fromRequest")?.parameters;
    expect(roles).toEqual(["request", "callback"]);
  });

  it("never takes the transaction helper for a request wrapper, even when the flags name it as one", () => {
    const route = `import { inOrg } from "~/server/org-tx";
export async function POST(request: Request) {
  const orgId = request.headers.get("x-org") ?? "";
  return inOrg(orgId, async (tx: any) => {
    const order = await tx.order.create({ data: { orgId } });
    await tx.stock.update({ where: { id: 1 }, data: { count: { decrement: 1 } } });
    return order;
  });
}
`;
    const root = app({ "src/server/org-tx.ts": TENANT_FIRST_HELPER, "src/app/api/orders/route.ts": route });
    for (const flags of [{}, { tenantModule: "~/server/org-tx", tenantWrapper: "inOrg" }]) {
      const scan = runScan({ target: root, flags });
      expect(scan.wrappers).toEqual([]);
      expect(scan.transactionHelpers.map((w) => [w.kind, w.name])).toEqual([["transaction-helper", "inOrg"]]);
      expect(scan.handlers.map((h) => [h.methods.join(), h.classification, h.evidence.length])).toEqual([
        ["POST", "write", 2],
      ]);
    }
  });

  it("a client-first helper called inside handlers after auth is found at every call site", () => {
    const route = (n: number): string => `import { scoped } from "~/server/scoped";
import { prisma } from "~/server/client";
export async function GET(request: Request) {
  const org = request.headers.get("x-org");
  if (!org) return new Response(null, { status: 401 });
  const rows = await scoped(prisma, org, (db: any) => db.invoice.findMany({ take: ${n} }));
  return Response.json(rows);
}
`;
    const root = app({
      "src/server/scoped.ts": CLIENT_FIRST_HELPER,
      "src/app/api/a/route.ts": route(1),
      "src/app/api/b/route.ts": route(2),
    });
    const scan = runScan({ target: root });
    expect(scan.handlers.map((h) => [h.location.file, h.wrapper, h.classification])).toEqual([
      ["src/app/api/a/route.ts", "scoped", "read"],
      ["src/app/api/b/route.ts", "scoped", "read"],
    ]);
  });

  it("a tenant module set explicitly that does not resolve is still an error naming the setting", () => {
    const root = app({ "src/server/org-tx.ts": TENANT_FIRST_HELPER });
    expect(() => openContext({ target: root, flags: { tenantModule: "~/nowhere" } })).toThrow(/tenantModule/);
    expect(() => openContext({ target: root })).not.toThrow();
  });
});
