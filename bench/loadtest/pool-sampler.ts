import { request } from "undici";

/** Pool state read from the app's Prometheus endpoint at one instant. */
export interface PoolSample {
  /** Milliseconds since sampling started. */
  at: number;
  inUse: number;
  waiting: number;
  total: number;
  timeouts: number;
  /** Cumulative hold-time histogram: sum (ms) and count, to derive the mean hold per checkout. */
  holdSumMs: number;
  holdCount: number;
}

/** Reads one gauge/counter value (first series) from Prometheus text. */
export function readMetric(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, "m").exec(text);
  return match ? Number(match[1]) : 0;
}

/**
 * Polls `metricsUrl` (Prometheus text from instrumentPool) every `everyMs` until stopped. Returns a stop function
 * that resolves to the samples.
 */
export function samplePool(metricsUrl: string, everyMs = 250): () => Promise<PoolSample[]> {
  const samples: PoolSample[] = [];
  const started = performance.now();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const response = await request(metricsUrl, { headersTimeout: 2_000, bodyTimeout: 2_000 });
        const text = await response.body.text();
        samples.push({
          at: performance.now() - started,
          inUse: readMetric(text, "db_client_connections_in_use"),
          waiting: readMetric(text, "db_client_connections_waiting"),
          total: readMetric(text, "db_client_connections_total"),
          timeouts: readMetric(text, "db_client_connections_timeouts_total"),
          holdSumMs: readMetric(text, "db_client_connections_hold_time_sum"),
          holdCount: readMetric(text, "db_client_connections_hold_time_count"),
        });
      } catch {
        // The app may be restarting (fault injection): a gap in the chart, not a failure of the run.
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return samples;
  };
}
