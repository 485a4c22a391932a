import pg from "pg";
import type { ContextScope } from "../context-scope.ts";
import { ContextRoleNotAllowedError } from "../errors/context-role-not-allowed-error.ts";
import type { PipelineStatement, QueryPipeline } from "./query-pipeline.ts";

/**
 * How the context reaches the server (the adapter option `contextMode`):
 *
 * - `"set-config"` (default): `SELECT set_config($1, $2, true)` before the query, in the implicit transaction that
 *   ends at the Sync. No BEGIN/COMMIT; the values travel as bind parameters.
 * - `"transaction-block"`: `BEGIN; SET LOCAL <setting> = '<tenant>'; <query>; COMMIT` before the Sync, for servers
 *   and routers that honour the setting only inside an explicit transaction block (Citus, statement-routing poolers).
 */
export type TenantContextMode = "set-config" | "transaction-block";

/** The context modes {@link createTenantPrelude} accepts. */
export const TENANT_CONTEXT_MODES: readonly TenantContextMode[] = ["set-config", "transaction-block"];

/**
 * The statements that carry a query's context (its settings, its role, the statement timeout when one is configured)
 * with the query, for one context mode. Everything is scoped to the current transaction: the implicit one that ends
 * at the Sync, the explicit one the transaction-block mode opens and commits around a query, or the caller's own
 * (`$withTenant`). Setting statement_timeout here rather than at connect makes it hold behind PgBouncer in transaction
 * mode too, which drops startup parameters.
 *
 * Both methods return the same (frozen) pipeline for the same scope object: a `$forTenant` client's queries share
 * one scope, so its statements are built once, not per query.
 */
export interface TenantPrelude {
  /**
   * Around a query that runs on its own (`pool.query`): after it, nothing is left on the connection.
   * @throws {ContextRoleNotAllowedError} when the scope's role is not one of the adapter's roles.
   */
  standalone(scope: ContextScope): QueryPipeline;
  /**
   * Before the first data statement of an explicit transaction (after its `BEGIN`).
   * @throws {ContextRoleNotAllowedError} when the scope's role is not one of the adapter's roles.
   */
  inTransaction(scope: ContextScope): QueryPipeline;
}

/** `SELECT set_config($1, $2, true)`: the set-config prelude of one setting, without a role or statement timeout. */
export const SET_TENANT_SQL = "SELECT set_config($1, $2, true)";

/** What {@link createTenantPrelude} needs to know about the adapter. */
export interface TenantPreludeOptions {
  /** The adapter's tenant setting (e.g. `app.tenant_id`, already validated): always sent, `''` without a tenant. */
  readonly setting: string;
  /** `statement_timeout` of every query, in ms; 0 or undefined: the server's. */
  readonly statementTimeoutMillis?: number | undefined;
  readonly mode?: TenantContextMode | undefined;
  /** The roles a context may name (the adapter's `roles`). Default none. */
  readonly roles?: readonly string[] | undefined;
}

/**
 * Builds the prelude. With settings `app.tenant_id`, `app.user_id`, a role and a statement timeout:
 *
 * ```text
 * set-config         SELECT set_config($1, $2, true), set_config($3, $4, true), set_config('role', $5, true),
 *                           set_config('statement_timeout', $6, true)     -- ONE statement, every value bound
 * transaction-block  BEGIN                                               -- per-query calls only
 *                    SET LOCAL app.tenant_id = 'o''brien'                -- quoted by pg.escapeLiteral: SET takes no $n
 *                    SET LOCAL app.user_id = '42'
 *                    SET LOCAL ROLE "app_user"                           -- quoted by pg.escapeIdentifier
 *                    SET LOCAL statement_timeout = '5000ms'              -- when configured
 *                    <the query>
 *                    COMMIT                                              -- per-query calls only
 * ```
 *
 * The adapter's tenant setting is always in it, empty when the scope has no value for it, so a value some raw
 * session-level `SET` left on a pooled connection never reaches a query of the kit. Likewise, with `roles`, a query
 * without a role gets `set_config('role', 'none', true)` (`SET LOCAL ROLE NONE`): the login role, whatever a raw
 * `SET ROLE` left behind.
 */
