import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantContextMode } from "prisma-tenant-kit";
import {
  createSupabaseTokenVerifier,
  SUPABASE_ROLES,
  SupabaseClaimsError,
  type SupabaseTokenVerifier,
  supabaseContext,
  SupabaseTokenError,
} from "prisma-tenant-kit/supabase";
import { type ContextClient, createContextClient } from "../context/context-client.ts";
import { availableRoutes, initTest, type TestDatabase } from "../setup/init-test.ts";
import {
  accessToken,
  createSigningKeys,
  createSupabaseProject,
  ISSUER,
  LEGACY_SECRET,
  PROJECT_URL,
  type SigningKeys,
  type SupabaseUser,
  superuserUrlOf,
} from "./supabase-project.ts";

// Supabase's own policies through the kit: verified JWT claims become `request.jwt.claims` and the role
// (`authenticated` / `anon`) per query, on a PostgreSQL of 15 or later (the embedded 17: see the version check) with
// Supabase's roles, the auth helpers recreated in fixtures/database/supabase-auth.sql and Supabase-style policies. The
// login role is tenant_kit_authenticator: NOINHERIT, member of anon and authenticated, bypasses nothing.
let database: TestDatabase;
let users: SupabaseUser[];
let keys: SigningKeys;
let verifier: SupabaseTokenVerifier;
/** The superuser on the test database: sees every row, to say what each role should see. */
let superuser: pg.Pool;

beforeAll(async () => {
  database = await initTest();
  users = await createSupabaseProject(database);
  keys = await createSigningKeys();
  verifier = createSupabaseTokenVerifier({ projectUrl: PROJECT_URL, jwks: keys.jwks, jwtSecret: LEGACY_SECRET });
  superuser = new pg.Pool({ connectionString: superuserUrlOf(database), max: 1 });
});
afterAll(async () => {
  await superuser?.end();
  await database?.drop();
});

const MODES: TenantContextMode[] = ["set-config", "transaction-block"];
/** Ids of the notes `userId` should see (theirs and every public one; only public ones for anon), by the superuser. */
async function visibleNotes(userId: string | null): Promise<number[]> {
  const { rows } = await superuser.query<{ id: string }>(
    "SELECT id FROM notes WHERE is_public OR user_id = $1::uuid ORDER BY id",
    [userId],
  );
  return rows.map((row) => Number(row.id));
}
type Who = { current_user: string; uid: string | null; role: string | null; email: string | null };
const WHO_SQL = "SELECT current_user, auth.uid()::text AS uid, auth.role() AS role, auth.jwt() ->> 'email' AS email";

it("runs on PostgreSQL 15 or later, as Supabase does", async () => {
  const { rows } = await database.admin.query<{ v: number }>("SELECT current_setting('server_version_num')::int AS v");
  expect(rows[0]!.v).toBeGreaterThanOrEqual(150000);
});

