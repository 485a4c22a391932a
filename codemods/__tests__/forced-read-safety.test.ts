import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { copyFixtureApp } from "../../fixtures/fixture-app-copy.ts";
import { typeCheck } from "../../fixtures/sales-app-copy.ts";
import { DbUsageClassifier, type DbUse } from "../analysis/db-usage-classifier.ts";
import { runPhase } from "../runner/codemod-runner.ts";

// Safe by construction, proven by something other than the classifier. The classifier is made to
// call every write a read; the reads phase then tries to move write handlers out of their transaction, onto V2's
// read-only client or a read-only `$forTenant` reader, where the writes do not type-check. The verifier
// (codemods/verify/) must revert those files: every write stays in its transaction and tsc reports nothing new.
const realUsesIn = DbUsageClassifier.prototype.usesIn;

function forceReads(): void {
  vi.spyOn(DbUsageClassifier.prototype, "usesIn").mockImplementation(function (this: DbUsageClassifier, fn, accessor) {
    return realUsesIn
      .call(this, fn, accessor)
      .map((use): DbUse => (use.access === "write" ? { ...use, access: "read" } : use));
  });
}

const errorsOf = (app: string): string[] =>
  typeCheck(app)
    .output.split("\n")
    .filter((line) => /error TS\d+/.test(line));

describe.each([
  {
    name: "tasks-app",
    writeFiles: [
      "src/app/api/boards/[id]/tasks/route.ts",
      "src/app/api/boards/route.ts",
      "src/app/api/tasks/[id]/route.ts",
    ],
    stillInTransaction: /withMember\(request, async/,
  },
  {
    name: "ledger-app",
    writeFiles: [
      "src/app/api/accounts/[id]/route.ts",
      "src/app/api/accounts/route.ts",
      "src/app/api/transfers/route.ts",
    ],
    stillInTransaction: /withTenant\(member\.tenantId, async \(tx\) => \{/,
  },
])("$name with a classifier that calls every write a read", ({ name, writeFiles, stillInTransaction }) => {
  let copy: ReturnType<typeof copyFixtureApp>;
  const read = (file: string): string => readFileSync(path.join(copy.app, file), "utf8");
  let before: Map<string, string>;

  beforeAll(() => {
    copy = copyFixtureApp(name);
    for (const phase of ["install", "scaffold"]) runPhase(phase, { target: copy.app }, { write: true });
    before = new Map(writeFiles.map((file) => [file, read(file)]));
    forceReads();
  }, 600_000);
  afterAll(() => {
    vi.restoreAllMocks();
    copy?.cleanup();
  });

  it("reads moves no write out of its transaction: each is reverted by the type check or left, marked", () => {
    expect(errorsOf(copy.app)).toEqual([]);
    const result = runPhase("reads", { target: path.join(copy.app, "src/app") }, { write: true });
    expect(result.typeCheck?.reverted ?? 0).toBeGreaterThan(0);
    const unmarked = (text: string): string =>
      text
        .split("\n")
        .filter((l) => !l.trimStart().startsWith("// tenant-kit:"))
        .join("\n");
    const held = new Set(
      result.files.flatMap((f) =>
        f.manualReview
          .filter((m) => m.reason === "new-type-error" || m.reason === "span-not-provable")
          .map((m) => m.location.file),
      ),
    );
    for (const file of writeFiles) {
      const text = read(file);
      // Every handler that writes keeps V1's transaction around its writes: the file is as it was (but a marker).
      expect(unmarked(text), file).toBe(before.get(file));
      expect(text, file).toMatch(stillInTransaction);
      expect(held.has(file), `${file} is reported`).toBe(true);
    }
    expect(errorsOf(copy.app), "tsc after the forced reads phase").toEqual([]);
  }, 900_000);
});
