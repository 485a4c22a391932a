import { Node, type SourceFile } from "ts-morph";
import type { HandlerSite } from "../analysis/handler-finder.ts";
import { importBindings } from "../analysis/import-bindings.ts";
import { identifiersNamed } from "../analysis/named-identifiers.ts";
import type { ImportEditor } from "./import-editor.ts";
import type { TextEdit } from "./text-edit.ts";
import type { CodemodContext } from "../runner/codemod-types.ts";

/**
 * Points a V1 wrapper call at the wrapper's V2: returns the edit of the callee and plans the V2 import (beside the V1
 * import, same specifier). Call {@link dropUnusedV1Imports} once all sites of the file are done.
 *
 * @example edits.push(swapToV2(context, file, site, imports));
 */
export function swapToV2(
  context: CodemodContext,
  file: SourceFile,
  site: HandlerSite,
  imports: ImportEditor,
): TextEdit {
  const wrapper = site.ref.wrapper;
  const binding = importBindings(context.project, file).find((b) => b.localName === site.calleeName);
  const specifier = binding?.declaration.getModuleSpecifierValue() ?? context.project.relative(wrapper.file);
  const v2Local = imports.use(wrapper.file, specifier, wrapper.v2Name);
  const callee = site.call.getExpression();
  return { start: callee.getStart(), end: callee.getEnd(), text: v2Local };
}

/**
 * Removes the V1 wrapper imports no longer referenced once `migrated` calls point at V2.
 * @example dropUnusedV1Imports(context, file, migratedSites, imports);
 */
export function dropUnusedV1Imports(
  context: CodemodContext,
  file: SourceFile,
  migrated: readonly HandlerSite[],
  imports: ImportEditor,
): void {
  const migratedCallees = new Set(migrated.map((s) => s.call.getExpression()));
  for (const name of new Set(migrated.map((s) => s.calleeName))) {
    const binding = importBindings(context.project, file).find((b) => b.localName === name);
    if (!binding) continue;
    const stillUsed = identifiersNamed(file, name).some((id) => {
      if (migratedCallees.has(id)) return false;
      const parent = id.getParent();
      return !Node.isImportSpecifier(parent);
    });
    if (!stillUsed) imports.remove(binding.declaration, binding.importedName);
  }
}
