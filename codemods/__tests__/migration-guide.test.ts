import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MANUAL_REVIEW_HINTS } from "../analysis/manual-review-reason.ts";
import { REPO_ROOT } from "../../fixtures/sales-app-copy.ts";

// The guide explains every reason the codemods can emit; this keeps it from drifting when a reason is added or renamed.
describe("docs/migration-guide.md", () => {
  const guide = readFileSync(path.join(REPO_ROOT, "docs", "migration-guide.md"), "utf8");
  const source = readFileSync(path.join(REPO_ROOT, "codemods", "analysis", "manual-review-reason.ts"), "utf8");
  const union = /export type ManualReviewReason =([^;]+);/.exec(source)?.[1] ?? "";
  const reasons = [
    ...new Set([...[...union.matchAll(/"([a-z0-9-]+)"/g)].map((m) => m[1]!), ...Object.keys(MANUAL_REVIEW_HINTS)]),
  ];
  const start = guide.indexOf("\n## Manual-review reasons\n");
  const documented = [...guide.slice(start).matchAll(/^### `([a-z0-9-]+)`$/gm)].map((m) => m[1]!);

  it('has a heading in "Manual-review reasons" for every reason code', () => {
    expect(start).toBeGreaterThan(0);
    expect(reasons.length).toBeGreaterThan(10);
    for (const reason of reasons) expect(documented, `### \`${reason}\``).toContain(reason);
  });

  it("documents no reason the codemods do not emit", () => {
    expect(documented.filter((code) => !reasons.includes(code))).toEqual([]);
  });
});
