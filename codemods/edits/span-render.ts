import { Node, SyntaxKind, type Statement } from "ts-morph";
import { countOwnAwaits } from "../analysis/span-syntax.ts";
import type { TextEdit } from "./text-edit.ts";

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

/** Insertions of one indentation unit at each line start inside the span, except inside template literals. */
export function indentEdits(source: string, span: Statement[], unit: string): TextEdit[] {
  const start = span[0]!.getStart();
  const end = span[span.length - 1]!.getEnd();
  const protectedRanges: Array<[number, number]> = [];
  for (const statement of span) {
    for (const template of [
      ...statement.getDescendantsOfKind(SyntaxKind.TemplateExpression),
      ...statement.getDescendantsOfKind(SyntaxKind.NoSubstitutionTemplateLiteral),
    ]) {
      protectedRanges.push([template.getStart(), template.getEnd()]);
    }
  }
  const edits: TextEdit[] = [];
  for (let i = source.indexOf("\n", start); i !== -1 && i < end; i = source.indexOf("\n", i + 1)) {
    const lineStart = i + 1;
    if (lineStart >= end) break;
    if (protectedRanges.some(([s, e]) => lineStart > s && lineStart < e)) continue;
    if (source[lineStart] === "\n" || source.startsWith("\r\n", lineStart)) continue;
    edits.push({ start: lineStart, end: lineStart, text: unit });
  }
  return edits;
}
