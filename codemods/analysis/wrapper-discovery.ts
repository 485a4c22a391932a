import { Node, SyntaxKind, type CallExpression, type SourceFile } from "ts-morph";
import { ProjectLoadError } from "../errors/project-load-error.ts";
import type { CodemodProject } from "../project/codemod-project.ts";
import { importBindings, isExported, localFunction } from "./import-bindings.ts";

/**
 * JSDoc tag finalize leaves on each renamed V2: later runs treat the function as migrated (its V2 is itself), so
 * scaffold does not copy it again and reads/writes leave its handlers alone.
 */
export const FINALIZED_TAG = "@tenantKitFinalized";

/** Whether a declaration carries {@link FINALIZED_TAG}. */
export function isFinalized(node: Node | undefined): boolean {
  if (!node) return false;
  const holder = Node.isVariableDeclaration(node.getParent()) ? node.getParent()?.getParent()?.getParent() : node;
  return (
    holder !== undefined &&
    Node.isJSDocable(holder) &&
    holder.getJsDocs().some((doc) => doc.getText().includes(FINALIZED_TAG))
  );
}

/** How a wrapper hands `db` and `tenantId` to its handler. */
export type ContextShape =
  | { readonly kind: "object"; readonly dbKey: string; readonly tenantIdKey: string }
  | { readonly kind: "positional"; readonly tenantIdIndex: number; readonly dbIndex: number };

/** A V1 wrapper: the tenant wrapper itself or a session wrapper built on it. */
export interface WrapperInfo {
  readonly kind: "tenant" | "session";
  readonly name: string;
  readonly v2Name: string;
  /** Absolute path of the module exporting it. */
  readonly file: string;
  readonly line: number;
  /** Index of the handler callback among the wrapper's arguments. */
  readonly handlerIndex: number;
  /** Undefined when the wrapper hands the context over in a way the kit does not recognize. */
  readonly shape: ContextShape | undefined;
  /** Whether the module already exports the V2 (scaffold ran). */
  readonly hasV2: boolean;
  /** How it was found. */
  readonly source: "tenant-module" | "discovered" | "config";
}

/** What a local name of a file refers to, when it is a wrapper. */
export interface WrapperRef {
  readonly wrapper: WrapperInfo;
  readonly version: 1 | 2;
}

/**
 * All V1 wrappers of a repo, found by where they are imported from.
 *
 * @example
 * ```ts
 * const index = WrapperIndex.discover(project);
 * index.sessionWrappers.map((w) => w.name); // ["withAdminSession", "withPortalSession", "withSalesSession"]
 * index.refsIn(routeFile).get("withSession"); // { wrapper: withSalesSession, version: 1 } for an aliased import
 * ```
 */
export class WrapperIndex {
  readonly tenantWrapper: WrapperInfo;
  readonly sessionWrappers: readonly WrapperInfo[];
  private readonly byKey: Map<string, WrapperRef>;

  private constructor(tenantWrapper: WrapperInfo, sessionWrappers: WrapperInfo[]) {
    this.tenantWrapper = tenantWrapper;
    this.sessionWrappers = sessionWrappers;
    this.byKey = new Map();
    for (const wrapper of [tenantWrapper, ...sessionWrappers]) {
      this.byKey.set(`${wrapper.file}\0${wrapper.name}`, { wrapper, version: 1 });
      this.byKey.set(`${wrapper.file}\0${wrapper.v2Name}`, { wrapper, version: 2 });
    }
  }

  /** Every wrapper, tenant wrapper first. */
  get all(): readonly WrapperInfo[] {
    return [this.tenantWrapper, ...this.sessionWrappers];
  }

  /** The wrapper (V1 or V2) exported from `file` as `name`, if any. */
  lookup(file: string | undefined, name: string): WrapperRef | undefined {
    return file ? this.byKey.get(`${file}\0${name}`) : undefined;
  }

