import { describe, expect, it } from "vitest";
import { findProblems } from "../../extension/doctor/find-problems.ts";
import type { CatalogSnapshot } from "../../extension/doctor/read-catalog.ts";

// The Citus rule of the doctor on its own (the live check against a real cluster is in test/citus/, which needs
// Citus installed): a Citus database is a finding in the set-config context mode, and only there.
const catalog = (citus: boolean): CatalogSnapshot => ({
  role: { name: "app", superuser: false, bypassRls: false },
  database: "sales",
  citus,
  tables: [],
  policies: [],
  views: [],
  foreignKeys: [],
});

const codes = (snapshot: CatalogSnapshot, mode?: "set-config" | "transaction-block") =>
  findProblems(snapshot, "app.tenant_id", "tenantId", mode).map((finding) => finding.code);

describe("CITUS_NEEDS_TRANSACTION_BLOCK", () => {
  it("is reported for a Citus database in the set-config mode (the default)", () => {
    expect(codes(catalog(true))).toContain("CITUS_NEEDS_TRANSACTION_BLOCK");
    expect(codes(catalog(true), "set-config")).toContain("CITUS_NEEDS_TRANSACTION_BLOCK");
    const [finding] = findProblems(catalog(true), "app.tenant_id", "tenantId");
    expect(finding).toMatchObject({ object: { kind: "database", name: "sales" } });
    expect(finding?.fix).toContain('contextMode: "transaction-block"');
  });

  it("is not reported in the transaction-block mode, nor without Citus", () => {
    expect(codes(catalog(true), "transaction-block")).not.toContain("CITUS_NEEDS_TRANSACTION_BLOCK");
    expect(codes(catalog(false))).not.toContain("CITUS_NEEDS_TRANSACTION_BLOCK");
  });
});
