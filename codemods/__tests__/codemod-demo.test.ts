import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCodemodDemo } from "../demo/codemod-demo.ts";

// `npm run demo`, step 4: scan and a dry run of each phase over a temp copy of fixtures/sales-app.
describe("the codemod demo", () => {
  it("prints the scan table, a few diffs and the summary of each phase, then removes its copy", async () => {
    const lines: string[] = [];
    await runCodemodDemo({ log: (text) => lines.push(text), color: false });
    const out = lines.join("\n");
    expect(out).toMatch(/METHOD +FILE +WRAPPER +CLASS +EVIDENCE/);
    for (const phase of ["scaffold", "reads", "writes", "finalize"]) {
      expect(out).toContain(`--phase ${phase} --dry-run`);
      expect(out).toMatch(
        new RegExp(
          `dry run, nothing written ${phase}: [1-9]\\d* changed, \\d+ unchanged, \\d+ manual review, 0 errors`,
        ),
      );
    }
    expect(out).toContain("+    const busy = poolTimeoutResponse(error);");
    expect(out).toContain("+    const txResult = await withTenant(tenantId, async (tx) => {");
    const copy = /temp copy \((.+)\), now removed/.exec(out)?.[1];
    expect(copy && existsSync(copy)).toBe(false);
  });
});
