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
import { followUpNotes } from "./follow-up-notes.ts";
import { hookPlaces, planFor, type InstallPlan } from "./install-plan.ts";
import { rewriteTransactionHelpers } from "./transaction-helpers.ts";

/**
 * Phase "install": builds the app's shared Prisma client on the kit. In the module that creates and exports it
 * (`new PrismaClient(...)`, the `globalThis` singleton idiom, any export names), each `new PrismaClient(options)`
 * keeps its options (`log`...) and gets `adapter: createTenantAdapter({ connectionString, setting })` (the connection
 * string computed as the client computed it: `datasourceUrl`, `datasources` also conditional, an existing `PrismaPg`,
 * else the schema's `url = env(...)`) and `transactionOptions.maxWait`; the setting is the one the app's RLS policies
 * read. The client keeps its type, so no other module changes type: the module also exports the kit's view of it,
 * `tenantClient(prisma)` (`$forTenant`, `$withTenant`, typed with Prisma's own client types), with its type and its
 * transaction client's type (`TenantPrismaClient`, `TenantTransaction`). The app's transaction helpers (`$transaction`
 * + `set_config` of a parameter, session-level or local) are rebuilt on the view's `$withTenant`; `$use` and patches
 * of the client stop the rebuild with a marker at each. Every other `new PrismaClient()` and every tenant-table query
 * on the shared client outside a wrapper is listed. An app on Prisma older than 6.16 is refused as a whole (exit code
 * 2, nothing written).
 *
 * @example
 * ```ts
 * // before
 * export const db = globalForPrisma.prisma ?? new PrismaClient({ log: ["error"] });
 * // after
 * export const db = globalForPrisma.prisma ?? new PrismaClient({
 *   log: ["error"],
 *   adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL, setting: "app.current_tenant_id" }),
 *   transactionOptions: { maxWait: 10_000 },
 * });
 * export const tenantDb = tenantClient(db);
 * export type TenantPrismaClient = typeof tenantDb;
 * export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;
 * ```
 */
export const installCodemod: Codemod = {
  id: "install",
  summary:
    "Build the app's shared Prisma client on the kit's adapter, export the kit's view of it (tenantClient) " +
    "and move its transaction helpers to the view's $withTenant.",
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
    const types = plan.types;
    const shared = plan.shared;
    const kitClient =
      types && shared
        ? (receiver: string): string => {
            // Extended in place: the client itself has $withTenant.
            if (shared.clientNames.has(types.kitClient)) return receiver;
            if (own) return types.kitClient;
            const specifier = project.specifierFor(shared.file, path) ?? project.relative(shared.file);
            return imports.use(shared.file, specifier, types.kitClient, { addedByPhase: true });
          }
        : undefined;
    const helpers = rewriteTransactionHelpers({
      project,
      file,
      clients: new Set(locals),
      setting: plan.setting,
      kitClient,
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
    if (edits.length > 0) edits.push(...imports.edits());
    return { edits, sites: [], manualReview: review, notes } satisfies FileTransformResult;
  },
};

function hookFix(kind: "$use" | "patch"): string {
  if (kind === "$use") return "rewrite this middleware as $extends({ query }) on the kit's view (tenantClient)";
  return "add this property with $extends({ client }) on the kit's view (tenantClient)";
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
