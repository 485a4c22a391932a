import type { LoadSample } from "./load-generator.ts";
import type { PoolSample } from "./pool-sampler.ts";

/** Latency percentiles of one route class, in ms. */
export interface LatencyStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

/** The numbers a load run is judged by. */
export interface LoadSummary {
  variant: string;
  users: number;
  durationMs: number;
  requests: number;
  throughputPerSecond: number;
  read: LatencyStats;
  write: LatencyStats;
  errors: Record<"pool-timeout" | "5xx" | "4xx" | "network", number>;
  peakInUse: number;
  peakWaiting: number;
  poolTimeouts: number;
  /** Connection time held per HTTP request (total hold ms / requests), in ms. */
  holdPerRequestMs: number;
  /** Mean time a checkout held its connection, in ms. */
  holdPerCheckoutMs: number;
  /** Connection checkouts per second (queries outside transactions + transactions). */
  checkoutsPerSecond: number;
}

function stats(latencies: number[]): LatencyStats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** Summarizes one run from its request samples and pool samples. */
export function summarizeLoad(variant: string, users: number, samples: LoadSample[], pool: PoolSample[]): LoadSummary {
  const durationMs = samples.length ? Math.max(...samples.map((s) => s.at)) : 0;
  const errors = { "pool-timeout": 0, "5xx": 0, "4xx": 0, network: 0 };
  for (const sample of samples) if (sample.error) errors[sample.error]++;
  const first = pool[0];
  const last = pool.at(-1);
  const holdMs = first && last ? last.holdSumMs - first.holdSumMs : 0;
  const checkouts = first && last ? last.holdCount - first.holdCount : 0;
  return {
    variant,
    users,
    durationMs,
    requests: samples.length,
    throughputPerSecond: durationMs ? samples.filter((s) => !s.error).length / (durationMs / 1000) : 0,
    read: stats(samples.filter((s) => s.routeClass === "read" && !s.error).map((s) => s.latencyMs)),
    write: stats(samples.filter((s) => s.routeClass === "write" && !s.error).map((s) => s.latencyMs)),
    errors,
    peakInUse: Math.max(0, ...pool.map((p) => p.inUse)),
    peakWaiting: Math.max(0, ...pool.map((p) => p.waiting)),
    poolTimeouts: first && last ? last.timeouts - first.timeouts : 0,
    holdPerRequestMs: samples.length ? holdMs / samples.length : 0,
    holdPerCheckoutMs: checkouts ? holdMs / checkouts : 0,
    checkoutsPerSecond: durationMs ? checkouts / (durationMs / 1000) : 0,
  };
}

/** A fixed-width text table of summaries, for the terminal and docs. */
export function formatSummaries(summaries: LoadSummary[]): string {
  const header =
    "variant          users  req/s   read p50/p95/p99 ms       write p50/p95/p99 ms      " +
    "pool-timeouts 5xx  4xx  net  peak in-use/waiting  hold/request ms";
  const rows = summaries.map((s) =>
    [
      s.variant.padEnd(16),
      String(s.users).padStart(5),
      s.throughputPerSecond.toFixed(1).padStart(7),
      `${s.read.p50.toFixed(0)}/${s.read.p95.toFixed(0)}/${s.read.p99.toFixed(0)}`.padStart(24),
      `${s.write.p50.toFixed(0)}/${s.write.p95.toFixed(0)}/${s.write.p99.toFixed(0)}`.padStart(24),
      String(s.errors["pool-timeout"]).padStart(15),
      String(s.errors["5xx"]).padStart(4),
      String(s.errors["4xx"]).padStart(4),
      String(s.errors.network).padStart(4),
      `${s.peakInUse}/${s.peakWaiting}`.padStart(20),
      s.holdPerRequestMs.toFixed(1).padStart(16),
    ].join(" "),
  );
  return [header, ...rows].join("\n");
}
