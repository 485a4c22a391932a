import type { DoctorFinding } from "./doctor-finding.ts";
import type { TablePolicy, TenantTable } from "./read-catalog.ts";
import { field, fields, kindOf, nameOf, type SqlNode, type SqlParser, walk } from "./sql-parser.ts";
import { quoteIdentifier } from "./sql-names.ts";

/** Calls to functions of schema `auth` (Supabase's `auth.uid()`, `auth.jwt()`...) not inside a sub-select. */
function perRowAuthCalls(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) perRowAuthCalls(item, found);
    return found;
  }
  const kind = kindOf(node);
  if (!kind || kind === "SubLink") return found; // (select auth.uid()) is an initPlan: evaluated once per statement
  const call = fields(node, "FuncCall");
  if (call && nameOf(call.funcname)[0] === "auth") found.push(`${nameOf(call.funcname).join(".")}()`);
  for (const value of Object.values((node as SqlNode)[kind] as object)) perRowAuthCalls(value, found);
  return found;
}

/** Whether the expression calls a function of schema `auth` anywhere. */
function callsAuth(tree: SqlNode): boolean {
  return [...walk(tree)].some((node) => nameOf(fields(node, "FuncCall")?.funcname)[0] === "auth");
}

/** Columns of the table compared for equality (`=`, `IN (...)`) with something that is not a column. */
function comparedColumns(tree: SqlNode): string[] {
  const columns: string[] = [];
  const columnOf = (node: unknown) => {
    const ref = fields(node, "ColumnRef");
    const name = ref ? nameOf(ref.fields) : [];
    return name.length === 1 ? name[0] : undefined;
  };
  for (const node of walk(tree)) {
    const op = fields(node, "A_Expr");
    if (op && (op.kind === "AEXPR_OP" || op.kind === "AEXPR_IN") && nameOf(op.name).join(".") === "=") {
      const [left, right] = [columnOf(op.lexpr), columnOf(op.rexpr)];
      if (left && !right) columns.push(left);
      if (right && !left) columns.push(right);
    }
    const sublink = fields(node, "SubLink");
    if (sublink?.subLinkType === "ANY_SUBLINK") {
      const column = columnOf(field(sublink, "testexpr"));
      if (column) columns.push(column);
    }
  }
  return columns;
}

/**
 * Supabase's traps, and one that applies everywhere: a policy calling `auth.*()` per row instead of
 * `(select auth.uid())`; a policy `TO public` that reads the JWT (meant for `authenticated`, it also serves `anon` and
 * every other role); a column a policy compares that leads no index (every query reads the whole table).
 */
export function supabaseFindings(
  table: TenantTable,
  tableName: string,
  policies: readonly TablePolicy[],
  parser: SqlParser,
  supabaseRoles: boolean,
): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  const unindexed = new Map<string, string[]>();
  for (const policy of policies) {
    const name = `${quoteIdentifier(policy.name)} on ${tableName}`;
    const trees: SqlNode[] = [];
    for (const expression of [policy.using, policy.withCheck]) {
      if (expression === null) continue;
      try {
        trees.push(parser.expression(expression));
      } catch {
        // Unreadable expressions are reported by the policy proof.
      }
    }
    const perRow = [...new Set(trees.flatMap((tree) => perRowAuthCalls(tree)))];
    if (perRow.length > 0) {
      findings.push({
        code: "POLICY_CALLS_AUTH_PER_ROW",
        object: { kind: "policy", name },
        problem:
          `Policy ${name} calls ${perRow.join(", ")} for every row it checks: Postgres cannot run it once per ` +
          `statement, so a query over many rows re-reads and re-parses the JWT claims for each.`,
        fix: `Wrap each call in a sub-select: ${perRow.map((call) => `(select ${call})`).join(", ")}.`,
      });
    }
    if (supabaseRoles && policy.roles?.includes("public") && trees.some(callsAuth)) {
      findings.push({
        code: "POLICY_FOR_PUBLIC_READS_JWT",
        object: { kind: "policy", name },
        problem:
          `Policy ${name} reads the JWT (auth.*) but applies TO public: besides authenticated, it also serves anon ` +
          `and every other role, including login roles that connect without claims.`,
        fix: `ALTER POLICY ${quoteIdentifier(policy.name)} ON ${tableName} TO authenticated;`,
      });
    }
    for (const column of new Set(trees.flatMap(comparedColumns))) {
      if (table.indexedColumns?.includes(column)) continue;
      unindexed.set(column, [...(unindexed.get(column) ?? []), quoteIdentifier(policy.name)]);
    }
  }
  for (const [column, names] of unindexed) {
    findings.push({
      code: "POLICY_COLUMN_NOT_INDEXED",
      object: { kind: "table", name: tableName },
      problem:
        `Policy ${names.join(", ")} on ${tableName} compares ${quoteIdentifier(column)}, which leads no index: every ` +
        `query on ${tableName} reads the whole table to find one tenant's rows.`,
      fix: `CREATE INDEX ON ${tableName} (${quoteIdentifier(column)});`,
    });
  }
  return findings;
}
