import { DoctorParserMissingError } from "../errors/doctor-parser-missing-error.ts";

/**
 * A node of PostgreSQL's raw parse tree as libpg-query returns it: one key naming the node type (`A_Expr`,
 * `FuncCall`, `ColumnRef`, ...) whose value holds the fields.
 */
export type SqlNode = Readonly<Record<string, SqlFields>>;
export type SqlFields = Readonly<Record<string, unknown>>;

/** The parser entry points the doctor uses. */
export interface SqlParser {
  /** The parse tree of one expression as `pg_get_expr` prints it. Throws on text Postgres itself would reject. */
  expression(text: string): SqlNode;
  /** The statements of a `LANGUAGE sql` body. */
  statements(text: string): SqlNode[];
  /** The PL/pgSQL tree of a whole `CREATE FUNCTION` statement (`pg_get_functiondef`). */
  plpgsql(definition: string): unknown;
}

interface LibPgQuery {
  loadModule(): Promise<void>;
  parseSync(query: string): { stmts?: Array<{ stmt: SqlNode }> };
  parsePlPgSQLSync(query: string): unknown;
}

let loaded: Promise<SqlParser> | undefined;

/**
 * Loads libpg-query (PostgreSQL's parser, WebAssembly, no install script) once per process. It is an optional peer
 * dependency, so apps that never run the doctor do not install it.
 * @throws {DoctorParserMissingError} when libpg-query is not installed.
 */
export function loadSqlParser(): Promise<SqlParser> {
  loaded ??= (async () => {
    let library: LibPgQuery;
    try {
      library = (await import("libpg-query")) as unknown as LibPgQuery;
    } catch (error) {
      loaded = undefined;
      throw new DoctorParserMissingError({ cause: error });
    }
    await library.loadModule();
    return {
      expression: (text) => {
        const select = library.parseSync(`SELECT ${text}`).stmts?.[0]?.stmt;
        const target = field<SqlNode[]>(fields(select, "SelectStmt"), "targetList")?.[0];
        const value = field<SqlNode>(fields(target, "ResTarget"), "val");
        if (!value) throw new Error(`not one expression: ${text}`);
        return value;
      },
      statements: (text) => (library.parseSync(text).stmts ?? []).map((entry) => entry.stmt),
      plpgsql: (definition) => library.parsePlPgSQLSync(definition),
    };
  })();
  return loaded;
}

/** The node type of `node` (`"A_Expr"`, `"FuncCall"`...), or undefined for anything that is not a node. */
export function kindOf(node: unknown): string | undefined {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  return keys.length === 1 ? keys[0] : undefined;
}

/** The fields of `node` when it is of type `kind`. */
export function fields(node: unknown, kind: string): SqlFields | undefined {
  return kindOf(node) === kind ? ((node as SqlNode)[kind] as SqlFields) : undefined;
}

/** One field of a node's fields, typed by the caller. */
export function field<T>(of: SqlFields | undefined, name: string): T | undefined {
  return of?.[name] as T | undefined;
}

/** Every node (of any depth, in any field or list) below `root`, root included, in document order. */
export function* walk(root: unknown): Generator<SqlNode> {
  if (Array.isArray(root)) {
    for (const item of root) yield* walk(item);
    return;
  }
  if (typeof root !== "object" || root === null) return;
  const kind = kindOf(root);
  if (kind && typeof (root as SqlNode)[kind] === "object") {
    yield root as SqlNode;
    for (const value of Object.values((root as SqlNode)[kind] as object)) yield* walk(value);
    return;
  }
  for (const value of Object.values(root)) yield* walk(value);
}

/** The dotted name of a `FuncCall`, `A_Expr` operator or `ColumnRef`: `["auth", "uid"]`, `["="]`, `["tenantId"]`. */
export function nameOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((part) => field<string>(fields(part, "String"), "sval") ?? "*");
}

/** The string of an `A_Const` (through any `TypeCast`), or undefined when the node is not a string constant. */
export function stringConstant(node: unknown): string | undefined {
  const cast = fields(node, "TypeCast");
  if (cast) return stringConstant(cast.arg);
  const constant = fields(node, "A_Const");
  return field<string>(field<SqlFields>(constant, "sval"), "sval");
}

/** Whether the node is the NULL constant (through any `TypeCast`). */
export function isNullConstant(node: unknown): boolean {
  const cast = fields(node, "TypeCast");
  if (cast) return isNullConstant(cast.arg);
  return field<boolean>(fields(node, "A_Const"), "isnull") === true;
}

/** The type name of a `TypeCast` without `pg_catalog.`: `uuid`, `text`, `int4`... */
export function castType(cast: SqlFields): string {
  const names = nameOf(field<SqlFields>(fields(cast.typeName, "TypeName") ?? (cast.typeName as SqlFields), "names"));
  return names.filter((part) => part !== "pg_catalog").join(".");
}
