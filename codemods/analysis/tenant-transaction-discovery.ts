import { Node, SyntaxKind, type CallExpression, type SourceFile } from "ts-morph";
import type { CodemodProject } from "../project/codemod-project.ts";
import { importBindings, isExported } from "./import-bindings.ts";
import { placeholderValues, rawSqlCallsIn, setConfigCalls, type RawSqlCall } from "./raw-sql.ts";

/** What a parameter of a tenant transaction function is for, found by where its value goes. */
export type ParameterRole = "request" | "tenant-id" | "client" | "callback" | "other";

/** How a function hands the transaction client (and maybe the tenant id) to its callback. */
export type CallbackHandoff =
  | { readonly kind: "object"; readonly dbKey: string; readonly tenantIdKey: string }
  /** `tenantIdIndex` is -1 when the callback does not get the tenant id (a transaction helper's `(tx) => ...`). */
  | { readonly kind: "positional"; readonly tenantIdIndex: number; readonly dbIndex: number };

/** A function that runs a callback inside a tenant transaction, found by what it does. */
export interface TenantTransactionFunction {
  /**
   * `transaction-helper` when the tenant id is a parameter (`withTenant(tenantId, fn)`, `run(prisma, tenantId, fn)`);
   * `request-wrapper` when it works the tenant out itself (`withTenantFromRequest(request, fn)`).
   */
  readonly role: "transaction-helper" | "request-wrapper";
  readonly name: string;
  /** Absolute path of the module declaring and exporting it. */
  readonly file: string;
  readonly line: number;
  readonly declaration: Node;
  /** The role of each parameter, in order. */
  readonly parameters: readonly ParameterRole[];
  readonly callbackIndex: number;
  /** The parameter the tenant id arrives in (transaction helpers only). */
  readonly tenantIdIndex: number | undefined;
  /** The parameter the Prisma client arrives in, when the client is not a module-level one. */
  readonly clientIndex: number | undefined;
  readonly handoff: CallbackHandoff;
  /** What opens the transaction: `$transaction`, `$withTenant`, or the name of the helper it calls. */
  readonly opens: string;
  /** The RLS setting it sets, when it sets one with SQL (undefined through `$withTenant` or a helper). */
  readonly setting: string | undefined;
  /** It sets the setting session-level (`set_config(..., false)`), which outlives the transaction. */
  readonly sessionLevel: boolean;
  /** The module-level client the transaction is opened on (`prisma` in `prisma.$transaction`), when not a parameter. */
  readonly clientName: string | undefined;
}

type FunctionLike = Node & {
  getParameters(): Array<Node & { getName(): string; getNameNode(): Node }>;
};

/** One transaction the function opens, with the callback that runs in it. */
interface Opening {
  readonly call: CallExpression;
  readonly callback: FunctionLike;
  readonly txName: string;
  readonly tenantValue: Node | undefined;
  readonly receiver: Node | undefined;
  readonly opens: string;
  readonly setting: string | undefined;
  readonly sessionLevel: boolean;
}

/**
 * Every exported function of the repo that opens an interactive transaction, sets the tenant in it (SQL `set_config`
 * / `SET [LOCAL]` on the transaction client, the kit's `$withTenant`, or another such helper) and runs one of its
 * parameters with the transaction client, whatever its module, name or signature. Each parameter's role comes from
 * data flow: what reaches the setting's value (tenant id, or the request it is derived from), what `$transaction` is
 * called on (client), which parameter is called with the transaction client (callback).
 *
 * @example
 * ```ts
 * // src/lib/db/tx.ts: export function runTenant(prisma, tenantId, fn) {
 * //   return prisma.$transaction(async (tx) => { await tx.$executeRaw`SELECT set_config(..., ${tenantId}, true)`;
 * //     return fn(tx); }); }
 * discoverTenantTransactions(project)[0];
 * // { role: "transaction-helper", name: "runTenant", parameters: ["client", "tenant-id", "callback"], ... }
 * ```
 */
