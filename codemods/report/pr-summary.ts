import type { ReportData, ReportFile, ReportHandler } from "./report-data.ts";

/** Where the summary's links point. */
export interface PrSummaryOptions {
  /** The review page as the summary links to it (relative to the summary, or a URL); no links without it. */
  readonly reportHref?: string;
  /** At most this many rows per table before the rest are counted only (default 200). */
  readonly maxRows?: number;
}

/**
 * The pull-request summary of a run, in Markdown a code host renders (tables, `<details>`): the phase's counts, the
 * manual-review items with `file:line` linking into the review page (`review.html#f:<file>:<line>`), the write spans,
 * the groups of identical changes with their example, and what `--only` left out.
 *
 * @example writeFileSync("pr.md", renderPrSummary(buildReportData(result), { reportHref: "review.html" }));
 */
export function renderPrSummary(data: ReportData, options: PrSummaryOptions = {}): string {
  const max = options.maxRows ?? 200;
  const link = (file: string, line?: number): string => {
    const where = line === undefined ? file : `${file}:${line}`;
    return options.reportHref
      ? `[${cell(where)}](${options.reportHref}#${anchor(`f:${where}`)})`
      : `\`${cell(where)}\``;
  };
  const handlers = data.files.flatMap((f) => f.handlers.map((h) => ({ file: f, handler: h })));
  const spans = handlers.filter((x) => x.handler.span);
  const review = data.files.flatMap((f) => f.review.map((item) => ({ file: f, item })));
  const errors = data.files.filter((f) => f.error);
  const s = data.summary;
  const out: string[] = [
    `## ${data.title}`,
    "",
    "| changed files | unchanged | manual review | errors | handlers | write spans | groups |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| ${s.changed} | ${s.unchanged} | ${s.manualReview} | ${s.errors} | ${handlers.length} | ${spans.length} | ` +
      `${data.groups.length} |`,
    "",
  ];
  const actions = new Map<string, number>();
  for (const { handler } of handlers) actions.set(handler.action, (actions.get(handler.action) ?? 0) + 1);
  if (actions.size)
    out.push(`Handlers by action: ${[...actions].map(([action, n]) => `${action} ${n}`).join(", ")}.`, "");
  if (options.reportHref)
    out.push(`Review page: [${cell(options.reportHref)}](${options.reportHref}) (run ${data.runId}).`, "");

  if (review.length || errors.length) {
    out.push(
      `### Manual review (${review.length})`,
      "",
      "| where | reason | what | fix |",
      "| --- | --- | --- | --- |",
    );
    for (const { file, item } of review.slice(0, max))
      out.push(`| ${link(file.file, item.line)} | \`${item.reason}\` | ${cell(item.detail)} | ${cell(item.fix)} |`);
    for (const file of errors) out.push(`| ${link(file.file)} | error | ${cell(file.error ?? "")} | |`);
    more(out, review.length - max);
    out.push("");
  }
  if (spans.length) {
    out.push(
      `### Write spans (${spans.length})`,
      "",
      `<details><summary>${spans.length} handler(s) get a transaction span: ` +
        "what each holds and what was hoisted</summary>",
      "",
      "| handler | holds | hoisted out | left inside |",
      "| --- | --- | --- | --- |",
    );
    for (const { file, handler } of spans.slice(0, max)) out.push(spanRow(file, handler, link));
    more(out, spans.length - max);
    out.push("", "</details>", "");
  }
  if (data.groups.length) {
    out.push(`### Identical changes (${data.groups.length} group${data.groups.length === 1 ? "" : "s"})`, "");
    for (const group of data.groups) {
      const [example, ...rest] = group.files.map((i) => data.files[i]!);
      out.push(
        `- **${group.handlers} handlers in ${group.files.length} files**: ${group.label}. ` +
          `Example: ${link(example!.file)}`,
      );
      if (!group.label.startsWith("the wrapper call")) out.push("", "  ```diff", ...indent(group.shape), "  ```");
      out.push(
        "",
        `  <details><summary>the other ${rest.length} files</summary>`,
        "",
        ...rest.slice(0, max).map((f) => `  - ${link(f.file)}`),
      );
      if (rest.length > max) out.push(`  - and ${rest.length - max} more`);
      out.push("", "  </details>", "");
    }
  }
  const others = data.files.filter((f) => f.section === "other");
  if (others.length) {
    out.push(`### Other changes (${others.length})`, "", ...others.slice(0, max).map((f) => `- ${link(f.file)}`));
    more(out, others.length - max);
    out.push("");
  }
  if (data.notSelected.length) {
    out.push(
      `### Not applied: not selected with \`--only\` (${data.notSelected.length})`,
      "",
      "These stay as they are; a later run of the phase applies them.",
      "",
      `<details><summary>${data.notSelected.length} file(s) and handler(s)</summary>`,
      "",
      ...data.notSelected.slice(0, max).map((n) => `- \`${cell(n)}\``),
    );
    more(out, data.notSelected.length - max);
    out.push("", "</details>", "");
  }
  return `${out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

function spanRow(file: ReportFile, handler: ReportHandler, link: (file: string, line?: number) => string): string {
  const span = handler.span!;
  const list = (items: readonly string[]): string => (items.length ? items.map(cell).join("<br>") : "nothing");
  const holds = span.ownTransaction ? `its own transaction: ${list(span.holds)}` : list(span.holds);
  const where = `${link(file.file, handler.line)} ${cell(handler.name)}`;
  return `| ${where} | ${holds} | ${list(span.hoisted)} | ${list(span.slowAwaits)} |`;
}

function more(out: string[], rest: number): void {
  if (rest > 0) out.push(`| … and ${rest} more on the review page | | | |`);
}

function indent(text: string): string[] {
  return text.split("\n").map((line) => `  ${line}`);
}

/** A table cell: pipes escaped, on one line, HTML-significant characters escaped. */
function cell(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ");
}

/** A fragment a Markdown link destination keeps as it is: brackets, parentheses and spaces percent-encoded. */
function anchor(text: string): string {
  return encodeURI(text).replace(/[()[\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
