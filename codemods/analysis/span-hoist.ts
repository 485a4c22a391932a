import { Node, SyntaxKind, type Statement } from "ts-morph";
import type { DbUse } from "./db-usage-classifier.ts";
import { freshName } from "./fresh-name.ts";
import { boundNames, enclosingFunction, hasOwnAwait, isAssignmentOperator, ownReturns, within } from "./span-syntax.ts";

// Step 2 of a write span: what moves out of it (awaits of other work above it; guarded paths into consts).

/** Awaits inside the span (of the handler itself) that involve no database use. */
export function nonDatabaseAwaits(span: Statement[], callback: Node, uses: readonly DbUse[]): Node[] {
  const found: Node[] = [];
  for (const statement of span) {
    for (const awaited of statement.getDescendantsOfKind(SyntaxKind.AwaitExpression)) {
      if (enclosingFunction(awaited) !== callback) continue;
      const operand = awaited.getExpression();
      const touchesDb = uses.some(
        (u) => operand.getStart() <= u.node.getStart() && u.node.getEnd() <= operand.getEnd(),
      );
      if (!touchesDb) found.push(awaited);
    }
  }
  return found;
}

/**
 * The statements strictly between the span's first and last database statement that can move above it: a `const` or
 * `let` declaration with no database use whose initializers await something, with no own `return`, `break` or
 * `continue`, and that uses nothing an earlier statement of the span (not itself moved) declares, assigns, updates,
 * calls a method on or passes to a call. Bare `await notify()` statements stay: their order against the writes may be
 * what the author meant.
 */
export function hoistableAwaits(span: Statement[], callback: Node, uses: readonly DbUse[]): Statement[] {
  const hoisted: Statement[] = [];
  for (let i = 1; i < span.length - 1; i++) {
    const statement = span[i]!;
    if (!Node.isVariableStatement(statement)) continue;
    if (uses.some((u) => statement.getStart() <= u.node.getStart() && u.node.getEnd() <= statement.getEnd())) continue;
    if (!statement.getDeclarations().some((d) => hasOwnAwait(d.getInitializer() ?? d))) continue;
    if (ownReturns(statement, callback).length > 0) continue;
    if (statement.getDescendants().some((n) => Node.isBreakStatement(n) || Node.isContinueStatement(n))) continue;
    const names = new Set(statement.getDescendantsOfKind(SyntaxKind.Identifier).map((id) => id.getText()));
    const passed = span.slice(0, i).filter((p) => !hoisted.includes(p));
    if (passed.some((p) => changesAny(p, names, uses))) continue;
    hoisted.push(statement);
  }
  return hoisted;
}

/**
 * Whether `statement` declares, assigns, updates, calls a method on, or passes to a non-database call any of `names`.
 */
export function changesAny(statement: Statement, names: ReadonlySet<string>, uses: readonly DbUse[]): boolean {
  const rootName = (node: Node): string | undefined => {
    let current = node;
    while (
      Node.isPropertyAccessExpression(current) ||
      Node.isElementAccessExpression(current) ||
      Node.isParenthesizedExpression(current) ||
      Node.isNonNullExpression(current)
    ) {
      current = current.getExpression();
    }
    return Node.isIdentifier(current) ? current.getText() : undefined;
  };
  const hits = (node: Node | undefined): boolean => node !== undefined && names.has(rootName(node) ?? "");
  // `db.order.create(...)`: the call starts with a use of db.
  const isDbCall = (call: Node): boolean => uses.some((u) => u.node.getStart() === call.getStart());
  for (const node of [statement, ...statement.getDescendants()]) {
    if (Node.isVariableDeclaration(node) && boundNames(node.getNameNode()).some((n) => names.has(n))) return true;
    if (Node.isBinaryExpression(node) && isAssignmentOperator(node.getOperatorToken().getKind())) {
      if (hits(node.getLeft()) || boundNames(node.getLeft()).some((n) => names.has(n))) return true;
    }
    if ((Node.isPrefixUnaryExpression(node) || Node.isPostfixUnaryExpression(node)) && hits(node.getOperand()))
      return true;
    if (Node.isCallExpression(node) && !isDbCall(node)) {
      const callee = node.getExpression();
      if (Node.isPropertyAccessExpression(callee) && hits(callee.getExpression())) return true;
      if (node.getArguments().some((a) => hits(a))) return true;
    }
  }
  return false;
}

/**
 * Property paths the span reads (`body.name`) that a guard before it narrows (`if (!body.name) return ...`): inside
 * the span's callback TypeScript forgets a property's narrowing (the property could change before the callback runs),
 * so each is read into a const above the span, where the narrowing holds, and the span uses the const.
 */