export function discoverTenantTransactions(project: CodemodProject): TenantTransactionFunction[] {
  const found = new Map<string, TenantTransactionFunction>();
  const files = project
    .listFiles()
    .filter((file) => /\$transaction|\$withTenant/.test(project.readText(file)))
    .sort();
  // Helpers built on helpers (a request wrapper calling `withTenant`) are found on a later pass.
  for (let pass = 0, grew = true; grew && pass < 4; pass++) {
    grew = false;
    const names = [...found.values()].map((f) => f.name);
    const candidates =
      pass === 0
        ? files
        : project.listFiles().filter((file) => names.some((name) => project.readText(file).includes(name)));
    for (const filePath of candidates) {
      const file = project.sourceFile(filePath);
      for (const [name, fn] of exportedFunctions(file)) {
        const key = `${filePath}\0${name}`;
        if (found.has(key)) continue;
        const helpers = helperLocals(project, file, found);
        const analyzed = analyzeTenantTransaction(fn, helpers);
        if (!analyzed) continue;
        found.set(key, { ...analyzed, name, file: filePath, line: fn.getStartLineNumber(), declaration: fn });
        grew = true;
      }
    }
  }
  return [...found.values()].sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
}

/** The local names of `file` that refer to transaction helpers found so far (imported or declared there). */
function helperLocals(
  project: CodemodProject,
  file: SourceFile,
  found: ReadonlyMap<string, TenantTransactionFunction>,
): Map<string, TenantTransactionFunction> {
  const locals = new Map<string, TenantTransactionFunction>();
  for (const fn of found.values()) {
    if (fn.role === "transaction-helper" && fn.file === file.getFilePath()) locals.set(fn.name, fn);
  }
  for (const binding of importBindings(project, file)) {
    if (binding.isTypeOnly || !binding.moduleFile) continue;
    const fn = found.get(`${binding.moduleFile}\0${binding.importedName}`);
    if (fn?.role === "transaction-helper") locals.set(binding.localName, fn);
  }
  return locals;
}

/**
 * The behaviour of one function, or undefined when it is not a tenant transaction function. Exposed for the
 * configured wrapper, whose shape is checked the same way.
 */
export function analyzeTenantTransaction(
  fn: Node,
  helpers: ReadonlyMap<string, TenantTransactionFunction>,
): Omit<TenantTransactionFunction, "name" | "file" | "line" | "declaration"> | undefined {
  if (!isFunctionLike(fn)) return undefined;
  const params = fn.getParameters().map((p) => (Node.isIdentifier(p.getNameNode()) ? p.getName() : undefined));
  for (const opening of openings(fn, helpers)) {
    const handoff = callbackHandoff(opening, params);
    if (!handoff) continue;
    const roles: ParameterRole[] = params.map(() => "other");
    roles[handoff.callbackIndex] = "callback";
    const receiver = opening.receiver && rootName(opening.receiver);
    const clientIndex = receiver ? params.indexOf(receiver) : -1;
    if (clientIndex >= 0 && clientIndex !== handoff.callbackIndex) roles[clientIndex] = "client";
    const tenantRoots = opening.tenantValue ? flowSources(fn, opening.tenantValue) : new Set<string>();
    let tenantIdIndex: number | undefined;
    const direct = opening.tenantValue ? rootName(opening.tenantValue) : undefined;
    const directIndex = direct ? params.indexOf(direct) : -1;
    if (directIndex >= 0 && roles[directIndex] === "other") {
      roles[directIndex] = "tenant-id";
      tenantIdIndex = directIndex;
    } else {
      params.forEach((param, i) => {
        if (param && roles[i] === "other" && tenantRoots.has(param)) roles[i] = "request";
      });
    }
    return {
      role: tenantIdIndex === undefined ? "request-wrapper" : "transaction-helper",
      parameters: roles,
      callbackIndex: handoff.callbackIndex,
      tenantIdIndex,
      clientIndex: clientIndex >= 0 ? clientIndex : undefined,
      handoff: handoff.shape,
      opens: opening.opens,
      setting: opening.setting,
      sessionLevel: opening.sessionLevel,
      clientName: receiver && clientIndex < 0 && !params.includes(receiver) ? receiver : undefined,
    };
  }
  return undefined;
}

