import { Node, SyntaxKind, type CallExpression } from "ts-morph";
import { identifierNames } from "../../edits/import-editor.ts";
import { indentUnit, lineIndent, type TextEdit } from "../../edits/text-edit.ts";

/** Names whose call in a catch clause shows it already answers pool timeouts (kit exports). */
export const POOL_TIMEOUT_HANDLERS: readonly string[] = ["poolTimeoutResponse", "isPoolTimeoutError"];

/** What scaffold does about pool timeouts in a V2 copy. */
export type PoolTimeoutCatchPlan =
  /** Insert the two lines at `offset`, the start of the outermost catch block around the tenant-wrapper call. */
  | {
      readonly kind: "insert";
      readonly offset: number;
      readonly errorName: string;
      readonly indent: string;
      readonly taken: ReadonlySet<string>;
    }
  /** That catch already calls one of {@link POOL_TIMEOUT_HANDLERS}: nothing to add. */
  | { readonly kind: "handled" }
  /** Nothing can be inserted safely: `detail` says why, `fix` what to do by hand (a manual-review item). */
  | { readonly kind: "missing"; readonly detail: string; readonly fix: string };

const LINES = "const busy = poolTimeoutResponse(error); if (busy) return busy;";

/**
 * Finds where a wrapper turns a pool timeout into a response: the outermost `try` with a `catch (error)` around its
 * tenant-wrapper calls. `handlerNames` are the local names of {@link POOL_TIMEOUT_HANDLERS} in the file (aliases
 * included). A wrapper with no such catch, a catch without an error variable, or a declared return type that may not
 * accept a plain `Response` is `missing`.
 *
 * @example
 * ```ts
 * const plan = planPoolTimeoutCatch(withSalesSession, [tenantCall], new Set(["poolTimeoutResponse"]));
 * if (plan.kind === "insert") edits.push(poolTimeoutCatchEdit(plan, "poolTimeoutResponse"));
 * ```
 */
export function planPoolTimeoutCatch(
  declaration: Node,
  tenantCalls: readonly CallExpression[],
  handlerNames: ReadonlySet<string>,
): PoolTimeoutCatchPlan {
  const around = declaration
    .getDescendantsOfKind(SyntaxKind.TryStatement)
    .find(
      (t) =>
        t.getCatchClause() !== undefined &&
        tenantCalls.some((call) => t.getTryBlock().containsRange(call.getPos(), call.getEnd())),
    );
  const clause = around?.getCatchClause();
  if (!clause) {
    return {
      kind: "missing",
      detail: "no try/catch surrounds its tenant-wrapper call",
      fix: `wrap that call in \`try { ... } catch (error) { ${LINES} throw error; }\``,
    };
  }
  const calledName = (callee: Node): string | undefined =>
    Node.isIdentifier(callee)
      ? callee.getText()
      : Node.isPropertyAccessExpression(callee)
        ? callee.getName()
        : undefined;
  const calls = clause.getBlock().getDescendantsOfKind(SyntaxKind.CallExpression);
  if (calls.some((call) => handlerNames.has(calledName(call.getExpression()) ?? ""))) return { kind: "handled" };
  const returnType = wrapperFunction(declaration)?.getReturnTypeNode()?.getText();
  if (returnType !== undefined && !/\bResponse\b/.test(returnType)) {
    return {
      kind: "missing",
      detail:
        `its declared return type ${returnType} may not accept ` +
        `the plain Response that poolTimeoutResponse returns`,
      fix: `widen the return type to include Response (or convert the 503), then start its catch with \`${LINES}\``,
    };
  }
  const variable = clause.getVariableDeclaration()?.getNameNode();
  if (!variable || !Node.isIdentifier(variable)) {
    return {
      kind: "missing",
      detail: "the catch around its tenant-wrapper call binds no error variable",
      fix: `make it \`catch (error)\` and start it with \`${LINES}\``,
    };
  }
  const block = clause.getBlock();
  const source = declaration.getSourceFile().getFullText();
  const first = block.getStatements()[0];
  const indent = first
    ? lineIndent(source, first.getStart())
    : lineIndent(source, clause.getStart()) + indentUnit(source);
  return {
    kind: "insert",
    offset: block.getStart() + 1,
    errorName: variable.getText(),
    indent,
    taken: identifierNames(declaration),
  };
}

/**
 * The edit of an `insert` plan: `const busy = poolTimeoutResponse(error);` and `if (busy) return busy;` as the first
 * statements of the catch block (`busy` renamed if the wrapper already uses the name).
 *
 * @example poolTimeoutCatchEdit(plan, "poolTimeoutResponse") // { start, end: start, text: "\n    const busy = ..." }
 */
export function poolTimeoutCatchEdit(
  plan: Extract<PoolTimeoutCatchPlan, { kind: "insert" }>,
  responseLocal: string,
): TextEdit {
  let busy = "busy";
  for (let i = 2; plan.taken.has(busy); i++) busy = `busy${i}`;
  const text =
    `\n${plan.indent}const ${busy} = ${responseLocal}(${plan.errorName});` +
    `\n${plan.indent}if (${busy}) return ${busy};`;
  return { start: plan.offset, end: plan.offset, text };
}

function wrapperFunction(declaration: Node) {
  if (Node.isFunctionDeclaration(declaration)) return declaration;
  const init = declaration.getFirstDescendantByKind(SyntaxKind.VariableDeclaration)?.getInitializer();
  return init && (Node.isArrowFunction(init) || Node.isFunctionExpression(init)) ? init : undefined;
}
