import type pg from "pg";
import { DATABASE_ROLES } from "../../fixtures/database/database-roles.ts";
import type { LoadDatabase } from "./load-database.ts";
import type { LoadSample } from "./load-generator.ts";
import { withClient } from "../../fixtures/database/pg-connection.ts";

/** A fault injected at `atMs` of a load run, and what it did to the requests around it. */
export interface FaultOutcome {
  name: string;
  atMs: number;
  /** Failed requests between this fault and the next one (or the end), by kind. */
  errors: Record<string, number>;
  /** Slowest failed request in that window, in ms: failing fast means well under the acquire timeout plus a query. */
  slowestFailureMs: number;
  /** From the fault until the first successful request after its last failure, in ms; 0 when nothing failed. */
  recoveredAfterMs: number;
}

/** A fault: what it does to the running system. */
interface Fault {
  name: string;
  atMs: number;
  inject(): Promise<void>;
}

async function asAdmin<T>(database: LoadDatabase, run: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(database.adminUrl, run);
}

/**
 * The faults of a fault run, spaced so each has recovered before the next: every app backend killed
 * (`pg_terminate_backend`), a Postgres restart (embedded server only), and pool exhaustion: a migration-style
 * `LOCK TABLE "Customer"` held for 4 s, which parks every query on customers, so the pool fills and further queries
 * time out waiting for a connection.
 */
export function faultPlan(database: LoadDatabase): Fault[] {
  const faults: Fault[] = [
    {
      name: "pg_terminate_backend of every app connection",
      atMs: 8_000,
      inject: () =>
        asAdmin(database, (client) =>
          client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [
            DATABASE_ROLES.app.name,
          ]),
        ).then(() => undefined),
    },
    {
      name: 'pool exhaustion: LOCK TABLE "Customer" for 4 s',
      atMs: 18_000,
      inject: () =>
        asAdmin(database, async (client) => {
          await client.query("BEGIN");
          await client.query(`LOCK TABLE "Customer" IN ACCESS EXCLUSIVE MODE`);
          await client.query("SELECT pg_sleep(4)");
          await client.query("COMMIT");
        }),
    },
  ];
  if (database.restart) faults.push({ name: "Postgres restart", atMs: 30_000, inject: database.restart });
  return faults;
}

/** Runs `faults` on schedule during a load run (pass as the scenario's `during`). */
export async function injectFaults(faults: Fault[], elapsed: () => number): Promise<void> {
  for (const fault of faults) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, fault.atMs - elapsed())));
    await fault.inject();
  }
}

/** What each fault did: the failures in its window and how long until requests succeeded again. */
export function faultOutcomes(faults: Fault[], samples: LoadSample[]): FaultOutcome[] {
  return faults.map((fault, i) => {
    const end = faults[i + 1]?.atMs ?? Number.POSITIVE_INFINITY;
    const window = samples.filter((s) => s.at >= fault.atMs && s.at < end);
    const failures = window.filter((s) => s.error);
    const errors: Record<string, number> = {};
    for (const failure of failures) errors[failure.error!] = (errors[failure.error!] ?? 0) + 1;
    const lastFailure = Math.max(fault.atMs, ...failures.map((s) => s.at));
    const recovery = window.find((s) => !s.error && s.at > lastFailure);
    return {
      name: fault.name,
      atMs: fault.atMs,
      errors,
      slowestFailureMs: Math.round(Math.max(0, ...failures.map((s) => s.latencyMs))),
      recoveredAfterMs: failures.length === 0 ? 0 : Math.round((recovery?.at ?? Number.NaN) - fault.atMs),
    };
  });
}
