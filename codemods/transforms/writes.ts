import { Node, SyntaxKind, type BindingElement } from "ts-morph";
import type { HandlerSite } from "../analysis/handler-finder.ts";
import { planWriteSpan, type SpanPlan } from "../analysis/write-span-planner.ts";
import { spanOpener } from "../edits/span-opener.ts";
import { identifierNames, type ImportEditor } from "../edits/import-editor.ts";
import { topLevelFunction } from "../analysis/handler-finder.ts";
import { indentUnit, type TextEdit } from "../edits/text-edit.ts";
import { locate } from "../analysis/db-usage-classifier.ts";
import {
  manualReview,
  type Codemod,
  type CodemodContext,
  type ManualReviewItem,
  type WriteSpanReport,
} from "../runner/codemod-types.ts";
import { helperReader } from "../analysis/helper-reader.ts";
import { freshName } from "../analysis/fresh-name.ts";
import { inlineHelperCall } from "../edits/helper-call-inline.ts";
import { removeStatement } from "../edits/remove-statement.ts";
import { mentionsWrapper, migrateSites } from "./reads.ts";

/**
 * Phase "writes": every V1 handler classified `write` moves to its wrapper's V2, with the smallest
 * `withTenant(tenantId, async (tx) => ...)` span holding its writes and the reads that flow into them (see
 * {@link planWriteSpan}). A handler with its own `db.$transaction(...)` keeps it (now tenant-scoped) and gets no span.
 *
 * @example
 * ```ts
 * // before (V1)
 * const customer = await db.customer.create({ data });
 * // after (V2)
 * const customer = await withTenant(tenantId, (tx) => tx.customer.create({ data }));
 * ```
 */
export const writesCodemod: Codemod = {
  id: "writes",
  summary: "Move handlers that write to the V2 wrapper, with the smallest transaction span around their writes.",
  candidateFiles: (context) => context.targetFiles.filter((file) => mentionsWrapper(context, file)),
  transformFile: (context, file) => {
    const source = file.getFullText();
    const unit = indentUnit(source);
    return migrateSites(context, file, "write", (site, imports) =>
      rewriteWriteSite(context, site, imports, source, unit, scopeNames(site)),
    );
  },
};

/** Names visible or used where the site's handler is: the top-level function holding it plus the module's own names. */
function scopeNames(site: HandlerSite): Set<string> {
  const file = site.call.getSourceFile();
  const names = identifierNames(topLevelFunction(site.call) ?? site.call);
  for (const statement of file.getStatements()) {
    if (Node.isImportDeclaration(statement))
      for (const named of statement.getNamedImports()) names.add(named.getAliasNode()?.getText() ?? named.getName());
    else if (Node.isVariableStatement(statement)) for (const d of statement.getDeclarations()) names.add(d.getName());
    else if ((Node.isFunctionDeclaration(statement) || Node.isClassDeclaration(statement)) && statement.getName())
      names.add(statement.getName()!);
  }
  return names;
}

/**
 * A handler that calls the transaction helper straight: the writes keep the smallest span, with the same helper and
 * arguments, and the rest of the callback moves out of it onto the tenant-scoped reader (see {@link inlineHelperCall}).
 */
function rewriteHelperWriteSite(
  context: CodemodContext,
  site: HandlerSite,
  imports: ImportEditor,
  source: string,
  unit: string,
  taken: Set<string>,
): { edits: TextEdit[]; notes: string[]; review: ManualReviewItem[] } | ManualReviewItem {
  const reader = helperReader(context, site, imports);
  if ("problem" in reader) return manualReview("span-not-provable", reader.problem, site.location);
  const args = site.call.getArguments();
  const callback = site.callback;
  const shape = site.ref.wrapper.shape;
  const txParam = shape?.kind === "positional" ? callback?.getParameters()[shape.dbIndex]?.getNameNode() : undefined;
  if (site.ref.wrapper.handlerIndex !== args.length - 1 || !txParam || !Node.isIdentifier(txParam))
    return manualReview("span-not-provable", "the helper's callback is not its last argument", site.location);
  const opener = `${site.calleeName}(${args
    .slice(0, -1)
    .map((a) => a.getText())
    .join(", ")}, `;
  const plan = planWriteSpan(site, source, {
    opener,
    txName: txParam.getText(),
    resultName: freshName(taken, "txResult"),
    indentUnit: unit,
  });
  if ("reason" in plan) return manualReview(plan.reason, plan.detail, site.location);
  if (plan.ownTransaction)
    return manualReview("mixed-own-transaction", "the helper's callback opens its own $transaction", site.location);
  const inlined = inlineHelperCall(site, source, {
    reader: reader.expression,
    readerName: freshName(taken, "db"),
    bodyEdits: plan.edits,
  });
  if ("problem" in inlined) return manualReview("span-not-provable", inlined.problem, site.location);
  const notes = plan.notes.map((n) => `${site.location.file}: ${n}`);
  const review = plan.slowAwaits.map((node) => {
    const detail = `line ${node.getStartLineNumber()}: ${node.getText().slice(0, 60)} stays inside the transaction span`;
    return manualReview("await-in-span", detail, locate(context.project, node));
  });
  return { edits: inlined.edits, notes, review };
}