  /**
   * Local names of `file` that refer to wrappers: named imports resolved to a wrapper module, plus the wrappers
   * declared in `file` itself.
   */
  refsIn(project: CodemodProject, file: SourceFile): Map<string, WrapperRef> {
    const refs = new Map<string, WrapperRef>();
    for (const binding of importBindings(project, file)) {
      if (binding.isTypeOnly) continue;
      const ref = this.lookup(binding.moduleFile, binding.importedName);
      if (ref) refs.set(binding.localName, ref);
    }
    for (const wrapper of this.all) {
      if (wrapper.file !== file.getFilePath()) continue;
      refs.set(wrapper.name, { wrapper, version: 1 });
      refs.set(wrapper.v2Name, { wrapper, version: 2 });
    }
    return refs;
  }

  /**
   * Finds the tenant wrapper (config `tenantModule` / `tenantWrapper`) and every exported function of the repo that
   * runs its handler inside it, plus the wrappers named in the config.
   * @throws {ProjectLoadError} when the tenant module does not resolve or does not export the tenant wrapper.
   */
  static discover(project: CodemodProject): WrapperIndex {
    const { config } = project;
    const tenantFile = project.resolveFromRoot(config.tenantModule);
    if (!tenantFile) {
      throw new ProjectLoadError(
        `The tenant module "${config.tenantModule}" does not resolve from ${project.rootDir}; ` +
          `set "tenantModule" in tenant-kit.config.json (or --tenant-module) ` +
          `to the specifier your routes import it with.`,
      );
    }
    const tenantSource = project.sourceFile(tenantFile);
    const v2 = (name: string): string => name + config.v2Suffix;
    // After finalize with keepV2Names only the V2 is left: it is the tenant wrapper then.
    const tenantName = localFunction(tenantSource, config.tenantWrapper)
      ? config.tenantWrapper
      : v2(config.tenantWrapper);
    const tenantFn = localFunction(tenantSource, tenantName);
    if (!tenantFn || !isExported(tenantSource, tenantName)) {
      throw new ProjectLoadError(
        `${project.relative(tenantFile)} does not export a function "${config.tenantWrapper}"; ` +
          `set "tenantWrapper" (or --tenant-wrapper) ` +
          `to the name of your request-to-tenant transaction wrapper.`,
      );
    }
    const tenantDone = tenantName !== config.tenantWrapper || isFinalized(tenantFn);
    const tenantWrapper: WrapperInfo = {
      kind: "tenant",
      name: tenantName,
      v2Name: tenantDone ? tenantName : v2(config.tenantWrapper),
      file: tenantFile,
      line: tenantFn.getStartLineNumber(),
      handlerIndex: 1,
      shape: { kind: "positional", tenantIdIndex: 0, dbIndex: 1 },
      hasV2: tenantDone || isExported(tenantSource, v2(config.tenantWrapper)),
      source: "tenant-module",
    };

    const sessions = new Map<string, WrapperInfo>();
    for (const filePath of project.listFiles()) {
      if (!project.readText(filePath).includes(tenantName)) continue;
      const file = project.sourceFile(filePath);
      const tenantLocals = new Set<string>();
      for (const binding of importBindings(project, file)) {
        if (binding.moduleFile === tenantFile && binding.importedName === config.tenantWrapper && !binding.isTypeOnly)
          tenantLocals.add(binding.localName);
      }
      if (filePath === tenantFile) tenantLocals.add(tenantName);
      for (const binding of importBindings(project, file)) {
        if (binding.moduleFile === tenantFile && binding.importedName === tenantName && !binding.isTypeOnly)
          tenantLocals.add(binding.localName);
      }
      if (tenantLocals.size === 0) continue;
      for (const [name, fn] of exportedFunctions(file)) {
        if (filePath === tenantFile && (name === config.tenantWrapper || name === v2(config.tenantWrapper))) continue;
        const found = analyzeWrapperFunction(fn, tenantLocals);
        if (!found) continue;
        const done = isFinalized(fn);
        sessions.set(`${filePath}\0${name}`, {
          kind: "session",
          name,
          v2Name: done ? name : v2(name),
          file: filePath,
          line: fn.getStartLineNumber(),
          handlerIndex: found.handlerIndex,
          shape: found.shape,
          hasV2: done || isExported(file, v2(name)),
          source: "discovered",
        });
      }
    }

    for (const configured of config.wrappers) {
      const file = project.resolveFromRoot(configured.module);
      if (!file) {
        throw new ProjectLoadError(
          `The configured wrapper module "${configured.module}" (for ${configured.name}) does not resolve; ` +
            `fix "wrappers" in the config or the --wrapper flag.`,
        );
      }
      if (sessions.has(`${file}\0${configured.name}`)) continue;
      const source = project.sourceFile(file);
      const fn = localFunction(source, configured.name);
      if (!fn) {
        throw new ProjectLoadError(
          `${project.relative(file)} does not declare "${configured.name}" named in the config; ` +
            `fix "wrappers" in the config or the --wrapper flag.`,
        );
      }
      sessions.set(`${file}\0${configured.name}`, {
        kind: "session",
        name: configured.name,
        v2Name: v2(configured.name),
        file,
        line: fn.getStartLineNumber(),
        handlerIndex: 1,
        shape: { kind: "object", dbKey: config.contextKeys.db, tenantIdKey: config.contextKeys.tenantId },
        hasV2: isExported(source, v2(configured.name)),
        source: "config",
      });
    }
    const sorted = [...sessions.values()].sort((a, b) => a.name.localeCompare(b.name) || a.file.localeCompare(b.file));
    return new WrapperIndex(tenantWrapper, sorted);
  }
}

