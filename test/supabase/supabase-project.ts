import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import pg from "pg";
import { inject } from "vitest";
import { DATABASE_ROLES } from "../../fixtures/database/database-roles.ts";
import type { TestDatabase } from "../setup/init-test.ts";

/** A made-up project URL: tokens carry `<PROJECT_URL>/auth/v1` as `iss`, as Supabase Auth's do. */
export const PROJECT_URL = "https://tenantkit-test.supabase.co";
export const ISSUER = `${PROJECT_URL}/auth/v1`;
/** The legacy shared secret of the made-up project (HS256). */
export const LEGACY_SECRET = "a-legacy-supabase-jwt-secret-of-at-least-32-chars";

const AUTH_SQL = join(import.meta.dirname, "..", "..", "fixtures", "database", "supabase-auth.sql");

/** One user of the made-up project and the notes seeded for them. */
export interface SupabaseUser {
  id: string;
  email: string;
  team: string;
  /** Ids of their private notes. */
  privateNotes: number[];
  /** Ids of their public notes (anon and every user may read them). */
  publicNotes: number[];
}

/**
 * Supabase's shape in `database`: the `auth` helpers (fixtures/database/supabase-auth.sql, run by the superuser) and
 * three tables with Supabase-style policies, created by the owner (RLS forced), seeded by the superuser:
 * - `notes`: `TO authenticated USING ((select auth.uid()) = user_id)` for every command, plus public notes readable
 *   by `anon` and `authenticated`; `anon` may only read;
 * - `profiles`: the per-row form `TO authenticated USING (auth.uid() = id)`;
 * - `team_docs`: a claim inside the JWT, `team = (select auth.jwt() -> 'app_metadata' ->> 'team')`.
 */
export async function createSupabaseProject(database: TestDatabase, users = 4): Promise<SupabaseUser[]> {
  // The auth helpers as the superuser (the fixture may also create Supabase's server-wide roles when missing).
  const auth = new pg.Client({ connectionString: superuserUrlOf(database) });
  await auth.connect();
  try {
    await auth.query(await readFile(AUTH_SQL, "utf8"));
    // The owner writes the policies that call the helpers.
    await auth.query(`GRANT USAGE ON SCHEMA auth TO ${DATABASE_ROLES.owner.name}`);
  } finally {
    await auth.end();
  }
  const owner = new pg.Client({ connectionString: database.ownerUrl });
  await owner.connect();
  try {
    await owner.query(`
      CREATE TABLE notes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL,
        body text NOT NULL,
        is_public boolean NOT NULL DEFAULT false
      );
      CREATE INDEX notes_user_id ON notes (user_id);
      ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
      ALTER TABLE notes FORCE ROW LEVEL SECURITY;
      CREATE POLICY "own notes" ON notes FOR ALL TO authenticated
        USING ((select auth.uid()) = user_id) WITH CHECK ((select auth.uid()) = user_id);
      CREATE POLICY "public notes" ON notes FOR SELECT TO anon, authenticated USING (is_public);
      GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO authenticated;
      GRANT SELECT ON notes TO anon;

      CREATE TABLE profiles (id uuid PRIMARY KEY, display_name text NOT NULL);
      ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
      ALTER TABLE profiles FORCE ROW LEVEL SECURITY;
      CREATE POLICY "own profile" ON profiles FOR SELECT TO authenticated USING (auth.uid() = id);
      GRANT SELECT ON profiles TO authenticated;

      CREATE TABLE team_docs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, team text NOT NULL, title text);
      CREATE INDEX team_docs_team ON team_docs (team);
      ALTER TABLE team_docs ENABLE ROW LEVEL SECURITY;
      ALTER TABLE team_docs FORCE ROW LEVEL SECURITY;
      CREATE POLICY "team docs" ON team_docs FOR SELECT TO authenticated
        USING (team = (select auth.jwt() -> 'app_metadata' ->> 'team'));
      GRANT SELECT ON team_docs TO authenticated;
    `);
  } finally {
    await owner.end();
  }
  const superuser = new pg.Client({ connectionString: superuserUrlOf(database) });
  await superuser.connect();
  try {
    const seeded: SupabaseUser[] = [];
    for (let u = 0; u < users; u++) {
      const user: SupabaseUser = {
        id: randomUUID(),
        email: `user${u}@example.test`,
        team: `team-${u % 2}`,
        privateNotes: [],
        publicNotes: [],
      };
      await superuser.query("INSERT INTO profiles (id, display_name) VALUES ($1, $2)", [user.id, `User ${u}`]);
      for (let n = 0; n < 3; n++) {
        const { rows } = await superuser.query<{ id: string }>(
          "INSERT INTO notes (user_id, body) VALUES ($1, $2) RETURNING id",
          [user.id, `private ${n} of ${u}`],
        );
        user.privateNotes.push(Number(rows[0]!.id));
      }
      const { rows } = await superuser.query<{ id: string }>(
        "INSERT INTO notes (user_id, body, is_public) VALUES ($1, $2, true) RETURNING id",
        [user.id, `public of ${u}`],
      );
      user.publicNotes.push(Number(rows[0]!.id));
      await superuser.query("INSERT INTO team_docs (team, title) VALUES ($1, $2)", [user.team, `doc of ${u}`]);
      seeded.push(user);
    }
    return seeded;
  } finally {
    await superuser.end();
  }
}

/** The superuser's URL on `database` (to seed and to read everything back). */
export function superuserUrlOf(database: Pick<TestDatabase, "name">): string {
  const url = new URL(inject("database").superuserUrl);
  url.pathname = `/${database.name}`;
  return url.toString();
}

/** The made-up project's signing key (ES256, what new Supabase projects use) and its public JWKS. */
export interface SigningKeys {
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  jwks: { keys: JWK[] };
}

export async function createSigningKeys(kid = "test-key-1"): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  return { privateKey, jwks: { keys: [jwk] } };
}

/** What a token differs in from a valid user access token. */
export interface TokenOverrides {
  role?: string;
  aud?: string;
  iss?: string;
  /** Seconds from now; negative: already expired. Default 3,600. */
  expiresIn?: number;
  sub?: string | null;
  /** Sign HS256 with this secret instead of the ES256 key. */
  secret?: string;
  kid?: string;
}

/** A Supabase-shaped user access token for `user`, signed with `keys` (or a legacy secret). */
export async function accessToken(
  user: SupabaseUser,
  keys: SigningKeys,
  overrides: TokenOverrides = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    role: overrides.role ?? "authenticated",
    email: user.email,
    session_id: randomUUID(),
    is_anonymous: false,
    app_metadata: { provider: "email", team: user.team },
    user_metadata: {},
  };
  const jwt = new SignJWT(payload)
    .setIssuer(overrides.iss ?? ISSUER)
    .setAudience(overrides.aud ?? "authenticated")
    .setIssuedAt(now)
    .setExpirationTime(now + (overrides.expiresIn ?? 3_600));
  if (overrides.sub !== null) jwt.setSubject(overrides.sub ?? user.id);
  if (overrides.secret)
    return jwt.setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(overrides.secret));
  return jwt
    .setProtectedHeader({ alg: "ES256", kid: overrides.kid ?? keys.jwks.keys[0]!.kid!, typ: "JWT" })
    .sign(keys.privateKey);
}
