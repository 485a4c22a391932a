import {
  type ArrowFunction,
  type FunctionDeclaration,
  type FunctionExpression,
  type MethodDeclaration,
  Node,
  type ParameterDeclaration,
  type SourceFile,
  SyntaxKind,
} from "ts-morph";
import type { CodemodProject } from "../project/codemod-project.ts";
import type { DbUsageClassifier } from "./db-usage-classifier.ts";
import { importBindings } from "./import-bindings.ts";

/** Type names that denote a Prisma client or transaction client (Prisma's and the ones install declares). */
const CLIENT_TYPE_NAMES: ReadonlySet<string> = new Set([
  "PrismaClient",
  "TransactionClient",
  "TenantPrismaClient",
  "TenantTransaction",
  "TenantTransactionClient",
]);
const READ_ONLY_TYPES: ReadonlySet<string> = new Set(["TenantReadClient", "TenantReadView"]);
/** How far a chain of type aliases is followed (`type Db = TenantDb`, `type TenantDb = ...`). */
const MAX_ALIAS_DEPTH = 4;

/** A function parameter typed as a client whose every use reads: its type can become read-only. */
export interface ReadOnlyParameter {
  readonly parameter: ParameterDeclaration;
  /** The parameter's type annotation, e.g. `PrismaClient | Prisma.TransactionClient`. */
  readonly typeNode: Node;
  /**
   * `reads`: every use reads (or opens a transaction on it): typed `TenantReadClient<T>`. `opens-transaction`: it opens
   * a transaction on the client and hands the client to its callback when that is not possible (`"$transaction" in db
   * ? db.$transaction(fn) : fn(db)`): typed `T | TenantReadView<T>`, so V2 callers hand their read-only client (which
   * opens a tenant transaction) and the body keeps type-checking against both.
   */
  readonly kind: "reads" | "opens-transaction";
}

/**
 * The parameters of `file`'s declared functions (function declarations, functions and arrows assigned to a name,
 * class methods; not callbacks passed inline) that are typed as a Prisma client and only read through it, as the
 * classifier sees it (Prisma reads, read-only SQL, helpers that only read, transactions opened on it). Typing them `TenantReadClient<T>` changes
 * nothing for callers that pass a full client, and lets V2 handlers pass their read-only client. The classifier only
 * proposes: a helper it misjudges fails to type-check once retyped, and the phase's type check leaves its file as it
 * was.
 *
 * @example
 * ```ts
 * // export async function getSession(db: PrismaClient, id: string) { return db.session.findUnique(...) }
 * readOnlyParameters(project, classifier, file).map((p) => p.parameter.getName()); // ["db"]
 * ```
 */
export function readOnlyParameters(
  project: CodemodProject,
  classifier: DbUsageClassifier,
  file: SourceFile,
): ReadOnlyParameter[] {
  const out: ReadOnlyParameter[] = [];
  for (const fn of declaredFunctions(file)) {
    for (const parameter of fn.getParameters()) {
      const typeNode = parameter.getTypeNode();
      const name = parameter.getNameNode();
      if (!typeNode || !Node.isIdentifier(name) || !isClientType(project, typeNode, 0)) continue;
      const uses = classifier.usesIn(fn, { kind: "name", name: name.getText() });
      // A transaction opened on the parameter is a span: its writes commit together, on a read-only client too. A
      // client handed on to a callback parameter goes where that callback's type says: not provable here.
      const provable = (use: (typeof uses)[number]): boolean =>
        !use.callsParameter && (use.access === "read" || use.ownTransaction);
      if (uses.length > 0 && uses.every(provable)) out.push({ parameter, typeNode, kind: "reads" });
      else if (uses.some((use) => use.ownTransaction) && uses.every((use) => provable(use) || use.callsParameter))
        out.push({ parameter, typeNode, kind: "opens-transaction" });
    }
  }
  return out;
}

type DeclaredFunction = FunctionDeclaration | MethodDeclaration | ArrowFunction | FunctionExpression;

function declaredFunctions(file: SourceFile): DeclaredFunction[] {
  const out: DeclaredFunction[] = [];
  for (const fn of file.getDescendants()) {
    if (Node.isFunctionDeclaration(fn) || Node.isMethodDeclaration(fn)) {
      if (fn.getOverloads().length === 0 && fn.getBody()) out.push(fn);
    } else if (
      (Node.isArrowFunction(fn) || Node.isFunctionExpression(fn)) &&
      Node.isVariableDeclaration(fn.getParent())
    ) {
      out.push(fn);
    }
  }
  return out;
}

/** Whether a type annotation denotes a client: a client type name, or an alias of the repo that resolves to one. */
function isClientType(project: CodemodProject, typeNode: Node, depth: number): boolean {
  if (depth > MAX_ALIAS_DEPTH || !isPlainTypeReference(typeNode)) return false;
  const names = typeNode.getDescendantsOfKind(SyntaxKind.Identifier).map((id) => id.getText());
  if (Node.isIdentifier(typeNode)) names.push(typeNode.getText());
  if (names.some((name) => READ_ONLY_TYPES.has(name))) return false;
  if (names.some((name) => CLIENT_TYPE_NAMES.has(name))) return true;
  const file = typeNode.getSourceFile();
  return names.some((name) => {
    const local = file.getTypeAlias(name);
    if (local) return isClientType(project, local.getTypeNodeOrThrow(), depth + 1);
    const binding = importBindings(project, file).find((b) => b.localName === name);
    const alias = binding?.moduleFile
      ? project.sourceFile(binding.moduleFile).getTypeAlias(binding.importedName)
      : undefined;
    return alias ? isClientType(project, alias.getTypeNodeOrThrow(), depth + 1) : false;
  });
}

/** A type reference or a union/intersection of them (`A | B.C<D>`), not a function type or an object literal type. */
function isPlainTypeReference(typeNode: Node): boolean {
  if (Node.isTypeReference(typeNode) || Node.isExpressionWithTypeArguments(typeNode)) return true;
  if (Node.isUnionTypeNode(typeNode) || Node.isIntersectionTypeNode(typeNode))
    return typeNode.getTypeNodes().every(isPlainTypeReference);
  if (Node.isParenthesizedTypeNode(typeNode)) return isPlainTypeReference(typeNode.getTypeNode());
  return false;
}
