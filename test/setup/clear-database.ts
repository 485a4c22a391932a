import type pg from "pg";
import { DEFAULTED_TENANT_TABLES, GLOBAL_TABLES, TENANT_TABLES } from "../../fixtures/tenant-tables.ts";

/** Deletes every row of every fixture table (as the admin role), so a test starts from an empty schema. */
export async function clearDatabase(admin: pg.Pool): Promise<void> {
  const tables = [...TENANT_TABLES, ...DEFAULTED_TENANT_TABLES, ...GLOBAL_TABLES].map((t) => `"${t}"`).join(", ");
  await admin.query(`TRUNCATE ${tables} CASCADE`);
}
