/**
 * Reading policy expressions as `pg_get_expr` prints them (and the source of functions they call). Text analysis, so
 * it looks for the patterns the doctor reports, not for every way SQL can be written; the live probe backs it up.
 */

/** `current_setting('name' ...` in deparsed expressions (`'name'::text`) and in function sources. */
const SETTING_READ = /current_setting\s*\(\s*\(?\s*'((?:[^']|'')+)'/gi;

/** A cast applied to the bare `current_setting(...)` result, deparsed as `(current_setting(...))::type`. */
const DEPARSED_CAST = /\(current_setting\((?:[^()]|\([^()]*\))*\)\)::("[^"]+"|[a-z_][\w.]*(?: [a-z_]\w*)*)/gi;

/** The same in hand-written function bodies: `current_setting(...)::uuid` or `CAST(current_setting(...) AS uuid)`. */
const SOURCE_CASTS = [
  /current_setting\s*\((?:[^()]|\([^()]*\))*\)\s*::\s*("[^"]+"|[a-z_][\w.]*)/gi,
  /cast\s*\(\s*current_setting\s*\((?:[^()]|\([^()]*\))*\)\s+as\s+("[^"]+"|[a-z_][\w.]*)/gi,
];

/** Types a cast of `''` to which cannot fail. */
const TEXT_TYPES = new Set(["text", "varchar", "character varying", "name", "citext", "bpchar", "character", "char"]);

/** The settings `text` reads with current_setting, lower-cased (setting names are case-insensitive). */
export function settingsRead(text: string): Set<string> {
  return new Set([...text.matchAll(SETTING_READ)].map((match) => match[1]!.replaceAll("''", "'").toLowerCase()));
}

/**
 * The types the setting is cast to without a guard, e.g. `["uuid"]` for
 * `(current_setting('app.tenant_id', true))::uuid`.
 * `(NULLIF(current_setting(...), ''))::uuid` casts NULLIF's result, not the setting, so it is not listed.
 */
export function unguardedSettingCasts(expression: string, functionSources: string): string[] {
  const types = [
    ...[...expression.matchAll(DEPARSED_CAST)].map((match) => match[1]!),
    ...SOURCE_CASTS.flatMap((pattern) => [...functionSources.matchAll(pattern)].map((match) => match[1]!)),
  ].map((type) =>
    type
      .replaceAll('"', "")
      .toLowerCase()
      .replace(/^pg_catalog\./, ""),
  );
  return [...new Set(types.filter((type) => !TEXT_TYPES.has(type)))];
}
