import { qualifiedName } from "./sql-names.ts";
import { callsIn, readBody, relationsIn, resolveCall, type UserFunction } from "./function-body.ts";
import {
  castType,
  field,
  fields,
  isNullConstant,
  nameOf,
  type SqlFields,
  type SqlNode,
  type SqlParser,
  stringConstant,
  walk,
} from "./sql-parser.ts";

/** Types a cast of `''` to which cannot fail, and a cast of a column to which keeps equality exact. */
const TEXT_TYPES = new Set(["text", "varchar", "bpchar", "name", "citext"]);
const EQUALS = new Set(["=", "pg_catalog.="]);
const CURRENT_SETTING = new Set(["current_setting", "pg_catalog.current_setting"]);
/** How deep the prover follows helper functions (`current_tenant()` calling another helper...). */
const MAX_DEPTH = 4;

/** What a proof needs besides the expression. */
export interface ProofContext {
  readonly parser: SqlParser;
  /** The tenant setting, lower-cased (setting names are case-insensitive). */
  readonly setting: string;
  /** The tenant column. */
  readonly column: string;
  /** Every user function (helpers the policy calls are looked up here). */
  readonly functions: readonly UserFunction[];
  /** `schema.name` (unquoted) of every relation the application role can INSERT, UPDATE or DELETE. */
  readonly writable: ReadonlySet<string>;
}

/** Why an expression is not provably the tenant predicate: the finding code, and what the doctor saw. */
export type Unproven = {
  readonly code:
    | "PERMISSIVE_POLICY_ALLOWS_ANY_TENANT"
    | "POLICY_READS_OTHER_SETTING"
    | "POLICY_CALLS_REPLACEABLE_FUNCTION"
    | "POLICY_READS_WRITABLE_TABLE"
    | "POLICY_CASTS_UNGUARDED_SETTING"
    | "POLICY_SETTING_NOT_GUARDED"
    | "POLICY_NOT_PROVEN";
  /** A sentence fragment: what makes it unproven ("an OR branch ...", "casts the setting to uuid ..."). */
  readonly why: string;
  /** The settings the expression reads (through helpers too), lower-cased. */
  readonly settings: readonly string[];
  /** For POLICY_CALLS_REPLACEABLE_FUNCTION: the functions, as `schema.name(arguments)`. */
  readonly functions?: readonly string[];
};

/**
 * Proves `expression` (as pg_get_expr prints it) is the tenant predicate: an AND whose one conjunct is
 * `tenant column = guarded setting`, where the guarded setting is `NULLIF(current_setting('<setting>'[, ...]), '')`,
 * possibly cast, wrapped in `(SELECT ...)`, in a CASE whose other results are NULL, a `->>` field of its JSON, or
 * returned by a SQL helper function the application role cannot replace. Anything else is {@link Unproven}.
 */
export function proveTenantPredicate(expression: string, context: ProofContext): Unproven | undefined {
  let tree: SqlNode;
  try {
    tree = context.parser.expression(expression);
  } catch {
    return { code: "POLICY_NOT_PROVEN", why: "the doctor's SQL parser could not read it", settings: [] };
  }
  if (isTenantPredicate(tree, context, 0)) return undefined;
  return classify(tree, context);
}

/**
 * `lenient` also takes the bare setting as guarded: the expression has the right shape and only lacks NULLIF, which
 * tells an unguarded policy from one that is wrong in its structure.
 */
function isTenantPredicate(node: unknown, context: ProofContext, depth: number, lenient = false): boolean {
  const bool = fields(node, "BoolExpr");
  if (bool) {
    return (
      bool.boolop === "AND_EXPR" &&
      (field<unknown[]>(bool, "args") ?? []).some((arg) => isTenantPredicate(arg, context, depth, lenient))
    );
  }
  const op = fields(node, "A_Expr");
  if (op?.kind !== "AEXPR_OP" || !EQUALS.has(nameOf(op.name).join("."))) return false;
  return (
    (isTenantColumn(op.lexpr, context) && isGuardedSetting(op.rexpr, context, depth, lenient)) ||
    (isTenantColumn(op.rexpr, context) && isGuardedSetting(op.lexpr, context, depth, lenient))
  );
}