type FunctionLike = Node & { getParameters(): Array<{ getName(): string }> };

function exportedFunctions(file: SourceFile): Array<[string, FunctionLike]> {
  const out: Array<[string, FunctionLike]> = [];
  for (const fn of file.getFunctions()) {
    const name = fn.getName();
    if (name && isExported(file, name)) out.push([name, fn]);
  }
  for (const statement of file.getVariableStatements()) {
    for (const declaration of statement.getDeclarations()) {
      const init = declaration.getInitializer();
      if (
        init &&
        (Node.isArrowFunction(init) || Node.isFunctionExpression(init)) &&
        isExported(file, declaration.getName())
      )
        out.push([declaration.getName(), init]);
    }
  }
  return out;
}

/**
 * Whether `fn` calls the tenant wrapper with a callback that calls one of `fn`'s parameters (its handler), and how
 * that callback's `(tenantId, db)` are handed to the handler.
 */
function analyzeWrapperFunction(
  fn: FunctionLike,
  tenantLocals: ReadonlySet<string>,
): { handlerIndex: number; shape: ContextShape | undefined } | undefined {
  const params = fn.getParameters().map((p) => p.getName());
  for (const call of fn.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    if (!Node.isIdentifier(callee) || !tenantLocals.has(callee.getText())) continue;
    const callback = call.getArguments()[1];
    if (!callback || !(Node.isArrowFunction(callback) || Node.isFunctionExpression(callback))) continue;
    const [tenantParam, dbParam] = callback.getParameters().map((p) => p.getName());
    for (const inner of callback.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      const innerCallee = inner.getExpression();
      if (!Node.isIdentifier(innerCallee)) continue;
      const handlerIndex = params.indexOf(innerCallee.getText());
      if (handlerIndex < 0) continue;
      return { handlerIndex, shape: contextShape(inner, tenantParam, dbParam) };
    }
  }
  return undefined;
}

function contextShape(
  handlerCall: CallExpression,
  tenantParam: string | undefined,
  dbParam: string | undefined,
): ContextShape | undefined {
  const args = handlerCall.getArguments();
  const first = args[0];
  if (args.length === 1 && first && Node.isObjectLiteralExpression(first)) {
    let dbKey: string | undefined;
    let tenantIdKey: string | undefined;
    for (const property of first.getProperties()) {
      if (Node.isShorthandPropertyAssignment(property)) {
        if (property.getName() === dbParam) dbKey = property.getName();
        if (property.getName() === tenantParam) tenantIdKey = property.getName();
      } else if (Node.isPropertyAssignment(property)) {
        const value = property.getInitializer()?.getText();
        if (value === dbParam) dbKey = property.getName();
        if (value === tenantParam) tenantIdKey = property.getName();
      }
    }
    return dbKey && tenantIdKey ? { kind: "object", dbKey, tenantIdKey } : undefined;
  }
  const names = args.map((a) => a.getText());
  const dbIndex = dbParam ? names.indexOf(dbParam) : -1;
  const tenantIdIndex = tenantParam ? names.indexOf(tenantParam) : -1;
  return dbIndex >= 0 && tenantIdIndex >= 0 ? { kind: "positional", tenantIdIndex, dbIndex } : undefined;
}
