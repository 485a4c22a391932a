import { readFile, writeFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { LoadSample } from "./load-generator.ts";
import type { PoolSample } from "./pool-sampler.ts";
import type { LoadSummary } from "./load-summary.ts";
import { launchChromium } from "../../fixtures/browser/launch-chromium.ts";

/** One variant's run, as the report draws it. */
export interface ReportRun {
  summary: LoadSummary;
  samples: LoadSample[];
  pool: PoolSample[];
}

const CHARTS = [
  { id: "latency", title: "p95 latency per second (ms)" },
  { id: "throughput", title: "Completed requests per second" },
  { id: "pool-in-use", title: "Pool connections in use" },
  { id: "pool-waiting", title: "Queries waiting for a connection" },
] as const;

const TABLE_HEAD =
  "<table><thead><tr><th>variant</th><th>users</th><th>requests</th><th>req/s</th>" +
  "<th>read p50/p95/p99 ms</th><th>write p50/p95/p99 ms</th>\n" +
  "<th>pool timeouts</th><th>5xx</th><th>4xx</th><th>network</th>" +
  "<th>peak pool in-use / waiting</th><th>hold per request ms</th></tr></thead>";

function perSecond(samples: LoadSample[], pick: (bucket: LoadSample[]) => number): Array<{ x: number; y: number }> {
  const buckets = new Map<number, LoadSample[]>();
  for (const s of samples) {
    const second = Math.floor(s.at / 1000);
    (buckets.get(second) ?? buckets.set(second, []).get(second)!).push(s);
  }
  return [...buckets.entries()].sort(([a], [b]) => a - b).map(([x, bucket]) => ({ x, y: pick(bucket) }));
}

function p95(bucket: LoadSample[]): number {
  const sorted = bucket.map((s) => s.latencyMs).sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length * 0.95)] ?? 0);
}

/** Renders a self-contained HTML report (Chart.js inlined) comparing the runs. */
export async function renderLoadReport(runs: ReportRun[], title: string): Promise<string> {
  // The UMD build is not in chart.js's exports map; it sits beside the CommonJS entry.
  const chartJs = await readFile(
    join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js"),
    "utf8",
  );
  const palette = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
  const series = (pick: (run: ReportRun) => Array<{ x: number; y: number }>) =>
    runs.map((run, i) => ({
      label: run.summary.variant,
      data: pick(run),
      borderColor: palette[i % palette.length],
      pointRadius: 0,
      tension: 0.2,
    }));
  const data = {
    latency: series((r) => perSecond(r.samples, p95)),
    throughput: series((r) => perSecond(r.samples, (b) => b.filter((s) => !s.error).length)),
    "pool-in-use": series((r) => r.pool.map((p) => ({ x: Math.round(p.at / 100) / 10, y: p.inUse }))),
    "pool-waiting": series((r) => r.pool.map((p) => ({ x: Math.round(p.at / 100) / 10, y: p.waiting }))),
  };
  const rows = runs
    .map(({ summary: s }) => {
      const throughput = s.throughputPerSecond.toFixed(1);
      const errors = s.errors;
      return `<tr><td>${s.variant}</td><td>${s.users}</td><td>${s.requests}</td><td>${throughput}</td>
      <td>${s.read.p50.toFixed(0)} / ${s.read.p95.toFixed(0)} / ${s.read.p99.toFixed(0)}</td>
      <td>${s.write.p50.toFixed(0)} / ${s.write.p95.toFixed(0)} / ${s.write.p99.toFixed(0)}</td>
      <td>${errors["pool-timeout"]}</td><td>${errors["5xx"]}</td><td>${errors["4xx"]}</td><td>${errors.network}</td>
      <td>${s.peakInUse} / ${s.peakWaiting}</td><td>${s.holdPerRequestMs.toFixed(1)}</td></tr>`;
    })
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin-bottom:24px}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}
.chart{width:900px;height:320px;margin-bottom:28px}</style></head><body>
<h1>${title}</h1>
${TABLE_HEAD}
<tbody>${rows}</tbody></table>
${CHARTS.map((c) => `<h2>${c.title}</h2><div class="chart"><canvas id="${c.id}"></canvas></div>`).join("\n")}
<script>${chartJs}</script>
<script>
const data = ${JSON.stringify(data)};
for (const [id, datasets] of Object.entries(data)) {
  new Chart(document.getElementById(id), { type: "line", data: { datasets },
    options: { animation: false, maintainAspectRatio: false, parsing: true,
      scales: { x: { type: "linear", title: { display: true, text: "seconds" } }, y: { beginAtZero: true } } } });
}
document.body.dataset.rendered = "yes";
</script></body></html>`;
}

/**
 * Writes the report to `htmlPath` and, by opening it in headless Chromium (see launchChromium), one PNG per
 * chart into `imageDir`. Returns the image paths.
 */
export async function writeLoadReport(
  runs: ReportRun[],
  title: string,
  htmlPath: string,
  imageDir: string,
): Promise<string[]> {
  await mkdir(dirname(htmlPath), { recursive: true });
  await mkdir(imageDir, { recursive: true });
  await writeFile(htmlPath, await renderLoadReport(runs, title));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.goto(pathToFileURL(resolve(htmlPath)).href);
    await page.waitForSelector("body[data-rendered=yes]");
    const images: string[] = [];
    for (const chart of CHARTS) {
      const path = join(imageDir, `${chart.id}.png`);
      await page.locator(`#${chart.id}`).screenshot({ path });
      images.push(path);
    }
    return images;
  } finally {
    await browser.close();
  }
}
