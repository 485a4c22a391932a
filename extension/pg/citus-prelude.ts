import type { PipelineStatement } from "./query-pipeline.ts";
import type { TenantPrelude } from "./tenant-prelude.ts";

/**
 * Makes Citus forward the `SET LOCAL`s that follow to every worker node the transaction reaches. The setting is
 * user-settable and transaction-scoped, so the kit sends it itself and the application role needs no
 * `ALTER ROLE ... SET citus.propagate_set_commands = 'local'`.
 */
const CITUS_PROPAGATE_SET_LOCAL = "SET LOCAL citus.propagate_set_commands = 'local'";

const PROPAGATE: PipelineStatement = { text: CITUS_PROPAGATE_SET_LOCAL };

/**
 * The transaction-block `prelude` for a Citus database: {@link CITUS_PROPAGATE_SET_LOCAL} goes first in the block,
 * before the `SET LOCAL`s that carry the tenant (Citus records a `SET LOCAL` for the workers only while the setting is
 * `'local'`).
 *
 * ```sql
 * BEGIN;                                              -- per-query calls only
 * SET LOCAL citus.propagate_set_commands = 'local';
 * SET LOCAL app.tenant_id = 'acme';
 * <the query>;
 * COMMIT;                                             -- per-query calls only
 * ```
 */
export function propagateToCitusWorkers(prelude: TenantPrelude): TenantPrelude {
  const withPropagate = (before: readonly PipelineStatement[]) => {
    const at = before[0]?.text === "BEGIN" ? 1 : 0;
    return [...before.slice(0, at), PROPAGATE, ...before.slice(at)];
  };
  return {
    standalone: (scope) => {
      const pipeline = prelude.standalone(scope);
      return { ...pipeline, before: withPropagate(pipeline.before) };
    },
    inTransaction: (scope) => {
      const pipeline = prelude.inTransaction(scope);
      return { ...pipeline, before: withPropagate(pipeline.before) };
    },
  };
}
