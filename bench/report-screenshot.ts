// The screenshot in docs/codemods.md: the review page of the writes phase on a copy of the sales fixture app (after its
// scaffold), in headless Chromium: summary, keys, filters and the top of the index.
// npx tsx bench/report-screenshot.ts docs/review-page.png
import path from "node:path";
import { pathToFileURL } from "node:url";
import { main, type CliIo } from "../codemods/cli/tenant-kit-cli.ts";
import { launchChromium } from "../fixtures/browser/launch-chromium.ts";
import { copySalesApp } from "../fixtures/sales-app-copy.ts";

const target = path.resolve(process.argv[2] ?? "docs/review-page.png");
const copy = copySalesApp();
const io: CliIo = {
  stdout: () => undefined,
  stderr: (text) => process.stderr.write(text),
  color: false,
  progress: false,
};
const browser = await launchChromium();
try {
  const report = path.join(copy.root, "review.html");
  await main(["node", "tenant-kit", "migrate", copy.app, "--phase", "scaffold", "--force"], io);
  const app = path.join(copy.app, "src/app");
  await main(["node", "tenant-kit", "migrate", app, "--phase", "writes", "--dry-run", "--report", report], io);
  const page = await browser.newPage({ viewport: { width: 1200, height: 820 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(report).href);
  await page.waitForSelector("body[data-ready]");
  await page.screenshot({ path: target });
  console.log(`wrote ${target}`);
} finally {
  await browser.close();
  copy.cleanup();
}
