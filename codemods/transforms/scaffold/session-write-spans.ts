import { type CallExpression, Node, SyntaxKind } from "ts-morph";
import { isReference } from "../../analysis/db-usage-classifier.ts";
import { freshName } from "../../analysis/fresh-name.ts";
import { isShadowed } from "../../analysis/name-shadowing.ts";
import { identifierNames, type ImportEditor } from "../../edits/import-editor.ts";
import { spanOpener } from "../../edits/span-opener.ts";
import type { TextEdit } from "../../edits/text-edit.ts";
import type { CodemodContext } from "../../runner/codemod-types.ts";

/** The edits giving a session wrapper V2's own writes a transaction each, and what they wrapped. */
export interface SessionWriteSpans {
  readonly edits: TextEdit[];
  /** `getActiveSalesSession(db, ...)` at line 51, for the note. */
  readonly wrapped: string[];
}

/**
 * The session check of a V2 session wrapper runs on the read-only client the V2 tenant wrapper hands it, so a call
 * that writes there (a helper deleting an expired session, `db.session.update(...)`) gets a transaction of its own,
 * opened as the writes phase opens spans ({@link spanOpener}: the app's transaction helper, the kit's `$withTenant`,
 * else `db.$transaction`): `withTenant(tenantId, (tx) => call(tx, ...))`. Each such call's writes stay
 * atomic together, as V1's were; the handler's own writes go into spans of their own later (the writes phase). Which
 * calls write is the classifier's proposal only: a write it misses stays on the read-only client and fails to
 * type-check (the phase then leaves the file as it was); a read it wraps costs a short transaction, nothing else.
 * Calls of the handler (`handlerName`) are left alone: the handler's client is typed read-only.
 *
 * @example
 * ```ts
 * // V1: const session = await getActiveSalesSession(db, tenantId, sessionId);
 * // V2: const session = await withTenant(tenantId, (tx) => getActiveSalesSession(tx, tenantId, sessionId));
 * ```
 */
export function sessionWriteSpans(
  context: CodemodContext,
  imports: ImportEditor,
  tenantCalls: readonly CallExpression[],
  handlerName: string | undefined,
): SessionWriteSpans {
  const edits: TextEdit[] = [];
  const wrapped: string[] = [];
  const shape = context.index.tenantWrapper.shape;
  if (shape?.kind !== "positional") return { edits, wrapped };
  for (const call of tenantCalls) {
    const callback = call.getArguments().at(-1);
    if (!callback || !(Node.isArrowFunction(callback) || Node.isFunctionExpression(callback))) continue;
    const taken = identifierNames(callback);
    const parameters = callback.getParameters().map((p) => p.getNameNode());
    const dbNode = parameters[shape.dbIndex];
    const tenantNode = parameters[shape.tenantIdIndex];
    if (!dbNode || !Node.isIdentifier(dbNode)) continue;
    const db = dbNode.getText();
    const sites = new Set<CallExpression>();
    for (const use of context.classifier.usesIn(callback, { kind: "name", name: db })) {
      if (use.access !== "write" || use.ownTransaction || insideHandlerCall(use.node, handlerName)) continue;
      const site = writeSite(use.node);
      if (site) sites.add(site);
    }
    if (sites.size === 0) continue;
    const tx = freshName(taken, "tx");
    const file = call.getSourceFile().getFilePath();
    const opener =
      tenantNode && Node.isIdentifier(tenantNode)
        ? spanOpener(context, file, imports, tenantNode.getText(), db)!.opener
        : `${db}.$transaction(`;
    for (const site of [...sites].filter((s) => ![...sites].some((o) => o !== s && contains(o, s)))) {
      const start = site.getStart();
      const inner = site
        .getDescendantsOfKind(SyntaxKind.Identifier)
        .filter((id) => id.getText() === db && isReference(id) && !isShadowed(id, db, callback))
        .map((id) => ({
          start: id.getStart() - start,
          end: id.getEnd() - start,
          // `{ db }` keeps its key: `{ db: tx }`.
          text: Node.isShorthandPropertyAssignment(id.getParent()) ? `${db}: ${tx}` : tx,
        }))
        .sort((a, b) => b.start - a.start);
      let text = site.getText();
      for (const ref of inner) text = `${text.slice(0, ref.start)}${ref.text}${text.slice(ref.end)}`;
      edits.push({ start, end: site.getEnd(), text: `${opener}(${tx}) => ${text})` });
      wrapped.push(`${site.getExpression().getText()}(...) at line ${site.getStartLineNumber()}`);
    }
  }
  return { edits, wrapped };
}

/** The call a use of db writes through: the helper it is an argument of, or `db.model.op(...)`. */
function writeSite(node: Node): CallExpression | undefined {
  const parent = node.getParent();
  if (Node.isCallExpression(parent) && parent.getArguments().includes(node)) return parent;
  let current: Node = node;
  while (Node.isPropertyAccessExpression(current.getParent())) current = current.getParentOrThrow();
  const call = current.getParent();
  return Node.isCallExpression(call) && call.getExpression() === current ? call : undefined;
}

function insideHandlerCall(node: Node, handlerName: string | undefined): boolean {
  if (!handlerName) return false;
  return node.getAncestors().some((a) => Node.isCallExpression(a) && a.getExpression().getText() === handlerName);
}

function contains(outer: Node, inner: Node): boolean {
  return outer.getStart() <= inner.getStart() && inner.getEnd() <= outer.getEnd() && outer !== inner;
}
