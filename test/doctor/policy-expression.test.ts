import { describe, expect, it } from "vitest";
import { settingsRead, unguardedSettingCasts } from "../../extension/doctor/policy-expression.ts";

// Expressions exactly as pg_get_expr prints them (PostgreSQL 17), and function bodies as written.
describe("policy expressions", () => {
  it("lists the settings an expression reads, lower-cased", () => {
    expect(settingsRead(`("tenantId" = NULLIF(current_setting('App.Tenant_Id'::text, true), ''::text))`)).toEqual(
      new Set(["app.tenant_id"]),
    );
    expect(settingsRead(`((a = current_setting('x.a'::text)) AND (b = current_setting('x.b'::text, true)))`)).toEqual(
      new Set(["x.a", "x.b"]),
    );
    expect(settingsRead("true")).toEqual(new Set());
  });

  it.each([
    [`("tenantId" = (current_setting('app.tenant_id'::text, true))::uuid)`, ["uuid"]],
    [`(tenant_id = (current_setting('app.tenant_id'::text))::integer)`, ["integer"]],
    [`(tenant_id = (current_setting('app.tenant_id'::text))::bigint)`, ["bigint"]],
    [`(tenant = (current_setting('app.tenant_id'::text))::character varying)`, []],
    [`("tenantId" = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)`, []],
    [
      `("tenantId" = CASE WHEN (NULLIF(current_setting('app.tenant_id'::text, true), ''::text) ` +
        `~ '^[0-9a-f-]+$'::text) ` +
        `THEN (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid ELSE NULL::uuid END)`,
      [],
    ],
  ])("finds unguarded casts in %s", (expression, types) => {
    expect(unguardedSettingCasts(expression, "")).toEqual(types);
  });

  it("finds unguarded casts in the functions a policy calls", () => {
    expect(unguardedSettingCasts("", "SELECT current_setting('app.tenant_id', true)::uuid")).toEqual(["uuid"]);
    expect(unguardedSettingCasts("", "RETURN CAST(current_setting('app.tenant_id') AS bigint);")).toEqual(["bigint"]);
    expect(unguardedSettingCasts("", "SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid")).toEqual([]);
  });
});
