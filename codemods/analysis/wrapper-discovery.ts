import { Node, SyntaxKind, type CallExpression, type SourceFile } from "ts-morph";
import { DEFAULT_CONFIG } from "../config/tenant-kit-config.ts";
import { ProjectLoadError } from "../errors/project-load-error.ts";
import type { CodemodProject } from "../project/codemod-project.ts";
import { importBindings, isExported, localFunction } from "./import-bindings.ts";
import {
  discoverTenantTransactions,
  exportedFunctions,
  type CallbackHandoff,
  type TenantTransactionFunction,
} from "./tenant-transaction-discovery.ts";

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

/** How a wrapper hands `db` and `tenantId` to its handler (`tenantIdIndex` -1: it hands over no tenant id). */
export type ContextShape = CallbackHandoff;

/**
 * A V1 wrapper: the tenant wrapper itself or a session wrapper built on it; or a transaction helper that handlers call
 * straight (`withTenant(tenantId, async (tx) => ...)`, `runTenant(prisma, tenantId, async (tx) => ...)`).
 */
export interface WrapperInfo {
  readonly kind: "tenant" | "session" | "transaction-helper";
  readonly name: string;
  /** The V2 name; a transaction helper has none (its read-only calls go onto `$forTenant`): its own name. */
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
  /** How it was found: behaviour is the default; the tenant module and config only when they resolve. */
  readonly source: "tenant-module" | "discovered" | "config" | "behaviour";
  /** Transaction helpers: the argument the tenant id is passed in. */
  readonly tenantIdArgument?: number;
  /** Transaction helpers: the argument the Prisma client is passed in (client-first helpers). */
  readonly clientArgument?: number;
  /** A wrapper or helper opening its transaction on a module-level client: where that client is exported from. */
  readonly client?: { readonly moduleFile: string; readonly importedName: string };
}

/** What a local name of a file refers to, when it is a wrapper. */
export interface WrapperRef {
  readonly wrapper: WrapperInfo;
  readonly version: 1 | 2;
}

/**
 * All V1 wrappers of a repo, found by what they do (see {@link discoverTenantTransactions}), and the transaction
 * helpers handlers call straight.
 *
 * @example
 * ```ts
 * const index = WrapperIndex.discover(project);
 * index.sessionWrappers.map((w) => w.name); // ["withAdminSession", "withPortalSession", "withSalesSession"]
 * index.refsIn(routeFile).get("withSession"); // { wrapper: withSalesSession, version: 1 } for an aliased import
 * index.transactionHelpers.map((h) => h.name); // ["withTenant"]
 * ```
 */
export class WrapperIndex {
  /** The request wrapper every session wrapper builds on; undefined when handlers call a transaction helper. */
  readonly requestWrapper: WrapperInfo | undefined;
  readonly sessionWrappers: readonly WrapperInfo[];
  /** Transaction helpers (`(tenantId, fn)`, `(client, tenantId, fn)`), kept apart: scaffold and finalize skip them. */
  readonly transactionHelpers: readonly WrapperInfo[];
  private readonly byKey: Map<string, WrapperRef>;
  private readonly helperByKey: Map<string, WrapperRef>;

  private constructor(
    tenantWrapper: WrapperInfo | undefined,
    sessionWrappers: WrapperInfo[],
    transactionHelpers: WrapperInfo[],
  ) {
    this.requestWrapper = tenantWrapper;
    this.sessionWrappers = sessionWrappers;
    this.transactionHelpers = transactionHelpers;
    this.byKey = new Map();
    for (const wrapper of this.all) {
      this.byKey.set(`${wrapper.file}\0${wrapper.name}`, { wrapper, version: 1 });
      this.byKey.set(`${wrapper.file}\0${wrapper.v2Name}`, { wrapper, version: 2 });
    }
    this.helperByKey = new Map(transactionHelpers.map((h) => [`${h.file}\0${h.name}`, { wrapper: h, version: 1 }]));
  }

  /**
   * The request wrapper, for code that runs only when there is one (scaffold works on the files of {@link all}).
   * @throws {ProjectLoadError} when the app has none (its handlers call a transaction helper straight).
   */
  get tenantWrapper(): WrapperInfo {
    if (this.requestWrapper) return this.requestWrapper;
    throw new ProjectLoadError(
      "The app has no request wrapper (a function that works out the tenant from the request and runs its callback " +
        "in a tenant transaction); its handlers call a transaction helper straight, which reads and writes migrate " +
        "without one. Set tenantModule/tenantWrapper in tenant-kit.config.json if the kit missed it.",
    );
  }

