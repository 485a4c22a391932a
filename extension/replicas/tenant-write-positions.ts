/**
 * Parses a `pg_lsn` as Postgres prints it (`16/B374D848`: the high and low 32 bits in hex) into a comparable bigint.
 * `null` (e.g. `pg_last_wal_replay_lsn()` on a server that is not a replica) is 0.
 */
export function parseLsn(text: string | null | undefined): bigint {
  if (!text) return 0n;
  const [high, low] = text.split("/");
  if (high === undefined || low === undefined) return 0n;
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/**
 * The WAL position (LSN) of each tenant's last write through one adapter, for read-your-writes: a replica may serve
 * that tenant's reads only once it has replayed past it.
 *
 * Bounded: an entry is dropped once every replica has been seen past it, and past `maxEntries` the oldest entry is
 * evicted; either way its position goes into a floor that every tenant's reads must then pass, so forgetting an entry
 * never weakens the guarantee, not even when a replica URL later reaches a server that has replayed less.
 */
export class TenantWritePositions {
  readonly #entries = new Map<string, bigint>();
  readonly #maxEntries: number;
  /** The highest LSN evicted for space: every read must see at least this far. */
  #floor = 0n;
  /** Per replica, the highest replay position it reported. */
  readonly #replayed: bigint[];

  constructor(replicaCount: number, maxEntries = 10_000) {
    this.#replayed = Array.from({ length: replicaCount }, () => 0n);
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Records that `tenantId` committed a write ending at `lsn`. */
  record(tenantId: string, lsn: bigint): void {
    const previous = this.#entries.get(tenantId) ?? 0n;
    // Re-inserted so the Map's order stays oldest-first for eviction.
    this.#entries.delete(tenantId);
    this.#entries.set(tenantId, maxLsn(previous, lsn));
    if (this.#entries.size <= this.#maxEntries) return;
    const [oldest, position] = this.#entries.entries().next().value as [string, bigint];
    this.#entries.delete(oldest);
    if (position > this.#floor) this.#floor = position;
  }

  /** The position a replica must have replayed to serve `tenantId`'s reads (0 when nothing is pending). */
  required(tenantId: string): bigint {
    const lsn = this.#entries.get(tenantId);
    if (lsn === undefined) return this.#floor;
    if (this.#replayed.every((replayed) => replayed >= lsn)) {
      this.#entries.delete(tenantId);
      // Into the floor too: the server behind a replica URL can change (a load balancer, a failover behind one DNS
      // name, a replica rebuilt from an older backup) and report less than before. Every replica already reported
      // this position, so a replica whose position only grows is never held back by it.
      if (lsn > this.#floor) this.#floor = lsn;
      return this.#floor;
    }
    return maxLsn(lsn, this.#floor);
  }

  /** Notes how far replica `index` has replayed (reported with each read it served). */
  replayed(index: number, lsn: bigint): void {
    if (lsn > (this.#replayed[index] ?? 0n)) this.#replayed[index] = lsn;
  }
}

/** The later of two WAL positions (Math.max does not take bigints). */
export function maxLsn(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
