import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "../cli/tenant-kit-cli.ts";
import { copySalesApp } from "../../fixtures/sales-app-copy.ts";

// `migrate --summary pr.md --report review.html`: the Markdown a pull request gets, linking into the review page.
describe("--summary pull-request Markdown", () => {
  let copy: ReturnType<typeof copySalesApp>;
  let writes: string;
  let reads: string;

  beforeAll(async () => {
    copy = copySalesApp();
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, color: false, progress: false };
    await main(["node", "tenant-kit", "migrate", copy.app, "--phase", "scaffold", "--force"], io);
    const appDir = path.join(copy.app, "src/app");
    for (const phase of ["writes", "reads"]) {
      await main(
        ["node", "tenant-kit", "migrate", appDir, "--phase", phase, "--dry-run"].concat([
          "--report",
          path.join(copy.root, "review", `${phase}.html`),
          "--summary",
          path.join(copy.root, `${phase}.md`),
        ]),
        io,
      );
    }
    writes = readFileSync(path.join(copy.root, "writes.md"), "utf8");
    reads = readFileSync(path.join(copy.root, "reads.md"), "utf8");
  });
  afterAll(() => copy?.cleanup());

  it("has the phase's counts as a table", () => {
    expect(writes).toMatch(/^## tenant-kit writes \(dry run\)\n/);
    expect(writes).toContain(
      "| changed files | unchanged | manual review | errors | handlers | write spans | groups |\n" +
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n| 21 | 9 | 3 | 0 | 35 | 19 | 0 |",
    );
  });

  it("lists the manual-review items with file:line linking into the report, relative to the summary", () => {
    expect(writes).toContain("### Manual review (3)");
    expect(writes).toContain(
      "| [src/app/api/reports/dynamic/route.ts:10](review/writes.html#f:src/app/api/reports/dynamic/route.ts:10) " +
        "| `dynamic-db-access` |",
    );
  });

  it("puts the write spans in <details>, each with what it holds and what was hoisted", () => {
    const spans = writes.slice(writes.indexOf("### Write spans (19)"));
    expect(spans).toMatch(/<details><summary>19 handler\(s\) get a transaction span/);
    // Brackets of a dynamic route are percent-encoded in the link, so the Markdown link stays one link.
    expect(spans).toContain("(review/writes.html#f:src/app/api/customers/%5Bid%5D/route.ts:22)");
    expect(spans).toMatch(/route\.ts:17\]\([^)]*\) POST \| read: db\.inventory\.findUnique at line 25<br>write: /);
    expect(spans).toContain("</details>");
  });

  it("lists the groups of identical changes with their example and the rest in <details>", () => {
    expect(reads).toMatch(
      new RegExp(
        "- \\*\\*7 handlers in 7 files\\*\\*: the wrapper call and its import only\\. " +
          "Example: \\[src/app/api/[^\\]]+\\]\\(review/reads\\.html#f:",
      ),
    );
    expect(reads).toContain("<details><summary>the other 6 files</summary>");
  });
});
