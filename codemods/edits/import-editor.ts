import { Node, ts, type ImportDeclaration, type ImportSpecifier, type SourceFile } from "ts-morph";
import type { CodemodProject } from "../project/codemod-project.ts";
import { importBindings, type ImportBinding } from "../analysis/import-bindings.ts";
import { freshName } from "../analysis/fresh-name.ts";
import { moduleExports } from "../analysis/module-exports.ts";
import { UnresolvedImportError } from "../errors/unresolved-import-error.ts";
import type { TextEdit } from "./text-edit.ts";

interface DeclarationPlan {
  readonly add: string[];
  readonly remove: Set<string>;
  readonly rename: Map<string, string>;
}

/**
 * Plans import changes of one file and renders them as text edits: adds named imports to the declaration that already
 * imports from the same module (resolved through tsconfig paths), or a new declaration after the last import; removes
 * and renames specifiers; drops a declaration that ends up empty. Other imports keep their text. Every import it adds
 * is proven first: its specifier resolves from the file to the module and the module exports the name; otherwise
 * {@link UnresolvedImportError}, never a dangling import.
 *
 * @example
 * ```ts
 * const imports = new ImportEditor(project, file);
 * const local = imports.use(salesFile, "@/lib/auth/sales", "withSalesSessionV2"); // "withSalesSessionV2"
 * edits.push(...imports.edits());
 * ```
 */
export class ImportEditor {
  private readonly project: CodemodProject;
  private readonly file: SourceFile;
  private readonly plans = new Map<ImportDeclaration, DeclarationPlan>();
  private readonly newImports = new Map<string, string[]>();
  private readonly taken: Set<string>;

  constructor(project: CodemodProject, file: SourceFile, takenNames: Set<string>) {
    this.project = project;
    this.file = file;
    this.taken = takenNames;
  }

  /**
   * Makes `importedName` of `moduleFile` available in the file and returns its local name (the existing one when it is
   * already imported). `specifier` is used for a new import declaration. `moduleFile` is undefined for a package
   * (resolved into node_modules): its imports are then matched by `specifier`. `typeOnly` imports a type
   * (`import type { X }`, or `type X` in an existing declaration); `addedByPhase` says the running phase adds the
   * export to the module itself, so only the resolution is checked.
   * @throws {UnresolvedImportError} when the import would not resolve or the module does not export the name.
   */
  use(
    moduleFile: string | undefined,
    specifier: string,
    importedName: string,
    options: { typeOnly?: boolean; addedByPhase?: boolean } = {},
  ): string {
    if (moduleFile === this.file.getFilePath()) return importedName;
    const bindings = importBindings(this.project, this.file);
    const fromModule = (b: ImportBinding): boolean =>
      moduleFile === undefined ? b.declaration.getModuleSpecifierValue() === specifier : b.moduleFile === moduleFile;
    const existing = bindings.find(
      (b) => fromModule(b) && b.importedName === importedName && (options.typeOnly || !b.isTypeOnly),
    );
    if (existing && !this.plans.get(existing.declaration)?.remove.has(importedName)) return existing.localName;
    const planned = [...[...this.plans.values()].map((p) => p.add), ...this.newImports.values()]
      .flat()
      .map((a) => a.replace(/^type\s+/, ""));
    const already = planned.find((a) => a === importedName || a.startsWith(`${importedName} as `));
    if (already) return localOf(already);
    const checked = this.checkedSpecifier(moduleFile, specifier, importedName, options.addedByPhase === true);
    const local = this.freeName(importedName);
    const text = local === importedName ? importedName : `${importedName} as ${local}`;
    const target = bindings.find((b) => fromModule(b) && !b.declaration.isTypeOnly())?.declaration;
    if (target && target.getNamedImports().length > 0)
      this.plan(target).add.push(options.typeOnly ? `type ${text}` : text);
    else {
      const key = options.typeOnly ? `type\0${checked}` : checked;
      const list = this.newImports.get(key) ?? [];
      list.push(text);
      this.newImports.set(key, list);
    }
    this.taken.add(local);
    return local;
  }

  /**
   * The specifier to import `importedName` of `moduleFile` with from this file, after proving the import resolves
   * through the repo's tsconfig (`specifier` if it does, else a `paths` alias or a relative path that does) and that
   * the module exports the name (re-exports followed). A V2 (`<name><v2Suffix>`) of a function the module exports
   * counts as exported: scaffold adds it beside V1 in the same run.
   * @throws {UnresolvedImportError} rather than plan an import that would dangle.
   */
  private checkedSpecifier(
    moduleFile: string | undefined,
    specifier: string,
    importedName: string,
    addedByPhase: boolean,
  ): string {
    const from = this.file.getFilePath();
    const imports = this.file.getImportDeclarations();
    const line = imports.length > 0 ? imports[imports.length - 1]!.getEndLineNumber() : 1;
    const location = { file: this.project.relative(from), line, column: 1 };
    const resolved = moduleFile ?? this.project.resolveAnyModule(specifier, from);
    if (!resolved)
      throw new UnresolvedImportError(
        importedName,
        specifier,
        `"${specifier}" does not resolve from ${location.file} (not installed, or not in the tsconfig paths)`,
        location,
      );
    const usable =
      moduleFile === undefined || this.project.resolveModule(specifier, from) === moduleFile
        ? specifier
        : this.project.specifierFor(moduleFile, from);
    if (!usable)
      throw new UnresolvedImportError(
        importedName,
        specifier,
        `no import specifier resolves to ${this.project.relative(resolved)} from ${location.file}`,
        location,
      );
    const suffix = this.project.config.v2Suffix;
    const v1 = importedName.endsWith(suffix) ? importedName.slice(0, -suffix.length) : undefined;
    if (
      !addedByPhase &&
      !moduleExports(this.project, resolved, importedName) &&
      !(v1 && moduleExports(this.project, resolved, v1))
    ) {
      throw new UnresolvedImportError(
        importedName,
        usable,
        `${this.project.relative(resolved)} does not export ${importedName}`,
        location,
      );
    }
    return usable;
  }

