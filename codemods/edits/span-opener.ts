import { moduleExports } from "../analysis/module-exports.ts";
import type { CodemodContext } from "../runner/codemod-types.ts";
import type { ImportEditor } from "./import-editor.ts";

/**
 * The call a span opens, up to its callback: the app's transaction helper `helper(tenantId, ` (the configured one
 * when its module exports it, else the one discovery found with that signature); else the kit's
 * `tenantPrisma.$withTenant(tenantId, ` on the client the tenant wrapper uses; else `db.$transaction(` on the
 * tenant-scoped client V2 hands the code in `file` (`db`: how that code reaches it; a tenant transaction). So a span
 * needs nothing the app lacks. `usesDb`: the opener is on `db`.
 * @example spanOpener(context, file, imports, "tenantId", "db")?.opener // "withTenant(tenantId, "
 */
export function spanOpener(
  context: CodemodContext,
  file: string,
  imports: ImportEditor,
  tenantId: string,
  db: string | undefined,
): { opener: string; usesDb: boolean } | undefined {
  const { name, module } = context.config.transactionHelper;
  const configured = context.project.resolveFromRoot(module);
  if (configured && moduleExports(context.project, configured, name))
    return { opener: `${imports.use(configured, module, name)}(${tenantId}, `, usesDb: false };
  const discovered = context.index.transactionHelpers.find(
    (h) =>
      h.tenantIdArgument === 0 &&
      h.handlerIndex === 1 &&
      h.clientArgument === undefined &&
      h.shape?.kind === "positional",
  );
  const specifier = discovered && context.project.specifierFor(discovered.file, file);
  if (discovered && specifier)
    return { opener: `${imports.use(discovered.file, specifier, discovered.name)}(${tenantId}, `, usesDb: false };
  // No helper: the kit's own `$withTenant` on the client the app's tenant wrapper opens its transaction on.
  const client = context.index.requestWrapper?.client;
  const clientSpecifier = client && context.project.specifierFor(client.moduleFile, file);
  if (client && clientSpecifier)
    return {
      opener: `${imports.use(client.moduleFile, clientSpecifier, client.importedName)}.$withTenant(${tenantId}, `,
      usesDb: false,
    };
  // Else a tenant transaction on the tenant-scoped client V2 hands the code.
  return db ? { opener: `${db}.$transaction(`, usesDb: true } : undefined;
}
