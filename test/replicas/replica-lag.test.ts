import { describe, expect, it } from "vitest";
import { resolveReplicaPolicy } from "../../extension/adapter-options.ts";
import type { TenantPool } from "../../extension/pg/tenant-pool.ts";
import { ReplicaNode } from "../../extension/replicas/replica-node.ts";

/** A node whose pool is never used: only its judgement of health rows is under test. */
function node(maxLagMillis: number): ReplicaNode {
  return new ReplicaNode({
    createPool: () => ({ on: () => undefined }) as unknown as TenantPool,
    name: "replica-0",
    index: 0,
    connectionString: "postgres://app@127.0.0.1:1/db",
    policy: resolveReplicaPolicy({ maxLagMillis, logger: () => undefined }),
    checkRole: undefined,
  });
}

const unknownLag = { inRecovery: true, replayLsn: 100n, lagMillis: Number.POSITIVE_INFINITY };
const caughtUp = { inRecovery: true, replayLsn: 100n, lagMillis: 0 };

// A fresh or restarted standby has no replayed transaction to measure its lag from (pg_last_xact_replay_timestamp()
// is NULL): on a quiet primary whose WAL holds only checkpoints, vacuum and the like, it used to count as lagging
// (unknown) whenever it had any WAL left to replay, until the primary committed something.
describe("a replica's lag with no transaction replayed since it started", () => {
  it("is measured from when it last reported itself caught up", () => {
    const replica = node(5_000);
    expect(replica.problemWith(caughtUp, 1_000_000)).toBeUndefined();
    expect(replica.problemWith(unknownLag, 1_004_000)).toBeUndefined();
    expect(replica.problemWith(unknownLag, 1_006_000)).toMatchObject({
      reason: "lagging",
      detail: "replay lag 6000 ms > maxLagMillis 5000",
    });
    // Caught up again: measured from then.
    expect(replica.problemWith(caughtUp, 1_007_000)).toBeUndefined();
    expect(replica.problemWith(unknownLag, 1_008_000)).toBeUndefined();
  });

  it("stays unknown, and lagging, for a replica never seen caught up", () => {
    expect(node(5_000).problemWith(unknownLag, 1_000_000)).toMatchObject({
      reason: "lagging",
      detail: "replay lag unknown (no transaction replayed yet) > maxLagMillis 5000",
    });
  });
});
