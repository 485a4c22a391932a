import { Node, type SourceFile } from "ts-morph";
import type { CodemodProject } from "../project/codemod-project.ts";

/**
 * Whether the module `file` exports `name` (`"default"` for the default export): a declaration with `export`, an
 * `export { local as name }`, an `export default`, or a re-export (`export { x as name } from`, `export * from`,
 * `export * as name from`) followed into its module through the repo's tsconfig, packages and `.d.ts` files included.
 * Syntactic, like {@link isExported}: no type checker.
 *
 * @example moduleExports(project, "/repo/src/lib/prisma-tx.ts", "withTenant") // true
 */
export function moduleExports(project: CodemodProject, file: string, name: string, seen = new Set<string>()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  const source = project.sourceFile(file);
  if (name === "default" ? hasDefaultExport(source) : declaresExported(source, name)) return true;
  for (const declaration of source.getExportDeclarations()) {
    const specifier = declaration.getModuleSpecifierValue();
    const named = declaration.getNamedExports();
    const local = named.find((e) => (e.getAliasNode()?.getText() ?? e.getName()) === name);
    if (!specifier) {
      if (local) return true;
      continue;
    }
    const namespace = declaration.getNamespaceExport();
    if (namespace) {
      if (namespace.getName() === name) return true;
      continue;
    }
    const target = project.resolveAnyModule(specifier, file);
    if (local) return target !== undefined && moduleExports(project, target, local.getName(), seen);
    if (named.length === 0 && name !== "default" && target && moduleExports(project, target, name, seen)) return true;
  }
  return false;
}

function declaresExported(source: SourceFile, name: string): boolean {
  for (const statement of source.getStatements()) {
    if (!Node.isModifierable(statement) || !statement.hasModifier("export")) continue;
    if (Node.isVariableStatement(statement)) {
      if (statement.getDeclarations().some((d) => d.getName() === name)) return true;
    } else if (
      (Node.isFunctionDeclaration(statement) ||
        Node.isClassDeclaration(statement) ||
        Node.isInterfaceDeclaration(statement) ||
        Node.isTypeAliasDeclaration(statement) ||
        Node.isEnumDeclaration(statement) ||
        Node.isModuleDeclaration(statement)) &&
      statement.getName() === name
    ) {
      return true;
    }
  }
  return false;
}

function hasDefaultExport(source: SourceFile): boolean {
  return (
    source.getExportAssignments().some((a) => !a.isExportEquals()) ||
    source.getStatements().some((s) => Node.isModifierable(s) && s.hasModifier("default"))
  );
}
