import { readFile } from "node:fs/promises";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RLS_MIGRATION_PATH, rlsMigrationSql } from "../../fixtures/write-rls-migration.ts";
import { generateRlsSql, InvalidTenantKitOptionError } from "prisma-tenant-kit";
import { initTest, type TestDatabase } from "../setup/init-test.ts";
import { createPgClient } from "../../fixtures/database/pg-connection.ts";

describe("generateRlsSql", () => {
  it("produces the fixture's committed RLS migration", async () => {
    expect(await readFile(RLS_MIGRATION_PATH, "utf8")).toBe(rlsMigrationSql());
  });

  it("rejects an empty table list and a malformed setting with a typed error", () => {
    expect(() => generateRlsSql({ tables: [] })).toThrow(InvalidTenantKitOptionError);
    expect(() => generateRlsSql({ tables: ["T"], setting: "tenant; DROP TABLE x" })).toThrow(
      /not a custom setting name/,
    );
  });

  describe("on a real Postgres", () => {
    let database: TestDatabase;
    let owner: pg.Client;
    beforeAll(async () => {
      database = await initTest();
      owner = createPgClient({ connectionString: database.ownerUrl });
      await owner.connect();
      await owner.query(`CREATE TABLE note (id int PRIMARY KEY, tenant_id uuid NOT NULL, body text)`);
      await owner.query(
        generateRlsSql({
          tables: [{ table: "note", column: "tenant_id", columnType: "uuid" }],
          setting: "kit.tenant",
          appRole: "tenant_kit_app",
        }),
      );
    });
    afterAll(async () => {
      await owner.end();
      await database.drop();
    });

    it("filters uuid columns and never throws on an unset, empty or malformed setting", async () => {
      const app = createPgClient({ connectionString: database.appUrl() });
      await app.connect();
      try {
        const t1 = "00000000-0000-4000-8000-000000000001";
        await app.query("BEGIN");
        await app.query("SELECT set_config('kit.tenant', $1, true)", [t1]);
        await app.query("INSERT INTO note VALUES (1, $1, 'mine')", [t1]);
        await expect(
          app.query("INSERT INTO note VALUES (2, '00000000-0000-4000-8000-000000000002', 'x')"),
        ).rejects.toThrow(/row-level security/);
        await app.query("ROLLBACK");
        for (const setting of [null, "", "not-a-uuid"]) {
          await app.query("BEGIN");
          if (setting !== null) await app.query("SELECT set_config('kit.tenant', $1, true)", [setting]);
          expect((await app.query("SELECT * FROM note")).rows).toEqual([]);
          await app.query("ROLLBACK");
        }
      } finally {
        await app.end();
      }
    });

    it("holds the table owner to the policy too (FORCE)", async () => {
      await owner.query("SELECT set_config('kit.tenant', '', false)");
      expect((await owner.query("SELECT * FROM note")).rows).toEqual([]);
    });
  });
});
