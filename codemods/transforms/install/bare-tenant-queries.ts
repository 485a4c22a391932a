import { Node, type SourceFile } from "ts-morph";
import { locate } from "../../analysis/db-usage-classifier.ts";
import { isShadowed } from "../../analysis/name-shadowing.ts";
import { identifiersNamed } from "../../analysis/named-identifiers.ts";
import type { PrismaSchemaInfo } from "../../analysis/prisma-schema-info.ts";
import { RAW_METHODS } from "../../analysis/raw-sql.ts";
import type { CodemodProject } from "../../project/codemod-project.ts";
import { manualReview, type ManualReviewItem } from "../../runner/codemod-types.ts";

/**
 * Tenant-table queries on the shared client (imported, not shadowed by a handler's `db`): `db.appointment.findMany()`
 * and raw SQL naming a tenant table. Once the adapter is installed they run without a tenant and RLS returns nothing,
 * so each is listed.
 * @example bareTenantQueries(project, schema, file, ["prisma"], "withTenant", "prisma-tenant-kit").length
 */
export function bareTenantQueries(
  project: CodemodProject,
  schema: PrismaSchemaInfo,
  file: SourceFile,
  locals: readonly string[],
  transactionHelper: string,
  kitModule: string,
): ManualReviewItem[] {
  if (locals.length === 0) return [];
  const items: ManualReviewItem[] = [];
  const tables = [...schema.tenantDelegates.values()];
  for (const id of identifiersNamed(file, new Set(locals))) {
    const access = id.getParent();
    if (
      !access ||
      !Node.isPropertyAccessExpression(access) ||
      access.getExpression() !== id ||
      isShadowed(id, id.getText(), id.getSourceFile())
    )
      continue;
    const member = access.getName();
    let what: string | undefined;
    if (schema.tenantDelegates.has(member)) {
      const operation = access.getParent();
      if (operation && Node.isPropertyAccessExpression(operation) && Node.isCallExpression(operation.getParent()))
        what = `${id.getText()}.${member}.${operation.getName()}`;
    } else if (RAW_METHODS.has(member)) {
      const owner = access.getParent();
      const sql =
        owner &&
        (Node.isTaggedTemplateExpression(owner)
          ? owner.getTemplate().getText()
          : Node.isCallExpression(owner)
            ? owner.getArguments()[0]?.getText()
            : undefined);
      const table = sql ? tables.find((t) => new RegExp(`(^|[^\\w$])"?${t}"?($|[^\\w$])`).test(sql)) : undefined;
      if (table) what = `${id.getText()}.${member} on ${table}`;
    }
    if (!what) continue;
    items.push(
      manualReview(
        "bare-client-tenant-query",
        `${what} runs on the shared client outside any tenant wrapper: ` +
          `once the adapter is installed it runs without a tenant, so RLS returns no rows and refuses writes; ` +
          `run it on ${id.getText()}.$forTenant(tenantId) (reads) ` +
          `or in ${transactionHelper}(tenantId, async (tx) => ...) (writes), ` +
          `or, for a job across tenants, ` +
          `on a client built with createAdminAdapter from "${kitModule}/admin"`,
        locate(project, id),
      ),
    );
  }
  return items;
}
