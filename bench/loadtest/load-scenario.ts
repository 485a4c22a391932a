import { request } from "undici";
import type { PoolAlert } from "prisma-tenant-kit/pool";
import type { AppVariant } from "./app-variants.ts";
import { runLoad } from "./load-generator.ts";
import type { LoadDatabase } from "./load-database.ts";
import type { ReportRun } from "./load-report.ts";
import { summarizeLoad } from "./load-summary.ts";
import { startNextApp } from "./next-app.ts";
import { samplePool } from "./pool-sampler.ts";
import { salesMix, salesRepHeaders } from "./sales-mix.ts";

/** 002's pool size: `connection_limit=17`. */
export const POOL_MAX = 17;

/** One load run against one app variant. */
export interface ScenarioOptions {
  variant: AppVariant;
  database: LoadDatabase;
  /** Name in tables and charts; default `${variant} ${users} users`. */
  label?: string;
  users: number;
  /** Run time, in ms. */
  durationMs: number;
  /** Extra environment of the app (pool settings, simulated work). */
  env?: Record<string, string>;
  /** Runs beside the load (fault injection); `elapsed()` is ms since the load started. */
  during?(elapsed: () => number): Promise<void>;
}

/** A run's samples and summary, plus the pool alerts the app raised, in ms since the load started. */
export interface ScenarioResult extends ReportRun {
  alerts: Array<PoolAlert & { atMs: number }>;
  appOutput: string[];
}

/**
 * Starts the variant with `next start` against the load database (pool max 17, 50–200 ms of non-database work per
 * handler), warms every route up once, then runs the 80/20 sales mix with `users` closed-loop users for `durationMs`
 * while sampling the pool from /api/metrics, and stops the app.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const label = options.label ?? `${options.variant.name} ${options.users} users`;
  const app = await startNextApp(options.variant.dir, {
    DATABASE_URL: options.database.appUrl,
    POOL_MAX: String(POOL_MAX),
    SIMULATED_WORK_MS: "50-200",
    ...options.env,
  });
  try {
    const mix = salesMix(options.database.tenants, { tag: `${label.replace(/\W+/g, "-")}-${Date.now()}` });
    // Next loads a route's module on its first request: warm each route so the run measures serving, not loading.
    for (const path of ["/api/customers", "/api/dashboard", "/api/orders"]) {
      const response = await request(`${app.url}${path}`, { headers: salesRepHeaders(options.database.tenants[0]!) });
      if (response.statusCode !== 200)
        throw new Error(`Warm-up GET ${path} answered ${response.statusCode}: ${await response.body.text()}`);
      await response.body.dump();
    }
    const stopSampling = samplePool(`${app.url}/api/metrics`);
    const outputBefore = app.output.length;
    const startedAt = Date.now();
    const started = performance.now();
    const [samples] = await Promise.all([
      runLoad({
        baseUrl: app.url,
        users: options.users,
        durationMs: options.durationMs,
        // Bounded in count as well as time: far above what 2 cores serve.
        maxRequests: Math.ceil(options.durationMs / 1000) * 5_000,
        nextRequest: mix,
        expectedStatuses: [409],
      }),
      options.during?.(() => performance.now() - started),
    ]);
    const pool = await stopSampling();
    const appOutput = app.output.slice(outputBefore);
    return {
      summary: summarizeLoad(label, options.users, samples, pool),
      samples,
      pool,
      alerts: parseAlerts(appOutput.join(""), startedAt),
      appOutput,
    };
  } finally {
    await app.stop();
  }
}

function parseAlerts(output: string, startedAt: number): ScenarioResult["alerts"] {
  return [...output.matchAll(/\[pool-alert\] (\{.*\})/g)].map((match) => {
    const alert = JSON.parse(match[1]!) as PoolAlert & { at: string };
    return { ...alert, atMs: Date.parse(alert.at) - startedAt };
  });
}
