import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../fixtures/sales-app-copy.ts";

const manifest = (file: string) =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, file), "utf8")) as {
    scripts?: Record<string, string>;
    devDependencies?: Record<string, string>;
    engines?: Record<string, string>;
  };

// `npm run build` (and so `npm run demo`, `npm test`) must print nothing on Node 20.19+, which the packages support.
// tsdown's CLI entry warns on every run under Node < 22.18 that Node 20 is deprecated; its API does not.
describe("the packages' build", () => {
  it.each(["extension/package.json", "codemods/package.json"])("%s builds through tsdown's API", (file) => {
    expect(manifest(file).scripts?.build).toBe("node ../scripts/build-package.mjs");
    expect(readFileSync(path.join(REPO_ROOT, "scripts/build-package.mjs"), "utf8")).toContain(
      'import { build } from "tsdown";',
    );
  });

  it("keeps tsdown on its last minor that runs on the Node versions the packages support", () => {
    expect(manifest("package.json").devDependencies?.tsdown).toMatch(/^~0\.21\./);
    const tsdown = manifest("node_modules/tsdown/package.json") as { version?: string; engines?: { node?: string } };
    expect(tsdown.engines?.node).toMatch(/20\.19/);
    expect(manifest("extension/package.json").engines?.node).toBe(">=20.19");
  });
});
