/**
 * Moves the lines after the first of `text` from indentation `from` to `to` (code moved into or out of a block);
 * lines inside a template literal keep their whitespace, which is part of the value.
 * @example shiftIndent("f({\n  a,\n})", "", "  ") // "f({\n    a,\n  })"
 */
export function shiftIndent(text: string, from: string, to: string): string {
  let inTemplate = false;
  return text
    .split("\n")
    .map((line, i) => {
      const keep = inTemplate;
      if ((line.match(/(?<!\\)`/g)?.length ?? 0) % 2 === 1) inTemplate = !inTemplate;
      if (i === 0 || keep || !line.startsWith(from)) return line;
      return to + line.slice(from.length);
    })
    .join("\n");
}
