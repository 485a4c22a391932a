import { Node, SyntaxKind, type CallExpression, type SourceFile } from "ts-morph";
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
  /** The use is `db.$transaction(...)`: the handler opens its own transaction. */
  readonly ownTransaction: boolean;
}

/** How the analyzed function reaches db: a variable name, or a property of a context parameter (`ctx.db`). */
export type DbAccessor = { readonly kind: "name"; readonly name: string } | { readonly kind: "property"; readonly objectName: string; readonly property: string };

/** The verdict over several uses: unknown beats write beats read. @example combineAccess(["read", "write"]) // "write" */
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

  /** Every use of db inside `fn` (a function-like node whose parameters bind db), in source order. */
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
          uses.push(this.unknown(identifier, "context-escapes", `${name} is used as a whole (${describeParent(identifier)})`));
          continue;
        }
      }
      const capture = captureProblem(useNode, fn);
      if (capture) {
        uses.push(this.unknown(useNode, "db-captured-by-callback", capture));
        continue;
      }
      uses.push(this.classifyUse(useNode, file));
    }
    return uses;
  }

  private classifyUse(useNode: Node, file: SourceFile): DbUse {
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
    if (Node.isElementAccessExpression(parent) && parent.getExpression() === node) {
      return this.unknown(useNode, "dynamic-db-access", `${dbText}[${parent.getArgumentExpression()?.getText() ?? ""}]`);
    }
    if (Node.isPropertyAccessExpression(parent) && parent.getExpression() === node) {
      const property = parent.getName();
      const grand = parent.getParentOrThrow();
      if (property.startsWith("$")) return this.classifyClientMethod(useNode, parent, grand, property, file);
      if (Node.isPropertyAccessExpression(grand) && grand.getExpression() === parent) {
        const operation = grand.getName();
        const call = grand.getParent();
        const description = `${dbText}.${property}.${operation}`;
        if (Node.isCallExpression(call) && call.getExpression() === grand) {
          if (READ_OPERATIONS.has(operation)) return this.use(useNode, "read", description);
          if (WRITE_OPERATIONS.has(operation)) return this.use(useNode, "write", description);
        }
        return this.unknown(useNode, "unknown-db-operation", `${description} is not a Prisma operation the kit knows`);
      }
      if (Node.isElementAccessExpression(grand)) return this.unknown(useNode, "dynamic-db-access", grand.getText().slice(0, 80));
      return this.unknown(useNode, "db-escapes", `${dbText}.${property} is used as a value (${describeParent(parent)})`);
    }
    if (Node.isCallExpression(parent) && parent.getArguments().includes(node)) {
      return this.followCall(useNode, parent, parent.getArguments().indexOf(node), file);
    }
    return this.unknown(useNode, "db-escapes", `${dbText} is ${describeParent(node)}`);
  }

  private classifyClientMethod(useNode: Node, access: Node, grand: Node, property: string, file: SourceFile): DbUse {
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
        const sql = rawSqlText(grand);
        if (sql !== undefined && isReadOnlySql(sql)) return this.use(useNode, "read", `${description} (read-only SQL)`);
        return this.use(useNode, "write", `${description} (${sql === undefined ? "SQL not known statically" : "SQL that may write"})`);
      }
      case "$transaction": {
        const call = grand as CallExpression;
        const first = call.getArguments()[0];
        let inner: Access = "read";
        if (first && (Node.isArrowFunction(first) || Node.isFunctionExpression(first))) {
          const txName = first.getParameters()[0]?.getName();
          if (txName) inner = combineAccess(this.usesIn(first, { kind: "name", name: txName }).map((u) => u.access));
        } else if (first && Node.isArrayLiteralExpression(first)) {
          inner = "write";
        } else {
          return this.unknown(useNode, "unknown-db-operation", `${description} with an argument the kit cannot see into`);
        }
        if (inner === "unknown") return { ...this.unknown(useNode, "unknown-db-operation", `${description}: its callback does something the kit cannot prove`), ownTransaction: true };
        return { ...this.use(useNode, inner === "write" ? "write" : "read", `${description} (own transaction)`), ownTransaction: true };
      }
      default:
        void file;
        return this.unknown(useNode, "unknown-db-operation", `${description} is not a client method the kit knows`);
    }
  }

  private followCall(useNode: Node, call: CallExpression, index: number, file: SourceFile): DbUse {
    const callee = call.getExpression();
    const calleeText = callee.getText();
    if (call.getArguments().some((a, i) => i <= index && Node.isSpreadElement(a))) {
      return this.unknown(useNode, "unresolved-callee", `${calleeText}(...) receives db after a spread argument`);
    }
    if (!Node.isIdentifier(callee)) {
      return this.unknown(useNode, "unresolved-callee", `db is passed to ${calleeText}(), which is not a function of the repo the kit can resolve`);
    }
    const target = this.resolveFunction(file, callee.getText(), 0);
    if (!target) {
      return this.unknown(useNode, "unresolved-callee", `db is passed to ${calleeText}(), whose declaration is not in the repo (or not a plain function)`);
    }
    const params = (target.fn as unknown as { getParameters(): Node[] }).getParameters();
    const param = params[index];
    if (!param || !Node.isParameterDeclaration(param) || param.isRestParameter() || !Node.isIdentifier(param.getNameNode())) {
      return this.unknown(useNode, "unresolved-callee", `${calleeText}() does not take db as a plain parameter #${index + 1}`);
    }
    const where = `${calleeText} (${this.project.relative(target.fn.getSourceFile().getFilePath())}:${target.fn.getStartLineNumber()})`;
    const key = `${target.fn.getSourceFile().getFilePath()}:${target.fn.getStart()}:${index}`;
    let summary = this.helperCache.get(key);
    if (!summary) {
      if (this.inProgress.has(key)) return this.use(useNode, "read", `${calleeText}(db) (recursive call)`, [where]);
      this.inProgress.add(key);
      try {
        const uses = this.usesIn(target.fn, { kind: "name", name: param.getName() });
        summary = { access: combineAccess(uses.map((u) => u.access)), uses };
      } finally {
        this.inProgress.delete(key);
      }
      this.helperCache.set(key, summary);
    }
    const parts = summary.uses.map((u) => u.description);
    const description = `${calleeText}(${useNode.getText()}) → ${parts.length ? parts.join(", ") : "no database access"}`;
    const innerUnknown = summary.uses.find((u) => u.access === "unknown");
    const via = [where, ...(innerUnknown?.via ?? summary.uses.find((u) => u.access === "write")?.via ?? [])];
    if (innerUnknown) {
      return { node: useNode, access: "unknown", reason: innerUnknown.reason, description: `${calleeText}(${useNode.getText()}) → ${innerUnknown.description} at ${innerUnknown.location.file}:${innerUnknown.location.line}`, location: locate(this.project, useNode), via, ownTransaction: false };
    }
    return { node: useNode, access: summary.access, description, location: locate(this.project, useNode), via, ownTransaction: false };
  }

  /** The function declaration `name` refers to in `file`: declared there, or imported from a repo module (re-exports followed). */
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
      const named = declaration.getNamedExports().find((n) => (n.getAliasNode()?.getText() ?? n.getName()) === binding.importedName);
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
    return { node, access: "unknown", reason, description, location: locate(this.project, node), via: [], ownTransaction: false };
  }
}

