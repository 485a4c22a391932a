import { Node, SyntaxKind, type Statement } from "ts-morph";
import type { HandlerSite } from "../analysis/handler-finder.ts";
import { shiftIndent } from "./reindent.ts";
import { applyEdits, editsWithin, lineIndent, type TextEdit } from "./text-edit.ts";

/** What the inlined callback's transaction client becomes, and the span edits to apply inside it first. */
export interface InlineOptions {
  /** The tenant-scoped client expression, e.g. `prisma.$forTenant(orgId)`. */
  readonly reader: string;
  /** A name free in the handler for a `const` holding the reader when the code uses it more than once. */
  readonly readerName: string;
  /** Edits inside the callback's body (the write span), applied before the body moves. */
  readonly bodyEdits?: readonly TextEdit[];
}

/**
 * Takes a transaction helper's callback out of its call: `withTenant(orgId, async (tx) => { ...; return x; })` becomes
 * the callback's statements in the handler, on the tenant-scoped reader (`const db = prisma.$forTenant(orgId);`) instead
 * of a transaction, with any write span (`bodyEdits`) kept. Works when the call is a statement of its own:
 * `return [await] helper(...)`, `await helper(...);` (callback without return) or `const x = await helper(...);`
 * (callback ending in its only return); a concise callback (`(tx) => tx.a.findMany()`) is inlined anywhere. Anything
 * else, or a name of the callback that the handler also uses, is a problem for manual review.
 *
 * @example
 * ```ts
 * // const rows = await scoped(prisma, org, async (db) => { const a = await db.a.findMany(); return a; });
 * inlineHelperCall(site, source, { reader: "prisma.$forTenant(org)", readerName: "db" });
 * // const a = await prisma.$forTenant(org).a.findMany();
 * // const rows = a;
 * ```
 */
export function inlineHelperCall(
  site: HandlerSite,
  source: string,
  options: InlineOptions,
): { edits: TextEdit[] } | { problem: string } {
  const callback = site.callback;
  const shape = site.ref.wrapper.shape;
  if (!callback || shape?.kind !== "positional") return { problem: "the helper's callback is not an inline function" };
  const params = callback.getParameters();
  const txParam = params[shape.dbIndex]?.getNameNode();
  if (params.length > 1 || (txParam && !Node.isIdentifier(txParam)))
    return { problem: "the helper's callback takes more than the transaction client" };
  const bodyEdits = options.bodyEdits ?? [];
  const insideSpan = (node: Node): boolean =>
    bodyEdits.some((e) => e.start <= node.getStart() && node.getEnd() <= e.end);
  const txName = txParam?.getText();
  const references = txName
    ? callback
        .getDescendantsOfKind(SyntaxKind.Identifier)
        .filter((id) => id.getText() === txName && id !== txParam && isValueReference(id))
    : [];
  const outside = references.filter((id) => !insideSpan(id));
  const useNodes = new Set(site.uses.map((u) => u.node));
  if (outside.some((id) => !useNodes.has(id)))
    return { problem: `${txName} is used in a way the kit does not follow (it would dangle once the call is gone)` };
  const body = callback.getBody();

  if (!Node.isBlock(body)) {
    const start = body.getStart();
    const end = body.getEnd();
    const renames = outside.map((id) => ({ start: id.getStart(), end: id.getEnd(), text: options.reader }));
    const text = applyEdits(source.slice(start, end), editsWithin([...renames, ...bodyEdits], start, end));
    const bare = Node.isParenthesizedExpression(body) ? body.getExpression() : body;
    return {
      edits: [
        {
          start: site.call.getStart(),
          end: site.call.getEnd(),
          text: Node.isObjectLiteralExpression(bare) ? `(${text.replace(/^\(|\)$/g, "")})` : text,
        },
      ],
    };
  }

  const form = statementForm(site);
  if (!form) return { problem: "the helper call is not a statement of its own (return, await or a const)" };
  const statements = body.getStatements();
  const returns = body
    .getDescendantsOfKind(SyntaxKind.ReturnStatement)
    .filter((r) => r.getFirstAncestor((a) => isFunction(a)) === callback);
  const last = statements[statements.length - 1];
  // A span reaching the end of the callback (`return withTenant(...)`) holds every return: its value is the result.
  const finalSpan = last && bodyEdits.find((e) => e.start <= last.getStart() && last.getEnd() <= e.end);
  const spanReturns = finalSpan !== undefined && /^return /.test(finalSpan.text);
  if (!spanReturns) {
    if (form.kind === "expression" && returns.length > 0)
      return { problem: "the helper's callback returns early, and its result is not used" };
    if (form.kind === "declaration" && (returns.length !== 1 || returns[0] !== last || !returns[0]?.getExpression()))
      return { problem: "the helper's callback does not end in its only return" };
  }
  const enclosing = form.statement.getFirstAncestor((a) => isFunction(a));
  const awaits = body.getDescendantsOfKind(SyntaxKind.AwaitExpression).length > 0 || bodyEdits.length > 0;
  if (awaits && !(enclosing && Node.isModifierable(enclosing) && enclosing.hasModifier(SyntaxKind.AsyncKeyword)))
    return { problem: "the handler around the helper call is not async" };
  const clash = clashingName(callback, statements, enclosing ?? form.statement.getSourceFile());
  if (clash) return { problem: `inlining the helper's callback would clash with \`${clash}\` of the handler` };

  const renames: TextEdit[] = outside.map((id) => ({
    start: id.getStart(),
    end: id.getEnd(),
    text: outside.length > 1 ? options.readerName : options.reader,
  }));
  const edits = [...renames, ...bodyEdits];
  if (spanReturns && finalSpan && form.kind !== "return") {
    const target = form.kind === "declaration" ? `${form.declarationKind} ${form.name} = await ` : "await ";
    edits[edits.indexOf(finalSpan)] = { ...finalSpan, text: finalSpan.text.replace(/^return /, target) };
  } else if (form.kind === "declaration" && last && Node.isReturnStatement(last)) {
    const expression = last.getExpression()!;
    const plain = Node.isAwaitExpression(expression) || isPlainValue(expression);
    const target = `${form.declarationKind} ${form.name} = ${plain ? "" : "await "}`;
    edits.push({ start: last.getStart(), end: expression.getStart(), text: target });
  }
  const first = statements[0];
  const start = first ? textStart(source, body.getStart() + 1) : body.getStart() + 1;
  const end = last ? last.getEnd() : start;
  const moved = applyEdits(source.slice(start, end), editsWithin(edits, start, end));
  const indent = lineIndent(source, form.statement.getStart());
  let text = shiftIndent(moved, lineIndent(source, start), indent);
  if (outside.length > 1) text = `const ${options.readerName} = ${options.reader};\n${indent}${text}`;
  return { edits: [{ start: form.statement.getStart(), end: form.statement.getEnd(), text }] };
}

