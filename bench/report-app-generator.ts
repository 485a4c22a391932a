import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The small app of the codemod fixtures: `src/lib` after the scaffold phase (V1 and V2 of both wrappers). */
const FIXTURE_APP = path.join(REPO_ROOT, "codemods", "__testfixtures__", "_app");

/** How many route files of each kind {@link generateReportApp} writes. */
export interface GeneratedAppShape {
  /** GET handlers on `withSalesSession` that only read: the reads phase swaps the wrapper and its import only. */
  readonly salesReads: number;
  /** GET handlers on `withTenantFromRequest` that only read: the same swap under the other wrapper. */
  readonly tenantReads: number;
  /** Files with a GET that reads and a POST that writes: the reads phase swaps the GET, the writes phase the POST. */
  readonly mixed: number;
  /** GET handlers indexing db with a computed key: left for manual review (`dynamic-db-access`). */
  readonly dynamic: number;
}

/** The default: 440 route files; the reads phase changes all of them (the 20 dynamic ones get a review marker). */
export const LARGE_APP: GeneratedAppShape = { salesReads: 300, tenantReads: 60, mixed: 60, dynamic: 20 };

/**
 * Writes a Next.js app in a temp dir: the codemod fixture app's `src/lib` and tsconfig, plus generated route files
 * under `src/app/api/gen/<kind>-<n>/route.ts` calling the V1 wrappers. `node_modules` is a symlink to the repo's.
 *
 * @example
 * const app = generateReportApp(LARGE_APP);
 * runPhase("reads", { target: path.join(app.root, "src/app") }, { write: false });
 * app.cleanup();
 */
export function generateReportApp(shape: GeneratedAppShape = LARGE_APP): { root: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(os.tmpdir(), "tenant-kit-report-app-"));
  cpSync(FIXTURE_APP, root, { recursive: true });
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"));
  const write = (name: string, text: string): void => {
    const dir = path.join(root, "src", "app", "api", "gen", name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "route.ts"), text);
  };
  const models = ["customer", "order", "auditLog"] as const;
  for (let i = 0; i < shape.salesReads; i++) {
    const model = models[i % models.length]!;
    write(
      `sales-read-${i}`,
      `import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

// Generated read handler ${i}.
export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const rows = await db.${model}.findMany({ where: { tenantId }, take: ${10 + (i % 50)} });
    return NextResponse.json(rows);
  });
}
`,
    );
  }
  for (let i = 0; i < shape.tenantReads; i++) {
    write(
      `tenant-read-${i}`,
      `import { NextRequest, NextResponse } from "next/server";
import { withTenantFromRequest } from "@/lib/tenant";

export async function GET(request: NextRequest) {
  const { result } = await withTenantFromRequest(request, async (tenantId, db) => {
    return db.customer.count({ where: { tenantId, name: { contains: "${i}" } } });
  });
  return NextResponse.json({ count: result });
}
`,
    );
  }
  for (let i = 0; i < shape.mixed; i++) {
    write(
      `mixed-${i}`,
      `import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    return NextResponse.json(await db.order.findMany({ where: { tenantId } }));
  });
}

export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const body = (await request.json()) as { customerId: string };
    const customer = await db.customer.findFirst({ where: { id: body.customerId, tenantId } });
    if (!customer) return NextResponse.json({ error: "Customer not found." }, { status: 404 });
    const order = await db.order.create({ data: { tenantId, customerId: customer.id, status: "open" } });
    await db.auditLog.create({ data: { tenantId, action: "order.create-${i}", entityId: order.id } });
    return NextResponse.json(order, { status: 201 });
  });
}
`,
    );
  }
  for (let i = 0; i < shape.dynamic; i++) {
    write(
      `dynamic-${i}`,
      `import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

type Countable = { count(args?: object): Promise<number> };

export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ db }) => {
    const model = request.nextUrl.searchParams.get("model") ?? "customer";
    const delegate = (db as unknown as Record<string, Countable>)[model];
    return NextResponse.json({ count: delegate ? await delegate.count() : 0 });
  });
}
`,
    );
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
