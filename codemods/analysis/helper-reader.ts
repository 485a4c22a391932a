import { Node } from "ts-morph";
import type { ImportEditor } from "../edits/import-editor.ts";
import type { CodemodContext } from "../runner/codemod-types.ts";
import type { HandlerSite } from "./handler-finder.ts";

/**
 * The tenant-scoped reader a transaction helper call's reads move onto: `readOnlyClient(<client>.$forTenant(<tenant
 * id>))` (the kit's read-only view: a write left on it fails tsc, so the phase's type check reverts it), the
 * client being the call's own client argument (`runTenant(prisma, orgId, fn)`) or the module-level client the helper
 * opens its transaction on, imported where it is exported. A problem (for manual review) when the tenant id is not a
 * plain name or path, or the client cannot be reached from the handler.
 *
 * @example helperReader(context, site, imports) // { expression: "readOnlyClient(prisma.$forTenant(orgId))" }
 */
export function helperReader(
  context: CodemodContext,
  site: HandlerSite,
  imports: ImportEditor,
): { expression: string } | { problem: string } {
  const scoped = tenantScoped(context, site, imports);
  if ("problem" in scoped) return scoped;
  const kit = context.config.kitModule;
  const file = site.call.getSourceFile().getFilePath();
  try {
    const readOnly = imports.use(context.project.resolveModule(kit, file), kit, "readOnlyClient");
    return { expression: `${readOnly}(${scoped.expression})` };
  } catch (error) {
    return { problem: `readOnlyClient cannot be imported from ${kit} here: ${(error as Error).message}` };
  }
}

function tenantScoped(
  context: CodemodContext,
  site: HandlerSite,
  imports: ImportEditor,
): { expression: string } | { problem: string } {
  const helper = site.ref.wrapper;
  const tenantId = site.binding?.tenantIdExpression;
  if (!tenantId) return { problem: `the tenant id passed to ${helper.name} is not a plain name or property path` };
  if (helper.clientArgument !== undefined) {
    const client = site.call.getArguments()[helper.clientArgument];
    const plain = (node: Node): boolean =>
      Node.isIdentifier(node) || (Node.isPropertyAccessExpression(node) && plain(node.getExpression()));
    if (!client || !plain(client))
      return { problem: `the client passed to ${helper.name} is not a plain name or property path` };
    return { expression: `${client.getText()}.$forTenant(${tenantId})` };
  }
  const client = helper.client;
  const file = site.call.getSourceFile().getFilePath();
  const specifier = client && context.project.specifierFor(client.moduleFile, file);
  if (!client || !specifier)
    return { problem: `${helper.name} opens its transaction on a client the kit cannot import into this file` };
  try {
    return { expression: `${imports.use(client.moduleFile, specifier, client.importedName)}.$forTenant(${tenantId})` };
  } catch (error) {
    return { problem: `the client of ${helper.name} cannot be imported here: ${(error as Error).message}` };
  }
}
