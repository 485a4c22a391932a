import { parseLsn } from "./tenant-write-positions.ts";

/** One reading of the primary's WAL position: every commit acknowledged before `at` ends at or before `lsn`. */
interface PrimarySample {
  readonly lsn: bigint;
  /** Date.now() when the statement that read `lsn` was sent (at or before the moment the server read it). */
  readonly at: number;
}

/**
 * The primary's WAL position as the kit saw it, and when: after every COMMIT of a tenant (the position read-your-writes
 * records, read in the same round trip) and in each replica health probe. A standby whose replay position has reached
 * a sample holds every commit acknowledged before that sample was taken, whether or not it has replayed a transaction
 * itself, so its data is at most `now - at` old (see {@link caughtUpAt}).
 *
 * Bounded: at most 64 samples, each both later and further than the one before it (a sample that another one is at
 * least as far back in the WAL and at least as recent as tells nothing more); past 64 the oldest goes, which can only
 * make a standby far behind look more behind.
 *
 * @example
 * const primary = new PrimaryWalPositions();
 * primary.record(endOfLastRecord("0/3000028"), sentAt); // from SELECT pg_current_wal_insert_lsn() on the primary
 * primary.caughtUpAt(replayLsn); // sentAt once the standby's pg_last_wal_replay_lsn() >= 0/3000000
 */
export class PrimaryWalPositions {
  /** Ascending in both `lsn` and `at`. */
  readonly #samples: PrimarySample[] = [];

  /** Records that the primary's position was `lsn` (see {@link endOfLastRecord}) when a statement sent at `at` ran. */
  record(lsn: bigint, at: number): void {
    const samples = this.#samples;
    // Samples of concurrent statements arrive in any order: keep only those no other one makes useless.
    if (samples.some((sample) => sample.lsn <= lsn && sample.at >= at)) return;
    let index = samples.length;
    while (index > 0 && samples[index - 1]!.lsn >= lsn) index--;
    let end = index;
    while (end < samples.length && samples[end]!.at <= at) end++;
    samples.splice(index, end - index, { lsn, at });
    if (samples.length > MAX_SAMPLES) samples.shift();
  }

  /**
   * When (Date.now()) the latest sample a standby at `replayLsn` has replayed was taken: it holds every commit
   * acknowledged before then. Undefined when it is behind every sample kept (or none was taken yet).
   */
  caughtUpAt(replayLsn: bigint): number | undefined {
    for (let i = this.#samples.length - 1; i >= 0; i--) {
      const sample = this.#samples[i]!;
      if (sample.lsn <= replayLsn) return sample.at;
    }
    return undefined;
  }
}

const MAX_SAMPLES = 64;

/**
 * `pg_current_wal_insert_lsn()` as the end of the last record: right after a record that ended at a WAL page boundary,
 * the insert position is past the next page's header (24 bytes; 40 on a segment's first page), where no standby's
 * replay position (the end of the last record it replayed) ever stops. On a primary that has written nothing since a
 * segment switch, the insert position is `0/3000028` and a standby that replayed everything is at `0/3000000`.
 */
export function endOfLastRecord(text: string | null | undefined): bigint {
  const lsn = parseLsn(text);
  const inPage = lsn % WAL_PAGE_BYTES;
  if (inPage === SHORT_PAGE_HEADER || (inPage === LONG_PAGE_HEADER && lsn % WAL_SEGMENT_BYTES === LONG_PAGE_HEADER)) {
    return lsn - inPage;
  }
  return lsn;
}

/** PostgreSQL's default XLOG_BLCKSZ and wal_segment_size; other sizes only make positions more conservative. */
const WAL_PAGE_BYTES = 8192n;
const WAL_SEGMENT_BYTES = 16n * 1024n * 1024n;
const SHORT_PAGE_HEADER = 24n;
const LONG_PAGE_HEADER = 40n;
