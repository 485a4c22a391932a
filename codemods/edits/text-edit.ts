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
  return edits.filter((e) => e.start >= start && e.end <= end).map((e) => ({ start: e.start - start, end: e.end - start, text: e.text }));
}

/** The whitespace at the start of the line containing `offset`. @example lineIndent("  a\n    b", 8) // "    " */
export function lineIndent(source: string, offset: number): string {
  const lineStart = source.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(source.slice(lineStart))?.[0] ?? "";
}

/** The file's indentation unit: a tab, or the smallest run of leading spaces (2 when none is found). */
export function indentUnit(source: string): string {
  if (/^\t/m.test(source)) return "\t";
  let smallest = Infinity;
  for (const match of source.matchAll(/^( +)\S/gm)) smallest = Math.min(smallest, match[1]!.length);
  return " ".repeat(Number.isFinite(smallest) && smallest <= 8 ? smallest : 2);
}

/**
 * Adds `extra` to every line of `text` after the first, except lines that start inside one of `protectedRanges`
 * (template literal contents, whose whitespace is part of the value).
 */
export function reindent(text: string, extra: string, protectedRanges: ReadonlyArray<readonly [number, number]> = []): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    out += ch;
    if (ch === "\n" && i + 1 < text.length) {
      const next = i + 1;
      const inside = protectedRanges.some(([s, e]) => next > s && next < e);
      const blank = text[next] === "\n" || text.startsWith("\r\n", next);
      if (!inside && !blank) out += extra;
    }
  }
  return out;
}
