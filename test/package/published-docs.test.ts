import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DuplicatePgError } from "prisma-tenant-kit";
import { REPO_ROOT } from "../../fixtures/sales-app-copy.ts";

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");
const manifest = (file: string) =>
  JSON.parse(read(file)) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };

describe("the READMEs npm shows", () => {
  // npm renders a package's README outside the repository: a relative link there points nowhere.
  it.each(["extension/README.md", "codemods/README.md"])("%s links only to absolute URLs or anchors", (file) => {
    const targets = [...read(file).matchAll(/\]\(([^)\s]+)[^)]*\)/g)].map((match) => match[1]!);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((target) => !/^(https:\/\/|#)/.test(target))).toEqual([]);
  });
});

describe("the pg requirement", () => {
  const range = manifest("extension/package.json").peerDependencies?.pg;

  it("is a tilde range of one pg minor that the tested pg satisfies", () => {
    expect(range).toMatch(/^~8\.\d+\.\d+$/);
    const [minor, patch] = range!.slice(1).split(".").slice(1).map(Number) as [number, number];
    const tested = (JSON.parse(read("node_modules/pg/package.json")) as { version: string }).version;
    const [major, testedMinor, testedPatch] = tested.split(".").map(Number) as [number, number, number];
    expect([major, testedMinor]).toEqual([8, minor]);
    expect(testedPatch).toBeGreaterThanOrEqual(patch);
  });

  it("is written the same way in the CLI's dependencies and the kit's error message", () => {
    expect(manifest("codemods/package.json").dependencies?.pg).toBe(range);
    expect(new DuplicatePgError().message).toContain(`npm install pg@${range}`);
  });

  // Every "pg <version>" (and "`pg` `<version>`") in the READMEs and docs; the changelog keeps history as it was.
  const documents = ["README.md", "extension/README.md", "codemods/README.md"].concat(
    readdirSync(path.join(REPO_ROOT, "docs"))
      .filter((file) => file.endsWith(".md"))
      .map((file) => `docs/${file}`),
  );
  it.each(documents)("%s names no other pg version", (file) => {
    const versions = [...read(file).matchAll(/(?<![\w/-])pg`?(?![\w-])[^\n\d]{0,20}?`?([~^]?\d+\.\d+(?:\.[\dx]+)?)/g)];
    expect(versions.map((match) => match[1])).toEqual(versions.map(() => range));
  });
});
