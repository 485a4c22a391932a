import type { DoctorFinding } from "./doctor-finding.ts";
import { type BodyFacts, readBody, relationsIn, resolveCall, callsIn, type UserFunction } from "./function-body.ts";
import type { TenantTable } from "./read-catalog.ts";
import type { SqlParser } from "./sql-parser.ts";
import { qualifiedName, quoteIdentifier } from "./sql-names.ts";

/** What a definer function runs, followed through the SECURITY INVOKER helpers it calls (they run as its owner). */
interface Reach {
  /** Tenant table oid → the chain of functions through which it is read. */
  tables: Map<number, UserFunction[]>;
  /** Functions on the way that run dynamic SQL or whose body the doctor cannot read. */
  opaque: Array<{ fn: UserFunction; path: UserFunction[]; dynamic: boolean }>;
}

/**
 * SECURITY DEFINER functions the application role can execute whose owner bypasses RLS on a tenant table, and that
 * reach such a table: in their own body, through helpers they call (followed transitively), or possibly, through
 * dynamic SQL or a body in a language the doctor cannot read.
 */
export function functionFindings(
  functions: readonly UserFunction[],
  tables: readonly TenantTable[],
  schemas: readonly string[] | undefined,
  parser: SqlParser,
  app: string,
): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  const bodies = new Map<UserFunction, BodyFacts>();
  const body = (fn: UserFunction) => {
    if (!bodies.has(fn)) bodies.set(fn, readBody(parser, fn));
    return bodies.get(fn)!;
  };
  const byOid = new Map(tables.map((table) => [table.oid, table]));
  const tableName = (oid: number) => qualifiedName(byOid.get(oid)!.schema, byOid.get(oid)!.name);

  for (const fn of functions) {
    if (!fn.securityDefiner || !fn.executable || fn.bypassedTables.length === 0) continue;
    if (schemas && !schemas.includes(fn.schema)) continue;
    const reach = follow(fn, functions, tables, body);
    const name = `${qualifiedName(fn.schema, fn.name)}(${fn.arguments})`;
    const owner = quoteIdentifier(fn.owner);
    const fix =
      `ALTER FUNCTION ${name} SECURITY INVOKER; or REVOKE EXECUTE ON FUNCTION ${name} FROM PUBLIC, ${app}; or ` +
      `make a role that is held to RLS (FORCEd, no BYPASSRLS) own it.`;
    const read = fn.bypassedTables.filter((oid) => reach.tables.has(oid));
    if (read.length > 0) {
      const through = read
        .map((oid) => {
          const path = reach.tables.get(oid)!.slice(1);
          const via = path.map((step) => `${qualifiedName(step.schema, step.name)}()`).join(" → ");
          return path.length > 0 ? `${tableName(oid)} (through the helper ${via})` : tableName(oid);
        })
        .join(", ");
      findings.push({
        code: "SECURITY_DEFINER_READS_TENANT_TABLE",
        object: { kind: "function", name },
        problem:
          `The SECURITY DEFINER function ${name}, executable by ${app}, reads ${through} as its owner ${owner}, ` +
          `who bypasses RLS there.`,
        fix,
      });
    } else if (reach.opaque.length > 0) {
      const what = reach.opaque
        .map(({ fn: step, dynamic }) =>
          dynamic
            ? `${qualifiedName(step.schema, step.name)}() runs dynamic SQL (EXECUTE)`
            : `${qualifiedName(step.schema, step.name)}() is written in ${step.language}, which the doctor cannot read`,
        )
        .join("; ");
      findings.push({
        code: "SECURITY_DEFINER_RUNS_DYNAMIC_SQL",
        object: { kind: "function", name },
        problem:
          `The SECURITY DEFINER function ${name}, executable by ${app}, runs as ${owner}, who bypasses RLS on ` +
          `${fn.bypassedTables.map(tableName).join(", ")}, and ${what}: the doctor cannot prove it reads none of them.`,
        fix,
      });
    }
  }
  return findings;
}

function follow(
  start: UserFunction,
  functions: readonly UserFunction[],
  tables: readonly TenantTable[],
  body: (fn: UserFunction) => BodyFacts,
): Reach {
  const reach: Reach = { tables: new Map(), opaque: [] };
  const queue: UserFunction[][] = [[start]];
  const seen = new Set<UserFunction>([start]);
  while (queue.length > 0) {
    const path = queue.shift()!;
    const fn = path.at(-1)!;
    const facts = body(fn);
    const named = relationsIn(facts.trees).flatMap((relation) =>
      tables.filter((t) => t.name === relation.name && (relation.schema === null || relation.schema === t.schema)),
    );
    for (const oid of [...named.map((t) => t.oid), ...fn.dependsOn]) {
      if (!reach.tables.has(oid)) reach.tables.set(oid, path);
    }
    if (facts.dynamic || (!facts.readable && fn.dependsOn.length === 0)) {
      reach.opaque.push({ fn, path, dynamic: facts.dynamic });
    }
    for (const call of callsIn(facts.trees)) {
      const callee = resolveCall(call, functions);
      // A SECURITY DEFINER callee runs as its own owner: it is judged on its own, not as part of this one.
      if (!callee || callee.securityDefiner || seen.has(callee)) continue;
      seen.add(callee);
      queue.push([...path, callee]);
    }
  }
  return reach;
}
