import { Node, SyntaxKind, type SourceFile } from "ts-morph";
import { locate } from "../analysis/db-usage-classifier.ts";
import { importBindings } from "../analysis/import-bindings.ts";
import { identifiersNamed } from "../analysis/named-identifiers.ts";
import type { WrapperInfo } from "../analysis/wrapper-discovery.ts";
import { identifierNames, ImportEditor } from "../edits/import-editor.ts";
import type { TextEdit } from "../edits/text-edit.ts";
import type { SourceLocation } from "../errors/codemod-error.ts";
import {
  manualReview,
  type Codemod,
  type CodemodContext,
  type FileTransformResult,
  type ManualReviewItem,
} from "../runner/codemod-types.ts";
import { declarationStatement, SCAFFOLD_MARKER } from "./scaffold/scaffold-codemod.ts";
import { FINALIZED_TAG } from "../analysis/wrapper-discovery.ts";

interface FinalizePlan {
  /** Wrappers whose V1 is removed (and V2 renamed to V1's name unless keepV2Names). */
  readonly removable: ReadonlySet<WrapperInfo>;
  /** Remaining V1 uses of the blocked wrappers, by file. */
  readonly blockedUses: ReadonlyMap<string, ManualReviewItem[]>;
}

const plans = new WeakMap<CodemodContext, FinalizePlan>();

/**
 * Phase "finalize": for each wrapper whose V1 is no longer used anywhere in the repo, removes V1 and renames V2 to
 * V1's name everywhere (declaration, imports, calls), unless `keepV2Names`. The tenant wrapper goes too once no
 * handler and no remaining V1 session wrapper uses it. A wrapper with V1 uses left is kept, and each use is listed for
 * manual review: finalize only completes what the earlier phases finished.
 *
 * @example
 * ```ts
 * // after: src/lib/auth/sales.ts exports withSalesSession (the former V2); routes import withSalesSession again
 * ```
 */
export const finalizeCodemod: Codemod = {
  id: "finalize",
  summary: "Remove V1 wrappers nobody uses any more and rename their V2 to the V1 name.",
  candidateFiles: (context) => {
    const names = context.index.all.flatMap((w) => [w.name, w.v2Name]);
    return context.project
      .listFiles()
      .filter((file) => names.some((name) => context.project.readText(file).includes(name)));
  },
  prepare: (context) => {
    plans.set(context, planFinalize(context));
  },
  transformFile: (context, file) => {
    const plan = plans.get(context) ?? planFinalize(context);
    plans.set(context, plan);
    return finalizeFile(context, file, plan);
  },
};

function planFinalize(context: CodemodContext): FinalizePlan {
  const { project, index } = context;
  const uses = new Map<
    WrapperInfo,
    Array<{ location: SourceLocation; file: string; inside: WrapperInfo | undefined }>
  >();
  for (const file of finalizeCodemod.candidateFiles(context)) {
    const source = project.sourceFile(file);
    const refs = index.refsIn(project, source);
    for (const identifier of identifiersNamed(source, new Set(refs.keys()))) {
      const ref = refs.get(identifier.getText());
      if (ref?.version !== 1 || !isValueReference(identifier)) continue;
      if (isDeclarationName(identifier, ref.wrapper)) continue;
      const inside = index.sessionWrappers.find(
        (w) => w.file === file && insideDeclaration(source, w.name, identifier),
      );
      const list = uses.get(ref.wrapper) ?? [];
      list.push({ location: locate(project, identifier), file, inside });
      uses.set(ref.wrapper, list);
    }
  }
  const removable = new Set<WrapperInfo>();
  for (const wrapper of index.sessionWrappers)
    if (wrapper.hasV2 && wrapper.v2Name !== wrapper.name && (uses.get(wrapper) ?? []).length === 0)
      removable.add(wrapper);
  const tenant = index.requestWrapper;
  const tenantUses = ((tenant && uses.get(tenant)) ?? []).filter((u) => !(u.inside && removable.has(u.inside)));
  if (tenant?.hasV2 && tenant.v2Name !== tenant.name && tenantUses.length === 0) removable.add(tenant);
  const blockedUses = new Map<string, ManualReviewItem[]>();
  for (const wrapper of index.all) {
    if (removable.has(wrapper)) continue;
    const remaining = wrapper === tenant ? tenantUses : (uses.get(wrapper) ?? []);
    for (const use of remaining) {
      const detail = !wrapper.hasV2
        ? `${wrapper.name} has no ${wrapper.v2Name} yet (run scaffold)`
        : `${wrapper.name} is still used${use.inside ? ` by the V1 wrapper ${use.inside.name}` : ""}; ` +
          `migrate this use (or fix it by hand) before ${wrapper.name} can be removed`;
      const list = blockedUses.get(use.file) ?? [];
      list.push(manualReview("v1-still-used", detail, use.location));
      blockedUses.set(use.file, list);
    }
  }
  return { removable, blockedUses };
}