function rewriteWriteSite(
  context: CodemodContext,
  site: HandlerSite,
  imports: ImportEditor,
  source: string,
  unit: string,
  taken: Set<string>,
): { edits: TextEdit[]; notes: string[]; review: ManualReviewItem[]; span?: WriteSpanReport } | ManualReviewItem {
  if (site.ref.wrapper.kind === "transaction-helper")
    return rewriteHelperWriteSite(context, site, imports, source, unit, taken);
  const callback = site.callback;
  const binding = site.binding;
  if (!callback || !binding)
    return manualReview("handler-not-inline", "the handler is not an inline function", site.location);
  const free = (wanted: string): string => freshName(taken, wanted);
  const shape = site.ref.wrapper.shape;
  let tenantId = binding.tenantIdExpression;
  const paramEdits: TextEdit[] = [];
  const firstParam = callback.getParameters()[0]?.getNameNode();
  let addTenantElement: string | undefined;
  if (!tenantId) {
    if (shape?.kind !== "object" || !firstParam || !Node.isObjectBindingPattern(firstParam)) {
      return manualReview(
        "span-not-provable",
        "the handler does not receive the tenant id and the kit cannot add it",
        site.location,
      );
    }
    tenantId = free(shape.tenantIdKey);
    addTenantElement = tenantId === shape.tenantIdKey ? tenantId : `${shape.tenantIdKey}: ${tenantId}`;
  }
  const txName = free("tx");
  const resultName = free("txResult");
  const ownTransactionOnly = site.uses.some((u) => u.ownTransaction);
  const span = ownTransactionOnly
    ? { opener: "", usesDb: false }
    : spanOpener(context, site.call.getSourceFile().getFilePath(), imports, tenantId, dbExpression(site));
  if (!span)
    return manualReview("span-not-provable", "the handler receives no db to open a transaction on", site.location);
  const plan = planWriteSpan(site, source, { opener: span.opener, txName, resultName, indentUnit: unit });
  if ("reason" in plan) return manualReview(plan.reason, plan.detail, site.location);
  const notes = plan.notes.map((n) => `${site.location.file}: ${n}`);
  const review = plan.slowAwaits.map((node) => {
    const text = node.getText().slice(0, 60);
    const detail = `line ${node.getStartLineNumber()}: ${text} stays inside the transaction span`;
    return manualReview("await-in-span", detail, locate(context.project, node));
  });
  const report = spanReport(site, plan, review);
  if (plan.ownTransaction) return { edits: [], notes, review, span: report };

  // Drop db from the pattern binding it (`{ tenantId, db }` parameter, or `const { db, user } = context;`) when the
  // span takes every use, and add the tenant id to the parameter when it is missing.
  const pattern = binding.dbPattern ?? (firstParam && Node.isObjectBindingPattern(firstParam) ? firstParam : undefined);
  // A destructuring the span itself holds (after a `ctx.db` use) is moved with it, left as it is.
  const insideSpan =
    pattern !== undefined && plan.edits.some((e) => e.start <= pattern.getStart() && pattern.getEnd() <= e.end);
  if (pattern && shape?.kind === "object" && !insideSpan) {
    const dropDb = !plan.dbUsedOutside && !span.usesDb;
    const isDb = (e: BindingElement): boolean =>
      (e.getPropertyNameNode()?.getText() ?? e.getNameNode().getText()) === shape.dbKey;
    const elements = pattern.getElements().filter((e) => !(dropDb && isDb(e)));
    const isParameter = pattern === firstParam;
    if ((isParameter && addTenantElement) || elements.length !== pattern.getElements().length) {
      const texts = elements.map((e) => e.getText());
      if (isParameter && addTenantElement) texts.push(addTenantElement);
      const statement = pattern.getFirstAncestorByKind(SyntaxKind.VariableStatement);
      if (!isParameter && texts.length === 0 && statement) {
        paramEdits.push(removeStatement(source, statement));
      } else {
        paramEdits.push({
          start: pattern.getStart(),
          end: pattern.getEnd(),
          text: texts.length ? `{ ${texts.join(", ")} }` : "{}",
        });
      }
    }
  }
  return { edits: [...paramEdits, ...plan.edits], notes, review, span: report };
}

/**
 * What the span holds, for the review page: the db uses inside the span's edit (or the own transaction's uses), the
 * statements hoisted above it and the awaits left in it.
 */
function spanReport(site: HandlerSite, plan: SpanPlan, review: readonly ManualReviewItem[]): WriteSpanReport {
  const spanEdit = plan.edits[plan.edits.length - 1];
  const inside = plan.ownTransaction
    ? site.uses.filter((u) => u.ownTransaction || u.access === "write")
    : site.uses.filter((u) => spanEdit && u.node.getStart() >= spanEdit.start && u.node.getEnd() <= spanEdit.end);
  return {
    holds: inside.map((u) => `${u.access}: ${u.description} at line ${u.location.line}`),
    hoisted: plan.ownTransaction ? [] : plan.notes,
    slowAwaits: review.map((item) => item.detail),
    ownTransaction: plan.ownTransaction,
  };
}

/** How the handler reaches the client V2 hands it (`db`, `ctx.db`), if it does. */
function dbExpression(site: HandlerSite): string | undefined {
  const db = site.binding?.db;
  if (!db) return undefined;
  return db.kind === "name" ? db.name : `${db.objectName}.${db.property}`;
}
