import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runPhase } from "../runner/codemod-runner.ts";
import type { CodemodId } from "../runner/codemod-types.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, "..", "..");
/** Folder of the fixture pairs. */
export const FIXTURES_DIR = path.join(here, "..", "__testfixtures__");
const APP_DIR = path.join(FIXTURES_DIR, "_app");
const DEFAULT_CASE_PATH = "src/app/api/case/route.ts";

/** One fixture pair: `<case>.input.ts`, `<case>.output.ts`, and optionally `<case>.expect.json`. */
export interface FixtureCase {
  readonly name: string;
  readonly input: string;
  readonly output: string | undefined;
  /** Manual-review reasons the case must report (in any order), from `<case>.expect.json`. */
  readonly manualReview: readonly string[];
  /** Texts the case's notes must contain (each in some note), from `<case>.expect.json`. */
  readonly notes: readonly string[];
  /** Where the input goes in the app, from its first line `// @tenant-kit-fixture path=...`. */
  readonly casePath: string;
}

/** Lists the cases of a codemod's fixture folder (adding a case = adding its files). */
export function listCases(codemod: CodemodId): FixtureCase[] {
  const dir = path.join(FIXTURES_DIR, codemod);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".input.ts"))
    .sort()
    .map((file) => {
      const name = file.slice(0, -".input.ts".length);
      const input = readFileSync(path.join(dir, file), "utf8");
      const outputPath = path.join(dir, `${name}.output.ts`);
      const expectPath = path.join(dir, `${name}.expect.json`);
      const expectation = existsSync(expectPath)
        ? (JSON.parse(readFileSync(expectPath, "utf8")) as { manualReview?: string[]; notes?: string[] })
        : {};
      return {
        name,
        input,
        output: existsSync(outputPath) ? readFileSync(outputPath, "utf8") : undefined,
        manualReview: expectation.manualReview ?? [],
        notes: expectation.notes ?? [],
        casePath: /^\/\/ @tenant-kit-fixture path=(\S+)/.exec(input)?.[1] ?? DEFAULT_CASE_PATH,
      };
    });
}

/** Runs `codemod` (dry run) over `source` placed at `casePath` in a fresh copy of the fixture app. */
export function runOnSource(
  codemod: CodemodId,
  source: string,
  casePath: string,
): { after: string; manualReview: string[]; notes: string[] } {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `tenant-kit-${codemod}-`));
  // Laid out like the repo, with its node_modules, so `prisma-tenant-kit` resolves: phases refuse imports that don't.
  const root = path.join(tmp, path.relative(REPO_ROOT, APP_DIR));
  try {
    cpSync(APP_DIR, root, { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(tmp, "node_modules"));
    const target = path.join(root, casePath);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, source);
    const global = codemod === "scaffold" || codemod === "finalize" || codemod === "install";
    // Each case's edits are type-checked where it matters: in the whole-app phase tests and the write-shape corpus.
    const result = runPhase(codemod, { target: global ? root : target, verify: false }, { write: false });
    const outcome = result.files.find((f) => f.absolutePath === target);
    if (outcome?.error) throw new Error(`${codemod} failed on the case: ${outcome.error.message}`);
    return {
      after: outcome ? outcome.after : source,
      manualReview: result.files.flatMap((f) => (f.absolutePath === target ? f.manualReview.map((m) => m.reason) : [])),
      notes: outcome?.notes ? [...outcome.notes] : [],
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The next-codemod style suite of one transform: for every case, output matches, a second run changes nothing, and
 * the manual-review reasons (and notes, when the case lists some) are the expected ones.
 */
export function describeCodemodFixtures(codemod: CodemodId): void {
  const cases = listCases(codemod);
  describe(`${codemod} fixtures`, () => {
    it("has cases", () => {
      expect(cases.length).toBeGreaterThan(0);
    });
    for (const fixture of cases) {
      describe(fixture.name, () => {
        it("transforms the input into the output", () => {
          expect(fixture.output, `${fixture.name}.output.ts is missing`).toBeDefined();
          const { after, manualReview, notes } = runOnSource(codemod, fixture.input, fixture.casePath);
          expect(after).toBe(fixture.output);
          expect([...manualReview].sort()).toEqual([...fixture.manualReview].sort());
          for (const text of fixture.notes)
            expect(
              notes.some((note) => note.includes(text)),
              `a note containing "${text}" in ${JSON.stringify(notes)}`,
            ).toBe(true);
        });
        it("is idempotent (running it on the output changes nothing)", () => {
          const { after } = runOnSource(codemod, fixture.output ?? "", fixture.casePath);
          expect(after).toBe(fixture.output);
        });
      });
    }
  });
}
