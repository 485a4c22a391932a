import { locate } from "../../analysis/db-usage-classifier.ts";
import { clientImportsIn } from "../../analysis/prisma-client-sites.ts";
import { identifierNames, ImportEditor } from "../../edits/import-editor.ts";
import { markerEdit, markerLine } from "../../edits/review-marker.ts";
import type { TextEdit } from "../../edits/text-edit.ts";
import {
  manualReview,
  type Codemod,
  type CodemodContext,
  type FileTransformResult,
  type ManualReviewItem,
} from "../../runner/codemod-types.ts";
import { bareTenantQueries } from "./bare-tenant-queries.ts";
import { retypeClientTypes } from "./client-types.ts";
import { followUpNotes } from "./follow-up-notes.ts";
import { hookPlaces, planFor, type InstallPlan } from "./install-plan.ts";
import { rewriteTransactionHelpers } from "./transaction-helpers.ts";

/**
 * Phase "install": builds the app's shared Prisma client on the kit. In the module that creates and exports it
 * (`new PrismaClient(...)`, the `globalThis` singleton idiom, any export names), each `new PrismaClient(options)`
 * keeps its options (`log`...) and gets `adapter: createTenantAdapter({ connectionString, setting })` (the connection
 * string computed as the client computed it: `datasourceUrl`, `datasources` also conditional, an existing `PrismaPg`,
 * else the schema's `url = env(...)`), `transactionOptions.maxWait` and `.$extends(tenantExtension())`; the setting
 * is the one the app's RLS policies read. The module exports the extended client's type and its transaction client's
 * type (`TenantPrismaClient`, `TenantTransaction`), and every `PrismaClient` / `Prisma.TransactionClient` type of the
 * app's modules (not of scripts with their own client) is retyped to them. The app's transaction helpers
 * (`$transaction` + `set_config` of a parameter, session-level or local) are rebuilt on `$withTenant`; `$on` moves
 * onto the base client; `$use`, other `$on` and patches of the client stop the rebuild with a marker at each. Every
 * other `new PrismaClient()` and every tenant-table query on the shared client outside a wrapper is listed. An app on
 * Prisma older than 6.16 is refused as a whole (exit code 2, nothing written).
 *
 * @example
 * ```ts
 * // before
 * export const db = globalForPrisma.prisma ?? new PrismaClient({ log: ["error"] });
 * // after
 * export const db = globalForPrisma.prisma ?? createPrismaClient();
 * // with
 * function createPrismaClient() {
 *   return new PrismaClient({
 *     log: ["error"],
 *     adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL, setting: "app.current_tenant_id" }),
 *     transactionOptions: { maxWait: 10_000 },
 *   }).$extends(tenantExtension());
 * }
 * export type TenantPrismaClient = ReturnType<typeof createPrismaClient>;
 * export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;
 * ```
 */