export function createTenantPrelude(options: TenantPreludeOptions): TenantPrelude {
  const { setting, mode = "set-config" } = options;
  const roles = new Set(options.roles ?? []);
  const timeout = options.statementTimeoutMillis ? `${Math.round(options.statementTimeoutMillis)}ms` : undefined;
  const standalone = new WeakMap<ContextScope, QueryPipeline>();
  const inTransaction = new WeakMap<ContextScope, QueryPipeline>();

  /** The settings to send, the adapter's own first. */
  const settingsOf = (scope: ContextScope): (readonly [string, string])[] => {
    let tenant = scope.tenantId ?? "";
    const others: (readonly [string, string])[] = [];
    for (const entry of scope.settings) {
      if (entry[0] === setting) tenant = entry[1];
      else others.push(entry);
    }
    return [[setting, tenant], ...others];
  };
  /**
   * The role a query takes: its scope's, or, when the adapter has `roles` and the scope names none, `none` (the login
   * role): a session-level `SET ROLE` some raw statement left on a pooled connection never carries over to a query.
   */
  const roleOf = (scope: ContextScope): string | undefined => scope.role ?? (roles.size > 0 ? "none" : undefined);
  const checkRole = (scope: ContextScope) => {
    if (scope.role !== undefined && !roles.has(scope.role))
      throw new ContextRoleNotAllowedError(scope.role, [...roles]);
  };

  let build: (scope: ContextScope, standalone: boolean) => QueryPipeline;
  if (mode === "transaction-block") {
    const timeoutStatements = timeout ? [{ text: `SET LOCAL statement_timeout = '${timeout}'` }] : [];
    build = (scope, alone) => {
      const before: PipelineStatement[] = settingsOf(scope).map(([name, value]) => ({
        // escapeLiteral doubles quotes and backslashes (E'' form when there is one): the value cannot end the literal.
        text: `SET LOCAL ${name} = ${pg.escapeLiteral(value).trimStart()}`,
      }));
      const role = roleOf(scope);
      if (role === "none" && scope.role === undefined) before.push({ text: "SET LOCAL ROLE NONE" });
      else if (role !== undefined) before.push({ text: `SET LOCAL ROLE ${pg.escapeIdentifier(role)}` });
      before.push(...timeoutStatements);
      return alone
        ? freeze({ before: [BEGIN, ...before], after: [COMMIT], opensBlock: true })
        : freeze({ before, after: [] });
    };
  } else {
    build = (scope) => {
      const values: string[] = [];
      const calls: string[] = [];
      for (const [name, value] of settingsOf(scope)) {
        values.push(name, value);
        calls.push(`set_config($${values.length - 1}, $${values.length}, true)`);
      }
      // Transaction-local like SET LOCAL ROLE: reverted when the implicit transaction ends at the Sync (or at the
      // caller's COMMIT / ROLLBACK), so the role never outlives the query on a pooled connection.
      const role = roleOf(scope);
      if (role !== undefined) {
        values.push(role);
        calls.push(`set_config('role', $${values.length}, true)`);
      }
      if (timeout) {
        values.push(timeout);
        calls.push(`set_config('statement_timeout', $${values.length}, true)`);
      }
      return freeze({ before: [Object.freeze({ text: `SELECT ${calls.join(", ")}`, values })], after: [] });
    };
  }
  const cached = (cache: WeakMap<ContextScope, QueryPipeline>, alone: boolean) => (scope: ContextScope) => {
    let pipeline = cache.get(scope);
    if (pipeline === undefined) {
      checkRole(scope);
      pipeline = build(scope, alone);
      cache.set(scope, pipeline);
    }
    return pipeline;
  };
  return { standalone: cached(standalone, true), inTransaction: cached(inTransaction, false) };
}

const BEGIN: PipelineStatement = Object.freeze({ text: "BEGIN" });
const COMMIT: PipelineStatement = Object.freeze({ text: "COMMIT" });

function freeze(pipeline: QueryPipeline): QueryPipeline {
  return Object.freeze(pipeline);
}
