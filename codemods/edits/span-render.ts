import { Node, type Statement } from "ts-morph";
import { countOwnAwaits } from "../analysis/span-syntax.ts";

// Step 3 of a write span: the text pieces of its rendering.

/** For `const x = await E;`, `await E;` or `return [await] E;` with no other await: E. */
export function singleAwaitOperand(
  statement: Statement,
  _callback: Node,
): { operand: Node; needsAwait: boolean } | undefined {
  let top: Node | undefined;
  if (Node.isVariableStatement(statement) && statement.getDeclarations().length === 1)
    top = statement.getDeclarations()[0]!.getInitializer();
  else if (Node.isExpressionStatement(statement)) top = statement.getExpression();
  else if (Node.isReturnStatement(statement)) {
    const expression = statement.getExpression();
    if (!expression) return undefined;
    if (Node.isAwaitExpression(expression)) {
      const operand = expression.getExpression();
      return countOwnAwaits(statement) === 1 + countOwnAwaits(operand) ? { operand, needsAwait: false } : undefined;
    }
    return { operand: expression, needsAwait: true };
  }
  if (!top || !Node.isAwaitExpression(top)) return undefined;
  const operand = top.getExpression();
  if (countOwnAwaits(statement) !== 1 + countOwnAwaits(operand)) return undefined;
  return { operand, needsAwait: false };
}