describe.each(MODES.flatMap((mode) => availableRoutes().map((route) => [mode, route] as const)))(
  "Supabase policies through the kit (%s, %s)",
  (contextMode, route) => {
    let prisma: ContextClient;
    let pool: pg.Pool;
    beforeAll(() => {
      const client = createContextClient(database, { route, contextMode, roles: SUPABASE_ROLES, max: 2 });
      prisma = client.prisma;
      pool = client.adapter.pool;
    });
    afterAll(() => prisma.$disconnect());

    const asUser = async (user: SupabaseUser) =>
      prisma.$forContext(supabaseContext(await verifier.verify(await accessToken(user, keys))));
    const noteIds = async (db: ContextClient) =>
      (await db.$queryRawUnsafe<{ id: bigint }[]>("SELECT id FROM notes ORDER BY id")).map((row) => Number(row.id));

    it("shows each user exactly their notes and the public ones, and anon only the public ones", async () => {
      for (const user of users) {
        const ids = await noteIds(await asUser(user));
        expect(ids).toEqual(await visibleNotes(user.id));
        expect(ids).toEqual(expect.arrayContaining(user.privateNotes));
      }
      const anonIds = await noteIds(prisma.$forContext(supabaseContext(null)));
      expect(anonIds).toEqual(await visibleNotes(null));
      expect(anonIds).toHaveLength(users.length);
    });

    it("gives auth.uid(), auth.role() and auth.jwt() the token's claims, and anon a null uid", async () => {
      const [user] = users;
      const [who] = await (await asUser(user!)).$queryRawUnsafe<Who[]>(WHO_SQL);
      expect(who).toEqual({ current_user: "authenticated", uid: user!.id, role: "authenticated", email: user!.email });
      const [anon] = await prisma.$forContext(supabaseContext(null)).$queryRawUnsafe<Who[]>(WHO_SQL);
      expect(anon).toEqual({ current_user: "anon", uid: null, role: "anon", email: null });
    });

    it("applies the per-row form auth.uid() = id and a claim inside the JWT (app_metadata)", async () => {
      for (const user of users) {
        const db = await asUser(user);
        const profiles = await db.$queryRawUnsafe<{ id: string }[]>("SELECT id::text FROM profiles");
        expect(profiles).toEqual([{ id: user.id }]);
        const docs = await db.$queryRawUnsafe<{ team: string }[]>("SELECT DISTINCT team FROM team_docs");
        expect(docs).toEqual([{ team: user.team }]);
      }
      await expect(prisma.$forContext(supabaseContext(null)).$queryRawUnsafe("SELECT * FROM profiles")).rejects.toThrow(
        /permission denied/,
      );
    });

    it("lets a user write their own rows only, and anon none; a refused write leaves nothing", async () => {
      const [me, other] = users as [SupabaseUser, SupabaseUser];
      const context = supabaseContext(await verifier.verify(await accessToken(me, keys)));
      const body = `written ${contextMode} ${route}`;
      await prisma.$withContext(context, (tx) =>
        tx.$executeRawUnsafe("INSERT INTO notes (user_id, body) VALUES (auth.uid(), $1)", body),
      );
      await expect(
        prisma.$withContext(context, async (tx) => {
          await tx.$executeRawUnsafe("INSERT INTO notes (user_id, body) VALUES (auth.uid(), $1)", `${body} 2`);
          await tx.$executeRawUnsafe("INSERT INTO notes (user_id, body) VALUES ($1::uuid, $2)", other.id, `${body} 2`);
        }),
      ).rejects.toThrow(/row-level security/);
      const changed = await prisma
        .$forContext(context)
        .$executeRawUnsafe("UPDATE notes SET body = 'stolen' WHERE user_id = $1::uuid", other.id);
      expect(changed).toBe(0);
      await expect(
        prisma
          .$forContext(supabaseContext(null))
          .$executeRawUnsafe("INSERT INTO notes (user_id, body) VALUES ($1::uuid, 'anon')", me.id),
      ).rejects.toThrow(/permission denied/);
      const rows = await superuser.query<{ user_id: string; body: string }>(
        "SELECT user_id::text, body FROM notes WHERE body LIKE $1 OR body = 'stolen' OR body = 'anon'",
        [`${body}%`],
      );
      expect(rows.rows).toEqual([{ user_id: me.id, body }]);
    });

    it("leaves no role and no claims on the connection after a request", async () => {
      await noteIds(await asUser(users[0]!));
      const client = await pool.connect();
      try {
        const raw = pg.Client.prototype.query as (this: pg.ClientBase, text: string) => Promise<pg.QueryResult>;
        const { rows } = await raw.call(
          client,
          "SELECT current_user, current_setting('request.jwt.claims', true) AS claims, " +
            "has_schema_privilege('auth', 'USAGE') AS may_use_auth",
        );
        expect(rows[0].current_user).toBe("tenant_kit_authenticator");
        expect(rows[0].claims ?? "").toBe("");
        // The login role itself may not even call auth.uid(): only anon and authenticated may.
        expect(rows[0].may_use_auth).toBe(false);
      } finally {
        client.release();
      }
    });
  },
);

