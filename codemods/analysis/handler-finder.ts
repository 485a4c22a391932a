import {
  Node,
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
import type { WrapperIndex, WrapperRef } from "./wrapper-discovery.ts";

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
  const refs = index.refsIn(project, file);
  if (refs.size === 0) return [];
  const methodsByFunction = httpMethodFunctions(file);
  const sites: HandlerSite[] = [];
  for (const callee of identifiersNamed(file, new Set(refs.keys()))) {
    const call = callee.getParent();
    const ref = refs.get(callee.getText());
    if (!ref || !Node.isCallExpression(call) || call.getExpression() !== callee) continue;
    // Inside the wrapper modules, the wrappers' own bodies are not handlers.
    const top = topLevelFunction(call);
    if (
      top &&
      index.all.some((w) => w.file === file.getFilePath() && [w.name, w.v2Name].includes(topLevelName(top) ?? ""))
    )
      continue;
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
  const binding = bindContext(callback, shape);
  if ("problem" in binding) {
    return { ...base, callback, binding: undefined, classification: "unknown", uses: [], problem: binding.problem };
  }
  const uses = binding.db ? classifier.usesIn(callback, binding.db) : [];
  return {
    ...base,
    callback,
    binding,
    classification: combineAccess(uses.map((u) => u.access)),
    uses,
    problem: undefined,
  };
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
