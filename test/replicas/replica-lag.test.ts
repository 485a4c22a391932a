import { describe, expect, it } from "vitest";
import { resolveReplicaPolicy } from "../../extension/adapter-options.ts";
import type { TenantPool } from "../../extension/pg/tenant-pool.ts";
import { endOfLastRecord, PrimaryWalPositions } from "../../extension/replicas/primary-wal-positions.ts";
import { ReplicaNode } from "../../extension/replicas/replica-node.ts";

/** A node whose pool is never used: only its judgement of health rows is under test. */
function node(maxLagMillis: number, primary = new PrimaryWalPositions()): ReplicaNode {
  return new ReplicaNode({
    createPool: () => ({ on: () => undefined }) as unknown as TenantPool,
    name: "replica-0",
    index: 0,
    connectionString: "postgres://app@127.0.0.1:1/db",
    policy: resolveReplicaPolicy({ maxLagMillis, logger: () => undefined }),
    primary,
    checkRole: undefined,
  });
}

const unknownLag = { inRecovery: true, replayLsn: 100n, lagMillis: Number.POSITIVE_INFINITY };
const caughtUp = { inRecovery: true, replayLsn: 100n, lagMillis: 0 };

// A fresh or restarted standby has no replayed transaction to measure its lag from (pg_last_xact_replay_timestamp()
// is NULL), and one that is not streaming has no receive position: its health row reports no lag of its own (-1).
// test/replicas/quiet-primary.test.ts shows the same on a real primary and standby.
describe("a replica's lag with no transaction replayed since it started", () => {
  it("is the age of the latest sample of the primary's position it has replayed", () => {
    const primary = new PrimaryWalPositions();
    const replica = node(5_000, primary);
    primary.record(90n, 1_000_000);
    primary.record(100n, 1_001_000);
    primary.record(120n, 1_002_000);
    // At 100 it holds every commit acknowledged before 1_001_000, transaction replayed or not.
    expect(replica.problemWith(unknownLag, 1_005_000)).toBeUndefined();
    expect(replica.problemWith(unknownLag, 1_006_500)).toMatchObject({
      reason: "lagging",
      detail: "replay lag 5500 ms > maxLagMillis 5000",
    });
    // A later sample at the same position (a quiet primary, probed again) is a fresh bound.
    primary.record(100n, 1_006_000);
    expect(replica.problemWith(unknownLag, 1_006_500)).toBeUndefined();
    expect(replica.problemWith({ ...unknownLag, replayLsn: 89n }, 1_006_500)).toMatchObject({
      reason: "lagging",
      detail:
        "replay lag unknown (no transaction replayed since it started, and its replay position has not reached " +
        "the primary's) > maxLagMillis 5000",
    });
  });

  it("is measured from when it last reported itself caught up, when that is later", () => {
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

  it("stays unknown, and lagging, for a replica behind every sample and never seen caught up", () => {
    expect(node(5_000).problemWith(unknownLag, 1_000_000)).toMatchObject({ reason: "lagging" });
    const primary = new PrimaryWalPositions();
    primary.record(101n, 999_999);
    expect(node(5_000, primary).problemWith(unknownLag, 1_000_000)).toMatchObject({ reason: "lagging" });
  });
});

describe("samples of the primary's WAL position", () => {
  it("keep, for a replay position, the latest sample at or before it, whatever order they arrive in", () => {
    const primary = new PrimaryWalPositions();
    primary.record(200n, 20);
    primary.record(100n, 10);
    primary.record(150n, 30); // further back than the 200 sample, and later: the 200 one says nothing more
    primary.record(120n, 5); // the 100 sample is later and not further: nothing new
    expect(primary.caughtUpAt(99n)).toBeUndefined();
    expect(primary.caughtUpAt(100n)).toBe(10);
    expect(primary.caughtUpAt(149n)).toBe(10);
    expect(primary.caughtUpAt(199n)).toBe(30);
    expect(primary.caughtUpAt(200n)).toBe(30);
  });

  it("keep at most 64, dropping the oldest", () => {
    const primary = new PrimaryWalPositions();
    for (let i = 1; i <= 100; i++) primary.record(BigInt(i), i);
    expect(primary.caughtUpAt(36n)).toBeUndefined();
    expect(primary.caughtUpAt(37n)).toBe(37);
    expect(primary.caughtUpAt(1_000n)).toBe(100);
  });

  it("take the insert position right after a page header as the end of the record before it", () => {
    expect(endOfLastRecord("0/3000028")).toBe(0x3000000n); // a segment's first page: 40-byte header
    expect(endOfLastRecord("0/3002018")).toBe(0x3002000n); // any other page: 24 bytes
    expect(endOfLastRecord("0/30000D8")).toBe(0x30000d8n);
  });
});