describe("the token verifier", () => {
  const codeOf = async (promise: Promise<unknown>) =>
    promise.then(
      () => "accepted",
      (error: unknown) => (error instanceof SupabaseTokenError ? error.code : `other: ${String(error)}`),
    );

  it("accepts a project's ES256 token from its JWKS and an HS256 token with the legacy secret", async () => {
    const [user] = users as [SupabaseUser];
    expect((await verifier.verify(await accessToken(user, keys))).sub).toBe(user.id);
    expect((await verifier.verify(await accessToken(user, keys, { secret: LEGACY_SECRET }))).sub).toBe(user.id);
  });

  it("refuses expired, forged, foreign and malformed tokens with stable codes", async () => {
    const [user] = users as [SupabaseUser];
    const otherKeys = await createSigningKeys("test-key-1");
    const jwksOnly = createSupabaseTokenVerifier({ projectUrl: PROJECT_URL, jwks: keys.jwks });
    const secretOnly = createSupabaseTokenVerifier({ jwtSecret: LEGACY_SECRET, issuer: ISSUER });
    const cases: [string, () => Promise<unknown>, string][] = [
      [
        "expired",
        async () => verifier.verify(await accessToken(user, keys, { expiresIn: -10 })),
        "SUPABASE_TOKEN_EXPIRED",
      ],
      [
        "signed by another key, same kid",
        async () => verifier.verify(await accessToken(user, otherKeys)),
        "SUPABASE_TOKEN_INVALID",
      ],
      [
        "unknown kid",
        async () => verifier.verify(await accessToken(user, otherKeys, { kid: "nope" })),
        "SUPABASE_TOKEN_INVALID",
      ],
      [
        "another audience",
        async () => verifier.verify(await accessToken(user, keys, { aud: "x" })),
        "SUPABASE_TOKEN_INVALID",
      ],
      [
        "another project",
        async () => verifier.verify(await accessToken(user, keys, { iss: "https://other.supabase.co/auth/v1" })),
        "SUPABASE_TOKEN_INVALID",
      ],
      [
        "HS256 with a wrong secret",
        async () => verifier.verify(await accessToken(user, keys, { secret: `${LEGACY_SECRET}-wrong` })),
        "SUPABASE_TOKEN_INVALID",
      ],
      [
        "HS256 where only the JWKS is configured",
        async () => jwksOnly.verify(await accessToken(user, keys, { secret: LEGACY_SECRET })),
        "SUPABASE_TOKEN_INVALID",
      ],
      [
        "ES256 where only the secret is configured",
        async () => secretOnly.verify(await accessToken(user, keys)),
        "SUPABASE_TOKEN_INVALID",
      ],
      ["not a JWT", async () => verifier.verify("not.a.jwt"), "SUPABASE_TOKEN_INVALID"],
      ["empty", async () => verifier.verify(""), "SUPABASE_TOKEN_MISSING"],
      ["a Basic header", async () => verifier.verifyAuthorization("Basic dXNlcjpwYXNz"), "SUPABASE_TOKEN_INVALID"],
    ];
    for (const [what, verification, code] of cases) expect([what, await codeOf(verification())]).toEqual([what, code]);
    expect(await verifier.verifyAuthorization(undefined)).toBeNull();
    expect((await verifier.verifyAuthorization(`Bearer ${await accessToken(user, keys)}`))?.sub).toBe(user.id);
  });

  it("fetches the JWKS from <projectUrl>/auth/v1/.well-known/jwks.json, and says when it cannot", async () => {
    const [user] = users as [SupabaseUser];
    const requested: string[] = [];
    const server: Server = createServer((request, response) => {
      requested.push(request.url ?? "");
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(keys.jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const projectUrl = `http://127.0.0.1:${port}`;
      const remote = createSupabaseTokenVerifier({ projectUrl });
      const token = await accessToken(user, keys, { iss: `${projectUrl}/auth/v1` });
      expect((await remote.verify(token)).sub).toBe(user.id);
      expect(requested).toEqual(["/auth/v1/.well-known/jwks.json"]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // The same port, now closed: nothing answers.
    const unreachable = createSupabaseTokenVerifier({ projectUrl: `http://127.0.0.1:${port}` });
    const token = await accessToken(user, keys, { iss: `http://127.0.0.1:${port}/auth/v1` });
    expect(await codeOf(unreachable.verify(token))).toBe("SUPABASE_JWKS_UNAVAILABLE");
  });

  it("verifies before any connection is taken: a refused token leaves the pool untouched", async () => {
    const { prisma, adapter } = createContextClient(database, { contextMode: "set-config", roles: SUPABASE_ROLES });
    try {
      // What a route handler does: verify, then query.
      const handle = async (authorization: string) => {
        const claims = await verifier.verifyAuthorization(authorization);
        return prisma.$forContext(supabaseContext(claims)).$queryRawUnsafe("SELECT 1");
      };
      const expired = await accessToken(users[0]!, keys, { expiresIn: -60 });
      await expect(handle(`Bearer ${expired}`)).rejects.toMatchObject({ code: "SUPABASE_TOKEN_EXPIRED" });
      expect(adapter.pool.totalCount).toBe(0);
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe("supabaseContext", () => {
  const claimsCode = (run: () => unknown) => {
    try {
      run();
      return "accepted";
    } catch (error) {
      return error instanceof SupabaseClaimsError ? error.code : `other: ${String(error)}`;
    }
  };

  it("fails closed: no claims run as anon, or are refused in strict mode", () => {
    expect(supabaseContext(null)).toEqual({
      settings: { "request.jwt.claims": '{"role":"anon"}' },
      role: "anon",
      writer: "anon",
    });
    expect(claimsCode(() => supabaseContext(undefined, { strict: true }))).toBe("SUPABASE_CLAIMS_MISSING");
  });

  it("takes only verified claims, of the roles authenticated and anon, and keys read-your-writes by sub", async () => {
    const [user] = users as [SupabaseUser];
    const claims = await verifier.verify(await accessToken(user, keys));
    expect(supabaseContext(claims, { settings: { "app.tenant_id": "t1" } })).toMatchObject({
      role: "authenticated",
      writer: `user:${user.id}`,
      settings: { "app.tenant_id": "t1", "request.jwt.claims": JSON.stringify(claims) },
    });
    expect(claimsCode(() => supabaseContext({ ...claims }))).toBe("SUPABASE_CLAIMS_UNVERIFIED");
    expect(claimsCode(() => supabaseContext({ ...claims }, { claimsVerified: true }))).toBe("accepted");
    const serviceRole = await verifier.verify(await accessToken(user, keys, { role: "service_role" }));
    expect(claimsCode(() => supabaseContext(serviceRole))).toBe("SUPABASE_ROLE_NOT_ALLOWED");
    const noSub = await verifier.verify(await accessToken(user, keys, { sub: null }));
    expect(claimsCode(() => supabaseContext(noSub))).toBe("SUPABASE_CLAIMS_INVALID");
  });
});
