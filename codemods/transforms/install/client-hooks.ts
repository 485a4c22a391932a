import { Node, SyntaxKind, type SourceFile, type Statement } from "ts-morph";
import { isShadowed } from "../../analysis/name-shadowing.ts";
import { identifiersNamed } from "../../analysis/named-identifiers.ts";

/** A use of the shared client that an extended client does not support as written. */
export interface ClientHook {
  readonly kind: "$on" | "$use" | "patch";
  /** The call or assignment. */
  readonly node: Node;
  /** The top-level statement holding it, when it can move into the client's factory (`$on` in the client module). */
  readonly movable: Statement | undefined;
  /** Why it cannot move, when it cannot. */
  readonly why: string | undefined;
}

/**
 * The `$on(...)`, `$use(...)` and monkey-patches (`client.x = ...`, `Object.assign(client, ...)`,
 * `Object.defineProperty(client, ...)`) on the shared client's names `locals` in `file`. A client extended with
 * `$extends` has neither `$on` nor `$use` (Prisma removed `$use` in 6.14), and a `$forTenant` client is a new
 * object each time, without the patched properties. `$on` at the top level of the client's own module moves into
 * the factory, onto the base client before `$extends` (the events are the base client's); the rest is refused.
 *
 * @example clientHooks(file, new Set(["prisma"]), clientStatement).map((h) => h.kind) // ["$on"]
 */
export function clientHooks(file: SourceFile, locals: ReadonlySet<string>, clientStatement?: Node): ClientHook[] {
  if (locals.size === 0) return [];
  const text = file.getFullText();
  if (!/\$on\b|\$use\b|Object\.(assign|defineProperty)|\.\w+\s*=[^=>]/.test(text)) return [];
  const hooks: ClientHook[] = [];
  for (const id of identifiersNamed(file, new Set(locals))) {
    if (isShadowed(id, id.getText(), file)) continue;
    const parent = id.getParent();
    if (Node.isPropertyAccessExpression(parent) && parent.getExpression() === id) {
      const member = parent.getName();
      const call = parent.getParentIfKind(SyntaxKind.CallExpression);
      if ((member === "$on" || member === "$use") && call?.getExpression() === parent) {
        const kind = member;
        const why =
          kind === "$use"
            ? "Prisma removed $use (middleware) in 6.14 and an extended client has none: rewrite it as a query " +
              "extension, $extends({ query: { $allModels: { async $allOperations({ model, operation, args, query }) " +
              "{ ... } } } }), chained AFTER .$extends(tenantExtension()) so it runs with the tenant set and " +
              "$forTenant clients keep it"
            : movableOn(call, locals, clientStatement);
        hooks.push({ kind, node: call, movable: why ? undefined : topLevel(call), why });
        continue;
      }
      const assignment = parent.getParentIfKind(SyntaxKind.BinaryExpression);
      if (
        assignment &&
        assignment.getLeft() === parent &&
        assignment.getOperatorToken().getKind() === SyntaxKind.EqualsToken
      ) {
        hooks.push({ kind: "patch", node: assignment, movable: undefined, why: PATCH_WHY });
      }
      continue;
    }
    if (
      Node.isCallExpression(parent) &&
      parent.getArguments()[0] === id &&
      /^Object\.(assign|defineProperty|defineProperties)$/.test(parent.getExpression().getText())
    ) {
      hooks.push({ kind: "patch", node: parent, movable: undefined, why: PATCH_WHY });
    }
  }
  return hooks;
}

const PATCH_WHY =
  "a property added to the client object is not on the clients $forTenant and $withTenant hand out (each is a " +
  "new extended client): add it with $extends({ client: { <name>: ... } }) chained after " +
  ".$extends(tenantExtension()), or keep it in a module of its own";

/** Why this `$on` cannot move into the factory, or undefined when it can. */
function movableOn(call: Node, locals: ReadonlySet<string>, clientStatement: Node | undefined): string | undefined {
  const statement = topLevel(call);
  const move =
    "move it by hand onto the base client before $extends: const client = new PrismaClient(...); " +
    "client.$on(...); return client.$extends(tenantExtension())";
  if (!clientStatement || !statement)
    return `$on is called here on the shared client, which an extended client does not have; ${move}`;
  if (!Node.isExpressionStatement(statement) || statement.getExpression() !== call)
    return `$on is not a statement of its own at the top of the client module; ${move}`;
  for (const arg of Node.isCallExpression(call) ? call.getArguments() : []) {
    for (const id of arg.getDescendantsOfKind(SyntaxKind.Identifier)) {
      if (locals.has(id.getText()) && !isShadowed(id, id.getText(), call.getSourceFile()))
        return `its listener uses the client itself, which will be the extended client; ${move}`;
      const declaration = call.getSourceFile().getVariableDeclaration(id.getText());
      const declared = declaration?.getVariableStatement();
      if (declared && Node.isSourceFile(declared.getParent()) && declared.getStart() > clientStatement.getStart())
        return `its listener uses ${id.getText()}, declared after the client; ${move}`;
    }
  }
  return undefined;
}

/** The statement directly in the source file that holds `node`. */
export function topLevel(node: Node): Statement | undefined {
  let current: Node = node;
  for (let parent = current.getParent(); parent; current = parent, parent = parent.getParent())
    if (Node.isSourceFile(parent)) return Node.isStatement(current) ? current : undefined;
  return undefined;
}