/** file:line:col of a node, the file relative to the repo root. @example locate(project, node).line */
export function locate(project: CodemodProject, node: Node): SourceLocation {
  const file = node.getSourceFile();
  const { line, column } = file.getLineAndColumnAtPos(node.getStart());
  return { file: project.relative(file.getFilePath()), line, column };
}

function rawSqlText(expression: Node): string | undefined {
  if (Node.isTaggedTemplateExpression(expression)) return templateText(expression.getTemplate());
  if (Node.isCallExpression(expression)) {
    const first = expression.getArguments()[0];
    if (!first) return undefined;
    if (Node.isStringLiteral(first) || Node.isNoSubstitutionTemplateLiteral(first)) return first.getLiteralValue();
    if (Node.isTaggedTemplateExpression(first) && /^(Prisma\.)?sql$/.test(first.getTag().getText())) return templateText(first.getTemplate());
  }
  return undefined;
}

function templateText(template: Node): string {
  if (Node.isNoSubstitutionTemplateLiteral(template)) return template.getLiteralValue();
  if (Node.isTemplateExpression(template)) {
    return [template.getHead().getLiteralText(), ...template.getTemplateSpans().map((s) => `$1${s.getLiteral().getLiteralText()}`)].join("");
  }
  return template.getText();
}

