import { Node, SyntaxKind, type Block, type Statement } from "ts-morph";
import type { DbUse } from "./db-usage-classifier.ts";
import type { HandlerSite } from "./handler-finder.ts";
import { identifiersNamed } from "./named-identifiers.ts";
import { freshName } from "../analysis/fresh-name.ts";
import { applyEdits, editsWithin, lineIndent, type TextEdit } from "../edits/text-edit.ts";

/** Names and text the span needs. */
export interface SpanOptions {
  /**
   * The span's call up to its callback: `withTenant(tenantId, `, `runTenant(prisma, orgId, ` or, when the app has no
   * transaction helper, `db.$transaction(` on the tenant-scoped client V2 hands the handler.
   */
  readonly opener: string;
  /** Name of the transaction client parameter (`tx`, or a free variant). */
  readonly txName: string;
  /** Name of the span result variable when early returns need one (`txResult`, or a free variant). */
  readonly resultName: string;
  /** The file's indentation unit. */
  readonly indentUnit: string;
}

/** A planned span: the edits, remarks, and whether db is still used outside it. */
export interface SpanPlan {
  readonly edits: TextEdit[];
  readonly notes: string[];
  /** Awaits of non-database work that stay inside the span (they use what the span computes): for manual review. */
  readonly slowAwaits: Node[];
  readonly dbUsedOutside: boolean;
  /** The handler keeps its own `db.$transaction` (no span added). */
  readonly ownTransaction: boolean;
}

/** Why no span could be planned. */
export interface SpanProblem {
  readonly reason: "mixed-own-transaction" | "span-not-provable";
  readonly detail: string;
}

/**
 * Plans the smallest `helper(tenantId, async (tx) => ...)` span of a write handler: it holds every write and every read
 * whose result flows into a write (by data: the read's variables, transitively, reach a write's arguments; or by
 * control: they decide an early exit or a condition around a write). The span is a run of whole statements of one
 * block, never inside a loop body (a loop's iterations stay in one transaction) nor a nested function, and as deep
 * as possible otherwise (inside a `try`, so its `catch` still sees the span's errors). Inside it `db` becomes `tx`;
 * variables used after it are returned from it; early returns inside it return from the handler; awaits after the
 * last write stay outside. A declaration between the database calls whose initializer awaits other work
 * (`const body = await request.json()`, `const quote = await fetchQuote(body)`) and that depends on nothing the span
 * computes before it moves above the span, so the transaction does not wait on it; other such awaits stay and are
 * returned as `slowAwaits`.
 *
 * @example
 * ```ts
 * const plan = planWriteSpan(site, source, {
 *   opener: "withTenant(tenantId, ", txName: "tx", resultName: "txResult", indentUnit: "  ",
 * });
 * if ("reason" in plan) report(plan.detail); else edits.push(...plan.edits);
 * ```
 */