function finalizeFile(context: CodemodContext, file: SourceFile, plan: FinalizePlan): FileTransformResult {
  const { project, index, config } = context;
  const path = file.getFilePath();
  const edits: TextEdit[] = [];
  const notes: string[] = [];
  const removedRanges: Array<[number, number]> = [];
  for (const wrapper of plan.removable) {
    if (wrapper.file !== path) continue;
    const declaration = declarationStatement(file, wrapper.name);
    if (!declaration) continue;
    removedRanges.push([declaration.getFullStart(), declaration.getEnd()]);
    edits.push({ start: declaration.getFullStart(), end: declaration.getEnd(), text: "" });
    notes.push(
      `${project.relative(path)}: removed ${wrapper.name}` +
        `${config.keepV2Names ? "" : `, ${wrapper.v2Name} renamed to ${wrapper.name}`}`,
    );
  }
  if (removedRanges.length > 0) {
    // Scaffold's notes go; each renamed V2 gets the tag that tells later runs it is already migrated.
    const v2Declarations = new Set(
      [...plan.removable].filter((w) => w.file === path).map((w) => declarationStatement(file, w.v2Name)),
    );
    for (const statement of file.getStatements()) {
      if (!Node.isJSDocable(statement)) continue;
      for (const doc of statement.getJsDocs()) {
        const text = doc.getText();
        const replacement = v2Declarations.has(statement) ? `\n *\n * ${FINALIZED_TAG}` : "";
        const cleaned = text.replace(
          new RegExp(`(\\n[ \\t]*\\*[ \\t]*)?\\n[ \\t]*\\* ${escapeRegExp(SCAFFOLD_MARKER)}[^\\n]*`),
          replacement,
        );
        // A doc left with nothing but the tag (V2's doc was only scaffold's note) gets a sentence saying what it is.
        const described = isOnlyTag(cleaned)
          ? `/**\n * Runs its handler with the tenant's client (\`$forTenant\`): no transaction is held per request.` +
            `\n *\n * ${FINALIZED_TAG}\n */`
          : cleaned;
        const collapsed = described.replace(/^\/\*\* ([^\n]*)\n[ \t]*\*\/$/, "/** $1 */");
        if (collapsed !== text) edits.push({ start: doc.getStart(), end: doc.getEnd(), text: collapsed });
      }
    }
  }
  const inRemoved = (node: Node): boolean => removedRanges.some(([s, e]) => node.getStart() >= s && node.getEnd() <= e);
  const renaming = (wrapper: WrapperInfo): boolean => plan.removable.has(wrapper) && !config.keepV2Names;
  const refs = index.refsIn(project, file);
  const bindings = importBindings(project, file);
  const imports = new ImportEditor(project, file, identifierNames(file));
  const aliasedRenames = new Set<string>();
  for (const binding of bindings) {
    const ref = index.lookup(binding.moduleFile, binding.importedName);
    if (
      !ref ||
      (ref.version === 2 && !plan.removable.has(ref.wrapper)) ||
      (ref.version === 1 && !plan.removable.has(ref.wrapper) && removedRanges.length === 0)
    )
      continue;
    if (ref.version === 1 && removedRanges.length > 0) {
      const stillUsed = identifiersNamed(file, binding.localName).some(
        (id) => isValueReference(id) && !Node.isImportSpecifier(id.getParent()) && !inRemoved(id),
      );
      if (!stillUsed) imports.remove(binding.declaration, binding.importedName);
    } else if (renaming(ref.wrapper)) {
      const clash = bindings.some(
        (b) => b.localName === ref.wrapper.name && index.lookup(b.moduleFile, b.importedName)?.wrapper !== ref.wrapper,
      );
      if (binding.localName !== binding.importedName || clash) {
        imports.rename(
          binding.declaration,
          binding.importedName,
          binding.localName !== binding.importedName ? ref.wrapper.name : `${ref.wrapper.name} as ${binding.localName}`,
        );
        aliasedRenames.add(binding.localName);
      } else {
        imports.rename(binding.declaration, binding.importedName, ref.wrapper.name);
      }
    }
  }
  for (const identifier of identifiersNamed(file, new Set(refs.keys()))) {
    const name = identifier.getText();
    const ref = refs.get(name);
    if (ref?.version !== 2 || !renaming(ref.wrapper) || aliasedRenames.has(name)) continue;
    if (Node.isImportSpecifier(identifier.getParent()) || inRemoved(identifier)) continue;
    const parent = identifier.getParent();
    if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === identifier) continue;
    if (name !== ref.wrapper.v2Name) continue;
    edits.push({ start: identifier.getStart(), end: identifier.getEnd(), text: ref.wrapper.name });
  }
  edits.push(...imports.edits());
  const review = plan.blockedUses.get(path) ?? [];
  return { edits, sites: [], manualReview: review, notes };
}

function isValueReference(identifier: Node): boolean {
  const parent = identifier.getParent();
  if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === identifier) return false;
  if (Node.isPropertyAssignment(parent) && parent.getNameNode() === identifier) return false;
  if (Node.isImportSpecifier(parent)) return false;
  if (Node.isJSDocLink?.(parent) || parent?.getKind() === SyntaxKind.JSDocLink) return false;
  return true;
}

function isDeclarationName(identifier: Node, wrapper: WrapperInfo): boolean {
  const parent = identifier.getParent();
  if (identifier.getSourceFile().getFilePath() !== wrapper.file) return false;
  return (
    (Node.isFunctionDeclaration(parent) || Node.isVariableDeclaration(parent)) && parent.getNameNode() === identifier
  );
}

function insideDeclaration(file: SourceFile, name: string, node: Node): boolean {
  const declaration = declarationStatement(file, name);
  return (
    declaration !== undefined && node.getStart() >= declaration.getStart() && node.getEnd() <= declaration.getEnd()
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether a JSDoc text holds nothing but {@link FINALIZED_TAG}. */
function isOnlyTag(doc: string): boolean {
  const body = doc
    .replace(/^\/\*\*|\*\/$/g, "")
    .split("\n")
    .map((line) => line.replace(/^[ \t]*\*?/, "").trim())
    .join(" ")
    .trim();
  return body === FINALIZED_TAG;
}