/** True when the identifier is read as a value (not a property name, a declaration name or a type). */
function isReference(identifier: Node): boolean {
  const parent = identifier.getParent();
  if (!parent) return false;
  if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === identifier) return false;
  if (Node.isPropertyAssignment(parent) && parent.getNameNode() === identifier) return false;
  if (Node.isBindingElement(parent) && (parent.getPropertyNameNode() === identifier || parent.getNameNode() === identifier)) return false;
  if (Node.isParameterDeclaration(parent) || Node.isVariableDeclaration(parent)) return parent.getInitializer() === identifier;
  if (Node.isFunctionDeclaration(parent) || Node.isPropertySignature(parent) || Node.isMethodDeclaration(parent)) return false;
  if (Node.isTypeReference(parent) || Node.isQualifiedName(parent) || Node.isTypeQuery(parent)) return false;
  if (Node.isImportSpecifier(parent) || Node.isExportSpecifier(parent) || Node.isLabeledStatement(parent)) return false;
  if (Node.isShorthandPropertyAssignment(parent)) return true;
  return true;
}

/** True when a function or block between `identifier` and `root` declares its own `name`. */
function isShadowed(identifier: Node, name: string, root: Node): boolean {
  for (let node = identifier.getParent(); node && node !== root; node = node.getParent()) {
    if (Node.isFunctionLikeDeclaration(node) || Node.isArrowFunction(node) || Node.isFunctionExpression(node)) {
      if (node.getParameters().some((p) => bindsName(p.getNameNode(), name))) return true;
    }
    if (Node.isBlock(node) || Node.isCaseClause(node) || Node.isDefaultClause(node)) {
      for (const statement of node.getStatements()) {
        if (Node.isVariableStatement(statement) && statement.getDeclarations().some((d) => bindsName(d.getNameNode(), name))) return true;
        if (Node.isFunctionDeclaration(statement) && statement.getName() === name) return true;
      }
    }
    if ((Node.isForOfStatement(node) || Node.isForInStatement(node) || Node.isForStatement(node)) ) {
      const init = node.getInitializer();
      if (init && Node.isVariableDeclarationList(init) && init.getDeclarations().some((d) => bindsName(d.getNameNode(), name))) return true;
    }
    if (Node.isCatchClause(node)) {
      const variable = node.getVariableDeclaration();
      if (variable && bindsName(variable.getNameNode(), name)) return true;
    }
  }
  return false;
}

function bindsName(nameNode: Node, name: string): boolean {
  if (Node.isIdentifier(nameNode)) return nameNode.getText() === name;
  return nameNode.getDescendantsOfKind(SyntaxKind.BindingElement).some((element) => element.getNameNode().getText() === name);
}

/**
 * Why a use inside a nested function cannot be trusted to run in place, or undefined when it can: a nested function is
 * fine only when passed straight to an array method (map, forEach, ...) or to a `$transaction` call.
 */
function captureProblem(useNode: Node, root: Node): string | undefined {
  for (let node = useNode.getParent(); node && node !== root; node = node.getParent()) {
    if (!(Node.isArrowFunction(node) || Node.isFunctionExpression(node) || Node.isFunctionDeclaration(node) || Node.isMethodDeclaration(node))) continue;
    const parent = node.getParent();
    if (Node.isCallExpression(parent) && parent.getArguments().includes(node as Node)) {
      const callee = parent.getExpression();
      if (Node.isPropertyAccessExpression(callee) && (SYNCHRONOUS_CALLBACK_METHODS.has(callee.getName()) || callee.getName() === "$transaction")) continue;
      return `${useNode.getText()} is used inside a callback passed to ${callee.getText().slice(0, 60)}(), which may call it later`;
    }
    return `${useNode.getText()} is captured by a function (line ${node.getStartLineNumber()}) that may run later`;
  }
  return undefined;
}

function describeParent(node: Node): string {
  const parent = node.getParent();
  if (!parent) return "used";
  if (Node.isShorthandPropertyAssignment(parent) || Node.isPropertyAssignment(parent)) return "put in an object literal";
  if (Node.isVariableDeclaration(parent)) return `stored in the variable ${parent.getName()}`;
  if (Node.isReturnStatement(parent) || Node.isArrowFunction(parent)) return "returned";
  if (Node.isBinaryExpression(parent)) return "assigned or compared";
  if (Node.isArrayLiteralExpression(parent)) return "put in an array";
  if (Node.isSpreadElement(parent) || Node.isSpreadAssignment(parent)) return "spread";
  if (Node.isAwaitExpression(parent)) return "awaited as a value";
  return `used in ${parent.getKindName()}`;
}