  /** Every wrapper, tenant wrapper first (transaction helpers are not wrappers: see {@link transactionHelpers}). */
  get all(): readonly WrapperInfo[] {
    return this.requestWrapper ? [this.requestWrapper, ...this.sessionWrappers] : this.sessionWrappers;
  }

  /** The wrapper (V1 or V2) exported from `file` as `name`, if any. */
  lookup(file: string | undefined, name: string): WrapperRef | undefined {
    return file ? this.byKey.get(`${file}\0${name}`) : undefined;
  }

  /** Whether a file's text names a wrapper or (with `helpers`) a transaction helper: a cheap filter before parsing. */
  mentionedIn(text: string, options: { helpers?: boolean } = {}): boolean {
    const names = [...this.all, ...(options.helpers ? this.transactionHelpers : [])].map((w) => w.name);
    return names.some((name) => text.includes(name));
  }

  /**
   * Local names of `file` that refer to wrappers: named imports resolved to a wrapper module, plus the wrappers
   * declared in `file` itself; with `helpers`, the transaction helpers too.
   */
  refsIn(project: CodemodProject, file: SourceFile, options: { helpers?: boolean } = {}): Map<string, WrapperRef> {
    const refs = new Map<string, WrapperRef>();
    for (const binding of importBindings(project, file)) {
      if (binding.isTypeOnly || !binding.moduleFile) continue;
      const ref =
        this.lookup(binding.moduleFile, binding.importedName) ??
        (options.helpers ? this.helperByKey.get(`${binding.moduleFile}\0${binding.importedName}`) : undefined);
      if (ref) refs.set(binding.localName, ref);
    }
    for (const wrapper of this.all) {
      if (wrapper.file !== file.getFilePath()) continue;
      refs.set(wrapper.name, { wrapper, version: 1 });
      refs.set(wrapper.v2Name, { wrapper, version: 2 });
    }
    if (options.helpers) {
      for (const helper of this.transactionHelpers)
        if (helper.file === file.getFilePath()) refs.set(helper.name, { wrapper: helper, version: 1 });
    }
    return refs;
  }

