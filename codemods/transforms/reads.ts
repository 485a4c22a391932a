import type { Node, SourceFile } from "ts-morph";
import { findHandlerSites } from "../analysis/handler-finder.ts";
import { identifierNames, ImportEditor } from "../edits/import-editor.ts";
import type { TextEdit } from "../edits/text-edit.ts";
import { markerAnchor, markerEdit, markerLine } from "../edits/review-marker.ts";
import {
  manualReview,
  reviewSites,
  siteReport,
  unknownSiteItems,
  type Codemod,
  type CodemodContext,
  type FileTransformResult,
  type ManualReviewItem,
  type ReviewSite,
  type SiteReport,
} from "../runner/codemod-types.ts";
import { dropUnusedV1Imports, swapToV2 } from "../edits/wrapper-swap.ts";
import type { HandlerSite } from "../analysis/handler-finder.ts";

/**
 * Phase "reads": every V1 handler classified `read` moves to its wrapper's V2 (no transaction; `db` is the
 * tenant-scoped client). Only the callee and the imports change. Write handlers are left for the writes phase,
 * unknown ones are listed for manual review.
 *
 * @example
 * ```ts
 * // before
 * return withSalesSession(request, async ({ tenantId, db }) => NextResponse.json(await db.customer.findMany()));
 * // after
 * return withSalesSessionV2(request, async ({ tenantId, db }) => NextResponse.json(await db.customer.findMany()));
 * ```
 */
export const readsCodemod: Codemod = {
  id: "reads",
  summary: "Move handlers that only read to the V2 wrapper (no transaction).",
  candidateFiles: (context) => context.targetFiles.filter((file) => mentionsWrapper(context, file)),
  transformFile: (context, file) => migrateSites(context, file, "read"),
};

/** Whether a file's text names any wrapper (a cheap filter before parsing). */
export function mentionsWrapper(context: CodemodContext, file: string): boolean {
  const text = context.project.readText(file);
  return context.index.all.some((w) => text.includes(w.name));
}

/**
 * Shared by reads and writes: migrates the V1 sites of `file` classified `wanted`, using `rewrite` for the handler
 * body (writes) on top of the callee swap. Each handler left for manual review gets its `// tenant-kit:` marker (unless
 * `context.markers` is false); a migrated handler loses a stale one.
 */
export function migrateSites(
  context: CodemodContext,
  file: SourceFile,
  wanted: "read" | "write",
  rewrite?: (
    site: HandlerSite,
    imports: ImportEditor,
  ) => { edits: TextEdit[]; notes: string[]; review: ManualReviewItem[] } | ManualReviewItem,
): FileTransformResult {
  const sites = findHandlerSites(context.project, context.index, context.classifier, file);
  const imports = new ImportEditor(context.project, file, identifierNames(file));
  const source = file.getFullText();
  const edits: TextEdit[] = [];
  const reports: SiteReport[] = [];
  const review: ManualReviewItem[] = [];
  const notes: string[] = [];
  const sitesForReview: ReviewSite[] = [];
  const migrated: HandlerSite[] = [];
  const leave = (site: HandlerSite, items: ManualReviewItem[]): void => {
    review.push(...items);
    reports.push(siteReport(site, "manual-review"));
    const marked = reviewSites(site, items);
    sitesForReview.push(...marked);
    mark(site, marked);
  };
  // Marker lines per statement (two handlers in one `export const GET = ..., POST = ...;` share one block).
  const markers = new Map<Node, string[]>();
  const mark = (site: HandlerSite, marked: readonly ReviewSite[]): void => {
    const anchor = markerAnchor(site.call);
    markers.set(anchor, [...(markers.get(anchor) ?? []), ...marked.map((m) => markerLine(m.reason, m.fix))]);
  };
  for (const site of sites) {
    if (site.ref.version === 2) {
      reports.push(siteReport(site, "already-v2"));
      continue;
    }
    if (site.classification === "unknown") {
      leave(site, unknownSiteItems(site));
      continue;
    }
    if (site.classification !== wanted) {
      reports.push(siteReport(site, "other-phase"));
      continue;
    }
    if (!site.ref.wrapper.hasV2) {
      leave(site, [
        manualReview(
          "no-v2-wrapper",
          `${site.ref.wrapper.name} has no ${site.ref.wrapper.v2Name}` +
            ` in ${context.project.relative(site.ref.wrapper.file)}`,
          site.location,
        ),
      ]);
      continue;
    }
    let flagged: ManualReviewItem[] = [];
    if (rewrite) {
      const result = rewrite(site, imports);
      if ("reason" in result) {
        leave(site, [result]);
        continue;
      }
      edits.push(...result.edits);
      notes.push(...result.notes);
      flagged = result.review;
      review.push(...flagged);
    }
    notes.push(
      ...site.uses.filter((u) => u.v1Threw).map((u) => `${u.location.file}:${u.location.line}: ${V1_THREW_NOTE}`),
    );
    edits.push(swapToV2(context, file, site, imports));
    migrated.push(site);
    reports.push(siteReport(site, "migrated"));
    // A migrated handler keeps a marker only for what still needs a look (an await left in its span).
    const marked = reviewSites(site, flagged);
    sitesForReview.push(...marked);
    mark(site, marked);
  }
  if (context.markers !== false) {
    for (const [anchor, lines] of markers) {
      const edit = markerEdit(source, anchor, lines);
      if (edit) edits.push(edit);
    }
  }
  dropUnusedV1Imports(context, file, migrated, imports);
  if (migrated.length > 0) edits.push(...imports.edits());
  return { edits, sites: reports, manualReview: review, notes, reviewSites: sitesForReview };
}

/** The note for a `$transaction` call on V1's db that no `"$transaction" in db` check guards. */
export const V1_THREW_NOTE =
  "calls $transaction on the handler's db, which on V1 is Prisma's interactive-transaction client and has no " +
  "$transaction: V1 threw a TypeError here and this code never ran. On V2 db is the tenant-scoped client, so it " +
  "starts running (and writing): check that it is meant to.";
