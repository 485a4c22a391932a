import {
  Node,
  SyntaxKind,
  ts,
  type BinaryExpression,
  type CallExpression,
  type ObjectBindingPattern,
  type SourceFile,
} from "ts-morph";
import { isShadowed } from "./name-shadowing.ts";
import { rawSqlCall } from "./raw-sql.ts";
import type { SourceLocation } from "../errors/codemod-error.ts";
import type { CodemodProject } from "../project/codemod-project.ts";
import { importBindings, localFunction } from "./import-bindings.ts";
import { identifiersNamed } from "./named-identifiers.ts";
import type { ManualReviewReason } from "./manual-review-reason.ts";
import { isReadOnlySql, READ_OPERATIONS, SYNCHRONOUS_CALLBACK_METHODS, WRITE_OPERATIONS } from "./prisma-operations.ts";

/** What a use of `db` does. */
export type Access = "read" | "write" | "unknown";

/** One use of `db` in a handler, with what it does and why the kit thinks so. */
export interface DbUse {
  readonly access: Access;
  /** Short description, e.g. `db.customer.create` or `addOrderItem(db) → db.orderItem.create`. */
  readonly description: string;
  /** Set when access is "unknown". */
  readonly reason?: ManualReviewReason;
  readonly location: SourceLocation;
  /** Helpers followed to reach the operation, outermost first (`addOrderItem (src/lib/repos/orders-repo.ts:10)`). */
  readonly via: readonly string[];
  /** The expression that evaluates to db, in the analyzed function (for the handler: in the route file). */
  readonly node: Node;
  /** The use is `db.$transaction(...)` (or a repo helper that calls it): the handler opens its own transaction. */
  readonly ownTransaction: boolean;
  /**
   * The own transaction is a `$transaction` call on V1's db that no `"$transaction" in db` check guards: V1's db is
   * Prisma's interactive-transaction client, which has no `$transaction`, so on V1 this threw a TypeError and the code
   * never ran; on V2 it runs (and writes).
   */
  readonly v1Threw?: boolean;
  /** In a helper: the use hands db to the helper's own parameter #index (a callback), as its argument #dbArgument. */
  readonly callsParameter?: { readonly index: number; readonly dbArgument: number };
}

/** How the analyzed function reaches db: a variable name, or a property of a context parameter (`ctx.db`). */
export type DbAccessor =
  | { readonly kind: "name"; readonly name: string }
  | {
      readonly kind: "property";
      readonly objectName: string;
      readonly property: string;
      /** The reason when the object is used as a whole (default `context-escapes`, for a handler context). */
      readonly wholeUse?: ManualReviewReason;
    };

/**
 * The verdict over several uses: unknown beats write beats read.
 * @example combineAccess(["read", "write"]) // "write"
 */
export function combineAccess(accesses: Iterable<Access>): Access {
  let result: Access = "read";
  for (const access of accesses) {
    if (access === "unknown") return "unknown";
    if (access === "write") result = "write";
  }
  return result;
}

/**
 * Classifies every use of `db` inside a function by what it does: Prisma read and write operations, raw SQL (by its
 * text), `$transaction`, and calls that pass db on, which are followed into the repo's own functions through imports
 * resolved with the repo's tsconfig. Whatever cannot be proven is `unknown` with a {@link ManualReviewReason}.
 *
 * @example
 * ```ts
 * const classifier = new DbUsageClassifier(project);
 * const uses = classifier.usesIn(callback, { kind: "name", name: "db" });
 * combineAccess(uses.map((u) => u.access)); // "write"
 * ```
 */
export class DbUsageClassifier {
  private readonly project: CodemodProject;
  private readonly helperCache = new Map<string, { access: Access; uses: DbUse[] }>();
  private readonly inProgress = new Set<string>();

  constructor(project: CodemodProject) {
    this.project = project;
  }