export function narrowedPaths(
  span: readonly Statement[],
  callback: Node,
  uses: readonly DbUse[],
  taken: ReadonlySet<string>,
): Array<{ name: string; path: string; nodes: Node[] }> {
  const spanStart = span[0]!.getStart();
  const guarded = new Set<string>();
  for (const node of callback.getDescendants()) {
    if (node.getEnd() > spanStart) continue;
    // A guard: `if (<condition>) return/throw ...;` (its then-branch leaves).
    const condition =
      Node.isIfStatement(node) &&
      [node.getThenStatement(), ...node.getThenStatement().getDescendants()].some(
        (n) => Node.isReturnStatement(n) || Node.isThrowStatement(n),
      )
        ? node.getExpression()
        : undefined;
    if (!condition) continue;
    for (const access of [condition, ...condition.getDescendants()])
      if (isPlainPath(access) && isNarrowingTest(access, condition)) guarded.add(access.getText());
  }
  if (guarded.size === 0) return [];
  const declaredInSpan = new Set(
    span.flatMap((st) =>
      st.getDescendantsOfKind(SyntaxKind.VariableDeclaration).flatMap((d) => boundNames(d.getNameNode())),
    ),
  );
  // Names the const could clash with: value names of the module (property keys like `title` in `{ title }` do not).
  const usedNames = new Set([
    ...taken,
    ...callback
      .getSourceFile()
      .getDescendantsOfKind(SyntaxKind.Identifier)
      .filter((id) => isValueName(id))
      .map((id) => id.getText()),
  ]);
  const found = new Map<string, Node[]>();
  for (const statement of span) {
    for (const access of statement.getDescendantsOfKind(SyntaxKind.PropertyAccessExpression)) {
      if (!isPlainPath(access) || !guarded.has(access.getText())) continue;
      const root = pathRoot(access);
      if (declaredInSpan.has(root) || uses.some((u) => within(u.node, access))) continue;
      const parent = access.getParent();
      // Written in the span, or part of a longer guarded path: not a plain read of this one.
      if (
        Node.isBinaryExpression(parent) &&
        parent.getLeft() === access &&
        isAssignmentOperator(parent.getOperatorToken().getKind())
      )
        return [];
      if (Node.isPropertyAccessExpression(parent) && guarded.has(parent.getText())) continue;
      found.set(access.getText(), [...(found.get(access.getText()) ?? []), access]);
    }
  }
  const out: Array<{ name: string; path: string; nodes: Node[] }> = [];
  const chosen = new Set<string>();
  for (const [path, nodes] of found) {
    const wanted = path.slice(path.lastIndexOf(".") + 1);
    const name = freshName(new Set([...usedNames, ...chosen]), wanted);
    chosen.add(name);
    out.push({ name, path, nodes });
  }
  return out;
}

/** Whether an identifier names a value (not a property name or key). */
export function isValueName(id: Node): boolean {
  const parent = id.getParent();
  if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false;
  if (Node.isPropertyAssignment(parent) && parent.getNameNode() === id) return false;
  if (Node.isPropertySignature(parent) || Node.isPropertyDeclaration(parent)) return false;
  return !(Node.isBindingElement(parent) && parent.getPropertyNameNode() === id);
}

/**
 * Whether a path is tested in a way TypeScript narrows it by: the condition itself, `!p`, `typeof p`, `p === x` (and
 * the other equalities), `p instanceof X`, or an operand of `&&` / `||` / `??` (not `p.length`, not `f(p)`).
 */
export function isNarrowingTest(path: Node, condition: Node): boolean {
  let node = path;
  while (Node.isParenthesizedExpression(node.getParent())) node = node.getParentOrThrow();
  if (node === condition) return true;
  const parent = node.getParent();
  if (Node.isPrefixUnaryExpression(parent)) return parent.getOperatorToken() === SyntaxKind.ExclamationToken;
  if (Node.isTypeOfExpression(parent)) return true;
  if (!Node.isBinaryExpression(parent)) return false;
  return [
    SyntaxKind.EqualsEqualsEqualsToken,
    SyntaxKind.ExclamationEqualsEqualsToken,
    SyntaxKind.EqualsEqualsToken,
    SyntaxKind.ExclamationEqualsToken,
    SyntaxKind.InstanceOfKeyword,
    SyntaxKind.AmpersandAmpersandToken,
    SyntaxKind.BarBarToken,
    SyntaxKind.QuestionQuestionToken,
  ].includes(parent.getOperatorToken().getKind());
}

/** `a.b` or `a.b.c`: a property path from a plain name, no calls or computed keys. */
export function isPlainPath(node: Node): boolean {
  if (!Node.isPropertyAccessExpression(node) || node.hasQuestionDotToken()) return false;
  const expression = node.getExpression();
  return Node.isIdentifier(expression) || isPlainPath(expression);
}

/** The name a property path starts from (`body` of `body.user.name`). */
export function pathRoot(node: Node): string {
  let current = node;
  while (Node.isPropertyAccessExpression(current)) current = current.getExpression();
  return current.getText();
}
