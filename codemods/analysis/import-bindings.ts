import { Node, type ImportDeclaration, type SourceFile } from "ts-morph";
import type { CodemodProject } from "../project/codemod-project.ts";

/** One named import of a file, resolved to the module file it comes from. */
export interface ImportBinding {
  /** The name used in this file (the alias when there is one). */
  readonly localName: string;
  /** The name exported by the module. */
  readonly importedName: string;
  /** Absolute path of the module file, or undefined for packages and unresolvable specifiers. */
  readonly moduleFile: string | undefined;
  readonly declaration: ImportDeclaration;
  readonly isTypeOnly: boolean;
}

/**
 * The named imports of `file`, each resolved through the repo's tsconfig (so `@/lib/auth/sales` and
 * `../../lib/auth/sales` are the same module). Default and namespace imports are not listed.
 *
 * @example
 * ```ts
 * const sales = importBindings(project, file).find((b) => b.importedName === "withSalesSession");
 * sales?.moduleFile; // "/repo/src/lib/auth/sales.ts"
 * ```
 */
export function importBindings(project: CodemodProject, file: SourceFile): ImportBinding[] {
  const out: ImportBinding[] = [];
  for (const declaration of file.getImportDeclarations()) {
    const moduleFile = project.resolveModule(declaration.getModuleSpecifierValue(), file.getFilePath());
    const declarationTypeOnly = declaration.isTypeOnly();
    for (const named of declaration.getNamedImports()) {
      out.push({
        localName: named.getAliasNode()?.getText() ?? named.getName(),
        importedName: named.getName(),
        moduleFile,
        declaration,
        isTypeOnly: declarationTypeOnly || named.isTypeOnly(),
      });
    }
  }
  return out;
}

/**
 * The top-level function a name refers to in `file`: a function declaration or a `const name = (...) => ...` /
 * `function` expression. Undefined for anything else.
 * @example localFunction(file, "setStatus")
 */
export function localFunction(file: SourceFile, name: string): Node | undefined {
  const declaration = file.getFunction(name);
  if (declaration) return declaration;
  const variable = file.getVariableDeclaration(name);
  const initializer = variable?.getInitializer();
  if (initializer && (Node.isArrowFunction(initializer) || Node.isFunctionExpression(initializer))) return initializer;
  return undefined;
}

/**
 * True when `name` is exported from `file` (declaration with `export`, or listed in an `export { }`). Syntactic on
 * purpose: ts-morph's `isExported()` asks the type checker, which builds a program over every file parsed so far,
 * again after each new file: quadratic on a large repo.
 * @example isExported(file, "withSalesSession")
 */
export function isExported(file: SourceFile, name: string): boolean {
  if (file.getFunction(name)?.hasExportKeyword()) return true;
  const variable = file.getVariableStatement((statement) =>
    statement.getDeclarations().some((d) => d.getName() === name),
  );
  if (variable?.hasExportKeyword()) return true;
  return file
    .getExportDeclarations()
    .some((e) => !e.getModuleSpecifier() && e.getNamedExports().some((n) => n.getName() === name));
}
