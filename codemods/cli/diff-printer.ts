import { createTwoFilesPatch } from "diff";
import pc from "picocolors";

/**
 * A unified diff of one file, colored for a terminal (additions green, removals red, hunk headers cyan).
 * @example process.stdout.write(coloredDiff("src/a.ts", before, after, true));
 */
export function coloredDiff(file: string, before: string, after: string, color: boolean): string {
  const patch = createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, { context: 3 });
  const lines = patch
    .split("\n")
    .filter((line) => !line.startsWith("=================================================================="));
  if (!color) return lines.join("\n");
  const colors = pc.createColors(true);
  return lines
    .map((line) => {
      if (line.startsWith("+++") || line.startsWith("---")) return colors.bold(line);
      if (line.startsWith("+")) return colors.green(line);
      if (line.startsWith("-")) return colors.red(line);
      if (line.startsWith("@@")) return colors.cyan(line);
      return line;
    })
    .join("\n");
}