  /**
   * Every use of db inside `fn` (a function-like node whose parameters bind db, or the block declaring an alias of
   * db), in source order. Comments and JSDoc are never uses; nor is a `"$transaction" in db` probe.
   */
  usesIn(fn: Node, accessor: DbAccessor): DbUse[] {
    const file = fn.getSourceFile();
    const uses: DbUse[] = [];
    const name = accessor.kind === "name" ? accessor.name : accessor.objectName;
    for (const identifier of identifiersNamed(fn, name)) {
      if (!isReference(identifier) || isShadowed(identifier, name, fn)) continue;
      let useNode: Node = identifier;
      if (accessor.kind === "property") {
        const parent = identifier.getParent();
        if (Node.isPropertyAccessExpression(parent) && parent.getExpression() === identifier) {
          if (parent.getName() !== accessor.property) continue;
          useNode = parent;
        } else {
          const destructured = contextDestructuring(identifier, accessor.property);
          if (destructured === "no-db") continue;
          if (destructured) {
            uses.push(...this.usesIn(destructured.scope, { kind: "name", name: destructured.name }));
            continue;
          }
          uses.push(
            this.unknown(
              identifier,
              accessor.wholeUse ?? "context-escapes",
              `${name} is used as a whole (${describeParent(identifier)})`,
            ),
          );
          continue;
        }
      }
      const capture = captureProblem(useNode, fn);
      if (capture) {
        uses.push(this.unknown(useNode, "db-captured-by-callback", capture));
        continue;
      }
      uses.push(...this.classifyUse(useNode, file, fn));
    }
    return uses.sort((a, b) => a.node.getStart() - b.node.getStart());
  }

  private classifyUse(useNode: Node, file: SourceFile, root: Node): DbUse[] {
    let node: Node = useNode;
    let parent = node.getParentOrThrow();
    while (
      Node.isParenthesizedExpression(parent) ||
      Node.isAsExpression(parent) ||
      Node.isNonNullExpression(parent) ||
      Node.isSatisfiesExpression(parent) ||
      Node.isTypeAssertion(parent)
    ) {
      node = parent;
      parent = parent.getParentOrThrow();
    }
    const dbText = useNode.getText();
    if (isTransactionProbe(node)) return [];
    if (Node.isElementAccessExpression(parent) && parent.getExpression() === node) {
      return [
        this.unknown(useNode, "dynamic-db-access", `${dbText}[${parent.getArgumentExpression()?.getText() ?? ""}]`),
      ];
    }
    if (Node.isPropertyAccessExpression(parent) && parent.getExpression() === node) {
      const property = parent.getName();
      const grand = parent.getParentOrThrow();
      if (property.startsWith("$")) return [this.classifyClientMethod(useNode, parent, grand, property, root)];
      if (Node.isPropertyAccessExpression(grand) && grand.getExpression() === parent) {
        const operation = grand.getName();
        const call = grand.getParent();
        const description = `${dbText}.${property}.${operation}`;
        if (Node.isCallExpression(call) && call.getExpression() === grand) {
          if (READ_OPERATIONS.has(operation)) return [this.use(useNode, "read", description)];
          if (WRITE_OPERATIONS.has(operation)) return [this.use(useNode, "write", description)];
        }
        return [
          this.unknown(useNode, "unknown-db-operation", `${description} is not a Prisma operation the kit knows`),
        ];
      }
      if (Node.isElementAccessExpression(grand))
        return [this.unknown(useNode, "dynamic-db-access", grand.getText().slice(0, 80))];
      return [
        this.unknown(useNode, "db-escapes", `${dbText}.${property} is used as a value (${describeParent(parent)})`),
      ];
    }
    if (Node.isCallExpression(parent) && parent.getArguments().includes(node)) {
      const index = parent.getArguments().indexOf(node);
      const ownParameter = parameterIndex(root, parent.getExpression());
      if (ownParameter !== undefined) {
        const description = `${parent.getExpression().getText()}(${dbText}) (the callback parameter)`;
        return [
          { ...this.use(useNode, "read", description), callsParameter: { index: ownParameter, dbArgument: index } },
        ];
      }
      return [this.followCall(useNode, parent, index, file, (param) => plainParameter(param))];
    }
    // `helper(rows, { db, tenantId })`: followed into the helper's `{ db }` pattern or `options.db`.
    const property = objectArgumentProperty(node);
    if (property) {
      const bind = (param: Node | undefined): DbAccessor | undefined => optionsParameter(param, property.key);
      return [this.followCall(useNode, property.call, property.index, file, bind)];
    }
    // `const client = db || (await import("@/lib/db")).default`: db is always set in a handler, so client is db.
    const alias = fallbackAlias(node);
    if (alias) {
      const aliasUse = this.use(useNode, "read", `${alias.name} = ${dbText} || ... (an alias of ${dbText})`);
      return [aliasUse, ...this.usesIn(alias.scope, { kind: "name", name: alias.name })];
    }
    return [this.unknown(useNode, "db-escapes", `${dbText} is ${describeParent(node)}`)];
  }

