/** Replace `[start, end)` of a text with `text`. @example { start: 10, end: 14, text: "tx" } */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Applies non-overlapping edits to `source` (in any order). Everything outside the edited ranges is kept byte for
 * byte, which is how the transforms keep comments and formatting outside the spans they change.
 *
 * @example applyEdits("const a = db;", [{ start: 10, end: 12, text: "tx" }]) // "const a = tx;"
 * @throws {Error} when two edits overlap (a transform bug; the runner reports it and leaves the file unchanged).
 */
export function applyEdits(source: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = "";
  let cursor = 0;
  for (const edit of sorted) {
    if (edit.start < cursor) throw new Error(`overlapping edits at offset ${edit.start}`);
    out += source.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return out + source.slice(cursor);
}

/** Edits inside `[start, end)`, shifted so they apply to `source.slice(start, end)`. */
export function editsWithin(edits: readonly TextEdit[], start: number, end: number): TextEdit[] {
  return edits
    .filter((e) => e.start >= start && e.end <= end)
    .map((e) => ({ start: e.start - start, end: e.end - start, text: e.text }));
}

/** The whitespace at the start of the line containing `offset`. @example lineIndent("  a\n    b", 8) // "    " */
export function lineIndent(source: string, offset: number): string {
  const lineStart = source.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(source.slice(lineStart))?.[0] ?? "";
}

/**
 * The file's indentation unit: a tab, or the most frequent step by which a code line is indented deeper than the code
 * line before it (2 spaces when no line is). Comment lines are skipped: a JSDoc block's ` * ` lines sit one space
 * deeper than its `/**`, which is alignment, not indentation.
 *
 * @example indentUnit("/**\n * doc\n *\/\nfunction f() {\n  return 1;\n}\n") // "  "
 */
export function indentUnit(source: string): string {
  const steps = new Map<string, number>();
  let previous: string | undefined;
  for (const line of source.split(/\r?\n/)) {
    const [, indent = "", rest = ""] = /^([ \t]*)(.*)$/.exec(line) ?? [];
    if (rest === "" || rest.startsWith("*") || rest.startsWith("//") || rest.startsWith("/*")) continue;
    if (previous !== undefined && indent.length > previous.length && indent.startsWith(previous)) {
      const step = indent.slice(previous.length);
      if (step === "\t" || /^ {1,8}$/.test(step)) steps.set(step, (steps.get(step) ?? 0) + 1);
    }
    previous = indent;
  }
  let best = "  ";
  let bestCount = 0;
  for (const [step, count] of steps)
    if (count > bestCount || (count === bestCount && step.length < best.length)) [best, bestCount] = [step, count];
  return best;
}
