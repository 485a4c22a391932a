import { Node, SyntaxKind, type Statement } from "ts-morph";
import { identifiersNamed } from "./named-identifiers.ts";

// Syntax queries the span steps (choose, hoist, render) share.

/** Return statements of `statement` that return from the handler (not from a nested function). */
export function ownReturns(statement: Statement, callback: Node): Array<import("ts-morph").ReturnStatement> {
  return statement
    .getDescendantsOfKind(SyntaxKind.ReturnStatement)
    .filter((ret) => enclosingFunction(ret) === callback)
    .concat(Node.isReturnStatement(statement) ? [statement] : []);
}

/** The nearest function around `node`. */
export function enclosingFunction(node: Node): Node | undefined {
  for (let current = node.getParent(); current; current = current.getParent()) {
    if (
      Node.isArrowFunction(current) ||
      Node.isFunctionExpression(current) ||
      Node.isFunctionDeclaration(current) ||
      Node.isMethodDeclaration(current)
    )
      return current;
  }
  return undefined;
}

/** Whether `node` awaits, outside nested functions. */
export function hasOwnAwait(node: Node): boolean {
  const check = (n: Node): boolean =>
    Node.isAwaitExpression(n) || n.getChildren().some((c) => !isFunctionNode(c) && check(c));
  return check(node);
}

/** Whether a node is a function (arrow, expression, declaration or method). */
export function isFunctionNode(node: Node): boolean {
  return (
    Node.isArrowFunction(node) ||
    Node.isFunctionExpression(node) ||
    Node.isFunctionDeclaration(node) ||
    Node.isMethodDeclaration(node)
  );
}

/** How many awaits `node` holds, outside nested functions. */
export function countOwnAwaits(node: Node): number {
  let count = Node.isAwaitExpression(node) ? 1 : 0;
  for (const child of node.getChildren()) if (!isFunctionNode(child)) count += countOwnAwaits(child);
  return count;
}

/** The names a binding name (`x`, `{ a, b: c }`, `[d]`) declares. */
export function boundNames(nameNode: Node): string[] {
  if (Node.isIdentifier(nameNode)) return [nameNode.getText()];
  return nameNode
    .getDescendantsOfKind(SyntaxKind.BindingElement)
    .map((e) => e.getNameNode())
    .filter((n) => Node.isIdentifier(n))
    .map((n) => n.getText());
}

/** Whether `node` reads any of `names` (property names and keys are not reads). */
export function referencesAny(node: Node, names: ReadonlySet<string>): boolean {
  const matches = (id: Node): boolean => {
    if (!names.has(id.getText())) return false;
    const parent = id.getParent();
    if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false;
    if (Node.isPropertyAssignment(parent) && parent.getNameNode() === id) return false;
    return true;
  };
  return identifiersNamed(node, names).some(matches);
}

/** Whether a token kind is an assignment (`=`, `+=`, ...). */
export function isAssignmentOperator(kind: SyntaxKind): boolean {
  return kind >= SyntaxKind.FirstAssignment && kind <= SyntaxKind.LastAssignment;
}

/** Whether `node` lies inside `scope`. */
export function within(node: Node, scope: Node): boolean {
  return scope.getStart() <= node.getStart() && node.getEnd() <= scope.getEnd();
}
