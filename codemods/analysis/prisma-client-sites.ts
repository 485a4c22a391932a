import { Node, SyntaxKind, type NewExpression, type SourceFile } from "ts-morph";
import type { CodemodProject } from "../project/codemod-project.ts";
import { importBindings } from "./import-bindings.ts";

/** One `new PrismaClient(...)` of the repo. */
export interface PrismaClientSite {
  readonly file: string;
  readonly node: NewExpression;
  /**
   * Already built on the kit: its module applies `.$extends(tenantExtension(...))` (install ran, or it was done by
   * hand).
   */
  readonly installed: boolean;
}

/** The module holding the app's shared client, and the names that hold the client there. */
export interface SharedClientModule {
  readonly file: string;
  readonly sites: readonly PrismaClientSite[];
  /** Local variables of the module that hold the client (`db`, `prisma`, `globalForPrisma.prisma` is not one). */
  readonly clientNames: ReadonlySet<string>;
  /** Exported names that hold it (`db`, `default`...). */
  readonly exportedNames: ReadonlySet<string>;
  /** How many repo files import it. */
  readonly importers: number;
}

/**
 * Every `new PrismaClient(...)` of the repo whose `PrismaClient` is imported by name (from `@prisma/client`, a
 * generated client path, any alias).
 * @example findPrismaClientSites(project).map((s) => `${s.file}:${s.node.getStartLineNumber()}`)
 */
export function findPrismaClientSites(project: CodemodProject): PrismaClientSite[] {
  const sites: PrismaClientSite[] = [];
  for (const filePath of project.listFiles()) {
    const text = project.readText(filePath);
    if (!text.includes("PrismaClient") || !/\bnew\s+\w+/.test(text)) continue;
    const file = project.sourceFile(filePath);
    const locals = new Set(
      importBindings(project, file)
        .filter((b) => b.importedName === "PrismaClient" && !b.isTypeOnly)
        .map((b) => b.localName),
    );
    if (locals.size === 0) continue;
    for (const node of file.getDescendantsOfKind(SyntaxKind.NewExpression)) {
      const callee = node.getExpression();
      if (!Node.isIdentifier(callee) || !locals.has(callee.getText())) continue;
      sites.push({ file: filePath, node, installed: isInstalled(node) });
    }
  }
  return sites;
}

/**
 * The client is extended with the kit in its module (chained, or on the variable holding it: install ran or was done by
 * hand).
 */
