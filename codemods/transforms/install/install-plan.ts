import path from "node:path";
import {
  clientImportsIn,
  findPrismaClientSites,
  findSharedClientModule,
  type PrismaClientSite,
  type SharedClientModule,
} from "../../analysis/prisma-client-sites.ts";
import { readPrismaSchemaInfo, type PrismaSchemaInfo } from "../../analysis/prisma-schema-info.ts";
import { identifierNames, ImportEditor } from "../../edits/import-editor.ts";
import { CodemodError } from "../../errors/codemod-error.ts";
import type { CodemodContext, ManualReviewItem } from "../../runner/codemod-types.ts";
import { clientHooks, type ClientHook } from "./client-hooks.ts";
import { rebuildClientModule, type ClientModuleEdits, type SharedTypes } from "./client-module.ts";
import { assertSupportedPrisma, type PrismaVersion } from "./prisma-version.ts";

/** The setting the kit's adapter writes when the app gives no other (extension/tenant-setting-name.ts). */
const KIT_DEFAULT_SETTING = "app.tenant_id";

/** What install found in the repo before the per-file pass, and the shared client module's rebuild. */
export interface InstallPlan {
  readonly sites: readonly PrismaClientSite[];
  readonly shared: SharedClientModule | undefined;
  readonly schema: PrismaSchemaInfo;
  readonly version: PrismaVersion | undefined;
  readonly setting: string;
  /** Where the setting name came from, for the notes. */
  readonly settingSource: string;
  /** Files worth parsing: a client, a set_config, a Prisma client type, or an import of the shared module. */
  readonly candidates: readonly string[];
  /** `$use` and patches of the shared client that stop the rebuild, by file. */
  readonly blockingHooks: ReadonlyMap<string, readonly ClientHook[]>;
  /** The shared module's rebuild: its edits, or why it was refused (review), or the error it raised. */
  readonly client: ClientModuleEdits | ManualReviewItem | { readonly error: unknown } | undefined;
  /** The shared module's import editor, shared by the concerns editing that file. */
  readonly sharedImports: ImportEditor | undefined;
  /** The kit client's and its types' names: set when the shared client is on the kit after this run. */
  readonly types: SharedTypes | undefined;
}

const plans = new WeakMap<CodemodContext["project"], InstallPlan>();

/**
 * The install plan of the context's repo, computed once: refuses an app on Prisma < 6.16 (nothing is written), finds
 * the shared client module (the one most files import the client from; a module already built on the kit wins, so a
 * re-run never takes a script's client for it), the RLS setting, the hooks, and rebuilds the shared module in memory.
 * @throws {UnsupportedPrismaError} when the app's Prisma is older than 6.16.
 */
export function planFor(context: CodemodContext): InstallPlan {
  const cached = plans.get(context.project);
  if (cached) return cached;
  const { project, config } = context;
  const version = assertSupportedPrisma(project.rootDir);
  const sites = findPrismaClientSites(project);
  const shared = sharedModule(context, sites);
  const schema = readPrismaSchemaInfo(project, config.contextKeys.tenantId);
  const base = shared ? path.basename(shared.file).replace(/\.(tsx?|mts|cts)$/, "") : undefined;
  const candidates: string[] = [];
  const setConfigNames = new Map<string, number>();
  for (const file of project.listFiles()) {
    const text = project.readText(file);
    const hasSetConfig = text.includes("set_config");
    if (hasSetConfig)
      for (const m of text.matchAll(/set_config\(\s*'([^']+)'/g))
        setConfigNames.set(m[1]!, (setConfigNames.get(m[1]!) ?? 0) + 1);
    if (hasSetConfig || text.includes("PrismaClient") || (base !== undefined && text.includes(base)))
      candidates.push(file);
  }
  const { setting, settingSource } = chooseSetting(schema, setConfigNames);
  const blockingHooks = new Map<string, ClientHook[]>();
  if (shared) {
    for (const file of candidates) {
      const source = project.sourceFile(file);
      const hooks = clientHooks(source, new Set(clientImportsIn(project, source, shared)));
      if (hooks.length > 0) blockingHooks.set(file, hooks);
    }
  }
  let client: InstallPlan["client"];
  let sharedImports: ImportEditor | undefined;
  const pending = shared?.sites.some((s) => !s.installed) ?? false;
  if (shared && (blockingHooks.size === 0 || !pending)) {
    const file = project.sourceFile(shared.file);
    sharedImports = new ImportEditor(project, file, identifierNames(file));
    try {
      client = rebuildClientModule({
        project,
        kitModule: config.kitModule,
        shared,
        file,
        imports: sharedImports,
        setting,
        settingSource,
        urlEnv: schema.urlEnv,
      });
    } catch (error) {
      if (!(error instanceof CodemodError)) throw error;
      client = { error };
    }
  }
  const types = client && "types" in client ? client.types : undefined;
  const plan: InstallPlan = {
    sites,
    shared,
    schema,
    version,
    setting,
    settingSource,
    candidates,
    blockingHooks,
    client,
    sharedImports,
    types,
  };
  plans.set(project, plan);
  return plan;
}

/**
 * The shared client module: a module already extended with the kit that exports its client wins (a re-run keeps it);
 * else the module exporting a client that most files import.
 */
function sharedModule(context: CodemodContext, sites: readonly PrismaClientSite[]): SharedClientModule | undefined {
  const installed = sites.filter((s) => s.installed);
  if (installed.length > 0) {
    const found = findSharedClientModule(context.project, installed);
    if (found) return { ...found, sites: sites.filter((s) => s.file === found.file) };
  }
  return findSharedClientModule(context.project, sites);
}

function chooseSetting(
  schema: PrismaSchemaInfo,
  setConfigNames: ReadonlyMap<string, number>,
): { setting: string; settingSource: string } {
  const fromPolicies = schema.policySettings[0];
  if (fromPolicies) {
    let settingSource = `read by the RLS policies (${fromPolicies.sources.join(", ")})`;
    if (schema.policySettings.length > 1)
      settingSource += `; the policies also read ${schema.policySettings
        .slice(1)
        .map((s) => s.setting)
        .join(", ")}: check them with tenant-kit doctor`;
    return { setting: fromPolicies.setting, settingSource };
  }
  const fromCode = [...setConfigNames].sort((a, b) => b[1] - a[1])[0];
  if (fromCode)
    return {
      setting: fromCode[0],
      settingSource: `set by the app's set_config('${fromCode[0]}', ...) calls (no RLS policy found in the migrations)`,
    };
  return {
    setting: KIT_DEFAULT_SETTING,
    settingSource:
      `the kit's default: no RLS policy in ` +
      `${schema.schemaPath ? path.dirname(schema.schemaPath) : "prisma"}/migrations ` +
      `reads current_setting(...) and no set_config(...) call was found`,
  };
}

/** The files whose hooks stop the rebuild, as `file:line` for a note. */
export function hookPlaces(plan: InstallPlan, relative: (file: string) => string): string[] {
  return [...plan.blockingHooks].flatMap(([file, hooks]) =>
    hooks.map((h) => `${relative(file)}:${h.node.getStartLineNumber()} (${h.kind})`),
  );
}
