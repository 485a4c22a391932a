import {
  Node,
  SyntaxKind,
  type ArrowFunction,
  type CallExpression,
  type FunctionExpression,
  type ObjectBindingPattern,
  type SourceFile,
} from "ts-morph";
import type { SourceLocation } from "../errors/codemod-error.ts";
import type { CodemodProject } from "../project/codemod-project.ts";
import {
  boundKey,
  combineAccess,
  type DbUsageClassifier,
  locate,
  type Access,
  type DbAccessor,
  type DbUse,
} from "./db-usage-classifier.ts";
import { localFunction } from "./import-bindings.ts";
import { identifiersNamed } from "./named-identifiers.ts";
import type { ManualReviewReason } from "./manual-review-reason.ts";
import type { WrapperIndex, WrapperInfo, WrapperRef } from "./wrapper-discovery.ts";
import { planWriteSpan } from "./write-span-planner.ts";

/** The HTTP method exports of a Next.js route module. */
export const HTTP_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** How the handler callback receives db and tenantId. */
export interface HandlerBinding {
  /** How the callback reaches db; undefined when it does not take db at all. */
  readonly db: DbAccessor | undefined;
  /** Expression for the tenant id inside the callback, when bound (`tenantId`, `tid`, `ctx.tenantId`). */
  readonly tenantIdExpression: string | undefined;
  /**
   * The pattern that binds db by name: the parameter (`async ({ tenantId, db }) =>`) or, for a context parameter,
   * a top-level `const { tenantId, db, user } = context;` of the body. The writes phase drops db from it when the span
   * takes every use.
   */
  readonly dbPattern?: ObjectBindingPattern;
}

/** One call of a wrapper (V1 or V2) in a file, with its handler callback analyzed. */
export interface HandlerSite {
  readonly file: string;
  readonly location: SourceLocation;
  readonly call: CallExpression;
  /** The name the wrapper is called by in this file (an alias when imported with `as`). */
  readonly calleeName: string;
  readonly ref: WrapperRef;
  /** HTTP methods exporting the function that contains the call (two for `export { h as PUT, h as PATCH }`). */
  readonly methods: readonly string[];
  /** Name of the top-level function containing the call. */
  readonly functionName: string;
  readonly callback: ArrowFunction | FunctionExpression | undefined;
  readonly binding: HandlerBinding | undefined;
  readonly classification: Access;
  readonly uses: readonly DbUse[];
  /** Set when classification is unknown for a reason outside the db uses. */
  readonly problem: { readonly reason: ManualReviewReason; readonly detail: string } | undefined;
}

/**
 * Finds every wrapper call in `file` (matched by import resolution, so a same-named function from another module is
 * not one), works out the HTTP methods it serves, and classifies its handler by what it does with db.
 *
 * @example
 * ```ts
 * const sites = findHandlerSites(project, index, classifier, project.sourceFile(routePath));
 * sites.map((s) => `${s.methods.join(",")} ${s.ref.wrapper.name} ${s.classification}`);
 * // ["GET withSalesSession read"]
 * ```
 */
export function findHandlerSites(
  project: CodemodProject,
  index: WrapperIndex,
  classifier: DbUsageClassifier,
  file: SourceFile,
): HandlerSite[] {
  const refs = index.refsIn(project, file, { helpers: true });
  if (refs.size === 0) return [];
  spanHelperRefs.set(file, new Map([...refs].filter(([, ref]) => ref.wrapper.kind === "transaction-helper")));
  const methodsByFunction = httpMethodFunctions(file);
  const sites: HandlerSite[] = [];
  for (const callee of identifiersNamed(file, new Set(refs.keys()))) {
    const call = callee.getParent();
    const ref = refs.get(callee.getText());
    if (!ref || !Node.isCallExpression(call) || call.getExpression() !== callee) continue;
    // Inside the wrapper modules, the wrappers' (and helpers') own bodies are not handlers.
    const top = topLevelFunction(call);
    if (
      top &&
      [...index.all, ...index.transactionHelpers].some(
        (w) => w.file === file.getFilePath() && [w.name, w.v2Name].includes(topLevelName(top) ?? ""),
      )
    )
      continue;
    // A helper call inside another wrapper or helper call's callback runs in that one's transaction (or span).
    if (ref.wrapper.kind === "transaction-helper" && insideOtherSiteCallback(call, refs)) continue;
    const methods = top ? (methodsByFunction.get(top) ?? []) : [];
    sites.push(
      analyzeSite(
        project,
        classifier,
        file,
        call,
        callee.getText(),
        ref,
        methods,
        top ? (topLevelName(top) ?? "(anonymous)") : "(module)",
      ),
    );
  }
  return sites;
}