function isInstalled(node: NewExpression): boolean {
  return /\.\$extends\(\s*tenantExtension\s*\(/.test(node.getSourceFile().getFullText());
}

/**
 * The module the app's shared client lives in: among the modules with a `new PrismaClient(...)` that export it, the
 * one most files import. Undefined when no module exports a client.
 */
export function findSharedClientModule(
  project: CodemodProject,
  sites: readonly PrismaClientSite[],
): SharedClientModule | undefined {
  const byFile = new Map<string, PrismaClientSite[]>();
  for (const site of sites) byFile.set(site.file, [...(byFile.get(site.file) ?? []), site]);
  const candidates: SharedClientModule[] = [];
  for (const [filePath, fileSites] of byFile) {
    const found = clientModule(project, filePath, fileSites);
    if (found.exportedNames.size > 0) candidates.push(found);
  }
  if (candidates.length <= 1) return candidates[0];
  const counted = candidates.map((candidate) => ({ ...candidate, importers: countImporters(project, candidate.file) }));
  return counted.sort((a, b) => b.importers - a.importers || a.file.localeCompare(b.file))[0];
}

/**
 * The names holding the clients `sites` create in `filePath` (all in that file), and those it exports.
 * @example clientModule(project, "/app/src/lib/db.ts", sites).exportedNames // Set { "db", "default" }
 */
export function clientModule(
  project: CodemodProject,
  filePath: string,
  sites: readonly PrismaClientSite[],
): SharedClientModule {
  const file = project.sourceFile(filePath);
  const clientNames = clientHoldingNames(file, sites);
  return { file: filePath, sites, clientNames, exportedNames: exportedClientNames(file, clientNames), importers: 0 };
}

/**
 * Variables of `file` whose value is the client: initialized with a site (or a call of the function returning one), or
 * with another such variable.
 */
function clientHoldingNames(file: SourceFile, sites: readonly PrismaClientSite[]): Set<string> {
  const names = new Set<string>();
  const factories = new Set<string>();
  for (const site of sites) {
    const fn = site.node.getFirstAncestor(
      (a) => Node.isFunctionDeclaration(a) || Node.isArrowFunction(a) || Node.isFunctionExpression(a),
    );
    const name =
      fn &&
      (Node.isFunctionDeclaration(fn) ? fn.getName() : fn.getParentIfKind(SyntaxKind.VariableDeclaration)?.getName());
    if (name) factories.add(name);
  }
  const declarations = file
    .getDescendantsOfKind(SyntaxKind.VariableDeclaration)
    .filter((d) => Node.isIdentifier(d.getNameNode()));
  for (let changed = true; changed; ) {
    changed = false;
    for (const declaration of declarations) {
      const name = declaration.getName();
      const init = declaration.getInitializer();
      if (names.has(name) || !init || Node.isArrowFunction(init) || Node.isFunctionExpression(init)) continue;
      const holds =
        sites.some((s) => s.node.getStart() >= init.getStart() && s.node.getEnd() <= init.getEnd()) ||
        init
          .getDescendantsOfKind(SyntaxKind.CallExpression)
          .concat(Node.isCallExpression(init) ? [init] : [])
          .some((c) => factories.has(c.getExpression().getText())) ||
        refersTo(init, names);
      if (holds) {
        names.add(name);
        changed = true;
      }
    }
  }
  return names;
}

/**
 * Whether `node` reads one of `names` as a value: not as a property name (`globalForPrisma.prisma`), nor in a type
 * (`globalThis as unknown as { prisma: PrismaClient }`).
 */
function refersTo(node: Node, names: ReadonlySet<string>): boolean {
  return [node, ...node.getDescendantsOfKind(SyntaxKind.Identifier)].some((id) => {
    if (!Node.isIdentifier(id) || !names.has(id.getText())) return false;
    const parent = id.getParent();
    if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false;
    if ((Node.isPropertyAssignment(parent) || Node.isPropertySignature(parent)) && parent.getNameNode() === id)
      return false;
    return id.getFirstAncestor((a) => Node.isTypeNode(a)) === undefined;
  });
}

function exportedClientNames(file: SourceFile, clientNames: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const statement of file.getVariableStatements()) {
    if (!statement.hasExportKeyword()) continue;
    for (const declaration of statement.getDeclarations())
      if (clientNames.has(declaration.getName())) out.add(declaration.getName());
  }
  for (const declaration of file.getExportDeclarations()) {
    if (declaration.getModuleSpecifier()) continue;
    for (const named of declaration.getNamedExports())
      if (clientNames.has(named.getName())) out.add(named.getAliasNode()?.getText() ?? named.getName());
  }
  for (const assignment of file.getExportAssignments())
    if (!assignment.isExportEquals() && clientNames.has(assignment.getExpression().getText())) out.add("default");
  return out;
}

function countImporters(project: CodemodProject, moduleFile: string): number {
  const base =
    moduleFile
      .replace(/\.(tsx?|mts|cts)$/, "")
      .split("/")
      .pop() ?? "";
  let count = 0;
  for (const filePath of project.listFiles()) {
    if (filePath === moduleFile || !project.readText(filePath).includes(base)) continue;
    const file = project.sourceFile(filePath);
    if (
      file
        .getImportDeclarations()
        .some((d) => project.resolveModule(d.getModuleSpecifierValue(), filePath) === moduleFile)
    )
      count++;
  }
  return count;
}

/**
 * Local names of `file` bound to the shared client: named and default imports of its exported client names (a
 * module-level binding; uses inside a scope that declares the same name are not the client).
 * @example clientImportsIn(project, routeFile, shared) // ["db"]
 */
export function clientImportsIn(project: CodemodProject, file: SourceFile, shared: SharedClientModule): string[] {
  if (file.getFilePath() === shared.file) return [...shared.clientNames];
  const locals: string[] = [];
  for (const declaration of file.getImportDeclarations()) {
    if (
      declaration.isTypeOnly() ||
      project.resolveModule(declaration.getModuleSpecifierValue(), file.getFilePath()) !== shared.file
    )
      continue;
    const defaultImport = declaration.getDefaultImport();
    if (defaultImport && shared.exportedNames.has("default")) locals.push(defaultImport.getText());
    for (const named of declaration.getNamedImports()) {
      if (!named.isTypeOnly() && shared.exportedNames.has(named.getName()))
        locals.push(named.getAliasNode()?.getText() ?? named.getName());
    }
  }
  return locals;
}
