/**
 * A statement the kit sends in the same network write and before the same Sync as the caller's query (see
 * TenantQuery). Its replies never reach the caller: its rows go to `onRow` if given, its CommandComplete is dropped.
 */
export interface PipelineStatement {
  /** One SQL statement; sent with Parse/Bind/Execute, without Describe, so its rows arrive as text. */
  readonly text: string;
  /** Bind parameters of `text`. Default none. */
  readonly values?: readonly string[];
  /** Called with each row's raw text fields (`null` for SQL NULL), e.g. to read `pg_current_wal_lsn()`. */
  readonly onRow?: (fields: readonly (string | null)[]) => void;
}

/**
 * The statements around one caller query, all closed by ONE Sync: one round trip, one ReadyForQuery. If any of them
 * fails, the server skips the rest up to that Sync and the caller gets that error.
 *
 * @example
 * ```ts
 * const pipeline: QueryPipeline = {
 *   before: [{ text: "BEGIN" }, { text: "SET LOCAL app.tenant_id = 'acme'" }],
 *   after: [{ text: "COMMIT" }],
 *   opensBlock: true,
 * };
 * ```
 */
export interface QueryPipeline {
  readonly before: readonly PipelineStatement[];
  readonly after: readonly PipelineStatement[];
  /**
   * `before` opens an explicit transaction block that `after` closes. A failed statement skips the rest, so the
   * connection is left in the aborted block (or, if the COMMIT itself failed, already out of it): whoever runs the
   * pipeline sends `ROLLBACK` after any statement error. Default false.
   */
  readonly opensBlock?: boolean;
}

/** The caller's query alone. */
export const NO_PIPELINE: QueryPipeline = { before: [], after: [] };

/** `outer` around `inner` around the query: outer.before, inner.before, query, inner.after, outer.after. */
export function joinPipelines(outer: QueryPipeline, inner: QueryPipeline): QueryPipeline {
  return {
    before: [...outer.before, ...inner.before],
    after: [...inner.after, ...outer.after],
    opensBlock: Boolean(outer.opensBlock || inner.opensBlock),
  };
}