function analyzeSite(
  project: CodemodProject,
  classifier: DbUsageClassifier,
  file: SourceFile,
  call: CallExpression,
  calleeName: string,
  ref: WrapperRef,
  methods: readonly string[],
  functionName: string,
): HandlerSite {
  const base = {
    file: file.getFilePath(),
    location: locate(project, call),
    call,
    calleeName,
    ref,
    methods,
    functionName,
  };
  const arg = call.getArguments()[ref.wrapper.handlerIndex];
  const callback = arg && (Node.isArrowFunction(arg) || Node.isFunctionExpression(arg)) ? arg : undefined;
  if (!callback) {
    return {
      ...base,
      callback: undefined,
      binding: undefined,
      classification: "unknown",
      uses: [],
      problem: {
        reason: "handler-not-inline",
        detail: `the handler argument is ${arg ? arg.getText().slice(0, 40) : "missing"}`,
      },
    };
  }
  const shape = ref.wrapper.shape;
  if (!shape) {
    return {
      ...base,
      callback,
      binding: undefined,
      classification: "unknown",
      uses: [],
      problem: {
        reason: "wrapper-shape-unknown",
        detail: `${ref.wrapper.name} (${project.relative(ref.wrapper.file)}:${ref.wrapper.line})`,
      },
    };
  }
  const bound = bindContext(callback, shape);
  if ("problem" in bound) {
    return { ...base, callback, binding: undefined, classification: "unknown", uses: [], problem: bound.problem };
  }
  const binding = ref.wrapper.kind === "transaction-helper" ? { ...bound, ...helperTenant(call, ref.wrapper) } : bound;
  const uses = binding.db ? classifier.usesIn(callback, binding.db) : [];
  // A V2 handler's writes sit in spans (`withTenant(tenantId, async (tx) => ...)`): they count, so scan calls it a
  // write after the writes phase, as before it.
  if (ref.version === 2) {
    const dbName = binding.db?.kind === "name" ? binding.db.name : binding.db?.objectName;
    uses.push(...spanUses(project, classifier, file, callback, dbName));
  }
  uses.sort((a, b) => a.node.getStart() - b.node.getStart());
  const classification = combineAccess(uses.map((u) => u.access));
  // A helper call whose every statement must stay in the transaction is already the smallest span: migrated.
  const done =
    ref.wrapper.kind === "transaction-helper" && classification === "write" && isSmallestSpan(callback, uses);
  return {
    ...base,
    ref: done ? { wrapper: ref.wrapper, version: 2 } : ref,
    callback,
    binding,
    classification,
    uses,
    problem: undefined,
  };
}

/** The tenant id of a transaction helper call: its argument, when it is a name or a property path (no call). */
function helperTenant(call: CallExpression, helper: WrapperInfo): Pick<HandlerBinding, "tenantIdExpression"> {
  const argument = helper.tenantIdArgument === undefined ? undefined : call.getArguments()[helper.tenantIdArgument];
  const stable = (node: Node): boolean =>
    Node.isIdentifier(node) || (Node.isPropertyAccessExpression(node) && stable(node.getExpression()));
  return { tenantIdExpression: argument && stable(argument) ? argument.getText() : undefined };
}

/** Whether a call sits in the callback of another wrapper or helper call of the file. */
function insideOtherSiteCallback(call: CallExpression, refs: ReadonlyMap<string, WrapperRef>): boolean {
  for (let node = call.getParent(); node; node = node.getParent()) {
    if (!Node.isCallExpression(node)) continue;
    const callee = node.getExpression();
    const ref = Node.isIdentifier(callee) ? refs.get(callee.getText()) : undefined;
    const callback = ref && node.getArguments()[ref.wrapper.handlerIndex];
    if (callback && callback.getStart() <= call.getStart() && call.getEnd() <= callback.getEnd()) return true;
  }
  return false;
}

/**
 * The uses of the transaction client inside spans of `callback`: calls of the app's transaction helpers and
 * `$transaction(async (tx) => ...)` on anything but the handler's db (which the classifier already follows).
 */