export function planWriteSpan(
  site: Pick<HandlerSite, "callback" | "uses">,
  source: string,
  options: SpanOptions,
): SpanPlan | SpanProblem {
  const callback = site.callback;
  if (!callback) return { reason: "span-not-provable", detail: "the handler is not an inline function" };
  const uses = site.uses;
  const own = uses.filter((u) => u.ownTransaction);
  if (own.length > 0) {
    // Writes inside the own transaction's call (`db.$transaction([db.a.create(...), ...])`) are part of it.
    const ownCalls = own
      .map((u) => u.node.getFirstAncestorByKind(SyntaxKind.CallExpression))
      .filter((c) => c !== undefined);
    const insideOwn = (u: DbUse): boolean =>
      ownCalls.some((c) => c.getStart() <= u.node.getStart() && u.node.getEnd() <= c.getEnd());
    const outside = uses.filter((u) => u.access === "write" && !u.ownTransaction && !insideOwn(u));
    if (outside.length > 0) {
      return {
        reason: "mixed-own-transaction",
        detail: `writes outside its own $transaction at line ${outside.map((u) => u.location.line).join(", ")}`,
      };
    }
    const opener = (u: DbUse): string => u.description.split(" → ")[0]!.replace(/ \(own transaction\)$/, "");
    const notes = own.map(
      (u) => `line ${u.location.line}: keeps its own transaction (${opener(u)}), now tenant-scoped`,
    );
    return { edits: [], notes, slowAwaits: [], dbUsedOutside: true, ownTransaction: true };
  }
  const writes = uses.filter((u) => u.access === "write");
  const relevant = [...writes, ...uses.filter((u) => u.access === "read" && flowsIntoWrite(u, writes, callback))];
  const renameEdits = (start: number, end: number): TextEdit[] =>
    uses
      .filter((u) => u.node.getStart() >= start && u.node.getEnd() <= end)
      // `{ db, tenantId }` keeps its key: `{ db: tx, tenantId }`.
      .map((u) => {
        const shorthand = Node.isShorthandPropertyAssignment(u.node.getParent());
        return {
          start: u.node.getStart(),
          end: u.node.getEnd(),
          text: shorthand ? `${u.node.getText()}: ${options.txName}` : options.txName,
        };
      });

  const body = callback.getBody();
  if (!Node.isBlock(body)) {
    const start = body.getStart();
    const end = body.getEnd();
    const inner = applyEdits(source.slice(start, end), editsWithin(renameEdits(start, end), start, end));
    const asyncKw = hasOwnAwait(body) ? "async " : "";
    return {
      edits: [{ start, end, text: `${options.opener}${asyncKw}(${options.txName}) => ${inner})` }],
      notes: [],
      slowAwaits: [],
      dbUsedOutside: false,
      ownTransaction: false,
    };
  }

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
  const hoisted = hoistableAwaits(whole, callback, uses);
  const span = whole.filter((statement) => !hoisted.includes(statement));
  const declared = new Map<string, "const" | "let">();
  for (const statement of span) {
    if (!Node.isVariableStatement(statement)) continue;
    const kind = statement.getDeclarationKind() === "let" ? "let" : "const";
    for (const declaration of statement.getDeclarations())
      for (const name of boundNames(declaration.getNameNode())) declared.set(name, kind);
  }
  const usedAfter = [...declared.keys()].filter((name) => after.some((s) => referencesAny(s, new Set([name]))));
  const returns = span.flatMap((s) => ownReturns(s, callback));
  const spanStart = span[0]!.getStart();
  const lastEnd = span[span.length - 1]!.getEnd();
  // A `// comment` after the span's last statement, on its line, belongs to that statement: it moves with it.
  const trailing = /^[ \t]*\/\/[^\n]*/.exec(source.slice(lastEnd))?.[0] ?? "";
  const spanEnd = lastEnd + trailing.length;
  const indent = lineIndent(source, spanStart);
  const unit = options.indentUnit;
  // Hoisted statements (with their leading comments) go above the span, in their order, at the span's indentation.
  const narrowed = narrowedPaths(
    span,
    callback,
    uses,
    new Set([options.txName, options.resultName, ...declared.keys()]),
  );
  const narrowedText = narrowed.map((n) => `const ${n.name} = ${n.path};\n${indent}`).join("");
  const narrowedEdits = narrowed.flatMap((n) =>
    n.nodes.map((node) => ({ start: node.getStart(), end: node.getEnd(), text: n.name })),
  );
  const hoistedText = hoisted
    .map((h) => `${source.slice(h.getFullStart(), h.getEnd()).trimStart()}\n${indent}`)
    .join("");
  const notes = hoisted.map(
    (h) =>
      `line ${h.getStartLineNumber()}: moved above the transaction span ` +
      `(it awaits non-database work that needs nothing the span computes)`,
  );
  const slowAwaits = nonDatabaseAwaits(span, callback, uses);
  const dbUsedOutside = uses.some((u) => u.node.getStart() < spanStart || u.node.getEnd() > spanEnd);
  const txArrow = (async: boolean): string => `${async ? "async " : ""}(${options.txName}) =>`;

  // One statement `const x = await <db work>;` / `await <db work>;` / `return <db work>;`: wrap just the awaited
  // expression.
  if (span.length === 1) {
    const only = span[0]!;
    const target = singleAwaitOperand(only, callback);
    if (target) {
      const start = target.operand.getStart();
      const end = target.operand.getEnd();
      const inner = applyEdits(
        source.slice(start, end),
        editsWithin([...renameEdits(start, end), ...narrowedEdits], start, end),
      );
      const wrapped = `${options.opener}${txArrow(hasOwnAwait(target.operand))} ${inner})`;
      return {
        edits: [
          ...(narrowedText ? [{ start: spanStart, end: spanStart, text: narrowedText }] : []),
          { start, end, text: target.needsAwait ? `await ${wrapped}` : wrapped },
        ],
        notes,
        slowAwaits,
        dbUsedOutside,
        ownTransaction: false,
      };
    }
  }

  const reachesBodyEnd = block === callback.getBody() && last === statements.length - 1;
  const protocol = returns.length > 0 && !reachesBodyEnd;
  const removed = hoisted.map((h): [number, number] => [h.getFullStart(), h.getEnd()]);
  const innerEdits: TextEdit[] = [
    ...[...renameEdits(spanStart, spanEnd), ...narrowedEdits, ...indentEdits(source, span, unit)].filter(
      (e) => !removed.some(([from, to]) => e.start >= from && e.start < to),
    ),
    ...removed.map(([start, end]) => ({ start, end, text: "" })),
  ];
  if (protocol) {
    for (const ret of returns) {
      const expression = ret.getExpression();
      if (expression) {
        innerEdits.push({
          start: expression.getStart(),
          end: expression.getStart(),
          text: "{ returned: true as const, value: ",
        });
        innerEdits.push({ start: expression.getEnd(), end: expression.getEnd(), text: " }" });
      } else {
        innerEdits.push({
          start: ret.getStart(),
          end: ret.getEnd(),
          text: "return { returned: true as const, value: undefined };",
        });
      }
    }
  }
  const inner = applyEdits(source.slice(spanStart, spanEnd), editsWithin(innerEdits, spanStart, spanEnd));
  const kw = usedAfter.some((name) => declared.get(name) === "let") ? "let" : "const";
  const open = `${options.opener}${txArrow(true)} {\n${indent}${unit}`;
  const close = `\n${indent}})`;
  const lastStatement = span[span.length - 1]!;
  const endsWithExit = Node.isReturnStatement(lastStatement) || Node.isThrowStatement(lastStatement);
  let text: string;
  if (reachesBodyEnd) {
    text = `return ${open}${inner}${close};`;
  } else if (!protocol) {
    if (usedAfter.length === 0) text = `await ${open}${inner}${close};`;
    else if (usedAfter.length === 1)
      text = `${kw} ${usedAfter[0]} = await ${open}${inner}\n${indent}${unit}return ${usedAfter[0]};${close};`;
    else
      text =
        `${kw} { ${usedAfter.join(", ")} } = await ${open}${inner}` +
        `\n${indent}${unit}return { ${usedAfter.join(", ")} };${close};`;
  } else {
    const tail = endsWithExit
      ? ""
      : `\n${indent}${unit}return { returned: false as const${usedAfter.map((n) => `, ${n}`).join("")} };`;
    text =
      `const ${options.resultName} = await ${open}${inner}${tail}${close};` +
      `\n${indent}if (${options.resultName}.returned) return ${options.resultName}.value;`;
    if (usedAfter.length > 0) text += `\n${indent}${kw} { ${usedAfter.join(", ")} } = ${options.resultName};`;
  }
  return {
    edits: [{ start: spanStart, end: spanEnd, text: hoistedText + narrowedText + text }],
    notes,
    slowAwaits,
    dbUsedOutside,
    ownTransaction: false,
  };
}

