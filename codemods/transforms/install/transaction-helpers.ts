import {
  Node,
  SyntaxKind,
  type CallExpression,
  type ExpressionStatement,
  type SourceFile,
  type Statement,
} from "ts-morph";
import { locate } from "../../analysis/db-usage-classifier.ts";
import { placeholderValues, rawSqlCall, rawSqlCallsIn, setConfigCalls } from "../../analysis/raw-sql.ts";
import { removeStatement } from "../../edits/remove-statement.ts";
import { lineIndent, type TextEdit } from "../../edits/text-edit.ts";
import type { CodemodProject } from "../../project/codemod-project.ts";
import { manualReview, type ManualReviewItem } from "../../runner/codemod-types.ts";

/** What rewriting a file's transaction helpers needs. */
export interface TransactionHelperInput {
  readonly project: CodemodProject;
  readonly file: SourceFile;
  /** Local names of the shared client in the file (none: the kit's client is not installed this run). */
  readonly clients: ReadonlySet<string>;
  /** The setting the adapter sets. */
  readonly setting: string;
  /**
   * The name to call `$withTenant` on instead of `receiver` (a name of the shared client): the kit's view of it
   * (imported when needed), or the client itself when it is extended in place. Undefined when the shared client is not
   * on the kit after this run.
   */
  readonly kitClient: ((receiver: string) => string) | undefined;
}

type FunctionLike = Node & { getParameters(): Array<{ getName(): string }> };

/**
 * The app's own transaction helpers rebuilt on `$withTenant`: a function whose parameter is the tenant id and which
 * runs `client.$transaction(async (tx) => { <set_config of that parameter>; ... }, options?)` becomes
 * `tenantClient.$withTenant(tenantId, async (tx) => { ... }, options?)` on the kit's view of the client, same
 * signature, exports and options (`timeout`).
 * The set_config may be session-level (`set_config(..., false)`: the tenant stayed on the pooled connection for the
 * next request, the leak the kit removes) or transaction-local, through `$executeRaw`, `$executeRawUnsafe` with
 * parameters or an interpolated, quote-escaped value (`'${tenantId.replace(/'/g, "''")}'`); the statements that only
 * computed its value go with it. Any other session-level set_config is listed: it keeps a tenant on a pooled
 * connection.
 *
 * @example
 * ```ts
 * // before
 * return prisma.$transaction(async (tx) => {
 *   const safe = tenantId.replace(/'/g, "''");
 *   await tx.$executeRawUnsafe(`select set_config('app.current_tenant_id', '${safe}', false)`);
 *   return callback(tx);
 * }, { timeout: 60000 });
 * // after: the kit sends SELECT set_config('app.current_tenant_id', $1, true) with the transaction's first statement
 * return tenantPrisma.$withTenant(tenantId, async (tx) => {
 *   return callback(tx);
 * }, { timeout: 60000 });
 * ```
 */
export function rewriteTransactionHelpers(input: TransactionHelperInput): {
  edits: TextEdit[];
  review: ManualReviewItem[];
  notes: string[];
} {
  const { project, file } = input;
  const out = { edits: [] as TextEdit[], review: [] as ManualReviewItem[], notes: [] as string[] };
  if (!file.getFullText().includes("set_config")) return out;
  const source = file.getFullText();
  const handled = new Set<Node>();
  for (const call of file.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== "$transaction") continue;
    const found = tenantTransaction(call);
    if (!found) continue;
    handled.add(found.setConfig);
    const client = callee.getExpression().getText();
    if (!input.clients.has(client) || !input.kitClient) {
      out.review.push(
        manualReview(
          "install-precondition",
          input.kitClient
            ? `this transaction helper runs on ${client}, not on the shared client the kit was installed on, ` +
                `so $withTenant is not there; run it on the shared client and re-run install`
            : `this transaction helper sets the tenant with set_config, but the shared client is not built on the ` +
                `kit in this run (see its item), so $withTenant is not there yet; fix that and re-run install`,
          locate(project, call),
        ),
      );
      continue;
    }
    const kitClient = input.kitClient(client);
    out.edits.push({ start: callee.getStart(), end: callee.getEnd(), text: `${kitClient}.$withTenant` });
    const callback = found.callback;
    const ownLine =
      source.slice(source.lastIndexOf("\n", callback.getStart() - 1) + 1, callback.getStart()).trim() === "";
    out.edits.push({
      start: callback.getStart(),
      end: callback.getStart(),
      text: ownLine ? `${found.tenant},\n${lineIndent(source, callback.getStart())}` : `${found.tenant}, `,
    });
    for (const statement of found.removed) out.edits.push(removeStatement(source, statement));
    const what = found.helperName ?? "the transaction helper";
    let note =
      `${what} now opens ${kitClient}.$withTenant(${found.tenant}, ...): ` +
      `the tenant is set transaction-local with the transaction's first statement`;
    if (found.sessionLevel)
      note +=
        "; V1 set it session-level (set_config(..., false)), " +
        "so it stayed on the pooled connection for whoever used it next";
    if (found.setting && found.setting !== input.setting)
      note +=
        `; V1 set "${found.setting}" but the adapter sets "${input.setting}": ` +
        `check the policies with tenant-kit doctor`;
    out.notes.push(note);
  }
  for (const raw of rawSqlCallsIn(file)) {
    if (handled.has(raw.call) || !setConfigCalls(raw.text).some((c) => c.sessionLevel)) continue;
    out.review.push(
      manualReview(
        "install-precondition",
        `set_config(..., false) sets the tenant for the whole session: ` +
          `the pooled connection keeps it for the next request; ` +
          `use the shared client's $forTenant(tenantId) for reads or $withTenant(tenantId, fn) for writes instead`,
        locate(project, raw.call),
      ),
    );
  }
  return out;
}

