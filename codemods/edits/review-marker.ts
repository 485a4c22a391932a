import { Node } from "ts-morph";
import type { TextEdit } from "./text-edit.ts";

/** The prefix of every marker line; what `grep -rn "tenant-kit:"` finds. */
export const MARKER_PREFIX = "// tenant-kit:";

/**
 * The edit that makes the `// tenant-kit: <reason> - <fix>` lines directly above the statement holding `node` exactly
 * `lines` (one per distinct line, in order): inserted when missing, replaced when they differ, removed when `lines` is
 * empty, and no edit when they already match, so re-running a phase never duplicates a marker.
 *
 * @example
 * ```ts
 * markerEdit(source, site.call, ["// tenant-kit: db-escapes - pass db as a plain argument or migrate by hand"]);
 * // inserts the line, at the statement's indentation, above `return withSalesSession(request, ...)`
 * ```
 */
export function markerEdit(source: string, node: Node, lines: readonly string[]): TextEdit | undefined {
  const statement = markerAnchor(node);
  const lineStart = source.lastIndexOf("\n", statement.getStart() - 1) + 1;
  const indent = /^[ \t]*/.exec(source.slice(lineStart))![0];
  // Existing marker block: the contiguous marker lines right above the statement's line.
  let blockStart = lineStart;
  for (;;) {
    if (blockStart === 0) break;
    const previousStart = source.lastIndexOf("\n", blockStart - 2) + 1;
    if (!source.slice(previousStart, blockStart).trimStart().startsWith(MARKER_PREFIX)) break;
    blockStart = previousStart;
  }
  const newline = source.includes("\r\n") ? "\r\n" : "\n";
  const wanted = [...new Set(lines)].map((line) => `${indent}${line}${newline}`).join("");
  if (source.slice(blockStart, lineStart) === wanted) return undefined;
  return { start: blockStart, end: lineStart, text: wanted };
}

/**
 * The statement of a block (or the file) that holds `node`: the marker sits on its own line above it, and handlers in
 * one statement share one marker block. @example markerAnchor(site.call).getStartLineNumber()
 */
export function markerAnchor(node: Node): Node {
  let current = node;
  for (let parent = node.getParent(); parent; current = parent, parent = parent.getParent()) {
    if (
      (Node.isBlock(parent) ||
        Node.isSourceFile(parent) ||
        Node.isCaseClause(parent) ||
        Node.isDefaultClause(parent)) &&
      Node.isStatement(current)
    )
      return current;
  }
  return current;
}

/**
 * One marker line.
 * @example markerLine("db-escapes", "pass db as a plain argument") // "// tenant-kit: db-escapes - pass db as a plain
 * argument"
 */
export function markerLine(reason: string, fix: string): string {
  return `${MARKER_PREFIX} ${reason} - ${fix}`;
}