export const installCodemod: Codemod = {
  id: "install",
  summary:
    "Build the app's shared Prisma client on the kit's adapter and extension; " +
    "move its transaction helper to $withTenant and its client types to the extended client's.",
  prepare: (context) => void planFor(context),
  candidateFiles: (context) => [...planFor(context).candidates],
  transformFile: (context, file) => {
    const plan = planFor(context);
    const { project } = context;
    const path = file.getFilePath();
    const relative = project.relative(path);
    const own = plan.shared?.file === path;
    const edits: TextEdit[] = [];
    const review: ManualReviewItem[] = [];
    const notes: string[] = [];
    const imports =
      own && plan.sharedImports ? plan.sharedImports : new ImportEditor(project, file, identifierNames(file));
    if (own) {
      const client = plan.client;
      if (client && "error" in client) throw client.error;
      if (client && "reason" in client) review.push(client);
      else if (client) {
        edits.push(...client.edits);
        notes.push(...client.notes.map((n) => `${relative}: ${n}`));
        if (client.edits.length > 0)
          notes.push(...followUpNotes(context.config.kitModule, plan.version, plan.schema, plan.setting));
      }
      if (plan.blockingHooks.size > 0 && plan.shared?.sites.some((s) => !s.installed))
        review.push(
          manualReview(
            "client-hook",
            `the shared client was not rebuilt on the kit: ${hookPlaces(plan, (f) => project.relative(f)).join(", ")} ` +
              `use what an extended client does not have (each is marked); move them, then re-run install`,
            locate(project, plan.shared!.sites[0]!.node),
          ),
        );
    }
    review.push(...extraClients(context, plan, path));
    const hooks = plan.blockingHooks.get(path) ?? [];
    for (const hook of hooks) {
      review.push(manualReview("client-hook", hook.why ?? "", locate(project, hook.node)));
      const edit = markerEdit(file.getFullText(), hook.node, [markerLine("client-hook", hookFix(hook.kind))]);
      if (edit) edits.push(edit);
    }
    const locals = plan.shared ? clientImportsIn(project, file, plan.shared) : [];
    const helpers = rewriteTransactionHelpers({
      project,
      file,
      clients: new Set(locals),
      setting: plan.setting,
      kitInstalled: plan.types !== undefined,
    });
    edits.push(...helpers.edits);
    review.push(...helpers.review);
    notes.push(...helpers.notes.map((n) => `${relative}: ${n}`));
    if (plan.shared)
      review.push(
        ...bareTenantQueries(
          project,
          plan.schema,
          file,
          locals,
          context.config.transactionHelper.name,
          context.config.kitModule,
        ),
      );
    // The shared module is always retyped: its own cache and helpers hold the extended client.
    const rawCallers = own ? undefined : plan.rawReceivers.get(path);
    const secondary = plan.secondaryFiles.has(path);
    if (
      plan.types &&
      plan.shared &&
      rawCallers &&
      !secondary &&
      /PrismaClient|TransactionClient/.test(file.getFullText())
    )
      review.push(
        manualReview(
          "install-precondition",
          `its PrismaClient / Prisma.TransactionClient types were not retyped to ${plan.types.client} / ` +
            `${plan.types.transaction}: it is also handed a PrismaClient of its own module ` +
            `(${rawCallers
              .slice(0, 5)
              .map((l) => `${l.file}:${l.line}:${l.column}`)
              .join(", ")}${rawCallers.length > 5 ? `, and ${rawCallers.length - 5} more` : ""}), ` +
            `which fits neither; make those callers use the shared client, then re-run install`,
          { file: relative, line: 1, column: 1 },
        ),
      );
    if (plan.types && plan.shared && !secondary && !rawCallers) {
      const skipped = own ? plan.shared.sites.map((s) => [s.node.getStart(), s.node.getEnd()] as const) : [];
      const retyped = retypeClientTypes({
        project,
        file,
        imports,
        sharedFile: plan.shared.file,
        types: plan.types,
        prismaModules: plan.prismaModules,
        skipped,
      });
      edits.push(...retyped.edits);
      if (retyped.retyped > 0)
        notes.push(
          `${relative}: ${retyped.retyped} PrismaClient / Prisma.TransactionClient type(s) now read ` +
            `${plan.types.client} / ${plan.types.transaction}, the shared client's types`,
        );
    }
    if (edits.length > 0) edits.push(...imports.edits());
    return { edits, sites: [], manualReview: review, notes } satisfies FileTransformResult;
  },
};

function hookFix(kind: "$on" | "$use" | "patch"): string {
  if (kind === "$use") return "rewrite this middleware as $extends({ query }) chained after tenantExtension()";
  if (kind === "$on") return "call $on on the base client before $extends(tenantExtension())";
  return "add this property with $extends({ client }) chained after tenantExtension()";
}

/** Every other `new PrismaClient()` of the file: its own pool, no tenant adapter. Listed, never changed. */
function extraClients(context: CodemodContext, plan: InstallPlan, path: string): ManualReviewItem[] {
  const items: ManualReviewItem[] = [];
  for (const site of plan.sites) {
    if (site.file !== path || site.file === plan.shared?.file) continue;
    const sharedSpecifier =
      plan.shared &&
      (context.project.specifierFor(plan.shared.file, path) ?? context.project.relative(plan.shared.file));
    const fix = plan.shared
      ? `import the shared client from "${sharedSpecifier}" instead`
      : "build it on createTenantAdapter + tenantExtension() like the shared client";
    items.push(
      manualReview(
        "extra-prisma-client",
        `a PrismaClient of its own (its own pool, no tenant adapter); ${fix}, or, ` +
          `for a job that must see every tenant, ` +
          `build it on createAdminAdapter from "${context.config.kitModule}/admin"`,
        locate(context.project, site.node),
      ),
    );
  }
  return items;
}