function spanUses(
  project: CodemodProject,
  classifier: DbUsageClassifier,
  file: SourceFile,
  callback: ArrowFunction | FunctionExpression,
  dbName: string | undefined,
): DbUse[] {
  const helpers = new Map<string, WrapperInfo>();
  for (const [local, ref] of spanHelperRefs.get(file) ?? []) helpers.set(local, ref.wrapper);
  const out: DbUse[] = [];
  for (const call of callback.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    const helper = Node.isIdentifier(callee) ? helpers.get(callee.getText()) : undefined;
    // The kit's `client.$withTenant(tenantId, (tx) => ...)` and `client.$transaction((tx) => ...)` on another client
    // than db (db.$transaction is followed by the classifier).
    const method = Node.isPropertyAccessExpression(callee) ? callee.getName() : undefined;
    const kitIndex =
      method === "$withTenant" ? 1 : method === "$transaction" && !isHandlerDb(callee, dbName) ? 0 : undefined;
    const handlerIndex = helper?.shape?.kind === "positional" ? helper.handlerIndex : kitIndex;
    const dbIndex = helper?.shape?.kind === "positional" ? helper.shape.dbIndex : 0;
    if (handlerIndex === undefined) continue;
    const inner = call.getArguments()[handlerIndex];
    if (!inner || !(Node.isArrowFunction(inner) || Node.isFunctionExpression(inner))) continue;
    const tx = inner.getParameters()[dbIndex]?.getNameNode();
    if (!tx || !Node.isIdentifier(tx)) continue;
    const where = `${callee.getText()} span (${project.relative(file.getFilePath())}:${call.getStartLineNumber()})`;
    for (const use of classifier.usesIn(inner, { kind: "name", name: tx.getText() }))
      out.push({ ...use, via: [where, ...use.via] });
  }
  return out;
}

/** Whether `client.method` is called on the handler's own db (`db.$transaction`, `ctx.db.$transaction`). */
function isHandlerDb(callee: Node, dbName: string | undefined): boolean {
  if (!dbName || !Node.isPropertyAccessExpression(callee)) return false;
  let root: Node = callee.getExpression();
  while (Node.isPropertyAccessExpression(root)) root = root.getExpression();
  return root.getText() === dbName;
}

/** Per file being analyzed, the local names of transaction helpers (set by findHandlerSites). */
const spanHelperRefs = new WeakMap<SourceFile, ReadonlyMap<string, WrapperRef>>();

/**
 * Whether a helper callback is already the smallest span: the span planner would keep every statement of it in the
 * transaction and move nothing out (each read decides or feeds a write, or joins a span that returns).
 */
function isSmallestSpan(callback: ArrowFunction | FunctionExpression, uses: readonly DbUse[]): boolean {
  const options = { opener: "", txName: "tx", resultName: "txResult", indentUnit: "  " };
  const plan = planWriteSpan({ callback, uses }, callback.getSourceFile().getFullText(), options);
  if ("reason" in plan || plan.ownTransaction || plan.notes.length > 0) return false;
  const body = callback.getBody();
  if (!Node.isBlock(body)) return true;
  return body.getStatements().every((st) => plan.edits.some((e) => e.start <= st.getEnd() && e.end >= st.getStart()));
}

function bindContext(
  callback: ArrowFunction | FunctionExpression,
  shape: NonNullable<WrapperRef["wrapper"]["shape"]>,
): HandlerBinding | { problem: { reason: ManualReviewReason; detail: string } } {
  const params = callback.getParameters();
  if (shape.kind === "positional") {
    const dbParam = params[shape.dbIndex]?.getNameNode();
    const tenantParam = params[shape.tenantIdIndex]?.getNameNode();
    if ((dbParam && !Node.isIdentifier(dbParam)) || (tenantParam && !Node.isIdentifier(tenantParam))) {
      return { problem: { reason: "context-escapes", detail: "the handler destructures a positional parameter" } };
    }
    return {
      db: dbParam ? { kind: "name", name: dbParam.getText() } : undefined,
      tenantIdExpression: tenantParam?.getText(),
    };
  }
  const first = params[0]?.getNameNode();
  if (!first) return { db: undefined, tenantIdExpression: undefined };
  if (Node.isIdentifier(first)) {
    const context = first.getText();
    const db: DbAccessor = { kind: "property", objectName: context, property: shape.dbKey };
    const destructured = contextDestructuring(callback, context, shape);
    // The destructured tenant id only when nothing reads `context.db` (a span could then sit above the destructuring).
    const dbReadAsProperty = identifiersNamed(callback, context).some((id) => {
      const parent = id.getParent();
      return (
        Node.isPropertyAccessExpression(parent) && parent.getExpression() === id && parent.getName() === shape.dbKey
      );
    });
    const tenantIdExpression =
      destructured?.tenantId && !dbReadAsProperty ? destructured.tenantId : `${context}.${shape.tenantIdKey}`;
    return { db, tenantIdExpression, dbPattern: destructured?.dbBound ? destructured.pattern : undefined };
  }
  if (!Node.isObjectBindingPattern(first))
    return { problem: { reason: "context-escapes", detail: "the handler context parameter is not an object" } };
  let db: DbAccessor | undefined;
  let tenantIdExpression: string | undefined;
  for (const element of first.getElements()) {
    if (element.getDotDotDotToken())
      return { problem: { reason: "context-escapes", detail: "the handler context is spread (...rest)" } };
    const key = element.getPropertyNameNode()?.getText() ?? element.getNameNode().getText();
    const nameNode = element.getNameNode();
    if (key === shape.dbKey) {
      if (!Node.isIdentifier(nameNode))
        return { problem: { reason: "context-escapes", detail: "db is destructured further in the parameter list" } };
      db = { kind: "name", name: nameNode.getText() };
    } else if (key === shape.tenantIdKey && Node.isIdentifier(nameNode)) {
      tenantIdExpression = nameNode.getText();
    }
  }
  return { db, tenantIdExpression, dbPattern: first };
}