function isTenantColumn(node: unknown, context: ProofContext): boolean {
  const cast = fields(node, "TypeCast");
  if (cast) return TEXT_TYPES.has(castType(cast)) && isTenantColumn(cast.arg, context);
  const column = fields(node, "ColumnRef");
  return column !== undefined && nameOf(column.fields).at(-1) === context.column;
}

function isSettingRead(node: unknown, context: ProofContext): boolean {
  const call = fields(node, "FuncCall");
  if (!call || !CURRENT_SETTING.has(nameOf(call.funcname).join("."))) return false;
  const args = field<unknown[]>(call, "args") ?? [];
  return args.length >= 1 && stringConstant(args[0])?.toLowerCase() === context.setting;
}

/** An expression that is the tenant setting, or NULL when the setting is '' or unset; never any other value. */
function isGuardedSetting(node: unknown, context: ProofContext, depth: number, lenient = false): boolean {
  if (lenient && isSettingRead(node, context)) return true;
  const nullif = fields(node, "A_Expr");
  if (nullif?.kind === "AEXPR_NULLIF") {
    return isSettingRead(nullif.lexpr, context) && stringConstant(nullif.rexpr) === "";
  }
  if (nullif?.kind === "AEXPR_OP" && nameOf(nullif.name).join(".") === "->>") {
    // A JSON field of the guarded setting (request.jwt.claims ->> 'sub'): NULL when the setting is NULL.
    return stringConstant(nullif.rexpr) !== undefined && isGuardedSetting(nullif.lexpr, context, depth, lenient);
  }
  const cast = fields(node, "TypeCast");
  // NULL casts to NULL; a malformed value fails the cast, it never matches another tenant.
  if (cast) return isGuardedSetting(cast.arg, context, depth, lenient);
  const when = fields(node, "CaseExpr");
  if (when) {
    const results = (field<unknown[]>(when, "args") ?? []).map((arm) => field(fields(arm, "CaseWhen"), "result"));
    results.push(when.defresult);
    return results.every(
      (result) => result === undefined || isNullConstant(result) || isGuardedSetting(result, context, depth, lenient),
    );
  }
  const sublink = fields(node, "SubLink");
  if (sublink?.subLinkType === "EXPR_SUBLINK")
    return isGuardedSetting(selectedExpression(sublink.subselect), context, depth, lenient);
  const call = fields(node, "FuncCall");
  if (call && depth < MAX_DEPTH) {
    const fn = resolveCall(
      { name: nameOf(call.funcname), argCount: (field<unknown[]>(call, "args") ?? []).length },
      context.functions,
    );
    if (!fn || fn.replaceableByApp || fn.language !== "sql" || fn.argCount > 0) return false;
    // ALTER FUNCTION ... SET app.tenant_id = 'x' makes the body read 'x', whatever the query set.
    if (fn.config?.some((entry) => entry.toLowerCase().startsWith(`${context.setting}=`))) return false;
    const [statement, ...rest] = readBody(context.parser, fn).trees;
    return rest.length === 0 && isGuardedSetting(selectedExpression(statement), context, depth + 1, lenient);
  }
  return false;
}

/** `x` of a `SELECT x` with no FROM, WHERE or anything else; undefined otherwise. */
function selectedExpression(statement: unknown): unknown {
  const select = fields(statement, "SelectStmt");
  if (!select) return undefined;
  const others = Object.keys(select).filter((key) => !["targetList", "limitOption", "op"].includes(key));
  const targets = field<unknown[]>(select, "targetList") ?? [];
  if (others.length > 0 || targets.length !== 1) return undefined;
  return field(fields(targets[0], "ResTarget"), "val");
}

/** Everything the expression runs: its own tree and, transitively, the bodies of the user functions it calls. */
function reach(tree: SqlNode, context: ProofContext): { trees: unknown[]; functions: UserFunction[] } {
  const trees: unknown[] = [tree];
  const functions: UserFunction[] = [];
  for (let i = 0; i < trees.length; i++) {
    for (const call of callsIn([trees[i]])) {
      const fn = resolveCall(call, context.functions);
      if (!fn || functions.includes(fn)) continue;
      functions.push(fn);
      trees.push(...readBody(context.parser, fn).trees);
    }
  }
  return { trees, functions };
}

