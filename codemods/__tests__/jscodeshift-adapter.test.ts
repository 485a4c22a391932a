import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES_DIR, listCases } from "./fixture-harness.ts";
import { REPO_ROOT } from "../../fixtures/sales-app-copy.ts";

// Each transform also runs as `npx jscodeshift -t codemods/jscodeshift/<name>.cjs <files>`; the result is the same as
// the fixture pair's output.
describe("jscodeshift adapter", () => {
  let root: string;
  const cases = [
    { codemod: "reads" as const, name: "aliased-import" },
    { codemod: "writes" as const, name: "read-modify-write-loop" },
    { codemod: "writes" as const, name: "db-escapes" },
  ];
  const fileOf = (i: number) => path.join(root, `src/app/api/case${i}/route.ts`);

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "tenant-kit-jscodeshift-"));
    cpSync(path.join(FIXTURES_DIR, "_app"), root, { recursive: true });
    cases.forEach((c, i) => {
      const fixture = listCases(c.codemod).find((f) => f.name === c.name)!;
      mkdirSync(path.dirname(fileOf(i)), { recursive: true });
      writeFileSync(fileOf(i), fixture.input);
    });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const [i, c] of cases.entries()) {
    it(`${c.codemod} via jscodeshift gives the ${c.name} fixture output`, () => {
      const bin = path.join(REPO_ROOT, "node_modules", "jscodeshift", "bin", "jscodeshift.js");
      const result = spawnSync(
        process.execPath,
        [
          bin,
          "--no-babel",
          "--extensions=ts",
          "--run-in-band",
          "-t",
          path.join(REPO_ROOT, "codemods/dist/jscodeshift", `${c.codemod}.cjs`),
          fileOf(i),
        ],
        { cwd: root, encoding: "utf8" },
      );
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/0 errors/);
      const expected = listCases(c.codemod).find((f) => f.name === c.name)!;
      expect(readFileSync(fileOf(i), "utf8")).toBe(expected.output);
      if (expected.manualReview.length) expect(result.stdout).toContain(expected.manualReview[0]);
    });
  }
});