  private classifyClientMethod(useNode: Node, access: Node, grand: Node, property: string, root: Node): DbUse {
    const dbText = useNode.getText();
    const description = `${dbText}.${property}`;
    const isCallee = Node.isCallExpression(grand) && grand.getExpression() === access;
    const isTag = Node.isTaggedTemplateExpression(grand) && grand.getTag() === access;
    if (!isCallee && !isTag) return this.unknown(useNode, "db-escapes", `${description} is used as a value`);
    switch (property) {
      case "$executeRaw":
      case "$executeRawUnsafe":
        return this.use(useNode, "write", description);
      case "$queryRaw":
      case "$queryRawUnsafe": {
        // SQL spliced into an Unsafe call's template is not known statically: it counts as a write.
        const spliced =
          property.endsWith("Unsafe") && Node.isTemplateExpression((grand as CallExpression).getArguments?.()[0]);
        const sql = spliced ? undefined : rawSqlCall(grand)?.text;
        if (sql !== undefined && isReadOnlySql(sql)) return this.use(useNode, "read", `${description} (read-only SQL)`);
        return this.use(
          useNode,
          "write",
          `${description} (${sql === undefined ? "SQL not known statically" : "SQL that may write"})`,
        );
      }
      case "$transaction": {
        const call = grand as CallExpression;
        const first = call.getArguments()[0];
        const v1Threw = !isGuardedByProbe(call, root);
        let inner: Access = "read";
        if (first && (Node.isArrowFunction(first) || Node.isFunctionExpression(first))) {
          const txName = first.getParameters()[0]?.getName();
          if (txName) inner = combineAccess(this.usesIn(first, { kind: "name", name: txName }).map((u) => u.access));
        } else if (first && Node.isArrayLiteralExpression(first)) {
          inner = "write";
        } else {
          const ownParameter = first ? parameterIndex(root, first) : undefined;
          if (ownParameter !== undefined) {
            const around = `${description}(${first!.getText()}) (own transaction around the callback parameter)`;
            return {
              ...this.use(useNode, "read", around),
              ownTransaction: true,
              v1Threw,
              callsParameter: { index: ownParameter, dbArgument: 0 },
            };
          }
          return this.unknown(
            useNode,
            "unknown-db-operation",
            `${description} with an argument the kit cannot see into`,
          );
        }
        if (inner === "unknown")
          return {
            ...this.unknown(
              useNode,
              "unknown-db-operation",
              `${description}: its callback does something the kit cannot prove`,
            ),
            ownTransaction: true,
          };
        return {
          ...this.use(useNode, inner === "write" ? "write" : "read", `${description} (own transaction)`),
          ownTransaction: true,
          v1Threw,
        };
      }
      default:
        return this.unknown(useNode, "unknown-db-operation", `${description} is not a client method the kit knows`);
    }
  }