/**
 * Blocks between `node` and the handler that a span may sit in, innermost first: none inside loops or nested functions.
 */
function eligibleBlocks(node: Node, callback: Node): Block[] {
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

function isLoop(node: Node): boolean {
  return (
    Node.isForStatement(node) ||
    Node.isForOfStatement(node) ||
    Node.isForInStatement(node) ||
    Node.isWhileStatement(node) ||
    Node.isDoStatement(node)
  );
}

function isNestedFunction(node: Node, callback: Node): boolean {
  return (
    node !== callback &&
    (Node.isArrowFunction(node) ||
      Node.isFunctionExpression(node) ||
      Node.isFunctionDeclaration(node) ||
      Node.isMethodDeclaration(node))
  );
}

/** Return statements of `statement` that return from the handler (not from a nested function). */
function ownReturns(statement: Statement, callback: Node): Array<import("ts-morph").ReturnStatement> {
  return statement
    .getDescendantsOfKind(SyntaxKind.ReturnStatement)
    .filter((ret) => enclosingFunction(ret) === callback)
    .concat(Node.isReturnStatement(statement) ? [statement] : []);
}

function enclosingFunction(node: Node): Node | undefined {
  for (let current = node.getParent(); current; current = current.getParent()) {
    if (
      Node.isArrowFunction(current) ||
      Node.isFunctionExpression(current) ||
      Node.isFunctionDeclaration(current) ||
      Node.isMethodDeclaration(current)
    )
      return current;
  }
  return undefined;
}

function hasOwnAwait(node: Node): boolean {
  const check = (n: Node): boolean =>
    Node.isAwaitExpression(n) || n.getChildren().some((c) => !isFunctionNode(c) && check(c));
  return check(node);
}

function isFunctionNode(node: Node): boolean {
  return (
    Node.isArrowFunction(node) ||
    Node.isFunctionExpression(node) ||
    Node.isFunctionDeclaration(node) ||
    Node.isMethodDeclaration(node)
  );
}

/** For `const x = await E;`, `await E;` or `return [await] E;` with no other await: E. */
function singleAwaitOperand(statement: Statement, _callback: Node): { operand: Node; needsAwait: boolean } | undefined {
  let top: Node | undefined;
  if (Node.isVariableStatement(statement) && statement.getDeclarations().length === 1)
    top = statement.getDeclarations()[0]!.getInitializer();
  else if (Node.isExpressionStatement(statement)) top = statement.getExpression();
  else if (Node.isReturnStatement(statement)) {
    const expression = statement.getExpression();
    if (!expression) return undefined;
    if (Node.isAwaitExpression(expression)) {
      const operand = expression.getExpression();
      return countOwnAwaits(statement) === 1 + countOwnAwaits(operand) ? { operand, needsAwait: false } : undefined;
    }
    return { operand: expression, needsAwait: true };
  }
  if (!top || !Node.isAwaitExpression(top)) return undefined;
  const operand = top.getExpression();
  if (countOwnAwaits(statement) !== 1 + countOwnAwaits(operand)) return undefined;
  return { operand, needsAwait: false };
}

function countOwnAwaits(node: Node): number {
  let count = Node.isAwaitExpression(node) ? 1 : 0;
  for (const child of node.getChildren()) if (!isFunctionNode(child)) count += countOwnAwaits(child);
  return count;
}

/** Insertions of one indentation unit at each line start inside the span, except inside template literals. */
function indentEdits(source: string, span: Statement[], unit: string): TextEdit[] {
  const start = span[0]!.getStart();
  const end = span[span.length - 1]!.getEnd();
  const protectedRanges: Array<[number, number]> = [];
  for (const statement of span) {
    for (const template of [
      ...statement.getDescendantsOfKind(SyntaxKind.TemplateExpression),
      ...statement.getDescendantsOfKind(SyntaxKind.NoSubstitutionTemplateLiteral),
    ]) {
      protectedRanges.push([template.getStart(), template.getEnd()]);
    }
  }
  const edits: TextEdit[] = [];
  for (let i = source.indexOf("\n", start); i !== -1 && i < end; i = source.indexOf("\n", i + 1)) {
    const lineStart = i + 1;
    if (lineStart >= end) break;
    if (protectedRanges.some(([s, e]) => lineStart > s && lineStart < e)) continue;
    if (source[lineStart] === "\n" || source.startsWith("\r\n", lineStart)) continue;
    edits.push({ start: lineStart, end: lineStart, text: unit });
  }
  return edits;
}

function boundNames(nameNode: Node): string[] {
  if (Node.isIdentifier(nameNode)) return [nameNode.getText()];
  return nameNode
    .getDescendantsOfKind(SyntaxKind.BindingElement)
    .map((e) => e.getNameNode())
    .filter((n) => Node.isIdentifier(n))
    .map((n) => n.getText());
}

function referencesAny(node: Node, names: ReadonlySet<string>): boolean {
  const matches = (id: Node): boolean => {
    if (!names.has(id.getText())) return false;
    const parent = id.getParent();
    if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false;
    if (Node.isPropertyAssignment(parent) && parent.getNameNode() === id) return false;
    return true;
  };
  return identifiersNamed(node, names).some(matches);
}

/** Variables a read's result lands in (`const stock = await db...`, `[a, b] = await Promise.all(...)`). */
function variablesOfRead(read: DbUse): string[] {
  for (let current = read.node.getParent(); current; current = current.getParent()) {
    if (Node.isVariableDeclaration(current)) return boundNames(current.getNameNode());
    if (Node.isBinaryExpression(current) && current.getOperatorToken().getKind() === SyntaxKind.EqualsToken)
      return boundNames(current.getLeft());
    if (Node.isStatement(current) || isFunctionNode(current)) return [];
  }
  return [];
}

/** Whether a read's result reaches a write by data or decides an exit or condition around one. */
function flowsIntoWrite(read: DbUse, writes: readonly DbUse[], callback: Node): boolean {
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

function conditionOf(node: Node): Node | undefined {
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

/** Awaits inside the span (of the handler itself) that involve no database use. */
function nonDatabaseAwaits(span: Statement[], callback: Node, uses: readonly DbUse[]): Node[] {
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
function hoistableAwaits(span: Statement[], callback: Node, uses: readonly DbUse[]): Statement[] {
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
function changesAny(statement: Statement, names: ReadonlySet<string>, uses: readonly DbUse[]): boolean {
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

function isAssignmentOperator(kind: SyntaxKind): boolean {
  return kind >= SyntaxKind.FirstAssignment && kind <= SyntaxKind.LastAssignment;
}

function within(node: Node, scope: Node): boolean {
  return scope.getStart() <= node.getStart() && node.getEnd() <= scope.getEnd();
}

/**
 * Property paths the span reads (`body.name`) that a guard before it narrows (`if (!body.name) return ...`): inside
 * the span's callback TypeScript forgets a property's narrowing (the property could change before the callback runs),
 * so each is read into a const above the span, where the narrowing holds, and the span uses the const.
 */
function narrowedPaths(
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

function isValueName(id: Node): boolean {
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
function isNarrowingTest(path: Node, condition: Node): boolean {
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
function isPlainPath(node: Node): boolean {
  if (!Node.isPropertyAccessExpression(node) || node.hasQuestionDotToken()) return false;
  const expression = node.getExpression();
  return Node.isIdentifier(expression) || isPlainPath(expression);
}

function pathRoot(node: Node): string {
  let current = node;
  while (Node.isPropertyAccessExpression(current)) current = current.getExpression();
  return current.getText();
}

/** Exposed for tests of the flow rule. */
export const spanInternals = { flowsIntoWrite, isNestedFunction };