/**
 * A top-level `const { ..., db, ... } = context;` of the handler body (no `...rest`): its pattern and the names bound.
 */
function contextDestructuring(
  callback: ArrowFunction | FunctionExpression,
  context: string,
  shape: { readonly dbKey: string; readonly tenantIdKey: string },
): { pattern: ObjectBindingPattern; tenantId: string | undefined; dbBound: boolean } | undefined {
  const body = callback.getBody();
  if (!Node.isBlock(body)) return undefined;
  for (const statement of body.getStatements()) {
    if (!Node.isVariableStatement(statement) || statement.getDeclarationKind() !== "const") continue;
    for (const declaration of statement.getDeclarations()) {
      const pattern = declaration.getNameNode();
      if (declaration.getInitializer()?.getText() !== context || !Node.isObjectBindingPattern(pattern)) continue;
      if (pattern.getElements().some((e) => e.getDotDotDotToken())) return undefined;
      return {
        pattern,
        tenantId: boundKey(pattern, shape.tenantIdKey),
        dbBound: boundKey(pattern, shape.dbKey) !== undefined,
      };
    }
  }
  return undefined;
}

type TopLevel = Node;

/**
 * The outermost function of the file containing `node` (a function declaration or a top-level `const x = () => ...`).
 */
export function topLevelFunction(node: Node): TopLevel | undefined {
  let found: Node | undefined;
  for (let current: Node | undefined = node; current && !Node.isSourceFile(current); current = current.getParent()) {
    if (Node.isFunctionDeclaration(current) || Node.isArrowFunction(current) || Node.isFunctionExpression(current))
      found = current;
  }
  return found;
}

function topLevelName(fn: Node): string | undefined {
  if (Node.isFunctionDeclaration(fn)) return fn.getName();
  const parent = fn.getParent();
  return Node.isVariableDeclaration(parent) ? parent.getName() : undefined;
}

/** Maps each top-level function to the HTTP methods it is exported as. */
function httpMethodFunctions(file: SourceFile): Map<Node, string[]> {
  const map = new Map<Node, string[]>();
  const add = (fn: Node | undefined, method: string): void => {
    if (!fn) return;
    map.set(fn, [...(map.get(fn) ?? []), method]);
  };
  for (const fn of file.getFunctions()) {
    const name = fn.getName();
    // hasExportKeyword, not isExported: the latter asks the type checker (slow), and `export { }` lists come below.
    if (name && HTTP_METHODS.has(name) && fn.hasExportKeyword()) add(fn, name);
  }
  for (const statement of file.getVariableStatements()) {
    if (!statement.hasExportKeyword()) continue;
    for (const declaration of statement.getDeclarations()) {
      if (!HTTP_METHODS.has(declaration.getName())) continue;
      const init = declaration.getInitializer();
      if (init && (Node.isArrowFunction(init) || Node.isFunctionExpression(init))) add(init, declaration.getName());
      else if (init && Node.isIdentifier(init)) add(localFunction(file, init.getText()), declaration.getName());
    }
  }
  for (const declaration of file.getExportDeclarations()) {
    if (declaration.getModuleSpecifier()) continue;
    for (const named of declaration.getNamedExports()) {
      const exported = named.getAliasNode()?.getText() ?? named.getName();
      if (HTTP_METHODS.has(exported)) add(localFunction(file, named.getName()), exported);
    }
  }
  return map;
}
