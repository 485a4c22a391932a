import { Agent, request } from "undici";

const POOL_TIMEOUT_TEXT =
  /POOL_TIMEOUT|Unable to start a transaction in the given time|timeout exceeded when trying to connect/;

/** One HTTP request a virtual user makes. */
export interface LoadRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  /** "read" or "write": the class the report groups latencies by. */
  routeClass: "read" | "write";
  headers?: Record<string, string>;
  body?: unknown;
}

/** One completed (or failed) request. */
export interface LoadSample {
  /** Milliseconds since the run started, at completion. */
  at: number;
  routeClass: LoadRequest["routeClass"];
  path: string;
  status: number;
  latencyMs: number;
  /** Set when the request failed: "pool-timeout" (503 POOL_TIMEOUT), "5xx", "4xx", "network". */
  error?: "pool-timeout" | "5xx" | "4xx" | "network";
  /** For a failure: both ends of the response body or the network error, to say what went wrong. */
  detail?: string;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  baseUrl: string;
  /** Concurrent virtual users, each sending its next request when the previous one completes. */
  users: number;
  /** Run time in ms; the run stops at this or at `maxRequests`, whichever comes first. */
  durationMs: number;
  maxRequests: number;
  /** Per-request timeout in ms: a request slower than this counts as a "network" error. */
  requestTimeoutMs?: number;
  /** The request virtual user `user` sends next. */
  nextRequest(user: number): LoadRequest;
  /** HTTP status codes that are the expected answer (e.g. 409 for a lost race), not errors. */
  expectedStatuses?: number[];
}

/**
 * Closed-loop load on loopback: `users` virtual users, each with one request in flight, for a bounded time and
 * count. Uses one undici Agent with a connection per user so the client is never the bottleneck.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSample[]> {
  const agent = new Agent({ connections: options.users, pipelining: 1, keepAliveTimeout: 10_000 });
  const samples: LoadSample[] = [];
  const started = performance.now();
  const deadline = started + options.durationMs;
  const expected = new Set(options.expectedStatuses ?? []);
  let issued = 0;
  const user = async (id: number) => {
    while (performance.now() < deadline && issued < options.maxRequests) {
      issued++;
      const next = options.nextRequest(id);
      const sent = performance.now();
      let status = 0;
      let error: LoadSample["error"];
      let detail: string | undefined;
      try {
        const response = await request(`${options.baseUrl}${next.path}`, {
          method: next.method,
          dispatcher: agent,
          headers: { "content-type": "application/json", ...next.headers },
          body: next.body === undefined ? undefined : JSON.stringify(next.body),
          headersTimeout: options.requestTimeoutMs ?? 30_000,
          bodyTimeout: options.requestTimeoutMs ?? 30_000,
        });
        status = response.statusCode;
        const text = await response.body.text();
        // A pool timeout however the app reports it: the kit's 503, or a 500 carrying the kit's, Prisma's (P2028:
        // a transaction that could not start within maxWait) or pg's own message.
        if (status >= 500) error = POOL_TIMEOUT_TEXT.test(text) ? "pool-timeout" : "5xx";
        else if (status >= 400 && !expected.has(status)) error = "4xx";
        // Prisma's messages put a code frame first and the cause last: keep both ends.
        if (error) detail = text.length > 500 ? `${text.slice(0, 150)} … ${text.slice(-350)}` : text;
      } catch (cause) {
        error = "network";
        detail = String(cause);
      }
      const done = performance.now();
      samples.push({
        at: done - started,
        routeClass: next.routeClass,
        path: next.path,
        status,
        latencyMs: done - sent,
        error,
        detail,
      });
    }
  };
  await Promise.all(Array.from({ length: options.users }, (_, id) => user(id)));
  await agent.close();
  return samples;
}
