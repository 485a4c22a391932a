import { Node, SyntaxKind, type ArrowFunction, type Block, type FunctionExpression, type Statement } from "ts-morph";
import { singleAwaitOperand } from "../edits/span-render.ts";
import type { DbUse } from "./db-usage-classifier.ts";
import { nonDatabaseAwaits } from "./span-hoist.ts";
import { boundNames, countOwnAwaits, isFunctionNode, ownReturns, referencesAny } from "./span-syntax.ts";

// Step 1 of a write span: which statements must hold the transaction (see write-span-planner.ts).

/**
 * Blocks between `node` and the handler that a span may sit in, innermost first: none inside loops or nested functions.
 */
export function eligibleBlocks(node: Node, callback: Node): Block[] {
  let blocks: Block[] = [];
  for (let current = node.getParent(); current && current !== callback; current = current.getParent()) {
    if (
      isLoop(current) ||
      Node.isArrowFunction(current) ||
      Node.isFunctionExpression(current) ||
      Node.isFunctionDeclaration(current)
    ) {
      blocks = [];
      continue;
    }
    if (Node.isBlock(current)) blocks.push(current);
  }
  return blocks;
}

/** Whether a node is a loop statement (for, for-of, for-in, while, do). */
export function isLoop(node: Node): boolean {
  return (
    Node.isForStatement(node) ||
    Node.isForOfStatement(node) ||
    Node.isForInStatement(node) ||
    Node.isWhileStatement(node) ||
    Node.isDoStatement(node)
  );
}

/** Whether `node` is a function nested in `callback` (not the callback itself). */
export function isNestedFunction(node: Node, callback: Node): boolean {
  return (
    node !== callback &&
    (Node.isArrowFunction(node) ||
      Node.isFunctionExpression(node) ||
      Node.isFunctionDeclaration(node) ||
      Node.isMethodDeclaration(node))
  );
}

/** Variables a read's result lands in (`const stock = await db...`, `[a, b] = await Promise.all(...)`). */
export function variablesOfRead(read: DbUse): string[] {
  for (let current = read.node.getParent(); current; current = current.getParent()) {
    if (Node.isVariableDeclaration(current)) return boundNames(current.getNameNode());
    if (Node.isBinaryExpression(current) && current.getOperatorToken().getKind() === SyntaxKind.EqualsToken)
      return boundNames(current.getLeft());
    if (Node.isStatement(current) || isFunctionNode(current)) return [];
  }
  return [];
}

/** Whether a read's result reaches a write by data or decides an exit or condition around one. */
export function flowsIntoWrite(read: DbUse, writes: readonly DbUse[], callback: Node): boolean {
  // A read nested in a write's call (`db.a.create({ data: { n: await db.b.count() } })`).
  if (
    writes.some((w) => {
      const call = w.node.getFirstAncestorByKind(SyntaxKind.CallExpression);
      return call !== undefined && call.getStart() <= read.node.getStart() && read.node.getEnd() <= call.getEnd();
    })
  )
    return true;
  const tainted = new Set(variablesOfRead(read));
  if (tainted.size === 0) return false;
  const declarations = callback
    .getDescendantsOfKind(SyntaxKind.VariableDeclaration)
    .filter((d) => d.getStart() > read.node.getStart());
  for (let changed = true; changed; ) {
    changed = false;
    for (const declaration of declarations) {
      const init = declaration.getInitializer();
      if (!init || !referencesAny(init, tainted)) continue;
      for (const name of boundNames(declaration.getNameNode()))
        if (!tainted.has(name)) {
          tainted.add(name);
          changed = true;
        }
    }
  }
  for (const write of writes) {
    const call = write.node.getFirstAncestorByKind(SyntaxKind.CallExpression);
    if (call?.getArguments().some((a) => referencesAny(a, tainted))) return true;
    for (let current = write.node.getParent(); current && current !== callback; current = current.getParent()) {
      const condition = conditionOf(current);
      if (condition && referencesAny(condition, tainted)) return true;
    }
    if (write.node.getStart() > read.node.getEnd()) {
      for (const branch of callback.getDescendantsOfKind(SyntaxKind.IfStatement)) {
        if (branch.getStart() < read.node.getEnd() || branch.getStart() > write.node.getStart()) continue;
        if (!referencesAny(branch.getExpression(), tainted)) continue;
        const exits = [
          SyntaxKind.ReturnStatement,
          SyntaxKind.ThrowStatement,
          SyntaxKind.BreakStatement,
          SyntaxKind.ContinueStatement,
        ].some((kind) => branch.getDescendantsOfKind(kind).length > 0);
        if (exits) return true;
      }
    }
  }
  return false;
}