  /**
   * Follows db into the repo function called by `call`, where it arrives as argument #index and `bind` tells how the
   * callee's parameter reaches it (a plain parameter, or an options object's key).
   */
  private followCall(
    useNode: Node,
    call: CallExpression,
    index: number,
    file: SourceFile,
    bind: (param: Node | undefined) => DbAccessor | undefined,
  ): DbUse {
    const callee = call.getExpression();
    const calleeText = callee.getText();
    if (call.getArguments().some((a, i) => i <= index && Node.isSpreadElement(a))) {
      return this.unknown(useNode, "unresolved-callee", `${calleeText}(...) receives db after a spread argument`);
    }
    if (!Node.isIdentifier(callee)) {
      return this.unknown(
        useNode,
        "unresolved-callee",
        `db is passed to ${calleeText}(), which is not a function of the repo the kit can resolve`,
      );
    }
    const target = this.resolveFunction(file, callee.getText(), 0);
    if (!target) {
      return this.unknown(
        useNode,
        "unresolved-callee",
        `db is passed to ${calleeText}(), whose declaration is not in the repo (or not a plain function)`,
      );
    }
    const params = (target.fn as unknown as { getParameters(): Node[] }).getParameters();
    const accessor = bind(params[index]);
    if (!accessor) {
      const detail = `${calleeText}() does not take db as a plain parameter (or options key) #${index + 1}`;
      return this.unknown(useNode, "unresolved-callee", detail);
    }
    const targetFile = this.project.relative(target.fn.getSourceFile().getFilePath());
    const where = `${calleeText} (${targetFile}:${target.fn.getStartLineNumber()})`;
    const keyProperty = accessor.kind === "property" ? accessor.property : "";
    const key = `${target.fn.getSourceFile().getFilePath()}:${target.fn.getStart()}:${index}:${keyProperty}`;
    let summary = this.helperCache.get(key);
    if (!summary) {
      if (this.inProgress.has(key)) return this.use(useNode, "read", `${calleeText}(db) (recursive call)`, [where]);
      this.inProgress.add(key);
      try {
        const uses = this.usesIn(target.fn, accessor);
        summary = { access: combineAccess(uses.map((u) => u.access)), uses };
      } finally {
        this.inProgress.delete(key);
      }
      this.helperCache.set(key, summary);
    }
    // Callbacks the helper runs with db (`runWithTransaction(db, async (tx) => ...)`): their own uses count here.
    const callbackUses: DbUse[] = [];
    const seen = new Set<string>();
    for (const use of summary.uses) {
      // `$transaction(fn)` and `fn(db)` run the same callback: analyze it once.
      if (!use.callsParameter || seen.has(`${use.callsParameter.index}:${use.callsParameter.dbArgument}`)) continue;
      seen.add(`${use.callsParameter.index}:${use.callsParameter.dbArgument}`);
      const argument = call.getArguments()[use.callsParameter.index];
      const inline =
        argument && (Node.isArrowFunction(argument) || Node.isFunctionExpression(argument)) ? argument : undefined;
      const txParam = inline?.getParameters()[use.callsParameter.dbArgument];
      if (!txParam) {
        const detail =
          `${calleeText}() runs its argument #${use.callsParameter.index + 1} with db, ` +
          `which is not an inline function`;
        callbackUses.push(this.unknown(useNode, "unresolved-callee", detail));
      } else if (Node.isIdentifier(txParam.getNameNode())) {
        callbackUses.push(...this.usesIn(argument!, { kind: "name", name: txParam.getName() }));
      }
    }
    const all = [...summary.uses.filter((u) => !u.callsParameter), ...callbackUses];
    const ownTransaction = summary.uses.some((u) => u.ownTransaction);
    const v1Threw = summary.uses.some((u) => u.v1Threw);
    const parts = [...summary.uses, ...callbackUses].map((u) => u.description);
    const accessed = parts.length ? parts.join(", ") : "no database access";
    const description = `${calleeText}(${useNode.getText()}) → ${accessed}`;
    const innerUnknown = all.find((u) => u.access === "unknown");
    const via = [where, ...(innerUnknown?.via ?? all.find((u) => u.access === "write")?.via ?? [])];
    if (innerUnknown) {
      return {
        node: useNode,
        access: "unknown",
        reason: innerUnknown.reason,
        description:
          `${calleeText}(${useNode.getText()}) → ${innerUnknown.description} ` +
          `at ${innerUnknown.location.file}:${innerUnknown.location.line}`,
        location: locate(this.project, useNode),
        via,
        ownTransaction: false,
      };
    }
    const access = combineAccess(all.map((u) => u.access));
    return {
      node: useNode,
      access,
      description,
      location: locate(this.project, useNode),
      via,
      ownTransaction,
      v1Threw: ownTransaction && v1Threw,
    };
  }

