import { describe, expect, it } from "vitest";
import { parseLsn, TenantWritePositions } from "../../extension/replicas/tenant-write-positions.ts";
import { parseReplicaHealth } from "../../extension/replicas/replica-health.ts";

describe("TenantWritePositions (read-your-writes bookkeeping)", () => {
  it("compares LSNs as Postgres prints them", () => {
    expect(parseLsn("0/16B3748")).toBe(0x16b3748n);
    expect(parseLsn("1/0")).toBeGreaterThan(parseLsn("0/FFFFFFFF"));
    expect(parseLsn(null)).toBe(0n);
  });

  it("keeps a tenant's highest write until every replica has reported replaying past it", () => {
    const positions = new TenantWritePositions(2);
    positions.record("a", 100n);
    positions.record("a", 90n); // an older commit finishing later never lowers the bar
    expect(positions.required("a")).toBe(100n);
    expect(positions.required("b")).toBe(0n);
    positions.replayed(0, 150n);
    expect(positions.required("a")).toBe(100n); // replica 1 has not been seen past it
    positions.replayed(1, 100n);
    expect(positions.required("a")).toBe(100n); // dropped, into the floor: every replica reported it
    expect(positions.size).toBe(0);
  });

  it("keeps a dropped write as a floor: a replica URL now reaching a server further behind cannot serve it", () => {
    const positions = new TenantWritePositions(1);
    positions.record("a", 100n);
    positions.replayed(0, 150n);
    expect(positions.required("a")).toBe(100n); // the entry is dropped here
    positions.replayed(0, 50n); // another server behind the same URL: the highest report stays 150
    expect(positions.required("a")).toBe(100n);
    expect(positions.required("b")).toBe(100n);
  });

  it("folds evicted entries into a floor, so a full map never forgets a write", () => {
    const positions = new TenantWritePositions(1, 2);
    positions.record("a", 10n);
    positions.record("b", 20n);
    positions.record("c", 30n); // evicts "a", the oldest
    expect(positions.size).toBe(2);
    expect(positions.required("a")).toBe(10n);
    expect(positions.required("z")).toBe(10n);
    expect(positions.required("c")).toBe(30n);
  });

  it("reads a replica's health row, raw or parsed; an unknown lag is past any bound", () => {
    expect(parseReplicaHealth(["t", "0/3000148", "12"])).toEqual({
      inRecovery: true,
      replayLsn: 0x3000148n,
      lagMillis: 12,
    });
    expect(parseReplicaHealth([false, null, "0"])).toEqual({ inRecovery: false, replayLsn: 0n, lagMillis: 0 });
    expect(parseReplicaHealth(["t", "0/1", "-1"]).lagMillis).toBe(Number.POSITIVE_INFINITY);
  });
});