function classify(tree: SqlNode, context: ProofContext): Unproven {
  const { trees, functions } = reach(tree, context);
  const settings = [
    ...new Set(
      [...walk(trees)]
        .map((node) => fields(node, "FuncCall"))
        .filter((call) => call && CURRENT_SETTING.has(nameOf(call.funcname).join(".")))
        .map((call) => stringConstant(field<unknown[]>(call!, "args")?.[0])?.toLowerCase())
        .filter((name): name is string => name !== undefined),
    ),
  ].sort();
  const result = (code: Unproven["code"], why: string): Unproven => ({ code, why, settings });
  if (!settings.includes(context.setting)) {
    if (settings.length > 0) {
      return result("POLICY_READS_OTHER_SETTING", `it reads ${settings.map((s) => `'${s}'`).join(", ")} only`);
    }
    return result("PERMISSIVE_POLICY_ALLOWS_ANY_TENANT", "it does not read the tenant setting at all");
  }
  const replaceable = functions.filter((fn) => fn.replaceableByApp);
  if (replaceable.length > 0) {
    const names = replaceable.map((fn) => `${fn.schema}.${fn.name}() (owner ${fn.owner})`).join(", ");
    return {
      ...result("POLICY_CALLS_REPLACEABLE_FUNCTION", `it calls ${names}, which the application role can replace`),
      functions: replaceable.map((fn) => `${qualifiedName(fn.schema, fn.name)}(${fn.arguments})`),
    };
  }
  const writable = relationsIn(trees).filter((r) =>
    [...context.writable].some((w) => w === `${r.schema ?? w.split(".")[0]}.${r.name}`),
  );
  if (writable.length > 0) {
    const names = [...new Set(writable.map((r) => (r.schema ? `${r.schema}.${r.name}` : r.name)))].join(", ");
    return result("POLICY_READS_WRITABLE_TABLE", `it reads ${names}, which the application role can write`);
  }
  if (isTenantPredicate(tree, context, 0, true)) {
    // The right shape, only the guard is missing: a cast of '' fails, a bare comparison makes '' a tenant.
    const casts = [...walk(trees)]
      .map((node) => fields(node, "TypeCast"))
      .filter((cast): cast is SqlFields => cast !== undefined && isSettingRead(cast.arg, context))
      .map(castType)
      .filter((type) => !TEXT_TYPES.has(type));
    if (casts.length > 0) {
      return result(
        "POLICY_CASTS_UNGUARDED_SETTING",
        `it casts the setting to ${[...new Set(casts)].join(", ")} without NULLIF: a query without a tenant fails`,
      );
    }
    return result(
      "POLICY_SETTING_NOT_GUARDED",
      "it compares the tenant column with the setting without NULLIF, so '' is a tenant shared by every query " +
        "without one",
    );
  }
  return result("POLICY_NOT_PROVEN", hint(tree, context));
}

/** What most likely keeps an expression from being the tenant predicate, for the reader of the finding. */
function hint(tree: SqlNode, context: ProofContext): string {
  const nodes = [...walk(tree)];
  if (nodes.some((node) => fields(node, "BoolExpr")?.boolop === "OR_EXPR")) {
    return "an OR branch lets rows through without the tenant comparison";
  }
  const like = nodes
    .map((node) => fields(node, "A_Expr"))
    .find((op) => op && /^(~~|~~\*|~|~\*)$/.test(nameOf(op.name).join(".")));
  if (like) {
    const how = nameOf(like.name).join(".") === "~~" ? "LIKE" : "a pattern";
    return `it matches with ${how}, not =, so one tenant id matches others`;
  }
  if (!nodes.some((node) => isTenantColumn(node, context))) {
    return `it never compares the tenant column "${context.column}" with the setting`;
  }
  return "it is not the tenant column compared for equality with the guarded setting";
}