/** The transactions `fn` opens with a callback that sets the tenant (or that a helper sets it for). */
function openings(fn: Node, helpers: ReadonlyMap<string, TenantTransactionFunction>): Opening[] {
  const out: Opening[] = [];
  for (const call of fn.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    const args = call.getArguments();
    if (Node.isPropertyAccessExpression(callee) && callee.getName() === "$transaction") {
      const callback = args[0];
      if (!callback || !isInlineFunction(callback)) continue;
      const txName = firstParamName(callback);
      if (!txName) continue;
      const set = rawSqlCallsIn(callback)
        .filter((raw) => rootName(raw.receiver) === txName)
        .map((raw) => tenantSetting(raw))
        .find((found) => found !== undefined);
      if (!set) continue;
      out.push({
        call,
        callback,
        txName,
        tenantValue: set.value,
        receiver: callee.getExpression(),
        opens: "$transaction",
        setting: set.setting,
        sessionLevel: set.sessionLevel,
      });
    } else if (Node.isPropertyAccessExpression(callee) && callee.getName() === "$withTenant") {
      const callback = args[1];
      if (!callback || !isInlineFunction(callback)) continue;
      const txName = firstParamName(callback);
      if (!txName) continue;
      out.push({
        call,
        callback,
        txName,
        tenantValue: args[0],
        receiver: callee.getExpression(),
        opens: "$withTenant",
        setting: undefined,
        sessionLevel: false,
      });
    } else if (Node.isIdentifier(callee) && helpers.has(callee.getText())) {
      const helper = helpers.get(callee.getText())!;
      const callback = args[helper.callbackIndex];
      if (!callback || !isInlineFunction(callback) || helper.handoff.kind !== "positional") continue;
      const txParam = callback.getParameters()[helper.handoff.dbIndex]?.getNameNode();
      if (!txParam || !Node.isIdentifier(txParam)) continue;
      out.push({
        call,
        callback,
        txName: txParam.getText(),
        tenantValue: helper.tenantIdIndex === undefined ? undefined : args[helper.tenantIdIndex],
        receiver: helper.clientIndex === undefined ? undefined : args[helper.clientIndex],
        opens: helper.name,
        setting: helper.setting,
        sessionLevel: helper.sessionLevel,
      });
    }
  }
  return out;
}

/**
 * Which parameter of the function the opening's callback calls with the transaction client, and how: the client as
 * argument #i, the tenant id (the setting's value) as argument #j, or both in one object.
 */
function callbackHandoff(
  opening: Opening,
  params: ReadonlyArray<string | undefined>,
): { callbackIndex: number; shape: CallbackHandoff } | undefined {
  const tenantText = opening.tenantValue?.getText();
  for (const inner of opening.callback.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = inner.getExpression();
    if (!Node.isIdentifier(callee)) continue;
    const callbackIndex = params.indexOf(callee.getText());
    if (callbackIndex < 0) continue;
    const args = inner.getArguments();
    const first = args[0];
    if (args.length === 1 && first && Node.isObjectLiteralExpression(first)) {
      let dbKey: string | undefined;
      let tenantIdKey: string | undefined;
      for (const property of first.getProperties()) {
        const value = Node.isShorthandPropertyAssignment(property)
          ? property.getName()
          : Node.isPropertyAssignment(property)
            ? property.getInitializer()?.getText()
            : undefined;
        if (!Node.isShorthandPropertyAssignment(property) && !Node.isPropertyAssignment(property)) continue;
        if (value === opening.txName) dbKey = property.getName();
        else if (value !== undefined && value === tenantText) tenantIdKey = property.getName();
      }
      if (dbKey && tenantIdKey) return { callbackIndex, shape: { kind: "object", dbKey, tenantIdKey } };
      continue;
    }
    const texts = args.map((a) => a.getText());
    const dbIndex = texts.indexOf(opening.txName);
    if (dbIndex < 0) continue;
    const tenantIdIndex = tenantText === undefined ? -1 : texts.indexOf(tenantText);
    return { callbackIndex, shape: { kind: "positional", tenantIdIndex, dbIndex } };
  }
  return undefined;
}

/**
 * The names `value` is computed from inside `fn`, followed back through the function's variable declarations
 * (`const tenant = await resolveTenant(request)` makes `tenant.id` come from `request`).
 */
