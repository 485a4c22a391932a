import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededTenant } from "../../fixtures/database/seed-tenants.ts";
import {
  createSupabaseTokenVerifier,
  SUPABASE_ROLES,
  type SupabaseTokenVerifier,
  supabaseContext,
} from "prisma-tenant-kit/supabase";
import { type ContextClient, createContextClient } from "../context/context-client.ts";
import {
  type AppClient,
  availableRoutes,
  CONTEXT_MODE,
  createAppClient,
  initTest,
  seedTestTenants,
  type TestDatabase,
} from "../setup/init-test.ts";
import { expectIsolationHeld, type FuzzOperation, runIsolationFuzz } from "../setup/isolation-fuzz-run.ts";
import {
  accessToken,
  createSigningKeys,
  createSupabaseProject,
  PROJECT_URL,
  type SupabaseUser,
  superuserUrlOf,
} from "./supabase-project.ts";

// The seeded isolation fuzz (test/setup/isolation-fuzz-run.ts) with Supabase requests mixed in: the tenant fuzz's
// operations on the app role's pool, and, as often as each of those, requests of random Supabase users and anon on ONE
// pool of the authenticator (3 connections, 24 workers), each verifying its token and running with its claims and
// role per query: reads that must return only the user's own and public notes (anon: public only), two users in the
// same tick, writes of the user's own notes, writes into another user's notes that must fail or touch nothing, and
// transactions that check auth.uid() and current_user after a statement. Replay a failure with
// FUZZ_SEED=<seed> npx vitest run --project prisma7 test/supabase/supabase-isolation-fuzz.test.ts
const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const OPERATIONS = Number(process.env.FUZZ_OPERATIONS ?? 3_000);
const CONCURRENCY = 24;
const FAILURE_PATH_SHARE = process.env.FUZZ_FAILURE_PATHS === "0" ? 0 : 1 / 16;

let database: TestDatabase;
let users: SupabaseUser[];
let tokens: Map<string, string>;
let verifier: SupabaseTokenVerifier;
let superuser: pg.Pool;

beforeAll(async () => {
  database = await initTest();
  users = await createSupabaseProject(database, 6);
  const keys = await createSigningKeys();
  verifier = createSupabaseTokenVerifier({ projectUrl: PROJECT_URL, jwks: keys.jwks });
  tokens = new Map(await Promise.all(users.map(async (u) => [u.id, await accessToken(u, keys)] as const)));
  superuser = new pg.Pool({ connectionString: superuserUrlOf(database), max: 1 });
});
afterAll(async () => {
  await superuser?.end();
  await database?.drop();
});

type Note = { id: bigint; user_id: string; is_public: boolean };
const NOTES_SQL = "SELECT id, user_id::text, is_public FROM notes";

