import { Node, SyntaxKind } from "ts-morph";
import type { DbUse } from "./db-usage-classifier.ts";
import type { HandlerSite } from "./handler-finder.ts";
import { applyEdits, editsWithin, lineIndent, type TextEdit } from "../edits/text-edit.ts";
import { shiftIndent } from "../edits/reindent.ts";
import { singleAwaitOperand } from "../edits/span-render.ts";
import { chooseSpan, flowsIntoWrite } from "./span-choice.ts";
import { hoistableAwaits, narrowedPaths, nonDatabaseAwaits } from "./span-hoist.ts";
import { boundNames, hasOwnAwait, ownReturns, referencesAny } from "./span-syntax.ts";

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

  const chosen = chooseSpan(callback, uses, relevant);
  if ("reason" in chosen) return chosen;
  const { block, statements, whole, after, last } = chosen;
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
    ...[...renameEdits(spanStart, spanEnd), ...narrowedEdits].filter(
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
  const inner = shiftIndent(
    applyEdits(source.slice(spanStart, spanEnd), editsWithin(innerEdits, spanStart, spanEnd)),
    indent,
    indent + unit,
  );
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
