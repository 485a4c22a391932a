import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import { TenantKitError } from "prisma-tenant-kit";
import { CONTEXT_MODE, initTest, seedTestTenants, type TestDatabase } from "../setup/init-test.ts";
import { type ContextClient, createContextClient, grantContextRoles } from "./context-client.ts";

// One test per row of the query-context part of the composition table in docs/design.md ("Composition", "Query
// contexts"). C and D are contexts of tenants A and B (two settings and the role `authenticated`); C' is a context
// equal to C built from a new object. A cell runs the customers query (5 rows per tenant) and reports whose rows
// came back; cells inside `$withContext(C)` also report whether the query saw a row the open transaction wrote.
let database: TestDatabase;
let a: SeededTenant;
let b: SeededTenant;
let prisma: ContextClient;

beforeAll(async () => {
  database = await initTest();
  [a, b] = (await seedTestTenants(database, { tenants: 2 })) as [SeededTenant, SeededTenant];
  await grantContextRoles(database);
  ({ prisma } = createContextClient(database, { contextMode: CONTEXT_MODE }));
});
afterAll(async () => {
  await prisma.$disconnect();
  await database.drop();
});

type Client = ContextClient;
type Rows = { tenantId: string }[];
type Queryable = {
  customer: { findMany(): PromiseLike<Rows> };
  auditLog: { count(args: object): PromiseLike<number> };
};

const MARKER = "context-composition:uncommitted";
const ROLLBACK = new Error("roll the cell's transaction back");
const C = () => ({ settings: { "app.tenant_id": a.id, "app.user_id": "u1" }, role: "authenticated" });
const D = () => ({ settings: { "app.tenant_id": b.id, "app.user_id": "u2" }, role: "authenticated" });

/** Whose rows these are: "A", "B", "no tenant" (none) or "mixed". */
function whose(rows: Rows): string {
  const tenants = new Set(rows.map((row) => (row.tenantId === a.id ? "A" : row.tenantId === b.id ? "B" : "?")));
  if (tenants.size === 0) return "no tenant";
  return tenants.size === 1 ? [...tenants][0]! : "mixed";
}

async function runsAs(db: Queryable): Promise<string> {
  return whose(await db.customer.findMany());
}

async function runsInside(db: Queryable): Promise<string> {
  const rows = await db.customer.findMany();
  const sawMarker = (await db.auditLog.count({ where: { action: MARKER } })) > 0;
  return `${whose(rows)}, ${sawMarker ? "in" : "outside"} the open transaction`;
}

async function runsInsideJoined(inner: Queryable, tx: Queryable): Promise<string> {
  return `${await runsInside(inner)}${inner === tx ? " (fn gets tx)" : ""}`;
}

async function batchRunsAs(on: Client, first: Client, second: Client): Promise<string> {
  const [rows, others] = await on.$transaction([first.customer.findMany(), second.customer.findMany()]);
  return whose([...rows, ...others]);
}

/** Runs `body` inside `$withContext(C)` after an uncommitted write (u1's, as the per-user rule wants), rolls back. */
async function insideWithContextC(client: Client, body: (tx: Client) => Promise<string>): Promise<string> {
  let outcome = "";
  await client
    .$withContext(C(), async (tx) => {
      await tx.auditLog.create({ data: { tenantId: a.id, actorId: "u1", action: MARKER } });
      outcome = await body(tx as unknown as Client);
      throw ROLLBACK;
    })
    .catch((error: unknown) => {
      if (error !== ROLLBACK) throw error;
    });
  return outcome;
}

async function outcomeOf(run: () => Promise<string>): Promise<string> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TenantKitError) return `throws ${error.name} (${error.code})`;
    throw error;
  }
}

const MISMATCH = "throws TenantMismatchError (TENANT_MISMATCH)";
const MIXED = "throws MixedTenantBatchError (TENANT_BATCH_MIXED)";

