import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../errors/config-error.ts";

/** A V1 wrapper named explicitly in the config (discovery finds the ones built on the tenant wrapper by itself). */
export interface ConfiguredWrapper {
  /** Exported name of the V1 wrapper, e.g. `withSalesSession`. */
  readonly name: string;
  /** Import specifier of the module exporting it, e.g. `@/lib/auth/sales`. */
  readonly module: string;
}

/**
 * What the codemods may be told about the app. None of it is needed: the tenant wrapper, the session wrappers and the
 * transaction helpers are found by what they do (analysis/tenant-transaction-discovery.ts). The values are overrides:
 * the defaults (`@/lib/tenant`, `withTenantFromRequest`, `withTenant`, the `V2` suffix, from 002) are used when they
 * resolve, and discovery decides when they do not; a module or wrapper set explicitly must resolve.
 *
 * @example
 * ```json
 * { "tenantModule": "@/lib/tenant", "transactionHelper": { "name": "withTenant", "module": "@/lib/tenant" } }
 * ```
 */
export interface TenantKitConfig {
  /**
   * Import specifier of the module that exports the tenant wrapper (resolved through the repo's tsconfig paths); an
   * override of discovery.
   */
  readonly tenantModule: string;
  /** The V1 tenant wrapper: `(request, async (tenantId, db) => ...)`, running `fn` inside a transaction. */
  readonly tenantWrapper: string;
  /** Import specifier of prisma-tenant-kit in the app; scaffold imports `poolTimeoutResponse` from it. */
  readonly kitModule: string;
  /**
   * The helper the writes phase wraps writes in: `helper(tenantId, async (tx) => ...)`. When its module does not export
   * it, the span uses the discovered `(tenantId, fn)` helper, else the kit's `$withTenant` on the app's client, else
   * `db.$transaction(...)` on the client V2 hands the handler.
   */
  readonly transactionHelper: { readonly name: string; readonly module: string };
  /** Suffix of the V2 names scaffold adds (`withSalesSession` becomes `withSalesSessionV2`). */
  readonly v2Suffix: string;
  /** Extra V1 wrappers to treat as such even when discovery does not find them. */
  readonly wrappers: readonly ConfiguredWrapper[];
  /** Property names of the handler context (`{ tenantId, db }`). */
  readonly contextKeys: { readonly db: string; readonly tenantId: string };
  /** finalize renames V2 to V1's name unless this is true. */
  readonly keepV2Names: boolean;
  /** Glob-free list of directory names never scanned. */
  readonly ignoreDirs: readonly string[];
}

/** The defaults, matching 002. @example const config = { ...DEFAULT_CONFIG, v2Suffix: "Fast" }; */
export const DEFAULT_CONFIG: TenantKitConfig = {
  tenantModule: "@/lib/tenant",
  tenantWrapper: "withTenantFromRequest",
  kitModule: "prisma-tenant-kit",
  transactionHelper: { name: "withTenant", module: "@/lib/tenant" },
  v2Suffix: "V2",
  wrappers: [],
  contextKeys: { db: "db", tenantId: "tenantId" },
  keepV2Names: false,
  ignoreDirs: ["node_modules", ".next", ".git", "generated", "dist", "build", "coverage"],
};

/** The config file names looked for, in order, in the repo root. */
export const CONFIG_FILE_NAMES = ["tenant-kit.config.json", ".tenant-kitrc.json"] as const;

/** Flags of the CLI that override config values. @example { transactionHelper: "withTx", keepV2Names: true } */
export interface ConfigFlags {
  readonly tenantModule?: string;
  readonly tenantWrapper?: string;
  readonly kitModule?: string;
  readonly transactionHelper?: string;
  readonly transactionModule?: string;
  readonly v2Suffix?: string;
  readonly wrapper?: readonly string[];
  readonly keepV2Names?: boolean;
}

/**
 * Loads `tenant-kit.config.json` (or the file given) from `repoRoot`, merges it over the defaults, then the flags over
 * that.
 *
 * @example const config = loadConfig("/repo", { configFile: undefined, flags: { keepV2Names: true } });
 * @throws {ConfigError} when the file is not valid JSON or a value has the wrong type.
 */
export function loadConfig(
  repoRoot: string,
  options: { configFile?: string; flags?: ConfigFlags } = {},
): TenantKitConfig {
  const file = options.configFile
    ? path.resolve(options.configFile)
    : CONFIG_FILE_NAMES.map((name) => path.join(repoRoot, name)).find((candidate) => existsSync(candidate));
  let config: TenantKitConfig = DEFAULT_CONFIG;
  if (file) {
    if (!existsSync(file))
      throw new ConfigError(`The config file ${file} does not exist; fix the --config path or remove the flag.`);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new ConfigError(`The config file ${file} is not valid JSON; fix the syntax error it reports.`, {
        cause: error,
      });
    }
    config = mergeConfig(DEFAULT_CONFIG, raw, file);
  }
  return applyFlags(config, options.flags ?? {});
}