/** The condition a statement or conditional expression tests, if it is one. */
export function conditionOf(node: Node): Node | undefined {
  if (
    Node.isIfStatement(node) ||
    Node.isWhileStatement(node) ||
    Node.isDoStatement(node) ||
    Node.isSwitchStatement(node)
  )
    return node.getExpression();
  if (Node.isConditionalExpression(node)) return node.getCondition();
  if (Node.isForOfStatement(node) || Node.isForInStatement(node)) return node.getExpression();
  if (Node.isForStatement(node)) return node.getCondition();
  return undefined;
}

/** The statements a write span holds, or why it cannot be placed. */
export type SpanChoice =
  | {
      readonly block: Block;
      readonly statements: Statement[];
      /** The span's statements, before any move above it. */
      readonly whole: Statement[];
      /** The statements of the block after the span. */
      readonly after: Statement[];
      /** Index in `statements` of the span's last statement. */
      readonly last: number;
    }
  | { readonly reason: "span-not-provable"; readonly detail: string };

/**
 * Chooses the run of whole statements of one block that holds every `relevant` use (writes and the reads that flow
 * into them): the deepest block they share outside loops and nested functions. The rest of the handler joins the span
 * when the span returns early and the rest awaits only the database, or the rest uses what the span declares and
 * awaits nothing. Refused when the run would move a declaration's scope (function, class, var) or a yield.
 *
 * @example const choice = chooseSpan(callback, uses, writes); if (!("reason" in choice)) choice.whole.length;
 */
export function chooseSpan(
  callback: ArrowFunction | FunctionExpression,
  uses: readonly DbUse[],
  relevant: readonly DbUse[],
): SpanChoice {
  const chains = relevant.map((u) => eligibleBlocks(u.node, callback));
  const block = chains[0]!.find((candidate) => chains.every((chain) => chain.includes(candidate)));
  if (!block) return { reason: "span-not-provable", detail: "no common block holds every write" };
  const statements = block.getStatements();
  const indexes = relevant.map((u) =>
    statements.findIndex((s) => s.getStart() <= u.node.getStart() && u.node.getEnd() <= s.getEnd()),
  );
  const first = Math.min(...indexes);
  let last = Math.max(...indexes);
  // The rest of the handler joins the span, which is then returned, when that reads like a careful person wrote it
  // at no cost to the transaction: the span returns early and the rest awaits nothing but the database (no "returned"
  // flag handed out of the span), or the rest awaits nothing and uses what the span declares (no `const x = await
  // span(... const x ...; return x)` shadowing the name).
  const spanned = statements.slice(first, last + 1);
  const tail = statements.slice(last + 1);
  const spanReturns = spanned.some((st) => ownReturns(st, callback).length > 0);
  const tailUsesSpan = spanned.some(
    (st) =>
      Node.isVariableStatement(st) &&
      st.getDeclarations().some((d) => tail.some((t) => referencesAny(t, new Set(boundNames(d.getNameNode()))))),
  );
  const tailAwaitsOnlyDb = tail.every((st) => nonDatabaseAwaits([st], callback, uses).length === 0);
  const tailSync = tail.every((st) => countOwnAwaits(st) === 0);
  // One `const x = await <db work>;` becomes `const x = await span(...)`: no name to shadow.
  const oneAwait = spanned.length === 1 && singleAwaitOperand(spanned[0]!, callback) !== undefined;
  if (
    block === callback.getBody() &&
    tail.length > 0 &&
    ((spanReturns && tailAwaitsOnlyDb) || (tailUsesSpan && tailSync && !oneAwait))
  )
    last = statements.length - 1;
  const whole = statements.slice(first, last + 1);
  const after = statements.slice(last + 1);

  for (const statement of whole) {
    if (Node.isFunctionDeclaration(statement) || Node.isClassDeclaration(statement)) {
      return {
        reason: "span-not-provable",
        detail: `line ${statement.getStartLineNumber()}: a declaration inside the span would change scope`,
      };
    }
    if (Node.isVariableStatement(statement) && statement.getDeclarationKind() === "var") {
      return {
        reason: "span-not-provable",
        detail: `line ${statement.getStartLineNumber()}: a var declaration inside the span would change scope`,
      };
    }
    if (statement.getDescendantsOfKind(SyntaxKind.YieldExpression).length > 0) {
      return { reason: "span-not-provable", detail: `line ${statement.getStartLineNumber()}: yield inside the span` };
    }
  }
  return { block, statements, whole, after, last };
}