const cells: { call: string; outcome: string; run(p: Client): Promise<string> }[] = [
  { call: "$forContext(C).customer.findMany()", outcome: "A", run: (p) => runsAs(p.$forContext(C())) },
  { call: "$forContext(C).$forContext(C')", outcome: "A", run: (p) => runsAs(p.$forContext(C()).$forContext(C())) },
  {
    call: "$forContext(C).$forContext(D)",
    outcome: MISMATCH,
    run: async (p) => runsAs(p.$forContext(C()).$forContext(D())),
  },
  {
    call: "$forContext(C).$forTenant(A)",
    outcome: MISMATCH,
    run: async (p) => runsAs(p.$forContext(C()).$forTenant(a.id)),
  },
  {
    call: "$forTenant(A).$forContext(C)",
    outcome: MISMATCH,
    run: async (p) => runsAs(p.$forTenant(a.id).$forContext(C())),
  },
  { call: "$withContext(C, fn)", outcome: "A", run: (p) => p.$withContext(C(), (tx) => runsAs(tx)) },
  {
    call: "$forContext(C).$withContext(C', fn)",
    outcome: "A",
    run: (p) => p.$forContext(C()).$withContext(C(), (tx) => runsAs(tx)),
  },
  {
    call: "$forContext(C).$withContext(D, fn)",
    outcome: MISMATCH,
    run: (p) => p.$forContext(C()).$withContext(D(), (tx) => runsAs(tx)),
  },
  {
    call: "$forContext(C).$transaction(fn)",
    outcome: "A",
    run: (p) => p.$forContext(C()).$transaction((tx) => runsAs(tx)),
  },
  {
    call: "$forContext(C).$transaction([C', C'])",
    outcome: "A",
    run: (p) => batchRunsAs(p.$forContext(C()), p.$forContext(C()), p.$forContext(C())),
  },
  {
    call: "prisma.$transaction([C, C'])",
    outcome: "A",
    run: (p) => batchRunsAs(p, p.$forContext(C()), p.$forContext(C())),
  },
  {
    call: "prisma.$transaction([C, D])",
    outcome: MIXED,
    run: (p) => batchRunsAs(p, p.$forContext(C()), p.$forContext(D())),
  },
  {
    call: "prisma.$transaction([C, A])",
    outcome: MIXED,
    run: (p) => batchRunsAs(p, p.$forContext(C()), p.$forTenant(a.id)),
  },
  { call: "prisma.$transaction([C, bare])", outcome: MIXED, run: (p) => batchRunsAs(p, p.$forContext(C()), p) },
  {
    call: "findUnique of C and D in one tick",
    outcome: "A, B",
    run: async (p) => {
      const [x, y] = await Promise.all([
        p.$forContext(C()).customer.findUnique({ where: { id: a.customerIds[0]! } }),
        p.$forContext(D()).customer.findUnique({ where: { id: b.customerIds[0]! } }),
      ]);
      return `${whose(x ? [x] : [])}, ${whose(y ? [y] : [])}`;
    },
  },
  {
    call: "in $withContext(C): tx.customer.findMany()",
    outcome: "A, in the open transaction",
    run: (p) => insideWithContextC(p, (tx) => runsInside(tx)),
  },
  {
    call: "in $withContext(C): prisma.customer.findMany()",
    // Bare: no context, so the login role, which has no grants of its own here (NOINHERIT authenticator).
    outcome: "permission denied",
    run: async (p) =>
      insideWithContextC(p, () =>
        runsInside(p).catch((error: Error) => (/permission denied/.test(error.message) ? "permission denied" : "?")),
      ),
  },
  {
    call: "in $withContext(C): $forContext(C').customer.findMany()",
    outcome: "A, outside the open transaction",
    run: (p) => insideWithContextC(p, () => runsInside(p.$forContext(C()))),
  },
  {
    call: "in $withContext(C): $withContext(C', fn)",
    outcome: "A, in the open transaction (fn gets tx)",
    run: (p) => insideWithContextC(p, (tx) => p.$withContext(C(), (inner) => runsInsideJoined(inner, tx))),
  },
  {
    call: "in $withContext(C): $withContext(D, fn)",
    outcome: MISMATCH,
    run: (p) => outcomeOf(() => insideWithContextC(p, () => p.$withContext(D(), (inner) => runsInside(inner)))),
  },
  {
    call: "in $withContext(C): $withTenant(A, fn)",
    outcome: MISMATCH,
    run: (p) => outcomeOf(() => insideWithContextC(p, () => p.$withTenant(a.id, (inner) => runsInside(inner)))),
  },
  {
    call: "in $withTenant(A): $withContext(C, fn)",
    outcome: MISMATCH,
    run: (p) => p.$withTenant(a.id, () => p.$withContext(C(), (inner) => runsAs(inner))),
  },
  {
    call: "in $withContext(C): tx.$forContext(C')",
    outcome: "A, in the open transaction",
    run: (p) => insideWithContextC(p, (tx) => runsInside(tx.$forContext(C()))),
  },
  {
    call: "in $withContext(C): tx.$forContext(D)",
    outcome: MISMATCH,
    run: (p) => insideWithContextC(p, async (tx) => runsInside(tx.$forContext(D()))),
  },
  {
    call: "in $withContext(C): tx.$transaction(fn)",
    outcome: "A, in the open transaction (fn gets tx)",
    run: (p) => insideWithContextC(p, (tx) => tx.$transaction((inner) => runsInsideJoined(inner, tx))),
  },
];

describe(`composition table, query contexts (${CONTEXT_MODE})`, () => {
  it.each(cells)("$call → $outcome", async ({ run, outcome }) => {
    expect(await outcomeOf(() => run(prisma))).toBe(outcome);
  });

  it("a context's transaction runs as its role with its settings, also for the statements after the first", async () => {
    const seen = await prisma.$withContext(C(), async (tx) => {
      await tx.customer.count();
      return tx.$queryRawUnsafe<{ current_user: string; user_id: string }[]>(
        "SELECT current_user, current_setting('app.user_id', true) AS user_id",
      );
    });
    expect(seen).toEqual([{ current_user: "authenticated", user_id: "u1" }]);
  });
});
