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

/** A section marker: what follows it, up to the next one, is another file of the case's app, at `path`. */
const FILE_SECTION = /^\/\/ @tenant-kit-fixture file=(\S+)\n/m;

/**
 * Splits a case's text into its main file and the other files it brings (each after a line
 * `// @tenant-kit-fixture file=<path>`), so a case can span modules (a shared client module and its importers).
 */
function sections(source: string): { main: string; files: Array<{ path: string; text: string }> } {
  const parts = source.split(FILE_SECTION);
  const files: Array<{ path: string; text: string }> = [];
  for (let i = 1; i + 1 < parts.length; i += 2) files.push({ path: parts[i]!, text: parts[i + 1]! });
  return { main: parts[0]!, files };
}

/**
 * Runs `codemod` (dry run) over `source` placed at `casePath` in a fresh copy of the fixture app; the files of its
 * `// @tenant-kit-fixture file=<path>` sections go to their paths, and come back after the phase in the same form.
 */
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
    const { main, files } = sections(source);
    const target = path.join(root, casePath);
    for (const [file, text] of [
      [target, main] as const,
      ...files.map((f) => [path.join(root, f.path), f.text] as const),
    ]) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    const global = codemod === "scaffold" || codemod === "finalize" || codemod === "install";
    // Each case's edits are type-checked where it matters: in the whole-app phase tests and the write-shape corpus.
    const result = runPhase(codemod, { target: global ? root : target, verify: false }, { write: false });
    const afterOf = (file: string, text: string): string => {
      const outcome = result.files.find((f) => f.absolutePath === file);
      if (outcome?.error) throw new Error(`${codemod} failed on ${file}: ${outcome.error.message}`);
      return outcome ? outcome.after : text;
    };
    const caseFiles = new Set([target, ...files.map((f) => path.join(root, f.path))]);
    const outcomes = result.files.filter((f) => caseFiles.has(f.absolutePath));
    const after =
      afterOf(target, main) +
      files.map((f) => `// @tenant-kit-fixture file=${f.path}\n${afterOf(path.join(root, f.path), f.text)}`).join("");
    return {
      after,
      manualReview: outcomes.flatMap((f) => f.manualReview.map((m) => m.reason)),
      notes: outcomes.flatMap((f) => f.notes),
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