  /**
   * The function declaration `name` refers to in `file`: declared there, or imported from a repo module (re-exports
   * followed).
   */
  private resolveFunction(file: SourceFile, name: string, depth: number): { fn: Node } | undefined {
    if (depth > 4) return undefined;
    const local = localFunction(file, name);
    if (local) return { fn: local };
    const binding = importBindings(this.project, file).find((b) => b.localName === name && !b.isTypeOnly);
    if (!binding?.moduleFile) return undefined;
    const module = this.project.sourceFile(binding.moduleFile);
    const exported = localFunction(module, binding.importedName);
    if (exported) return { fn: exported };
    for (const declaration of module.getExportDeclarations()) {
      const named = declaration
        .getNamedExports()
        .find((n) => (n.getAliasNode()?.getText() ?? n.getName()) === binding.importedName);
      if (!named) continue;
      const specifier = declaration.getModuleSpecifierValue();
      if (!specifier) return this.resolveFunction(module, named.getName(), depth + 1);
      const next = this.project.resolveModule(specifier, module.getFilePath());
      if (!next) return undefined;
      const target = this.project.sourceFile(next);
      const fn = localFunction(target, named.getName());
      return fn ? { fn } : undefined;
    }
    return undefined;
  }

  private use(node: Node, access: Access, description: string, via: string[] = []): DbUse {
    return { node, access, description, location: locate(this.project, node), via, ownTransaction: false };
  }

  private unknown(node: Node, reason: ManualReviewReason, description: string): DbUse {
    return {
      node,
      access: "unknown",
      reason,
      description,
      location: locate(this.project, node),
      via: [],
      ownTransaction: false,
    };
  }
}

/** file:line:col of a node, the file relative to the repo root. @example locate(project, node).line */
export function locate(project: CodemodProject, node: Node): SourceLocation {
  const file = node.getSourceFile();
  const { line, column } = file.getLineAndColumnAtPos(node.getStart());
  return { file: project.relative(file.getFilePath()), line, column };
}

/** True when the identifier is read as a value (not a property name, a declaration name or a type). */
export function isReference(identifier: Node): boolean {
  const parent = identifier.getParent();
  if (!parent) return false;
  // A JSDoc tag (`@param db`, `{@link db}`) documents db; it never runs.
  if (identifier.compilerNode.flags & ts.NodeFlags.JSDoc) return false;
  if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === identifier) return false;
  if (Node.isPropertyAssignment(parent) && parent.getNameNode() === identifier) return false;
  if (
    Node.isBindingElement(parent) &&
    (parent.getPropertyNameNode() === identifier || parent.getNameNode() === identifier)
  )
    return false;
  if (Node.isParameterDeclaration(parent) || Node.isVariableDeclaration(parent))
    return parent.getInitializer() === identifier;
  if (Node.isFunctionDeclaration(parent) || Node.isPropertySignature(parent) || Node.isMethodDeclaration(parent))
    return false;
  if (Node.isTypeReference(parent) || Node.isQualifiedName(parent) || Node.isTypeQuery(parent)) return false;
  if (Node.isImportSpecifier(parent) || Node.isExportSpecifier(parent) || Node.isLabeledStatement(parent)) return false;
  if (Node.isShorthandPropertyAssignment(parent)) return true;
  return true;
}

/**
 * Why a use inside a nested function cannot be trusted to run in place, or undefined when it can: a nested function is
 * fine only when passed straight to an array method (map, forEach, ...) or to a `$transaction` call.
 */
function captureProblem(useNode: Node, root: Node): string | undefined {
  for (let node = useNode.getParent(); node && node !== root; node = node.getParent()) {
    if (
      !(
        Node.isArrowFunction(node) ||
        Node.isFunctionExpression(node) ||
        Node.isFunctionDeclaration(node) ||
        Node.isMethodDeclaration(node)
      )
    )
      continue;
    const parent = node.getParent();
    if (Node.isCallExpression(parent) && parent.getArguments().includes(node as Node)) {
      const callee = parent.getExpression();
      if (
        Node.isPropertyAccessExpression(callee) &&
        (SYNCHRONOUS_CALLBACK_METHODS.has(callee.getName()) || callee.getName() === "$transaction")
      )
        continue;
      return (
        `${useNode.getText()} is used inside a callback passed to ${callee.getText().slice(0, 60)}(), ` +
        `which may call it later`
      );
    }
    return `${useNode.getText()} is captured by a function (line ${node.getStartLineNumber()}) that may run later`;
  }
  return undefined;
}

