import { field, fields, kindOf, nameOf, type SqlFields, type SqlNode, type SqlParser, walk } from "./sql-parser.ts";

/** A user-defined function, as the doctor reads it from pg_proc. */
export interface UserFunction {
  oid: number;
  schema: string;
  name: string;
  /** Number of input arguments. */
  argCount: number;
  /** The argument list as `pg_get_function_identity_arguments` prints it (`tenant text`). */
  arguments: string;
  /** `sql`, `plpgsql`, `c`... */
  language: string;
  /** `prosrc`: the body as written (empty for SQL-standard `BEGIN ATOMIC` bodies). */
  source: string;
  /** `pg_get_functiondef`, for PL/pgSQL bodies (the PL/pgSQL parser wants the whole CREATE FUNCTION). */
  definition: string | null;
  securityDefiner: boolean;
  /** `proconfig`: settings the function sets while it runs (`ALTER FUNCTION ... SET name = value`), or null. */
  config?: string[] | null;
  owner: string;
  /** The application role owns it or is a member of its owner: it can replace the function or change its settings. */
  replaceableByApp: boolean;
  /** The application role may EXECUTE it. */
  executable: boolean;
  /** Tenant tables on which its owner bypasses RLS. */
  bypassedTables: number[];
  /** Tables recorded in pg_depend (SQL-standard bodies record them). */
  dependsOn: number[];
}

/** What the doctor knows of a function body. */
export interface BodyFacts {
  /** Parse trees of the SQL the body runs (whole statements or, from PL/pgSQL, expressions). */
  readonly trees: readonly SqlNode[];
  /** It runs SQL built at run time (`EXECUTE`, `FOR ... IN EXECUTE`, `OPEN ... FOR EXECUTE`). */
  readonly dynamic: boolean;
  /** The body could be read: SQL or PL/pgSQL that parsed. */
  readonly readable: boolean;
}

const DYNAMIC_STATEMENTS = new Set(["PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors"]);

/** Reads a function body with PostgreSQL's parser (SQL) or PL/pgSQL parser. Never throws: unreadable is a fact. */
export function readBody(parser: SqlParser, fn: UserFunction): BodyFacts {
  try {
    if (fn.language === "sql") {
      return { trees: fn.source.trim() === "" ? [] : parser.statements(fn.source), dynamic: false, readable: true };
    }
    if (fn.language === "plpgsql" && fn.definition) {
      const trees: SqlNode[] = [];
      let dynamic = false;
      const visit = (value: unknown): void => {
        if (Array.isArray(value)) {
          for (const item of value) visit(item);
          return;
        }
        if (typeof value !== "object" || value === null) return;
        for (const [key, inner] of Object.entries(value)) {
          if (DYNAMIC_STATEMENTS.has(key)) dynamic = true;
          if (key === "PLpgSQL_stmt_open" && field(inner as SqlFields, "dynquery")) dynamic = true;
          if (key === "PLpgSQL_expr") trees.push(...parseEmbedded(parser, inner as SqlFields));
          visit(inner);
        }
      };
      visit(parser.plpgsql(fn.definition));
      return { trees, dynamic, readable: true };
    }
  } catch {
    // A body Postgres accepted but this parser version rejects: judged as unreadable, never as clean.
  }
  return { trees: [], dynamic: false, readable: false };
}

/** A PL/pgSQL expression is either a whole statement (parseMode 0) or an expression; try both. */
function parseEmbedded(parser: SqlParser, expr: SqlFields): SqlNode[] {
  const query = field<string>(expr, "query") ?? "";
  const attempts =
    field<number>(expr, "parseMode") === 0
      ? [() => parser.statements(query), () => [parser.expression(query)]]
      : [() => [parser.expression(query)], () => parser.statements(query)];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // next form
    }
  }
  return [];
}

/** The functions `trees` call, as `FuncCall` name parts and argument counts. */
export function callsIn(trees: readonly unknown[]): Array<{ name: string[]; argCount: number }> {
  const calls: Array<{ name: string[]; argCount: number }> = [];
  for (const node of walk(trees)) {
    const call = fields(node, "FuncCall");
    if (call) calls.push({ name: nameOf(call.funcname), argCount: (field<unknown[]>(call, "args") ?? []).length });
  }
  return calls;
}

/** The relations `trees` name (`FROM`, `JOIN`, DML targets), as schema (or null) and name. */
export function relationsIn(trees: readonly unknown[]): Array<{ schema: string | null; name: string }> {
  const relations: Array<{ schema: string | null; name: string }> = [];
  for (const node of walk(trees)) {
    if (kindOf(node) !== "RangeVar") continue;
    const range = fields(node, "RangeVar")!;
    relations.push({ schema: field<string>(range, "schemaname") ?? null, name: field<string>(range, "relname")! });
  }
  return relations;
}

/**
 * The user function a call names: `auth.uid()` in schema auth, or an unqualified `current_tenant()` in any schema
 * (pg_get_expr qualifies names that are not on the search path, so unqualified means visible), same argument count.
 */
export function resolveCall(
  call: { name: string[]; argCount: number },
  functions: readonly UserFunction[],
): UserFunction | undefined {
  const name = call.name.at(-1);
  const schema = call.name.length > 1 ? call.name.at(-2) : undefined;
  const candidates = functions.filter(
    (fn) => fn.name === name && fn.argCount === call.argCount && (schema === undefined || fn.schema === schema),
  );
  return candidates.find((fn) => fn.schema === "public") ?? candidates[0];
}
