import type { DoctorFinding } from "./doctor-finding.ts";
import { type ProofContext, proveTenantPredicate, type Unproven } from "./policy-proof.ts";
import type { TablePolicy, TenantTable } from "./read-catalog.ts";
import { quoteIdentifier } from "./sql-names.ts";

type Command = "r" | "a" | "w" | "d";
type Side = "USING" | "WITH CHECK";

const COMMAND_NAMES = { r: "SELECT", a: "INSERT", w: "UPDATE", d: "DELETE", "*": "ALL" } as const;
/** Which expressions Postgres checks for each command: USING filters rows read, WITH CHECK the rows written. */
const SIDES: Record<Command, readonly Side[]> = {
  r: ["USING"],
  d: ["USING"],
  w: ["USING", "WITH CHECK"],
  a: ["WITH CHECK"],
};

/** Where a policy failed its proof: the commands and sides, and why. */
interface Failure {
  policy: TablePolicy;
  verdict: Unproven;
  expressions: Map<Side, string>;
  commands: Set<Command>;
}

/**
 * The allow-list: for every command the application role may run on `table`, the policies that apply to it must be
 * provably the tenant predicate: one RESTRICTIVE policy that is, or else every PERMISSIVE one (they are OR-ed). Each
 * policy that keeps a command from being proven is a finding showing its expression.
 */
export function policyFindings(
  table: TenantTable,
  tableName: string,
  policies: readonly TablePolicy[],
  context: ProofContext,
): DoctorFinding[] {
  const verdicts = new Map<string, Unproven | undefined>();
  const prove = (expression: string) => {
    if (!verdicts.has(expression)) verdicts.set(expression, proveTenantPredicate(expression, context));
    return verdicts.get(expression);
  };
  const failures = new Map<TablePolicy, Failure>();
  const fail = (policy: TablePolicy, command: Command, side: Side, expression: string, verdict: Unproven) => {
    const failure = failures.get(policy) ?? { policy, verdict, expressions: new Map(), commands: new Set() };
    failure.commands.add(command);
    failure.expressions.set(side, expression);
    failures.set(policy, failure);
  };
  const allowed: Record<Command, boolean | undefined> = {
    r: table.canSelect,
    a: table.canInsert ?? table.usable,
    w: table.canUpdate ?? table.usable,
    d: table.canDelete ?? table.usable,
  };

  for (const command of ["r", "a", "w", "d"] as const) {
    if (!allowed[command]) continue;
    const applicable = policies.filter((p) => p.appliesToApp && (p.command === "*" || p.command === command));
    for (const side of SIDES[command]) {
      const withExpression = applicable
        .map((policy) => ({ policy, expression: side === "USING" ? policy.using : (policy.withCheck ?? policy.using) }))
        .filter((entry): entry is { policy: TablePolicy; expression: string } => entry.expression !== null);
      const permissive = withExpression.filter((entry) => entry.policy.permissive);
      const restrictive = withExpression.filter((entry) => !entry.policy.permissive);
      if (permissive.length === 0) continue; // no permissive policy: Postgres lets no row through
      if (restrictive.some((entry) => prove(entry.expression) === undefined)) continue;
      if (permissive.every((entry) => prove(entry.expression) === undefined)) continue;
      for (const entry of permissive) {
        const verdict = prove(entry.expression);
        if (verdict) fail(entry.policy, command, side, entry.expression, verdict);
      }
      // A restrictive policy that reads a setting was meant to hold the command, and does not.
      for (const entry of restrictive) {
        const verdict = prove(entry.expression);
        if (verdict && verdict.settings.length > 0) fail(entry.policy, command, side, entry.expression, verdict);
      }
    }
  }
  // The setting this table's policies read most (a proven policy reads the tenant setting), so that fixes name what
  // the policies really read, not the doctor's default.
  const counts = new Map<string, number>();
  for (const verdict of verdicts.values()) {
    for (const read of verdict?.settings ?? [context.setting]) counts.set(read, (counts.get(read) ?? 0) + 1);
  }
  const tableSetting = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? context.setting;
  return [...failures.values()].map((failure) => describe(failure, tableName, context, tableSetting));
}

function describe(failure: Failure, tableName: string, context: ProofContext, tableSetting: string): DoctorFinding {
  const { policy, verdict } = failure;
  const name = `${quoteIdentifier(policy.name)} on ${tableName}`;
  const commands = [...failure.commands].map((c) => COMMAND_NAMES[c]).join(", ");
  // pg_get_expr prints sub-selects on several lines; one line reads better in a finding.
  const shown = [...failure.expressions]
    .map(([side, expression]) => `${side} (${expression.replace(/\s+/g, " ")})`)
    .join(" and ");
  const kind = policy.permissive ? "permissive" : "restrictive";
  const what = failure.expressions.has("USING") ? "reach the rows this lets through" : "write rows as other tenants";
  const effect = policy.permissive
    ? `Permissive policies are OR-ed, so any tenant's queries can ${what}`
    : "It is AND-ed with the permissive policies but does not confine them to one tenant";
  // The setting this policy itself reads, else the one its table's policies read.
  const read = verdict.settings.length === 1 ? verdict.settings[0]! : tableSetting;
  const guarded = `${quoteIdentifier(context.column)} = NULLIF(current_setting('${read}', true), '')`;
  const review =
    `If it is meant to let one tenant's queries reach other tenants' rows, document why; otherwise replace it: ` +
    `generateRlsSql({ tables: [...], replacePolicies: true }) (docs/rls-migrations.md), whose policy is ` +
    `USING (${guarded}) WITH CHECK (${guarded}).`;
  const fixes: Record<Unproven["code"], string> = {
    PERMISSIVE_POLICY_ALLOWS_ANY_TENANT:
      `DROP POLICY ${quoteIdentifier(policy.name)} ON ${tableName}; or make it compare the tenant column: ` +
      `${guarded}; or add a RESTRICTIVE policy USING (${guarded}).`,
    POLICY_READS_OTHER_SETTING:
      `If the application sets ${verdict.settings.map((s) => `'${s}'`).join(" or ")}, pass it to ` +
      `createTenantAdapter({ setting }) and to the doctor (--setting); otherwise recreate the policy on ` +
      `current_setting('${context.setting}', true) (generateRlsSql).`,
    POLICY_CALLS_REPLACEABLE_FUNCTION:
      `${(verdict.functions ?? []).map((fn) => `ALTER FUNCTION ${fn} OWNER TO <migration role>;`).join(" ")} ` +
      "(a role the application role is not a member of), then review its body: a policy may only call functions " +
      "the application cannot replace.",
    POLICY_READS_WRITABLE_TABLE:
      "REVOKE INSERT, UPDATE, DELETE on the table it reads FROM the application role, or give that table its own " +
      `tenant policy; then compare the tenant column directly: ${guarded}.`,
    POLICY_CASTS_UNGUARDED_SETTING:
      `Cast NULLIF(current_setting('${read}', true), '') instead, or use generateRlsSql with columnType: ` +
      `"uuid", which also turns a malformed id into no rows.`,
    POLICY_SETTING_NOT_GUARDED: `Guard the setting: ${guarded}.`,
    POLICY_NOT_PROVEN: review,
  };
  return {
    code: verdict.code,
    object: { kind: "policy", name },
    problem:
      `Policy ${name} (${kind}, FOR ${COMMAND_NAMES[policy.command]}) is not provably the tenant predicate for ` +
      `${commands}: ${verdict.why}. ${shown}. ${effect}.`,
    fix: fixes[verdict.code],
  };
}
