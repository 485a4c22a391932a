import { InvalidQueryContextError } from "./errors/invalid-query-context-error.ts";
import { isCustomSettingName } from "./tenant-setting-name.ts";

/**
 * What `$forContext` / `$withContext` take: the settings (and optionally the role) every query of the client runs
 * with, set per query in the same round trip as the query, never on the connection's session.
 *
 * @example
 * ```ts
 * const context: QueryContext = {
 *   settings: { "app.tenant_id": tenantId, "app.user_id": userId }, // each a custom setting, `prefix.name`
 *   role: "app_user",                                                 // one of the adapter's `roles`
 *   writer: userId,                                                   // read-your-writes key (replicas)
 * };
 * ```
 */
export interface QueryContext {
  /**
   * Custom settings (`prefix.name`, what your policies read with `current_setting(name, true)`) and their values. The
   * adapter's tenant setting (`setting`, default `app.tenant_id`) may be one of them; when it is not, it is sent empty,
   * so a policy on it sees no tenant. At most 32 settings; each value a string of at most 65,536 characters without
   * NUL bytes.
   */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * A role the query runs as (`SET LOCAL ROLE` semantics: for the query, or the transaction, only). It must be one of
   * the `roles` given to `createTenantAdapter`; anything else is refused before a statement is sent. Default: the
   * login role.
   */
  readonly role?: string;
  /**
   * What identifies the writer for read-your-writes with read replicas: after a write of this context, reads of any
   * context with the same `writer` wait for (or skip) replicas that have not replayed it. Default: the whole context
   * (settings and role), which is right unless a setting changes between requests of the same writer (a JWT's `exp`,
   * `iat` or `session_id` in `request.jwt.claims`): then pass the user's id (the Supabase helper passes `sub`).
   */
  readonly writer?: string;
}

/**
 * One query context as the kit carries it from the Prisma extension to the pool: frozen, validated, with the strings
 * the pool and the composition rules compare. Internal; built by {@link tenantScope} and {@link contextScope}.
 */
export interface ContextScope {
  /** Equal for two scopes exactly when they send the same settings and role: what nested calls and batches compare. */
  readonly id: string;
  /** The read-your-writes key (see {@link QueryContext.writer}). */
  readonly writer: string;
  /** For errors: `tenant "acme"` or `context {role "app_user", app.tenant_id "acme", ...}`. */
  readonly label: string;
  /** For errors, what the call was given: `"acme"` or `{role "app_user", app.tenant_id "acme", ...}`. */
  readonly shown: string;
  /** The value of the adapter's own setting, from `$forTenant(id)`. */
  readonly tenantId?: string;
  /** `$forContext`'s settings, sorted by name. */
  readonly settings: readonly (readonly [name: string, value: string])[];
  readonly role?: string;
}

const NO_SETTINGS: ContextScope["settings"] = Object.freeze([]);
const MAX_SETTINGS = 32;
const MAX_VALUE_LENGTH = 65_536;
/** A role name Postgres accepts without truncation (NAMEDATALEN - 1 bytes); quoted as an identifier where spliced. */
const MAX_ROLE_BYTES = 63;

/** The scope of `$forTenant(tenantId)` (`tenantId` already checked by assertTenantId). */
export function tenantScope(tenantId: string): ContextScope {
  return Object.freeze({
    id: tenantId,
    writer: tenantId,
    label: `tenant ${JSON.stringify(tenantId)}`,
    shown: JSON.stringify(tenantId),
    tenantId,
    settings: NO_SETTINGS,
  });
}

/**
 * Checks a {@link QueryContext} and returns its scope.
 * @throws {InvalidQueryContextError} naming the field that is wrong and what to pass instead.
 */
export function contextScope(context: unknown): ContextScope {
  if (typeof context !== "object" || context === null || Array.isArray(context)) {
    throw new InvalidQueryContextError("context", 'pass an object, e.g. { settings: { "app.tenant_id": id } }.');
  }
  const { settings = {}, role, writer } = context as QueryContext;
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
    throw new InvalidQueryContextError(
      "settings",
      'pass an object of setting names to strings, e.g. { "app.user_id": id }.',
    );
  }
  const entries = Object.entries(settings).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  if (entries.length > MAX_SETTINGS) {
    throw new InvalidQueryContextError(
      "settings",
      `${entries.length} settings is more than the ${MAX_SETTINGS} accepted.`,
    );
  }
  for (const [name, value] of entries) {
    if (!isCustomSettingName(name)) {
      throw new InvalidQueryContextError(
        `settings[${JSON.stringify(name)}]`,
        'a setting name must be a custom setting, "prefix.name" (letters, digits, _; more parts allowed), e.g. ' +
          '"app.user_id" or "request.jwt.claims"; ' +
          "the role goes in `role`.",
      );
    }
    if (typeof value !== "string" || value.length > MAX_VALUE_LENGTH || value.includes("\u0000")) {
      throw new InvalidQueryContextError(
        `settings[${JSON.stringify(name)}]`,
        `its value must be a string of at most ${MAX_VALUE_LENGTH} characters without NUL bytes ` +
          "(convert numbers and objects yourself, e.g. String(id) or JSON.stringify(claims)).",
      );
    }
  }
  if (role !== undefined && !isRoleName(role)) {
    throw new InvalidQueryContextError(
      "role",
      `a role must be a non-empty string of at most ${MAX_ROLE_BYTES} bytes without NUL bytes, ` +
        "one of the adapter's roles.",
    );
  }
  if (writer !== undefined && (typeof writer !== "string" || writer.length === 0 || writer.length > 255)) {
    throw new InvalidQueryContextError(
      "writer",
      "pass a non-empty string of at most 255 characters, e.g. the user's id.",
    );
  }
  if (entries.length === 0 && role === undefined) {
    throw new InvalidQueryContextError("context", "it sets nothing: give at least one setting or a role.");
  }
  const frozen = Object.freeze(entries.map(([name, value]) => Object.freeze([name, value] as const)));
  // A JSON array: unambiguous for any value, and never equal to a tenant id's scope (which is the bare id).
  const id = JSON.stringify(["context", role ?? null, ...entries.flat()]);
  const shown = entries.map(([name, value]) => `${name} ${JSON.stringify(abbreviate(value))}`);
  const braced = `{${[...(role === undefined ? [] : [`role ${JSON.stringify(role)}`]), ...shown].join(", ")}}`;
  return Object.freeze({
    id,
    // The writer as given, so `adapter.writePositionToken(writer)` / `readAfter` name it as the application does. A
    // writer equal to some tenant id only shares that tenant's positions: its reads may go to the primary more often.
    writer: writer ?? id,
    label: `context ${braced}`,
    shown: braced,
    settings: frozen,
    ...(role === undefined ? {} : { role }),
  });
}

/** The scope sent when a query has none: the adapter's tenant setting empty, so tenant policies match no row. */
export const NO_SCOPE: ContextScope = Object.freeze({
  id: "",
  writer: "",
  label: "no tenant",
  shown: "(none)",
  settings: NO_SETTINGS,
});

function isRoleName(role: unknown): role is string {
  return (
    typeof role === "string" &&
    role.length > 0 &&
    !role.includes("\u0000") &&
    Buffer.byteLength(role, "utf8") <= MAX_ROLE_BYTES
  );
}

function abbreviate(value: string): string {
  return value.length <= 40 ? value : `${value.slice(0, 40)}...`;
}
