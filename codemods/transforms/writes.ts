import { Node, SyntaxKind, type BindingElement } from "ts-morph";
import type { HandlerSite } from "../analysis/handler-finder.ts";
import { planWriteSpan, type SpanPlan } from "../analysis/write-span-planner.ts";
import { ProjectLoadError } from "../errors/project-load-error.ts";
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

function helperModuleFile(context: CodemodContext): string {
  const file = context.project.resolveFromRoot(context.config.transactionHelper.module);
  if (!file) {
    throw new ProjectLoadError(
      `The transaction helper module "${context.config.transactionHelper.module}" does not resolve; ` +
        `set "transactionHelper.module" in tenant-kit.config.json (or --transaction-module).`,
    );
  }
  return file;
}

function rewriteWriteSite(
  context: CodemodContext,
  site: HandlerSite,
  imports: ImportEditor,
  source: string,
  unit: string,
  taken: Set<string>,
): { edits: TextEdit[]; notes: string[]; review: ManualReviewItem[]; span?: WriteSpanReport } | ManualReviewItem {
  const callback = site.callback;
  const binding = site.binding;
  if (!callback || !binding)
    return manualReview("handler-not-inline", "the handler is not an inline function", site.location);
  const free = (wanted: string): string => {
    if (!taken.has(wanted)) return wanted;
    for (let i = 2; ; i++) if (!taken.has(`${wanted}${i}`)) return `${wanted}${i}`;
  };
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
  const helper = ownTransactionOnly
    ? ""
    : imports.use(
        helperModuleFile(context),
        context.config.transactionHelper.module,
        context.config.transactionHelper.name,
      );
  const plan = planWriteSpan(site, source, { helper, tenantId, txName, resultName, indentUnit: unit });
  if ("reason" in plan) return manualReview(plan.reason, plan.detail, site.location);
  const notes = plan.notes.map((n) => `${site.location.file}: ${n}`);
  const review = plan.slowAwaits.map((node) => {
    const text = node.getText().slice(0, 60);
    const detail = `line ${node.getStartLineNumber()}: ${text} stays inside the transaction span`;
    return manualReview("await-in-span", detail, locate(context.project, node));
  });
  const span = spanReport(site, plan, review);
  if (plan.ownTransaction) return { edits: [], notes, review, span };

  // Drop db from the pattern binding it (`{ tenantId, db }` parameter, or `const { db, user } = context;`) when the
  // span takes every use, and add the tenant id to the parameter when it is missing.
  const pattern = binding.dbPattern ?? (firstParam && Node.isObjectBindingPattern(firstParam) ? firstParam : undefined);
  // A destructuring the span itself holds (after a `ctx.db` use) is moved with it, left as it is.
  const insideSpan =
    pattern !== undefined && plan.edits.some((e) => e.start <= pattern.getStart() && pattern.getEnd() <= e.end);
  if (pattern && shape?.kind === "object" && !insideSpan) {
    const dropDb = !plan.dbUsedOutside;
    const isDb = (e: BindingElement): boolean =>
      (e.getPropertyNameNode()?.getText() ?? e.getNameNode().getText()) === shape.dbKey;
    const elements = pattern.getElements().filter((e) => !(dropDb && isDb(e)));
    const isParameter = pattern === firstParam;
    if ((isParameter && addTenantElement) || elements.length !== pattern.getElements().length) {
      const texts = elements.map((e) => e.getText());
      if (isParameter && addTenantElement) texts.push(addTenantElement);
      const statement = pattern.getFirstAncestorByKind(SyntaxKind.VariableStatement);
      if (!isParameter && texts.length === 0 && statement) {
        paramEdits.push({
          start: source.lastIndexOf("\n", statement.getStart() - 1),
          end: statement.getEnd(),
          text: "",
        });
      } else {
        paramEdits.push({
          start: pattern.getStart(),
          end: pattern.getEnd(),
          text: texts.length ? `{ ${texts.join(", ")} }` : "{}",
        });
      }
    }
  }
  return { edits: [...paramEdits, ...plan.edits], notes, review, span };
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
