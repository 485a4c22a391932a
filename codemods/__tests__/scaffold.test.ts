import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runPhase } from "../runner/codemod-runner.ts";
import { describeCodemodFixtures, FIXTURES_DIR, listCases } from "./fixture-harness.ts";

// Cases live in codemods/__testfixtures__/scaffold/: <case>.input.ts, <case>.output.ts, optional <case>.expect.json.
describeCodemodFixtures("scaffold");

describe("scaffold refusing a tenant wrapper it cannot derive", () => {
  const refusals = (name: string) => {
    const fixture = listCases("scaffold").find((c) => c.name === name)!;
    const root = mkdtempSync(path.join(os.tmpdir(), "tenant-kit-scaffold-refusal-"));
    try {
      cpSync(path.join(FIXTURES_DIR, "_app"), root, { recursive: true });
      writeFileSync(path.join(root, fixture.casePath), fixture.input);
      const result = runPhase("scaffold", { target: root }, { write: false });
      return { result, items: result.files.flatMap((f) => f.manualReview) };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };

  it("names the raw statement that needs the transaction, and writes nothing", () => {
    const { result, items } = refusals("extra-raw-statement");
    const item = items.find((i) => i.reason === "tenant-wrapper-not-derivable");
    expect(item?.location).toEqual({ file: "src/lib/tenant.ts", line: 14, column: 11 });
    expect(item?.detail).toMatch(
      /^`tx\.\$executeRaw` needs the transaction V2 no longer has; move it into the handler/,
    );
    expect(result.files.filter((f) => f.changed)).toEqual([]);
  });

  it("names the handler call whose tenant differs from the one the context was set to", () => {
    const item = refusals("tenant-mismatch").items.find((i) => i.reason === "tenant-wrapper-not-derivable");
    expect(item?.location).toEqual({ file: "src/lib/tenant.ts", line: 15, column: 31 });
    expect(item?.detail).toBe(
      "`fn` gets `claimed` as its tenant but the RLS context was set to `scope`; pass the same value to both",
    );
  });
});
