import path from "node:path";
import type { TenantKitConfig } from "../config/tenant-kit-config.ts";
import type { CodemodProject } from "../project/codemod-project.ts";
import { importBindings, isExported } from "./import-bindings.ts";
import { moduleExports } from "./module-exports.ts";

/**
 * Where the transaction helper (`config.transactionHelper.name`) really is. The configured module when it exports the
 * name (re-exports followed); else the module that declares and exports it: the one the tenant module imports it from,
 * or the only module of the repo exporting a declaration of that name. Never a module that does not export it: when
 * none is found the configured value is returned, and the import editor refuses to add an import of it
 * (`UnresolvedImportError`) instead of writing a dangling one.
 *
 * @example
 * ```ts
 * // withTenant is declared in src/lib/prisma-tx.ts, not in the default "@/lib/tenant"
 * locateTransactionHelper(project, config); // { name: "withTenant", module: "@/lib/prisma-tx" }
 * ```
 */
export function locateTransactionHelper(
  project: CodemodProject,
  config: TenantKitConfig,
): TenantKitConfig["transactionHelper"] {
  const { name, module } = config.transactionHelper;
  const configured = project.resolveFromRoot(module);
  if (configured && moduleExports(project, configured, name)) return config.transactionHelper;
  const declaring = new Set<string>();
  const tenantFile = project.resolveFromRoot(config.tenantModule);
  if (tenantFile) {
    for (const binding of importBindings(project, project.sourceFile(tenantFile))) {
      if (binding.importedName === name && binding.moduleFile && moduleExports(project, binding.moduleFile, name))
        declaring.add(binding.moduleFile);
    }
  }
  if (declaring.size === 0) {
    const declaration = new RegExp(`\\b(function\\s*\\*?\\s*|const\\s+|let\\s+)${name}\\b`);
    for (const file of project.listFiles()) {
      if (declaration.test(project.readText(file)) && isExported(project.sourceFile(file), name)) declaring.add(file);
    }
  }
  const [file] = declaring;
  if (declaring.size !== 1 || !file) return config.transactionHelper;
  const specifier = project.specifierFor(file, path.join(project.rootDir, "__tenant_kit_root__.ts"));
  return specifier ? { name, module: specifier } : config.transactionHelper;
}
