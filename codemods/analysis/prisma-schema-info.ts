import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { CodemodProject } from "../project/codemod-project.ts";

/** One `current_setting('...')` / `set_config('...')` setting name and where it was read. */
export interface TenantSettingEvidence {
  readonly setting: string;
  /** Occurrences per file (repo-relative), e.g. `prisma/migrations/2_rls/migration.sql: 9`. */
  readonly sources: readonly string[];
  readonly count: number;
}

/** What install needs to know from the app's Prisma schema and SQL migrations. */
export interface PrismaSchemaInfo {
  /** Repo-relative path of the schema (or of its folder for a multi-file schema); undefined when none was found. */
  readonly schemaPath: string | undefined;
  /** `provider` of the first generator: `prisma-client-js` (Prisma 6 style) or `prisma-client` (Prisma 7). */
  readonly generatorProvider: string | undefined;
  readonly previewFeatures: readonly string[];
  /** `url = env("NAME")` of the datasource (Prisma 6 schemas), for the adapter's connection string. */
  readonly urlEnv: string | undefined;
  /** Setting names the RLS policies of the migrations read, most used first. */
  readonly policySettings: readonly TenantSettingEvidence[];
  /** Tables with a policy or `ENABLE ROW LEVEL SECURITY` in the migrations (unquoted, without schema). */
  readonly policyTables: ReadonlySet<string>;
  /**
   * Client delegate names (`staffMember`) of the tenant models: models whose table has a policy; when the migrations
   * have none, models with a tenant column (`tenantKey` or `tenant_id`).
   */
  readonly tenantDelegates: ReadonlyMap<string, string>;
}

/**
 * Reads the app's Prisma schema (`prisma/schema.prisma`, the `prisma.schema` of package.json, or a `prisma/schema/`
 * folder) and the `migration.sql` files beside it: which setting the policies read, which tables they guard.
 *
 * @example
 * ```ts
 * const info = readPrismaSchemaInfo(project, "tenantId");
 * info.policySettings[0]?.setting; // "app.current_tenant_id"
 * info.tenantDelegates.get("appointment"); // "appointments" (its table)
 * ```
 */
export function readPrismaSchemaInfo(project: CodemodProject, tenantKey: string): PrismaSchemaInfo {
  const schemaPath = findSchema(project.rootDir);
  const schemaFiles = schemaPath
    ? statSync(schemaPath).isDirectory()
      ? walk(schemaPath, (f) => f.endsWith(".prisma"))
      : [schemaPath]
    : [];
  const schema = schemaFiles.map((f) => readFileSync(f, "utf8")).join("\n");
  const generator = /generator\s+\w+\s*\{([^}]*)\}/.exec(schema)?.[1] ?? "";
  const provider = /provider\s*=\s*"([^"]+)"/.exec(generator)?.[1];
  const previewFeatures = [
    ...(/previewFeatures\s*=\s*\[([^\]]*)\]/.exec(generator)?.[1]?.matchAll(/"([^"]+)"/g) ?? []),
  ].map((m) => m[1]!);
  const datasource = /datasource\s+\w+\s*\{([^}]*)\}/.exec(schema)?.[1] ?? "";
  const urlEnv = /\burl\s*=\s*env\(\s*"([^"]+)"\s*\)/.exec(datasource)?.[1];

  const migrationsDir = schemaPath
    ? path.join(statSync(schemaPath).isDirectory() ? schemaPath : path.dirname(schemaPath), "migrations")
    : undefined;
  const sqlFiles = migrationsDir && existsSync(migrationsDir) ? walk(migrationsDir, (f) => f.endsWith(".sql")) : [];
  const settings = new Map<string, Map<string, number>>();
  const policyTables = new Set<string>();
  for (const file of sqlFiles) {
    const sql = readFileSync(file, "utf8").replace(/--[^\n]*/g, "");
    for (const match of sql.matchAll(/current_setting\(\s*'([^']+)'/gi)) {
      const perFile = settings.get(match[1]!) ?? new Map<string, number>();
      const relative = project.relative(file);
      perFile.set(relative, (perFile.get(relative) ?? 0) + 1);
      settings.set(match[1]!, perFile);
    }
    for (const match of sql.matchAll(
      /CREATE\s+POLICY\s+(?:"[^"]+"|\S+)\s+ON\s+((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)/gi,
    ))
      policyTables.add(tableName(match[1]!));
    for (const match of sql.matchAll(
      new RegExp(
        /ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?/.source +
          /((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)\s+ENABLE\s+ROW\s+LEVEL\s+SECURITY/.source,
        "gi",
      ),
    )) {
      policyTables.add(tableName(match[1]!));
    }
  }
  const policySettings = [...settings]
    .map(([setting, perFile]) => ({
      setting,
      count: [...perFile.values()].reduce((a, b) => a + b, 0),
      sources: [...perFile].map(([f, n]) => `${f}: ${n}`),
    }))
    .sort((a, b) => b.count - a.count);

  const tenantDelegates = new Map<string, string>();
  for (const model of schema.matchAll(/^\s*model\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const [, name, body] = model as unknown as [string, string, string];
    const table = /@@map\(\s*"([^"]+)"\s*\)/.exec(body)?.[1] ?? name;
    const hasTenantColumn = body.split("\n").some((line) => {
      const field = /^\s*(\w+)\s+\w+/.exec(line)?.[1];
      const column = /@map\(\s*"([^"]+)"\s*\)/.exec(line)?.[1] ?? field;
      return field === tenantKey || column === "tenant_id";
    });
    const guarded = policyTables.size > 0 ? policyTables.has(table) : hasTenantColumn;
    if (guarded) tenantDelegates.set(name.charAt(0).toLowerCase() + name.slice(1), table);
  }
  return {
    schemaPath: schemaPath ? project.relative(schemaPath) : undefined,
    generatorProvider: provider,
    previewFeatures,
    urlEnv,
    policySettings,
    policyTables,
    tenantDelegates,
  };
}

function findSchema(root: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { prisma?: { schema?: string } };
    if (pkg.prisma?.schema && existsSync(path.join(root, pkg.prisma.schema))) return path.join(root, pkg.prisma.schema);
  } catch {
    // No package.json, or not JSON: look in the usual places.
  }
  return [
    path.join(root, "prisma", "schema.prisma"),
    path.join(root, "prisma", "schema"),
    path.join(root, "schema.prisma"),
  ].find((p) => existsSync(p));
}

function tableName(raw: string): string {
  const last = raw.split(".").pop() ?? raw;
  return last.replace(/^"|"$/g, "");
}

function walk(dir: string, keep: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, keep));
    else if (keep(full)) out.push(full);
  }
  return out.sort();
}