  /**
   * Finds the tenant wrapper, the session wrappers built on it and the transaction helpers by what they do
   * ({@link discoverTenantTransactions}); the config's `tenantModule` / `tenantWrapper` and `wrappers` are overrides,
   * used when they resolve. A configured "tenant wrapper" that data flow shows is a transaction helper (its callback
   * gets the transaction client, not `(tenantId, db)`) is taken as a helper, never as a request wrapper.
   * @throws {ProjectLoadError} when a tenant module or wrapper set explicitly (not the defaults) does not resolve.
   */
  static discover(project: CodemodProject): WrapperIndex {
    const { config } = project;
    const v2 = (name: string): string => name + config.v2Suffix;
    const behaviour = discoverTenantTransactions(project);
    const helpers = behaviour
      .filter((f) => f.role === "transaction-helper" && f.handoff.kind === "positional")
      .map((fn) => helperInfo(project, fn));
    const tenantWrapper = configuredTenantWrapper(project, behaviour) ?? behaviourTenantWrapper(project, behaviour);

    const sessions = new Map<string, WrapperInfo>();
    if (tenantWrapper) {
      for (const filePath of project.listFiles()) {
        if (!project.readText(filePath).includes(tenantWrapper.name)) continue;
        const file = project.sourceFile(filePath);
        const tenantLocals = new Set<string>();
        for (const binding of importBindings(project, file)) {
          if (
            binding.moduleFile === tenantWrapper.file &&
            binding.importedName === tenantWrapper.name &&
            !binding.isTypeOnly
          )
            tenantLocals.add(binding.localName);
        }
        if (filePath === tenantWrapper.file) tenantLocals.add(tenantWrapper.name);
        if (tenantLocals.size === 0) continue;
        for (const [name, fn] of exportedFunctions(file)) {
          if (filePath === tenantWrapper.file && [tenantWrapper.name, tenantWrapper.v2Name].includes(name)) continue;
          const found = analyzeWrapperFunction(fn, tenantLocals, tenantWrapper);
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
    const wrapperKeys = new Set([tenantWrapper, ...sorted].map((w) => w && `${w.file}\0${w.name}`));
    return new WrapperIndex(
      tenantWrapper,
      sorted,
      helpers.filter((h) => !wrapperKeys.has(`${h.file}\0${h.name}`)),
    );
  }
}

function clientOf(project: CodemodProject, fn: TenantTransactionFunction | undefined): Pick<WrapperInfo, "client"> {
  const client = fn?.clientName ? exportedClient(project, fn.file, fn.clientName) : undefined;
  return client ? { client } : {};
}

function helperInfo(project: CodemodProject, fn: TenantTransactionFunction): WrapperInfo {
  return {
    kind: "transaction-helper",
    name: fn.name,
    v2Name: fn.name,
    file: fn.file,
    line: fn.line,
    handlerIndex: fn.callbackIndex,
    shape: fn.handoff,
    hasV2: true,
    source: "behaviour",
    ...(fn.tenantIdIndex === undefined ? {} : { tenantIdArgument: fn.tenantIdIndex }),
    ...(fn.clientIndex === undefined ? {} : { clientArgument: fn.clientIndex }),
    ...clientOf(project, fn),
  };
}

/** Where the client a module names `localName` is exported from: its import, or the module itself when it exports it. */
function exportedClient(
  project: CodemodProject,
  file: string,
  localName: string,
): { moduleFile: string; importedName: string } | undefined {
  const source = project.sourceFile(file);
  const binding = importBindings(project, source).find((b) => b.localName === localName && !b.isTypeOnly);
  if (binding?.moduleFile) return { moduleFile: binding.moduleFile, importedName: binding.importedName };
  return isExported(source, localName) ? { moduleFile: file, importedName: localName } : undefined;
}

/**
 * The tenant wrapper named by the config (`tenantModule` / `tenantWrapper`), when the module resolves and exports it
 * (or its V2, after finalize with keepV2Names) and it is not a transaction helper. Undefined when the defaults do not
 * resolve (discovery decides then).
 * @throws {ProjectLoadError} when values set explicitly do not resolve.
 */
function configuredTenantWrapper(
  project: CodemodProject,
  behaviour: readonly TenantTransactionFunction[],
): WrapperInfo | undefined {
  const { config } = project;
  const explicit =
    config.tenantModule !== DEFAULT_CONFIG.tenantModule || config.tenantWrapper !== DEFAULT_CONFIG.tenantWrapper;
  const v2 = (name: string): string => name + config.v2Suffix;
  const tenantFile = project.resolveFromRoot(config.tenantModule);
  if (!tenantFile) {
    if (!explicit) return undefined;
    throw new ProjectLoadError(
      `The tenant module "${config.tenantModule}" does not resolve from ${project.rootDir}; ` +
        `set "tenantModule" in tenant-kit.config.json (or --tenant-module) ` +
        `to the specifier your routes import it with, or remove it to let the kit find the wrapper by what it does.`,
    );
  }
  const tenantSource = project.sourceFile(tenantFile);
  // After finalize with keepV2Names only the V2 is left: it is the tenant wrapper then.
  const tenantName = localFunction(tenantSource, config.tenantWrapper)
    ? config.tenantWrapper
    : v2(config.tenantWrapper);
  const tenantFn = localFunction(tenantSource, tenantName);
  if (!tenantFn || !isExported(tenantSource, tenantName)) {
    if (!explicit) return undefined;
    throw new ProjectLoadError(
      `${project.relative(tenantFile)} does not export a function "${config.tenantWrapper}"; ` +
        `set "tenantWrapper" (or --tenant-wrapper) ` +
        `to the name of your request-to-tenant transaction wrapper, or remove it to let the kit find it.`,
    );
  }
  const analyzed = behaviour.find((f) => f.file === tenantFile && f.name === tenantName);
  // Data flow says its callback gets the transaction client and the tenant id is its argument: a helper.
  if (analyzed?.role === "transaction-helper") return undefined;
  const tenantDone = tenantName !== config.tenantWrapper || isFinalized(tenantFn);
  return {
    kind: "tenant",
    name: tenantName,
    v2Name: tenantDone ? tenantName : v2(config.tenantWrapper),
    file: tenantFile,
    line: tenantFn.getStartLineNumber(),
    handlerIndex: analyzed?.callbackIndex ?? 1,
    shape: analyzed?.handoff ?? { kind: "positional", tenantIdIndex: 0, dbIndex: 1 },
    hasV2: tenantDone || isExported(tenantSource, v2(config.tenantWrapper)),
    source: "tenant-module",
    ...clientOf(project, analyzed),
  };
}

/**
 * The request wrapper found by behaviour: the one most modules import, among the functions that work the tenant out
 * themselves and run their callback in a tenant transaction; or, once finalize ran, the finalized wrapper the others
 * call (it has no transaction left to find).
 */
function behaviourTenantWrapper(
  project: CodemodProject,
  behaviour: readonly TenantTransactionFunction[],
): WrapperInfo | undefined {
  const { config } = project;
  const v2 = (name: string): string => name + config.v2Suffix;
  const wrappers = behaviour.filter((f) => f.role === "request-wrapper");
  const importers = (fn: { name: string }): number =>
    project.listFiles().filter((file) => project.readText(file).includes(fn.name)).length;
  const chosen = [...wrappers].sort((a, b) => importers(b) - importers(a))[0];
  if (chosen) {
    const source = project.sourceFile(chosen.file);
    return {
      kind: "tenant",
      name: chosen.name,
      v2Name: v2(chosen.name),
      file: chosen.file,
      line: chosen.line,
      handlerIndex: chosen.callbackIndex,
      shape: chosen.handoff,
      hasV2: isExported(source, v2(chosen.name)),
      source: "behaviour",
      ...clientOf(project, chosen),
    };
  }
  return finalizedTenantWrapper(project);
}

/** After finalize: the finalized function (tagged) that the other finalized functions call, with its handoff. */
function finalizedTenantWrapper(project: CodemodProject): WrapperInfo | undefined {
  const finalized: Array<{ name: string; file: string; fn: Node }> = [];
  for (const filePath of project.listFiles()) {
    if (!project.readText(filePath).includes(FINALIZED_TAG)) continue;
    const file = project.sourceFile(filePath);
    for (const [name, fn] of exportedFunctions(file)) if (isFinalized(fn)) finalized.push({ name, file: filePath, fn });
  }
  const called = (candidate: { name: string }): boolean =>
    finalized.some(
      (other) =>
        other.name !== candidate.name &&
        other.fn.getDescendantsOfKind(SyntaxKind.Identifier).some((id) => id.getText() === candidate.name),
    );
  const tenant = finalized.length === 1 ? finalized[0] : finalized.find(called);
  if (!tenant) return undefined;
  const shape = handoffOfCallbackCall(tenant.fn);
  if (!shape) return undefined;
  return {
    kind: "tenant",
    name: tenant.name,
    v2Name: tenant.name,
    file: tenant.file,
    line: tenant.fn.getStartLineNumber(),
    handlerIndex: shape.handlerIndex,
    shape: shape.shape,
    hasV2: true,
    source: "behaviour",
  };
}

/** How a (V2) wrapper calls its callback parameter: the argument holding `$forTenant(...)` is db, the other the id. */
function handoffOfCallbackCall(fn: Node): { handlerIndex: number; shape: ContextShape } | undefined {
  const params = (fn as FunctionLike).getParameters().map((p) => p.getName());
  for (const call of fn.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    const handlerIndex = Node.isIdentifier(callee) ? params.indexOf(callee.getText()) : -1;
    if (handlerIndex < 0) continue;
    const args = call.getArguments();
    const dbIndex = args.findIndex((a) => a.getText().includes("$forTenant(") || /\bdb\b/.test(a.getText()));
    if (dbIndex < 0) continue;
    const tenantIdIndex = args.findIndex((_, i) => i !== dbIndex);
    return { handlerIndex, shape: { kind: "positional", tenantIdIndex, dbIndex } };
  }
  return undefined;
}

type FunctionLike = Node & { getParameters(): Array<{ getName(): string }> };

/**
 * Whether `fn` calls the tenant wrapper with a callback that calls one of `fn`'s parameters (its handler), and how
 * that callback's `(tenantId, db)` are handed to the handler.
 */
function analyzeWrapperFunction(
  fn: FunctionLike,
  tenantLocals: ReadonlySet<string>,
  tenant: WrapperInfo,
): { handlerIndex: number; shape: ContextShape | undefined } | undefined {
  const params = fn.getParameters().map((p) => p.getName());
  for (const call of fn.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    if (!Node.isIdentifier(callee) || !tenantLocals.has(callee.getText())) continue;
    const callback = call.getArguments()[tenant.handlerIndex];
    if (!callback || !(Node.isArrowFunction(callback) || Node.isFunctionExpression(callback))) continue;
    const names = callback.getParameters().map((p) => p.getName());
    const shape = tenant.shape;
    const [tenantParam, dbParam] =
      shape?.kind === "positional" ? [names[shape.tenantIdIndex], names[shape.dbIndex]] : [names[0], names[1]];
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
