import { Node, SyntaxKind, type SourceFile } from "ts-morph";
import { isShadowed } from "../../analysis/name-shadowing.ts";
import { identifiersNamed } from "../../analysis/named-identifiers.ts";

/** A use of the shared client that the kit's view of it (an extended client) does not carry over. */
export interface ClientHook {
  readonly kind: "$use" | "patch";
  /** The call or assignment. */
  readonly node: Node;
  /** What to do instead. */
  readonly why: string;
}

/**
 * The `$use(...)` and monkey-patches (`client.x = ...`, `Object.assign(client, ...)`, `Object.defineProperty(client,
 * ...)`) on the shared client's names `locals` in `file`: Prisma removed `$use` in 6.14, and the clients `$forTenant`
 * and `$withTenant` hand out are new extended clients each time, without the patched properties. (`$on` stays: the
 * shared client keeps it, only the kit's view of it is extended.)
 *
 * @example clientHooks(file, new Set(["prisma"])).map((h) => h.kind) // ["$use"]
 */
export function clientHooks(file: SourceFile, locals: ReadonlySet<string>): ClientHook[] {
  if (locals.size === 0) return [];
  const text = file.getFullText();
  if (!/\$use\b|Object\.(assign|defineProperty)|\.\w+\s*=[^=>]/.test(text)) return [];
  const hooks: ClientHook[] = [];
  for (const id of identifiersNamed(file, new Set(locals))) {
    if (isShadowed(id, id.getText(), file)) continue;
    const parent = id.getParent();
    if (Node.isPropertyAccessExpression(parent) && parent.getExpression() === id) {
      const member = parent.getName();
      const call = parent.getParentIfKind(SyntaxKind.CallExpression);
      if (member === "$use" && call?.getExpression() === parent) {
        hooks.push({ kind: "$use", node: call, why: USE_WHY });
        continue;
      }
      const assignment = parent.getParentIfKind(SyntaxKind.BinaryExpression);
      if (
        assignment &&
        assignment.getLeft() === parent &&
        assignment.getOperatorToken().getKind() === SyntaxKind.EqualsToken
      ) {
        hooks.push({ kind: "patch", node: assignment, why: PATCH_WHY });
      }
      continue;
    }
    if (
      Node.isCallExpression(parent) &&
      parent.getArguments()[0] === id &&
      /^Object\.(assign|defineProperty|defineProperties)$/.test(parent.getExpression().getText())
    ) {
      hooks.push({ kind: "patch", node: parent, why: PATCH_WHY });
    }
  }
  return hooks;
}

const USE_WHY =
  "Prisma removed $use (middleware) in 6.14 and an extended client has none: rewrite it as a query extension, " +
  "$extends({ query: { $allModels: { async $allOperations({ model, operation, args, query }) { ... } } } }), " +
  "on the kit's view (tenantClient(prisma).$extends(...)) so it runs with the tenant set and $forTenant clients keep it";

const PATCH_WHY =
  "a property added to the client object is not on the clients $forTenant and $withTenant hand out (each is a " +
  "new extended client): add it with $extends({ client: { <name>: ... } }) on the kit's view " +
  "(tenantClient(prisma).$extends(...)), or keep it in a module of its own";