function describeParent(node: Node): string {
  const parent = node.getParent();
  if (!parent) return "used";
  if (Node.isShorthandPropertyAssignment(parent) || Node.isPropertyAssignment(parent))
    return "put in an object literal";
  if (Node.isVariableDeclaration(parent)) return `stored in the variable ${parent.getName()}`;
  if (Node.isReturnStatement(parent) || Node.isArrowFunction(parent)) return "returned";
  if (Node.isBinaryExpression(parent)) return "assigned or compared";
  if (Node.isArrayLiteralExpression(parent)) return "put in an array";
  if (Node.isSpreadElement(parent) || Node.isSpreadAssignment(parent)) return "spread";
  if (Node.isAwaitExpression(parent)) return "awaited as a value";
  if (Node.isCallExpression(parent)) return `passed to ${parent.getExpression().getText().slice(0, 60)}()`;
  return `used in ${parent.getKindName()}`;
}

/** `"$transaction" in db` or `typeof db.$transaction`: a check of what db is, not a use. */
function isTransactionProbe(node: Node): boolean {
  const parent = node.getParent();
  if (Node.isBinaryExpression(parent) && parent.getRight() === node && isOperator(parent, SyntaxKind.InKeyword))
    return true;
  return (
    Node.isPropertyAccessExpression(parent) &&
    parent.getName() === "$transaction" &&
    Node.isTypeOfExpression(parent.getParent())
  );
}

