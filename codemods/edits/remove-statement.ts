import type { Node } from "ts-morph";
import type { TextEdit } from "./text-edit.ts";

/**
 * The edit removing `statement` with the comment lines right above it (they describe it): whole lines when nothing
 * else is on them, and one of the blank lines around it when it stood between two, else just its text.
 * @example removeStatement(file.getFullText(), setConfigStatement)
 */
export function removeStatement(source: string, statement: Node): TextEdit {
  const comments = statement.getLeadingCommentRanges();
  const first = comments.find((c) => !/\n\s*\n/.test(source.slice(c.getEnd(), statement.getStart())));
  const start = first?.getPos() ?? statement.getStart();
  const end = statement.getEnd();
  const lineStart = source.lastIndexOf("\n", start - 1) + 1;
  const lineEnd = source.indexOf("\n", end);
  const alone =
    source.slice(lineStart, start).trim() === "" &&
    source.slice(end, lineEnd < 0 ? source.length : lineEnd).trim() === "";
  if (!alone) return { start: statement.getStart(), end, text: "" };
  let removeEnd = lineEnd < 0 ? source.length : lineEnd + 1;
  const blankBefore = lineStart >= 2 && source[lineStart - 2] === "\n";
  const nextLineEnd = source.indexOf("\n", removeEnd);
  const blankAfter = nextLineEnd >= 0 && source.slice(removeEnd, nextLineEnd).trim() === "";
  if (blankBefore && blankAfter) removeEnd = nextLineEnd + 1;
  return { start: lineStart, end: removeEnd, text: "" };
}
