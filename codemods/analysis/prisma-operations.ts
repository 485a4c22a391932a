/** Prisma model operations that only read. @example READ_OPERATIONS.has("findMany") // true */
export const READ_OPERATIONS: ReadonlySet<string> = new Set([
  "findMany",
  "findFirst",
  "findFirstOrThrow",
  "findUnique",
  "findUniqueOrThrow",
  "count",
  "aggregate",
  "groupBy",
]);

/** Prisma model operations that write. @example WRITE_OPERATIONS.has("upsert") // true */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  "create",
  "createMany",
  "createManyAndReturn",
  "update",
  "updateMany",
  "updateManyAndReturn",
  "upsert",
  "delete",
  "deleteMany",
]);

/** Array methods that call their callback before returning, so a db use inside the callback happens in place. */
export const SYNCHRONOUS_CALLBACK_METHODS: ReadonlySet<string> = new Set([
  "map",
  "forEach",
  "flatMap",
  "filter",
  "some",
  "every",
  "find",
  "findIndex",
  "reduce",
]);

/**
 * Whether raw SQL text provably only reads: it starts with SELECT/WITH/VALUES/SHOW/EXPLAIN and names no writing or
 * locking keyword (INSERT, UPDATE, DELETE, MERGE, FOR UPDATE, ...). Anything else counts as a write, which is the safe
 * side (a write stays in a transaction, as in V1).
 *
 * @example isReadOnlySql('SELECT * FROM "Order"') // true
 * @example isReadOnlySql('SELECT * FROM "Order" FOR UPDATE') // false
 */
export function isReadOnlySql(sql: string): boolean {
  const text = sql
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/'(?:[^']|'')*'/g, "''");
  if (!/^\s*(select|with|values|show|explain)\b/i.test(text)) return false;
  return !new RegExp(
    "\\b(insert|update|delete|merge|truncate|alter|create|drop|grant|revoke|call|copy|lock|" +
      "nextval|setval|set_config|pg_advisory\\w*)\\b",
    "i",
  ).test(text);
}