function applyFlags(config: TenantKitConfig, flags: ConfigFlags): TenantKitConfig {
  const wrappers = (flags.wrapper ?? []).map((spec) => parseWrapperFlag(spec));
  return {
    ...config,
    tenantModule: flags.tenantModule ?? config.tenantModule,
    tenantWrapper: flags.tenantWrapper ?? config.tenantWrapper,
    kitModule: flags.kitModule ?? config.kitModule,
    transactionHelper: {
      name: flags.transactionHelper ?? config.transactionHelper.name,
      module: flags.transactionModule ?? config.transactionHelper.module,
    },
    v2Suffix: flags.v2Suffix ?? config.v2Suffix,
    wrappers: [...config.wrappers, ...wrappers],
    keepV2Names: flags.keepV2Names ?? config.keepV2Names,
  };
}

function parseWrapperFlag(spec: string): ConfiguredWrapper {
  const at = spec.lastIndexOf("@");
  const name = spec.slice(0, at);
  const module = spec.slice(at + 1);
  if (at <= 0 || !module) {
    throw new ConfigError(`--wrapper "${spec}" is not NAME@MODULE; write it like withAdminSession@@/lib/auth/admin.`);
  }
  return { name, module };
}

function mergeConfig(base: TenantKitConfig, raw: unknown, file: string): TenantKitConfig {
  if (!isRecord(raw))
    throw new ConfigError(`The config file ${file} must hold a JSON object; wrap its settings in { }.`);
  for (const key of ["scaffold", "tenantResolver"]) {
    if (key in raw) {
      throw new ConfigError(
        `${file}: "${key}" is no longer used (scaffold derives V2 from your V1 tenant wrapper, ` +
          `headers and errors included); remove it.`,
      );
    }
  }
  const known = new Set(Object.keys(base));
  for (const key of Object.keys(raw)) {
    if (!known.has(key) && key !== "$schema") {
      throw new ConfigError(
        `The config file ${file} has an unknown key "${key}"; the keys are ${[...known].join(", ")}.`,
      );
    }
  }
  const str = (key: string, value: unknown, fallback: string): string => {
    if (value === undefined) return fallback;
    if (typeof value !== "string" || value === "")
      throw new ConfigError(`${file}: "${key}" must be a non-empty string.`);
    return value;
  };
  const helper = raw.transactionHelper;
  if (helper !== undefined && !isRecord(helper))
    throw new ConfigError(`${file}: "transactionHelper" must be an object { "name", "module" }.`);
  const keys = raw.contextKeys;
  if (keys !== undefined && !isRecord(keys))
    throw new ConfigError(`${file}: "contextKeys" must be an object { "db", "tenantId" }.`);
  const wrappers = raw.wrappers;
  if (
    wrappers !== undefined &&
    !(
      Array.isArray(wrappers) &&
      wrappers.every((w) => isRecord(w) && typeof w.name === "string" && typeof w.module === "string")
    )
  ) {
    throw new ConfigError(`${file}: "wrappers" must be an array of { "name": string, "module": string }.`);
  }
  const ignoreDirs = raw.ignoreDirs;
  if (ignoreDirs !== undefined && !(Array.isArray(ignoreDirs) && ignoreDirs.every((d) => typeof d === "string"))) {
    throw new ConfigError(`${file}: "ignoreDirs" must be an array of directory names.`);
  }
  if (raw.keepV2Names !== undefined && typeof raw.keepV2Names !== "boolean")
    throw new ConfigError(`${file}: "keepV2Names" must be true or false.`);
  return {
    tenantModule: str("tenantModule", raw.tenantModule, base.tenantModule),
    tenantWrapper: str("tenantWrapper", raw.tenantWrapper, base.tenantWrapper),
    kitModule: str("kitModule", raw.kitModule, base.kitModule),
    transactionHelper: {
      name: str("transactionHelper.name", helper?.name, base.transactionHelper.name),
      module: str("transactionHelper.module", helper?.module, base.transactionHelper.module),
    },
    v2Suffix: str("v2Suffix", raw.v2Suffix, base.v2Suffix),
    wrappers: (wrappers as ConfiguredWrapper[] | undefined) ?? base.wrappers,
    contextKeys: {
      db: str("contextKeys.db", keys?.db, base.contextKeys.db),
      tenantId: str("contextKeys.tenantId", keys?.tenantId, base.contextKeys.tenantId),
    },
    keepV2Names: (raw.keepV2Names as boolean | undefined) ?? base.keepV2Names,
    ignoreDirs: (ignoreDirs as string[] | undefined) ?? base.ignoreDirs,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