function flowSources(fn: Node, value: Node): Set<string> {
  const names = new Set(identifierTexts(value));
  const declarations = fn.getDescendantsOfKind(SyntaxKind.VariableDeclaration);
  for (let changed = true; changed; ) {
    changed = false;
    for (const declaration of declarations) {
      const bound = identifierTexts(declaration.getNameNode());
      if (!bound.some((n) => names.has(n))) continue;
      for (const name of identifierTexts(declaration.getInitializer())) {
        if (!names.has(name)) {
          names.add(name);
          changed = true;
        }
      }
    }
  }
  return names;
}

function identifierTexts(node: Node | undefined): string[] {
  if (!node) return [];
  const ids = Node.isIdentifier(node) ? [node] : node.getDescendantsOfKind(SyntaxKind.Identifier);
  return ids
    .filter((id) => {
      const parent = id.getParent();
      return !(Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id);
    })
    .map((id) => id.getText());
}

/** `tenantId` for `tenantId`, `String(tenantId)`, `tenantId.toString()`, `tenantId as string`; `tx` for `tx`. */
function rootName(node: Node): string | undefined {
  let current: Node = node;
  for (;;) {
    if (Node.isIdentifier(current)) return current.getText();
    if (
      Node.isParenthesizedExpression(current) ||
      Node.isAsExpression(current) ||
      Node.isNonNullExpression(current) ||
      Node.isSatisfiesExpression(current)
    ) {
      current = current.getExpression();
      continue;
    }
    if (Node.isCallExpression(current)) {
      const callee = current.getExpression();
      const [only] = current.getArguments();
      if (Node.isIdentifier(callee) && callee.getText() === "String" && only) {
        current = only;
        continue;
      }
      if (Node.isPropertyAccessExpression(callee) && callee.getName() === "toString") {
        current = callee.getExpression();
        continue;
      }
    }
    return undefined;
  }
}

function isInlineFunction(node: Node): node is FunctionLike {
  return Node.isArrowFunction(node) || Node.isFunctionExpression(node);
}

function isFunctionLike(node: Node): node is FunctionLike {
  return Node.isArrowFunction(node) || Node.isFunctionExpression(node) || Node.isFunctionDeclaration(node);
}

function firstParamName(fn: FunctionLike): string | undefined {
  const name = fn.getParameters()[0]?.getNameNode();
  return name && Node.isIdentifier(name) ? name.getText() : undefined;
}

/** The exported top-level functions of a file: declarations and `const name = (...) => ...` / function expressions. */
export function exportedFunctions(file: SourceFile): Array<[string, FunctionLike]> {
  const out: Array<[string, FunctionLike]> = [];
  for (const fn of file.getFunctions()) {
    const name = fn.getName();
    if (name && isExported(file, name)) out.push([name, fn as unknown as FunctionLike]);
  }
  for (const statement of file.getVariableStatements()) {
    for (const declaration of statement.getDeclarations()) {
      const init = declaration.getInitializer();
      if (init && isInlineFunction(init) && isExported(file, declaration.getName()))
        out.push([declaration.getName(), init]);
    }
  }
  return out;
}

const SET_STATEMENT = /^\s*SET\s+(LOCAL\s+|SESSION\s+)?"?([\w]+\.[\w.]+)"?\s*(?:=|TO)\s*([^;]*)/i;

/**
 * What a raw call on the transaction client sets for RLS: `set_config('app.tenant_id', $1, true)` or
 * `SET LOCAL app.tenant_id = ...`, with the value's expression and whether it is session-level.
 */
function tenantSetting(
  raw: RawSqlCall,
): { setting: string | undefined; value: Node | undefined; sessionLevel: boolean } | undefined {
  const [call] = setConfigCalls(raw.text);
  if (call) {
    const [value] = placeholderValues(call.value, raw.values);
    return { setting: call.setting, value, sessionLevel: call.sessionLevel };
  }
  const set = SET_STATEMENT.exec(raw.text);
  if (!set) return undefined;
  const [value] = placeholderValues(set[3]!, raw.values);
  return { setting: set[2], value, sessionLevel: !/^LOCAL/i.test(set[1] ?? "") };
}
