import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "../cli/tenant-kit-cli.ts";
import { EXIT_CODES } from "../cli/exit-codes.ts";
import { copySalesApp } from "../../fixtures/sales-app-copy.ts";
import { launchChromium } from "../../fixtures/browser/launch-chromium.ts";

// The review page of `migrate --dry-run --report`, opened in real headless Chromium.
describe("--report HTML review page", () => {
  let copy: ReturnType<typeof copySalesApp>;
  let browser: Browser;
  let reportFile: string;
  let exitCode: number;

  beforeAll(async () => {
    copy = copySalesApp();
    reportFile = path.join(copy.root, "review.html");
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, color: false, progress: false };
    await main(["node", "tenant-kit", "migrate", copy.app, "--phase", "scaffold", "--force"], io);
    exitCode = await main(
      [
        "node",
        "tenant-kit",
        "migrate",
        path.join(copy.app, "src/app"),
        "--phase",
        "writes",
        "--dry-run",
        "--report",
        reportFile,
      ],
      io,
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    copy?.cleanup();
  });

  it("is written, and the dry run reports manual review by its exit code", () => {
    expect(existsSync(reportFile)).toBe(true);
    expect(exitCode).toBe(EXIT_CODES.manualReview);
  });

  it(
    "shows the summary, each file with its side-by-side diff, classifications, reasons and " +
      "manual-review items, with no network",
    async () => {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      await page.goto(pathToFileURL(reportFile).href);

      expect(await page.title()).toBe("tenant-kit writes (dry run)");
      // 18 migrated files and the 3 left for review, which get their `// tenant-kit:` marker.
      expect(await page.locator('[data-count="changed"]').textContent()).toBe("21");
      expect(await page.locator('[data-count="manual-review"]').textContent()).toBe("3");

      const orders = page.locator('section[data-file="src/app/api/orders/route.ts"]');
      await expect.poll(() => orders.locator(".d2h-file-side-diff").count()).toBe(2);
      expect(
        await orders.locator(".d2h-ins").filter({ hasText: "withTenant(tenantId, async (tx) =>" }).count(),
      ).toBeGreaterThan(0);
      const rows = orders.locator("table.sites tbody tr");
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).textContent()).toMatch(/GET[\s\S]*read[\s\S]*other-phase[\s\S]*listRecentOrders/);
      expect(await rows.nth(1).textContent()).toMatch(
        /POST[\s\S]*write[\s\S]*migrated[\s\S]*db\.inventory\.findUnique/,
      );

      const dynamic = page.locator('section[data-file="src/app/api/reports/dynamic/route.ts"]');
      const item = dynamic.locator('ul.review li[data-reason="dynamic-db-access"]');
      expect(await item.textContent()).toContain("src/app/api/reports/dynamic/route.ts:10:");
      expect(await item.textContent()).toContain("computed key");
      expect(await dynamic.locator(".badge.unknown").count()).toBe(1);
      await expect
        .poll(() => dynamic.locator(".d2h-ins").filter({ hasText: "// tenant-kit: dynamic-db-access - " }).count())
        .toBeGreaterThan(0);

      // Diff2html's styles are inline: the side-by-side panes sit next to each other.
      const panes = await orders
        .locator(".d2h-file-side-diff")
        .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().left));
      expect(panes[1]).toBeGreaterThan(panes[0]!);
      expect(requests.filter((url) => !url.startsWith("file://"))).toEqual([]);
      expect(readFileSync(reportFile, "utf8")).not.toMatch(/<script|<link /);
      await page.close();
    },
  );
});