/** Whether `call` only runs when a `"$transaction" in db` (or `typeof db.$transaction`) check says db has one. */
function isGuardedByProbe(call: Node, root: Node): boolean {
  const isProbe = (n: Node): boolean =>
    (Node.isBinaryExpression(n) &&
      isOperator(n, SyntaxKind.InKeyword) &&
      /^["'`]\$transaction["'`]$/.test(n.getLeft().getText())) ||
    (Node.isTypeOfExpression(n) && /\.\$transaction$/.test(n.getExpression().getText()));
  const probes = (condition: Node): boolean => [condition, ...condition.getDescendants()].some(isProbe);
  for (let child: Node = call, node = call.getParent(); node && child !== root; child = node, node = node.getParent()) {
    if (Node.isIfStatement(node) && node.getThenStatement() === child && probes(node.getExpression())) return true;
    if (Node.isConditionalExpression(node) && node.getWhenTrue() === child && probes(node.getCondition())) return true;
    if (
      Node.isBinaryExpression(node) &&
      node.getRight() === child &&
      isOperator(node, SyntaxKind.AmpersandAmpersandToken) &&
      probes(node.getLeft())
    ) {
      return true;
    }
  }
  return false;
}

/** The index of the parameter of `root` (a function) that `expression` names, if it names one. */
function parameterIndex(root: Node, expression: Node): number | undefined {
  if (!Node.isIdentifier(expression)) return undefined;
  if (!(Node.isFunctionLikeDeclaration(root) || Node.isArrowFunction(root) || Node.isFunctionExpression(root)))
    return undefined;
  const index = root.getParameters().findIndex((p) => p.getNameNode().getText() === expression.getText());
  return index >= 0 ? index : undefined;
}

/** A callee's parameter that receives db as is. */
function plainParameter(param: Node | undefined): DbAccessor | undefined {
  if (!param || !Node.isParameterDeclaration(param) || param.isRestParameter()) return undefined;
  return Node.isIdentifier(param.getNameNode()) ? { kind: "name", name: param.getName() } : undefined;
}

/**
 * A callee's parameter that receives db as the `key` of an options object: `{ db }` or `options` (then `options.db`).
 */
function optionsParameter(param: Node | undefined, key: string): DbAccessor | undefined {
  if (!param || !Node.isParameterDeclaration(param) || param.isRestParameter()) return undefined;
  const nameNode = param.getNameNode();
  if (Node.isIdentifier(nameNode))
    return { kind: "property", objectName: nameNode.getText(), property: key, wholeUse: "db-escapes" };
  if (!Node.isObjectBindingPattern(nameNode) || nameNode.getElements().some((e) => e.getDotDotDotToken()))
    return undefined;
  const bound = boundKey(nameNode, key);
  return bound ? { kind: "name", name: bound } : undefined;
}

/** For db as a property of an object literal passed straight to a call (`helper(rows, { db, tenantId })`). */
function objectArgumentProperty(node: Node): { call: CallExpression; index: number; key: string } | undefined {
  const property = node.getParent();
  let key: string | undefined;
  if (Node.isShorthandPropertyAssignment(property)) key = property.getName();
  else if (
    Node.isPropertyAssignment(property) &&
    property.getInitializer() === node &&
    Node.isIdentifier(property.getNameNode())
  ) {
    key = property.getName();
  }
  const literal = property?.getParent();
  const call = literal?.getParent();
  if (!key || !Node.isObjectLiteralExpression(literal) || !Node.isCallExpression(call)) return undefined;
  const index = call.getArguments().indexOf(literal);
  return index >= 0 ? { call, index, key } : undefined;
}

/** For `const client = db || fallback` (or `??`): the alias name and the block it is visible in. */
function fallbackAlias(node: Node): { name: string; scope: Node } | undefined {
  const binary = node.getParent();
  if (!Node.isBinaryExpression(binary) || binary.getLeft() !== node) return undefined;
  const operator = binary.getOperatorToken().getKind();
  if (operator !== SyntaxKind.BarBarToken && operator !== SyntaxKind.QuestionQuestionToken) return undefined;
  let value: Node = binary;
  while (Node.isParenthesizedExpression(value.getParent())) value = value.getParentOrThrow();
  const declaration = value.getParent();
  if (
    !Node.isVariableDeclaration(declaration) ||
    declaration.getInitializer() !== value ||
    !Node.isIdentifier(declaration.getNameNode())
  )
    return undefined;
  const statement = declaration.getVariableStatement();
  const scope = statement?.getParent();
  if (statement?.getDeclarationKind() !== "const" || !scope) return undefined;
  return { name: declaration.getName(), scope };
}

/**
 * For `const { tenantId, db, user } = ctx` (no `...rest`): the name db is bound to and the block it is visible in, or
 * "no-db" when the pattern does not take db (then it is no use at all); undefined for anything else.
 */
function contextDestructuring(identifier: Node, dbKey: string): { name: string; scope: Node } | "no-db" | undefined {
  const declaration = identifier.getParent();
  if (!Node.isVariableDeclaration(declaration) || declaration.getInitializer() !== identifier) return undefined;
  const pattern = declaration.getNameNode();
  const statement = declaration.getVariableStatement();
  if (!Node.isObjectBindingPattern(pattern) || !statement || statement.getDeclarationKind() !== "const")
    return undefined;
  if (pattern.getElements().some((e) => e.getDotDotDotToken())) return undefined;
  const element = pattern
    .getElements()
    .find((e) => (e.getPropertyNameNode()?.getText() ?? e.getNameNode().getText()) === dbKey);
  if (!element) return "no-db";
  const bound = boundKey(pattern, dbKey);
  const scope = statement.getParent();
  return bound && scope ? { name: bound, scope } : undefined;
}

function isOperator(binary: BinaryExpression, kind: SyntaxKind): boolean {
  return binary.getOperatorToken().getKind() === kind;
}

/**
 * The name a `{ ... }` pattern binds the property `key` to (`{ db }` → "db", `{ db: client }` → "client"), when it
 * binds it to a plain name. @example boundKey(pattern, "db")
 */
export function boundKey(pattern: ObjectBindingPattern, key: string): string | undefined {
  const element = pattern
    .getElements()
    .find((e) => (e.getPropertyNameNode()?.getText() ?? e.getNameNode().getText()) === key);
  const name = element?.getNameNode();
  return name && Node.isIdentifier(name) ? name.getText() : undefined;
}