  /** Removes the named import `importedName` from `declaration`. */
  remove(declaration: ImportDeclaration, importedName: string): void {
    this.plan(declaration).remove.add(importedName);
  }

  /** Changes the imported name `from` to `to` in `declaration` (keeping an alias if any). */
  rename(declaration: ImportDeclaration, from: string, to: string): void {
    this.plan(declaration).rename.set(from, to);
  }

  /** A name not used anywhere in the file, based on `wanted`. */
  freeName(wanted: string): string {
    return freshName(this.taken, wanted);
  }

  /** The text edits realizing the plan. */
  edits(): TextEdit[] {
    const edits: TextEdit[] = [];
    const removals = new Map<ImportDeclaration, { start: number; end: number; text: string }>();
    for (const [declaration, plan] of this.plans) {
      const namedImports = declaration.getImportClause()?.getNamedBindings();
      if (!namedImports || !Node.isNamedImports(namedImports)) continue;
      const seen = new Set<string>();
      const items: string[] = [];
      const push = (text: string): void => {
        const key = text.replace(/^type\s+/, "");
        if (seen.has(key)) return;
        seen.add(key);
        items.push(text);
      };
      const render = (specifier: ImportSpecifier): string => {
        const name = specifier.getName();
        const renamed = plan.rename.get(name);
        return renamed ? specifier.getText().replace(new RegExp(`\\b${name}\\b`), renamed) : specifier.getText();
      };
      const elements = namedImports.getElements();
      const moved = new Set<ImportSpecifier>();
      for (const [i, specifier] of elements.entries()) {
        if (moved.has(specifier)) continue;
        const name = specifier.getName();
        if (!plan.remove.has(name)) {
          push(render(specifier));
          continue;
        }
        // A V2 replacing its V1 (reads, writes) takes V1's place, and so does a V2 renamed to V1's name (finalize):
        // the import's diff is the one name, and the whole rollout leaves the line as it was.
        const v2Name = `${name}${this.project.config.v2Suffix}`;
        const added = plan.add.find((text) => text.split(/\s+as\s+/)[0] === v2Name);
        const laterV2 = elements.slice(i + 1).find((e) => e.getName() === v2Name && !plan.remove.has(v2Name));
        if (added) push(added);
        else if (laterV2) {
          push(render(laterV2));
          moved.add(laterV2);
        }
      }
      for (const added of plan.add) if (!seen.has(added)) items.push(added);
      const hasOther = declaration.getDefaultImport() !== undefined;
      if (items.length === 0 && !hasOther) {
        const start = declaration.getStart();
        let end = declaration.getEnd();
        const full = this.file.getFullText();
        if (full[end] === "\n") end += 1;
        else if (full.startsWith("\r\n", end)) end += 2;
        const edit = { start, end, text: "" };
        removals.set(declaration, edit);
        edits.push(edit);
        continue;
      }
      edits.push({
        start: namedImports.getStart(),
        end: namedImports.getEnd(),
        text: renderNamed(items, namedImports.getText()),
      });
    }
    if (this.newImports.size > 0) {
      const imports = this.file.getImportDeclarations();
      const last = imports[imports.length - 1];
      const lines = [...this.newImports].map(([key, names]) => {
        const typeOnly = key.startsWith("type\0");
        return `import ${typeOnly ? "type " : ""}{ ${names.join(", ")} } from "${typeOnly ? key.slice(5) : key}";`;
      });
      const removed = last ? removals.get(last) : undefined;
      // The last import goes away: the new ones take its place (an insertion at its end would overlap its removal).
      if (removed) removed.text = `${lines.join("\n")}\n`;
      else if (last) edits.push({ start: last.getEnd(), end: last.getEnd(), text: `\n${lines.join("\n")}` });
      else edits.push({ start: 0, end: 0, text: `${lines.join("\n")}\n` });
    }
    return edits;
  }

  private plan(declaration: ImportDeclaration): DeclarationPlan {
    let plan = this.plans.get(declaration);
    if (!plan) {
      plan = { add: [], remove: new Set(), rename: new Map() };
      this.plans.set(declaration, plan);
    }
    return plan;
  }
}

function localOf(specifierText: string): string {
  const parts = specifierText.split(/\s+as\s+/);
  return parts[parts.length - 1]!;
}

function renderNamed(items: string[], original: string): string {
  if (!original.includes("\n")) return `{ ${items.join(", ")} }`;
  const indent = /\n([ \t]+)\S/.exec(original)?.[1] ?? "  ";
  const closingIndent = /\n([ \t]*)\}$/.exec(original)?.[1] ?? "";
  return `{\n${items.map((item) => `${indent}${item},`).join("\n")}\n${closingIndent}}`;
}

/**
 * Every identifier text under `root`, a file or a node (for picking names that collide with nothing). Walks the
 * compiler AST without wrapping nodes, which matters on large repos.
 * @example identifierNames(file).has("tx")
 */
export function identifierNames(root: Node): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(root.compilerNode);
  return names;
}
