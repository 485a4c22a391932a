import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { TenantKitError } from "prisma-tenant-kit";
import { type AppClient, createAppClient, initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";

// One test per cell of the composition table in docs/design.md ("Composition"): the call, and what it runs as. A cell
// runs the customers query (5 rows per tenant) through the composition and reports whose rows came back; cells inside
// `$withTenant(A)` also report whether the query saw a row the open transaction wrote and had not committed.
let database: TestDatabase;
let a: SeededTenant;
let b: SeededTenant;
let prisma: AppClient;
let strict: AppClient;

beforeAll(async () => {
  database = await initTest();
  [a, b] = (await seedTestTenants(database, { tenants: 2 })) as [SeededTenant, SeededTenant];
  ({ prisma } = createAppClient(database));
  ({ prisma: strict } = createAppClient(database, { extension: { strict: true } }));
});
afterAll(async () => {
  await prisma.$disconnect();
  await strict.$disconnect();
  await database.drop();
});

type Client = AppClient;
type Rows = { tenantId: string }[];
type Queryable = {
  customer: { findMany(): PromiseLike<Rows> };
  auditLog: { count(args: object): PromiseLike<number> };
};

const MARKER = "composition:uncommitted";
const ROLLBACK = new Error("roll the cell's transaction back");

/** Whose rows these are: "A", "B", "no tenant" (none) or "mixed". */
function whose(rows: Rows): string {
  const name = (tenantId: string) => (tenantId === a.id ? "A" : tenantId === b.id ? "B" : tenantId);
  const tenants = new Set(rows.map((row) => name(row.tenantId)));
  if (tenants.size === 0) return "no tenant";
  return tenants.size === 1 ? [...tenants][0]! : "mixed";
}

/** Runs the customers query on `db` and says whose rows came back. */
async function runsAs(db: Queryable): Promise<string> {
  return whose(await db.customer.findMany());
}

/** Inside `$withTenant(A)`: whose rows, and whether the query saw the open transaction's uncommitted marker row. */
async function runsInside(db: Queryable): Promise<string> {
  const rows = await db.customer.findMany();
  const sawMarker = (await db.auditLog.count({ where: { action: MARKER } })) > 0;
  return `${whose(rows)}, ${sawMarker ? "in" : "outside"} the open transaction`;
}

/** `runsInside(inner)`, noting when `inner` is the open transaction's own `tx`. */
async function runsInsideJoined(inner: Queryable, tx: Queryable): Promise<string> {
  return `${await runsInside(inner)}${inner === tx ? " (fn gets tx)" : ""}`;
}

/** Runs the customers query twice in one batch `$transaction` on `on` and says whose rows came back. */
async function batchRunsAs(on: Client, first: Client, second: Client): Promise<string> {
  const [rows, others] = await on.$transaction([first.customer.findMany(), second.customer.findMany()]);
  return whose([...rows, ...others]);
}

/** Inside `$withTenant(A)`: a batch `$transaction` on `on` of the customers query and the marker count. */
async function batchRunsInside(on: Client, db: Client): Promise<string> {
  const markerCount = db.auditLog.count({ where: { action: MARKER } });
  const [rows, markers] = await on.$transaction([db.customer.findMany(), markerCount]);
  return `${whose(rows)}, ${markers > 0 ? "in" : "outside"} the open transaction`;
}

/** Runs `body` inside `$withTenant(A)` on `client`, after an uncommitted write, and rolls everything back. */
async function insideWithTenantA(client: Client, body: (tx: Client) => Promise<string>): Promise<string> {
  let outcome = "";
  await client
    .$withTenant(a.id, async (tx) => {
      await tx.auditLog.create({ data: { tenantId: a.id, action: MARKER } });
      outcome = await body(tx as unknown as Client);
      throw ROLLBACK;
    })
    .catch((error: unknown) => {
      if (error !== ROLLBACK) throw error;
    });
  return outcome;
}

/** The cell's outcome, or the kit error it threw (its class name shows the class survived Prisma). */
async function outcomeOf(run: () => Promise<string>): Promise<string> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TenantKitError) return `throws ${error.name} (${error.code})`;
    throw error;
  }
}

interface Cell {
  call: string;
  outcome: string;
  run(client: Client): Promise<string>;
}

const A = () => a.id;
const B = () => b.id;

