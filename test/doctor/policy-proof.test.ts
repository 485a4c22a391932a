import { beforeAll, describe, expect, it } from "vitest";
import type { UserFunction } from "../../extension/doctor/function-body.ts";
import { type ProofContext, proveTenantPredicate } from "../../extension/doctor/policy-proof.ts";
import { loadSqlParser } from "../../extension/doctor/sql-parser.ts";

// The prover on its own, on expressions exactly as pg_get_expr prints them (PostgreSQL 17); the same traps on a real
// server are in planted-traps.test.ts.
const helper = (name: string, source: string, replaceableByApp = false): UserFunction => ({
  oid: 1,
  schema: "public",
  name,
  argCount: 0,
  arguments: "",
  language: "sql",
  source,
  definition: null,
  securityDefiner: false,
  owner: replaceableByApp ? "app" : "owner",
  replaceableByApp,
  executable: true,
  bypassedTables: [],
  dependsOn: [],
});

let context: ProofContext;
beforeAll(async () => {
  context = {
    parser: await loadSqlParser(),
    setting: "app.tenant_id",
    column: "tenantId",
    functions: [
      helper("current_tenant", " SELECT NULLIF(current_setting('app.tenant_id', true), '') "),
      helper("tenant_uuid", " SELECT current_setting('app.tenant_id', true)::uuid "),
      helper("mine", " SELECT NULLIF(current_setting('app.tenant_id', true), '') ", true),
      {
        ...helper("pinned", " SELECT NULLIF(current_setting('app.tenant_id', true), '') "),
        config: ["app.tenant_id=00000000-0000-4000-8000-000000000002"],
      },
    ],
    writable: new Set(["public.memberships"]),
  };
});

const GUARDED = `NULLIF(current_setting('app.tenant_id'::text, true), ''::text)`;
const code = (expression: string) => proveTenantPredicate(expression, context)?.code ?? "PROVEN";

describe("proveTenantPredicate", () => {
  it.each([
    `("tenantId" = ${GUARDED})`,
    `((${GUARDED} = "tenantId") AND (status = 'open'::text))`,
    `(("tenantId")::text = ${GUARDED})`,
    `("tenantId" = CASE WHEN (${GUARDED} ~ '^[0-9a-f-]+$'::text) THEN (${GUARDED})::uuid ELSE NULL::uuid END)`,
    `("tenantId" = ( SELECT ${GUARDED} AS "nullif"))`,
    `("tenantId" = current_tenant())`,
  ])("proves %s", (expression) => {
    expect(code(expression)).toBe("PROVEN");
  });

  it.each([
    ["true", "PERMISSIVE_POLICY_ALLOWS_ANY_TENANT"],
    [`("tenantId" = NULLIF(current_setting('app.other'::text, true), ''::text))`, "POLICY_READS_OTHER_SETTING"],
    [`("tenantId" = mine())`, "POLICY_CALLS_REPLACEABLE_FUNCTION"],
    [
      `("tenantId" IN ( SELECT memberships.tenant FROM memberships WHERE (memberships.member = ${GUARDED})))`,
      "POLICY_READS_WRITABLE_TABLE",
    ],
    [`("tenantId" = (current_setting('app.tenant_id'::text, true))::uuid)`, "POLICY_CASTS_UNGUARDED_SETTING"],
    [`("tenantId" = tenant_uuid())`, "POLICY_CASTS_UNGUARDED_SETTING"],
    [`("tenantId" = current_setting('app.tenant_id'::text, true))`, "POLICY_SETTING_NOT_GUARDED"],
    [`("tenantId" ~~ (${GUARDED} || '%'::text))`, "POLICY_NOT_PROVEN"],
    [`(("tenantId" = ${GUARDED}) OR (${GUARDED} = 'root'::text))`, "POLICY_NOT_PROVEN"],
    [`(${GUARDED} IS NOT NULL)`, "POLICY_NOT_PROVEN"],
    // A user-defined = prints qualified; a shadowing current_setting is not the setting.
    [`("tenantId" OPERATOR(public.=) ${GUARDED})`, "POLICY_NOT_PROVEN"],
    [`("tenantId" = public.current_setting('app.tenant_id'::text, true))`, "PERMISSIVE_POLICY_ALLOWS_ANY_TENANT"],
    ["not sql at all (", "POLICY_NOT_PROVEN"],
    // ALTER FUNCTION pinned() SET app.tenant_id = '...': the helper reads its own value, not the query's.
    [`("tenantId" = pinned())`, "POLICY_NOT_PROVEN"],
  ])("does not prove %s: %s", (expression, expected) => {
    expect(code(expression)).toBe(expected);
  });

  it("says why, for the reader of the finding", () => {
    expect(proveTenantPredicate(`("tenantId" ~~ (${GUARDED} || '%'::text))`, context)?.why).toContain("LIKE");
    expect(proveTenantPredicate(`(("tenantId" = ${GUARDED}) OR true)`, context)?.why).toContain("OR branch");
    expect(proveTenantPredicate(`(${GUARDED} IS NOT NULL)`, context)?.why).toContain("never compares");
  });
});