describe.each(availableRoutes())(`Supabase isolation fuzz (${CONTEXT_MODE}, %s)`, (route) => {
  let prisma: AppClient;
  let supabase: ContextClient;
  let tenants: SeededTenant[];
  beforeAll(async () => {
    tenants = await seedTestTenants(database, { tenants: 3, prefix: `supa-fuzz-${route}` });
    ({ prisma } = createAppClient(database, { route, pool: { max: 3 } }));
    ({ prisma: supabase } = createContextClient(database, {
      route,
      contextMode: CONTEXT_MODE,
      roles: SUPABASE_ROLES,
      max: 3,
    }));
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await supabase.$disconnect();
  });

  it(`no user reads or writes another user's notes in ${OPERATIONS} operations (seed ${SEED})`, async () => {
    const written: { body: string; userId: string }[] = [];
    let refusedForeignWrites = 0;
    const outcome = await runIsolationFuzz({
      prisma,
      tenants,
      seed: SEED,
      operations: OPERATIONS,
      concurrency: CONCURRENCY,
      failurePathShare: FAILURE_PATH_SHARE,
      terminators: [database.admin],
      extraOperations: ({ random, outcome }) => {
        const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
        /** A request of `user` (or anon): verify its token, then its context. */
        const requestOf = async (user: SupabaseUser | null) =>
          supabase.$forContext(supabaseContext(user ? await verifier.verify(tokens.get(user.id)!) : null));
        const readsOwn = (user: SupabaseUser | null, rows: Note[], what: string) => {
          for (const row of rows) {
            if (row.is_public || row.user_id === user?.id) continue;
            outcome.foreignReads.push(`${what}: ${user?.id ?? "anon"} got note ${row.id} of ${row.user_id}`);
          }
        };
        const userOrAnon = () => (random() < 0.2 ? null : pick(users));
        const operations: FuzzOperation[] = [
          async () => {
            const user = userOrAnon();
            readsOwn(user, await (await requestOf(user)).$queryRawUnsafe<Note[]>(NOTES_SQL), "notes read");
          },
          async () => {
            const [x, y] = [userOrAnon(), userOrAnon()];
            const [dbX, dbY] = await Promise.all([requestOf(x), requestOf(y)]);
            const [rowsX, rowsY] = await Promise.all([
              dbX.$queryRawUnsafe<Note[]>(NOTES_SQL),
              dbY.$queryRawUnsafe<Note[]>(NOTES_SQL),
            ]);
            readsOwn(x, rowsX, "same-tick read");
            readsOwn(y, rowsY, "same-tick read");
          },
          async (_t, n) => {
            const user = pick(users);
            const body = `supa-fuzz:${route}:${n}`;
            const context = supabaseContext(await verifier.verify(tokens.get(user.id)!));
            await supabase.$withContext(context, async (tx) => {
              await tx.$executeRawUnsafe("INSERT INTO notes (user_id, body) VALUES (auth.uid(), $1)", body);
              const [who] = await tx.$queryRawUnsafe<{ current_user: string; uid: string }[]>(
                "SELECT current_user, auth.uid()::text AS uid",
              );
              if (who?.current_user !== "authenticated" || who.uid !== user.id)
                outcome.foreignReads.push(`transaction of ${user.id} ran as ${JSON.stringify(who)}`);
            });
            written.push({ body, userId: user.id });
          },
          async (_t, n) => {
            const [user, victim] = [pick(users), pick(users)];
            if (user === victim) return;
            const db = await requestOf(user);
            try {
              await db.$executeRawUnsafe(
                "INSERT INTO notes (user_id, body) VALUES ($1::uuid, $2)",
                victim.id,
                `supa-fuzz:${route}:${n}:forged`,
              );
              outcome.foreignReads.push(`${user.id} wrote a note as ${victim.id}`);
            } catch (error) {
              if (!/row-level security/.test(String((error as Error).message))) throw error;
              refusedForeignWrites++;
            }
            const changed = await db.$executeRawUnsafe(
              "UPDATE notes SET body = body WHERE user_id = $1::uuid",
              victim.id,
            );
            if (changed !== 0) outcome.foreignReads.push(`${user.id} updated ${changed} notes of ${victim.id}`);
          },
        ];
        return operations;
      },
    });
    expect(outcome.foreignReads).toEqual([]);
    expect(outcome.unexpectedFailures).toEqual([]);
    expect(refusedForeignWrites).toBeGreaterThan(0);
    expect(written.length).toBeGreaterThan(0);
    await expectIsolationHeld(outcome, database.admin, tenants, { failurePaths: FAILURE_PATH_SHARE > 0 });
    // Every acknowledged note is there, as its writer's; no forged note exists.
    const { rows } = await superuser.query<{ body: string; user_id: string }>(
      "SELECT body, user_id::text FROM notes WHERE body LIKE $1",
      [`supa-fuzz:${route}:%`],
    );
    expect(rows.filter((row) => row.body.endsWith(":forged"))).toEqual([]);
    expect(new Map(rows.map((row) => [row.body, row.user_id]))).toEqual(
      new Map(written.map(({ body, userId }) => [body, userId])),
    );
  }, 240_000); // a budget, not an assertion
});