const cells: Cell[] = [
  { call: "prisma.customer.findMany()", outcome: "no tenant", run: (p) => runsAs(p) },
  { call: "$forTenant(A).customer.findMany()", outcome: "A", run: (p) => runsAs(p.$forTenant(A())) },
  { call: "$forTenant(A).$forTenant(A)", outcome: "A", run: (p) => runsAs(p.$forTenant(A()).$forTenant(A())) },
  {
    call: "$forTenant(A).$forTenant(B)",
    outcome: "throws TenantMismatchError (TENANT_MISMATCH)",
    run: async (p) => runsAs(p.$forTenant(A()).$forTenant(B())),
  },
  { call: "$withTenant(A, fn)", outcome: "A", run: (p) => p.$withTenant(A(), (tx) => runsAs(tx)) },
  {
    call: "$forTenant(A).$withTenant(A, fn)",
    outcome: "A",
    run: (p) => p.$forTenant(A()).$withTenant(A(), (tx) => runsAs(tx)),
  },
  {
    call: "$forTenant(A).$withTenant(B, fn)",
    outcome: "throws TenantMismatchError (TENANT_MISMATCH)",
    run: (p) => p.$forTenant(A()).$withTenant(B(), (tx) => runsAs(tx)),
  },
  {
    call: "$forTenant(A).$transaction(fn)",
    outcome: "A",
    run: (p) => p.$forTenant(A()).$transaction((tx) => runsAs(tx)),
  },
  {
    call: "$forTenant(A).$transaction([A, A])",
    outcome: "A",
    run: (p) => batchRunsAs(p.$forTenant(A()), p.$forTenant(A()), p.$forTenant(A())),
  },
  {
    call: "$forTenant(A).$transaction([B])",
    outcome: "throws MixedTenantBatchError (TENANT_BATCH_MIXED)",
    run: async (p) => whose((await p.$forTenant(A()).$transaction([p.$forTenant(B()).customer.findMany()]))[0]),
  },
  {
    call: "$forTenant(A).$transaction([A, bare])",
    outcome: "throws MixedTenantBatchError (TENANT_BATCH_MIXED)",
    run: (p) => batchRunsAs(p.$forTenant(A()), p.$forTenant(A()), p),
  },
  {
    call: "prisma.$transaction([A, A])",
    outcome: "A",
    run: (p) => batchRunsAs(p, p.$forTenant(A()), p.$forTenant(A())),
  },
  {
    call: "prisma.$transaction([A, B])",
    outcome: "throws MixedTenantBatchError (TENANT_BATCH_MIXED)",
    run: (p) => batchRunsAs(p, p.$forTenant(A()), p.$forTenant(B())),
  },
  {
    call: "prisma.$transaction([A, bare])",
    outcome: "throws MixedTenantBatchError (TENANT_BATCH_MIXED)",
    run: (p) => batchRunsAs(p, p.$forTenant(A()), p),
  },
  { call: "prisma.$transaction([bare, bare])", outcome: "no tenant", run: (p) => batchRunsAs(p, p, p) },
  { call: "prisma.$transaction(fn)", outcome: "no tenant", run: (p) => p.$transaction((tx) => runsAs(tx)) },
  {
    call: "tx.$forTenant(A), tx of prisma.$transaction(fn)",
    outcome: "throws TenantMismatchError (TENANT_MISMATCH)",
    run: (p) => p.$transaction(async (tx) => runsAs((tx as unknown as Client).$forTenant(A()))),
  },
  // Inside the callback of $withTenant(A, async (tx) => ...), after tx wrote a row it has not committed:
  {
    call: "in $withTenant(A): tx.customer.findMany()",
    outcome: "A, in the open transaction",
    run: (p) => insideWithTenantA(p, (tx) => runsInside(tx)),
  },
  {
    call: "in $withTenant(A): prisma.customer.findMany()",
    outcome: "no tenant, outside the open transaction",
    run: (p) => insideWithTenantA(p, () => runsInside(p)),
  },
  {
    call: "in $withTenant(A): $forTenant(A).customer.findMany()",
    outcome: "A, outside the open transaction",
    run: (p) => insideWithTenantA(p, () => runsInside(p.$forTenant(A()))),
  },
  {
    call: "in $withTenant(A): $forTenant(B).customer.findMany()",
    outcome: "B, outside the open transaction",
    run: (p) => insideWithTenantA(p, () => runsInside(p.$forTenant(B()))),
  },
  {
    call: "in $withTenant(A): $withTenant(A, fn)",
    outcome: "A, in the open transaction (fn gets tx)",
    run: (p) => insideWithTenantA(p, (tx) => p.$withTenant(A(), (inner) => runsInsideJoined(inner, tx))),
  },
  {
    call: "in $withTenant(A): $withTenant(B, fn)",
    outcome: "throws TenantMismatchError (TENANT_MISMATCH)",
    run: (p) => outcomeOf(() => insideWithTenantA(p, () => p.$withTenant(B(), (inner) => runsInside(inner)))),
  },
  {
    call: "in $withTenant(A): $forTenant(A).$transaction(fn)",
    outcome: "A, in the open transaction (fn gets tx)",
    run: (p) => insideWithTenantA(p, (tx) => p.$forTenant(A()).$transaction((inner) => runsInsideJoined(inner, tx))),
  },
  {
    call: "in $withTenant(A): $forTenant(B).$transaction(fn)",
    outcome: "throws TenantMismatchError (TENANT_MISMATCH)",
    run: (p) => insideWithTenantA(p, () => p.$forTenant(B()).$transaction((inner) => runsInside(inner))),
  },
  {
    call: "in $withTenant(A): $forTenant(B).$withTenant(B, fn)",
    outcome: "throws TenantMismatchError (TENANT_MISMATCH)",
    run: (p) => insideWithTenantA(p, () => p.$forTenant(B()).$withTenant(B(), (inner) => runsInside(inner))),
  },
  {
    call: "in $withTenant(A): tx.$transaction(fn)",
    outcome: "A, in the open transaction (fn gets tx)",
    run: (p) => insideWithTenantA(p, (tx) => tx.$transaction((inner) => runsInsideJoined(inner, tx))),
  },
  {
    call: "in $withTenant(A): tx.$forTenant(A)",
    outcome: "A, in the open transaction",
    run: (p) => insideWithTenantA(p, (tx) => runsInside(tx.$forTenant(A()))),
  },
  {
    call: "in $withTenant(A): tx.$forTenant(B)",
    outcome: "throws TenantMismatchError (TENANT_MISMATCH)",
    run: (p) => insideWithTenantA(p, async (tx) => runsInside(tx.$forTenant(B()))),
  },
  {
    call: "in $withTenant(A): prisma.$transaction(fn)",
    outcome: "no tenant, outside the open transaction",
    run: (p) => insideWithTenantA(p, () => p.$transaction((inner) => runsInside(inner))),
  },
  {
    call: "in $withTenant(A): $forTenant(A).$transaction([...])",
    outcome: "A, outside the open transaction",
    run: (p) => insideWithTenantA(p, () => batchRunsInside(p.$forTenant(A()), p.$forTenant(A()))),
  },
  {
    call: "in $withTenant(A): tx.$transaction([...])",
    outcome: "A, in the open transaction",
    run: (p) => insideWithTenantA(p, (tx) => batchRunsInside(tx, tx)),
  },
];