/** A `$transaction(callback)` that sets the tenant from its helper's parameter before anything else. */
interface TenantTransaction {
  readonly callback: Node;
  /** The raw call setting the tenant. */
  readonly setConfig: Node;
  /** The set_config statement and the statements before it that only computed its value. */
  readonly removed: readonly Statement[];
  /** The helper's parameter holding the tenant id. */
  readonly tenant: string;
  readonly helperName: string | undefined;
  readonly sessionLevel: boolean;
  readonly setting: string | undefined;
}

function tenantTransaction(call: CallExpression): TenantTransaction | undefined {
  const callback = call.getArguments()[0];
  if (!callback || !(Node.isArrowFunction(callback) || Node.isFunctionExpression(callback))) return undefined;
  const body = callback.getBody();
  if (!Node.isBlock(body)) return undefined;
  const statements = body.getStatements();
  const index = statements.findIndex(
    (s) => Node.isExpressionStatement(s) && rawSqlCall(s.getExpression()) !== undefined && setConfigOf(s) !== undefined,
  );
  if (index < 0) return undefined;
  const statement = statements[index]!;
  const raw = rawSqlCall((statement as ExpressionStatement).getExpression())!;
  const configs = setConfigCalls(raw.text);
  // One setting per statement: a second one (a user id...) would be lost with it.
  if (configs.length !== 1) return undefined;
  const config = configs[0]!;
  const before = statements.slice(0, index);
  // What runs before the set_config may only compute its value: local consts used nowhere else.
  const locals = new Map<string, Node>();
  for (const s of before) {
    if (!Node.isVariableStatement(s)) return undefined;
    for (const d of s.getDeclarations()) {
      const init = d.getInitializer();
      if (!Node.isIdentifier(d.getNameNode()) || !init || init.getDescendantsOfKind(SyntaxKind.AwaitExpression).length)
        return undefined;
      locals.set(d.getName(), init);
    }
  }
  const helper = call.getFirstAncestor(
    (a) =>
      Node.isFunctionDeclaration(a) ||
      Node.isArrowFunction(a) ||
      Node.isFunctionExpression(a) ||
      Node.isMethodDeclaration(a),
  ) as FunctionLike | undefined;
  if (!helper) return undefined;
  const params = new Set(helper.getParameters().map((p) => p.getName()));
  const reached = new Set<string>();
  const seen = new Set<string>();
  const follow = (node: Node): void => {
    for (const id of [node, ...node.getDescendantsOfKind(SyntaxKind.Identifier)]) {
      if (!Node.isIdentifier(id)) continue;
      const name = id.getText();
      if (params.has(name)) reached.add(name);
      const init = locals.get(name);
      if (init && !seen.has(name)) {
        seen.add(name);
        follow(init);
      }
    }
  };
  for (const value of placeholderValues(config.value, raw.values)) follow(value);
  // The tenant is computed inside (the request wrapper's own transaction): scaffold's work.
  if (reached.size !== 1) return undefined;
  const rest = [...statements.slice(index + 1), ...call.getArguments().slice(1)];
  const usedLater = [...locals.keys()].some((name) =>
    rest.some((s) => s.getDescendantsOfKind(SyntaxKind.Identifier).some((id) => id.getText() === name)),
  );
  if (usedLater || [...locals.keys()].some((name) => !seen.has(name))) return undefined;
  const name =
    Node.isFunctionDeclaration(helper) || Node.isMethodDeclaration(helper)
      ? helper.getName()
      : helper.getParentIfKind(SyntaxKind.VariableDeclaration)?.getName();
  return {
    callback,
    setConfig: raw.call,
    removed: [...before, statement],
    tenant: [...reached][0]!,
    helperName: name,
    sessionLevel: config.sessionLevel,
    setting: config.setting,
  };
}

function setConfigOf(statement: Statement): ReturnType<typeof setConfigCalls>[number] | undefined {
  if (!Node.isExpressionStatement(statement)) return undefined;
  const raw = rawSqlCall(statement.getExpression());
  return raw ? setConfigCalls(raw.text)[0] : undefined;
}
