import { parseLsn } from "./tenant-write-positions.ts";

/**
 * What a replica reports with every read (pipelined before the read, in the same round trip) and in a health probe:
 * whether it is still a standby, how far it has replayed, and its replay lag in ms: 0 when it has replayed all the WAL
 * it received (after a restart the receive position starts at or before the replay position); else the age of the
 * last transaction it replayed, as the primary stamped it; -1 (no lag of its own) when it has WAL to replay, or is not
 * streaming (no receive position), and has replayed no transaction since it started. Such a standby is judged by how
 * far it has replayed against the primary's position (ReplicaNode.problemWith, PrimaryWalPositions).
 */
export const REPLICA_HEALTH_SQL =
  "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(), CASE WHEN pg_last_wal_receive_lsn() <= " +
  "pg_last_wal_replay_lsn() THEN 0 ELSE COALESCE((EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) " +
  "* 1000)::bigint, -1) END";

/** A replica's answer to {@link REPLICA_HEALTH_SQL}. */
export interface ReplicaHealth {
  readonly inRecovery: boolean;
  readonly replayLsn: bigint;
  /** Infinity when the replica has no lag of its own (-1 above). */
  readonly lagMillis: number;
}

/** Reads the health row, as raw text fields (`t`, `0/3000148`, `12`) or as pg parsed it. */
export function parseReplicaHealth(fields: readonly unknown[]): ReplicaHealth {
  const [inRecovery, replayLsn, lag] = fields;
  const lagMillis = Number(lag ?? 0);
  return {
    inRecovery: inRecovery === true || inRecovery === "t",
    replayLsn: parseLsn(typeof replayLsn === "string" ? replayLsn : null),
    lagMillis: lagMillis < 0 ? Number.POSITIVE_INFINITY : lagMillis,
  };
}