// With tenantExtension({ strict: true }), only the cells whose outcome differs: a query without a tenant throws.
const MISSING = "TenantContextMissingError (TENANT_CONTEXT_MISSING)";
const strictCells: Cell[] = [
  { call: "prisma.customer.findMany()", outcome: `throws ${MISSING}`, run: (p) => runsAs(p) },
  { call: "$forTenant(A).customer.findMany()", outcome: "A", run: (p) => runsAs(p.$forTenant(A())) },
  { call: "$withTenant(A, fn)", outcome: "A", run: (p) => p.$withTenant(A(), (tx) => runsAs(tx)) },
  {
    call: "prisma.$transaction([A, A])",
    outcome: "A",
    run: (p) => batchRunsAs(p, p.$forTenant(A()), p.$forTenant(A())),
  },
  {
    call: "prisma.$transaction([bare, bare])",
    outcome: `throws ${MISSING}`,
    run: (p) => batchRunsAs(p, p, p),
  },
  { call: "prisma.$transaction(fn)", outcome: `throws ${MISSING}`, run: (p) => p.$transaction((tx) => runsAs(tx)) },
  {
    call: "in $withTenant(A): prisma.customer.findMany()",
    outcome: `throws ${MISSING}`,
    run: (p) => insideWithTenantA(p, () => runsInside(p)),
  },
  {
    call: "in $withTenant(A): tx.customer.findMany()",
    outcome: "A, in the open transaction",
    run: (p) => insideWithTenantA(p, (tx) => runsInside(tx)),
  },
];

describe("composition table", () => {
  it.each(cells)("$call → $outcome", async ({ run, outcome }) => {
    expect(await outcomeOf(() => run(prisma))).toBe(outcome);
  });
});

describe("after the callback", () => {
  it("a $withTenant that the callback scheduled for later starts its own transaction, not the closed one", async () => {
    let later: Promise<number> | undefined;
    await prisma.$withTenant(a.id, async () => {
      later = new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
        prisma.$withTenant(a.id, (tx) => tx.customer.count()),
      );
    });
    expect(await later).toBe(a.customerIds.length);
  });
});

describe("composition table, strict client", () => {
  it.each(strictCells)("$call → $outcome", async ({ run, outcome }) => {
    expect(await outcomeOf(() => run(strict))).toBe(outcome);
  });

  it("points a bare query inside a $withTenant callback at tx", async () => {
    const run = insideWithTenantA(strict, () => runsAs(strict));
    await expect(run).rejects.toThrow(/findMany\(\) ran without a tenant inside a \$withTenant callback/);
    await expect(run).rejects.toThrow(/callback's tx argument/);
  });
});
