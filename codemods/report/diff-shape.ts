import { diffLines, diffWordsWithSpace } from "diff";

/** The names a shape abstracts: every wrapper's V1 and V2 name. */
export interface ShapeNames {
  readonly wrappers: readonly { readonly name: string; readonly v2Name: string }[];
}

/**
 * The normalised shape of one file's change, for grouping identical transformations: each changed run of lines is
 * reduced to its changed words (a word diff of the removed against the added lines), with string literals written
 * `"…"`, numbers `0`, every wrapper's V1 name `‹wrapper›` and its V2 name `‹wrapper›V2`, whitespace collapsed;
 * the
 * distinct edits are sorted and joined by newlines. Two files with the same shape got the same change at different
 * places (three handlers swapped to V2 in one file, one in another: both `-‹wrapper› +‹wrapper›V2`).
 *
 * @example
 * diffShape('import { withS } from "./a";\nwithS(r, h);\n', 'import { withSV2 } from "./a";\nwithSV2(r, h);\n',
 *   { wrappers: [{ name: "withS", v2Name: "withSV2" }] }) // "-‹wrapper› +‹wrapper›V2"
 */
export function diffShape(before: string, after: string, names: ShapeNames): string {
  const edits = new Set<string>();
  const parts = diffLines(before, after);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!part.added && !part.removed) continue;
    const next = parts[i + 1];
    if (part.removed && next?.added) {
      // Each run of changed words between unchanged ones is one edit: `{ withA, withB }` to `{ withAV2, withBV2 }`
      // is the same swap twice, as in two files with one swap each.
      let cluster: string[] = [];
      const flush = (): void => {
        if (cluster.length > 0) edits.add(cluster.join(" "));
        cluster = [];
      };
      for (const word of diffWordsWithSpace(part.value, next.value)) {
        const text = normalise(word.value, names);
        if (!word.added && !word.removed) {
          if (text) flush();
        } else if (text) cluster.push(`${word.added ? "+" : "-"}${text}`);
      }
      flush();
      i += 1;
      continue;
    }
    for (const line of part.value.split("\n")) {
      const text = normalise(line, names);
      if (text) edits.add(`${part.added ? "+" : "-"}${text}`);
    }
  }
  return [...edits].sort().join("\n");
}

/**
 * A sentence for a shape: "the wrapper call and its import only" when every edit swaps a wrapper for its V2, else the
 * number of distinct edits.
 * @example shapeLabel("-‹wrapper› +‹wrapper›V2") // "the wrapper call and its import only"
 */
export function shapeLabel(shape: string): string {
  const edits = shape.split("\n").filter(Boolean);
  if (edits.length > 0 && edits.every((e) => e === "-‹wrapper› +‹wrapper›V2")) {
    return "the wrapper call and its import only";
  }
  const count = edits.length === 1 ? "edit" : `${edits.length} edits`;
  return `the same ${count} (shown below, names of wrappers and strings abstracted)`;
}

function normalise(text: string, names: ShapeNames): string {
  const byName = new Map<string, string>();
  for (const w of names.wrappers) {
    byName.set(w.name, "‹wrapper›");
    byName.set(w.v2Name, "‹wrapper›V2");
  }
  return text
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '"…"')
    .replace(/\b\d+(?:\.\d+)?\b/g, "0")
    .replace(/[A-Za-z_$][\w$]*/g, (word) => byName.get(word) ?? word)
    .replace(/\s+/g, " ")
    .trim();
}