type StatementForm =
  | { kind: "return" | "expression"; statement: Statement }
  | { kind: "declaration"; statement: Statement; declarationKind: string; name: string };

/** How the helper call sits in the handler: `return [await] h()`, `await h();` or `const x = await h();`. */
function statementForm(site: HandlerSite): StatementForm | undefined {
  let node: Node = site.call;
  if (Node.isAwaitExpression(node.getParent())) node = node.getParentOrThrow();
  const parent = node.getParent();
  if (Node.isReturnStatement(parent)) return { kind: "return", statement: parent };
  if (Node.isExpressionStatement(parent) && Node.isAwaitExpression(node))
    return { kind: "expression", statement: parent };
  if (Node.isVariableDeclaration(parent) && Node.isAwaitExpression(node)) {
    const statement = parent.getVariableStatement();
    if (statement?.getDeclarations().length !== 1) return undefined;
    return {
      kind: "declaration",
      statement,
      declarationKind: statement.getDeclarationKind(),
      name: parent.getNameNode().getText(),
    };
  }
  return undefined;
}

/** A name the callback's body declares at its top that the handler also uses outside the callback. */
function clashingName(callback: Node, statements: readonly Statement[], scope: Node): string | undefined {
  const declared = new Set<string>();
  for (const statement of statements) {
    if (Node.isVariableStatement(statement)) {
      for (const declaration of statement.getDeclarations()) {
        const name = declaration.getNameNode();
        for (const id of Node.isIdentifier(name) ? [name] : name.getDescendantsOfKind(SyntaxKind.Identifier))
          declared.add(id.getText());
      }
    } else if ((Node.isFunctionDeclaration(statement) || Node.isClassDeclaration(statement)) && statement.getName()) {
      declared.add(statement.getName()!);
    }
  }
  return scope
    .getDescendantsOfKind(SyntaxKind.Identifier)
    .find(
      (id) =>
        declared.has(id.getText()) &&
        !(id.getStart() >= callback.getStart() && id.getEnd() <= callback.getEnd()) &&
        isValueReference(id),
    )
    ?.getText();
}

function isValueReference(id: Node): boolean {
  const parent = id.getParent();
  if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false;
  if (Node.isPropertyAssignment(parent) && parent.getNameNode() === id) return false;
  if (Node.isBindingElement(parent) && parent.getPropertyNameNode() === id) return false;
  return id.getFirstAncestor((a) => Node.isTypeNode(a)) === undefined;
}

function isPlainValue(node: Node): boolean {
  return (
    Node.isIdentifier(node) ||
    Node.isLiteralExpression(node) ||
    Node.isObjectLiteralExpression(node) ||
    Node.isArrayLiteralExpression(node) ||
    Node.isPropertyAccessExpression(node) ||
    node.getKind() === SyntaxKind.TrueKeyword ||
    node.getKind() === SyntaxKind.FalseKeyword ||
    node.getKind() === SyntaxKind.NullKeyword
  );
}

function isFunction(node: Node): boolean {
  return (
    Node.isArrowFunction(node) ||
    Node.isFunctionExpression(node) ||
    Node.isFunctionDeclaration(node) ||
    Node.isMethodDeclaration(node)
  );
}

/** The first non-blank position from `offset` (so a comment above the first statement moves with it). */
function textStart(source: string, offset: number): number {
  let i = offset;
  while (i < source.length && /\s/.test(source[i]!)) i++;
  return i;
}
