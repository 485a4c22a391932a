import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Project, ts, type SourceFile } from "ts-morph";
import { ProjectLoadError } from "../errors/project-load-error.ts";
import type { TenantKitConfig } from "../config/tenant-kit-config.ts";

/**
 * The target repository as the codemods see it: its tsconfig (for `paths`), a ts-morph project that parses files on
 * demand, and module resolution through the repo's compiler options. No type checker is created, so loading 2,000
 * files stays cheap.
 *
 * @example
 * ```ts
 * const project = CodemodProject.open("/repo/src/app", config);
 * const file = project.sourceFile("/repo/src/app/api/x/route.ts");
 * project.resolveModule("@/lib/tenant", file.getFilePath()); // "/repo/src/lib/tenant.ts"
 * ```
 */
export class CodemodProject {
  /** Directory of the tsconfig.json: the repo root the codemods work in. */
  readonly rootDir: string;
  readonly tsconfigPath: string;
  readonly config: TenantKitConfig;
  readonly compilerOptions: ts.CompilerOptions;
  private readonly project: Project;
  private readonly resolutionCache: ts.ModuleResolutionCache;
  private readonly resolved = new Map<string, string | null>();
  private allFiles: string[] | undefined;

  private constructor(tsconfigPath: string, config: TenantKitConfig) {
    this.tsconfigPath = tsconfigPath;
    this.rootDir = path.dirname(tsconfigPath);
    this.config = config;
    const host: ts.ParseConfigFileHost = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined };
    const parsed = ts.getParsedCommandLineOfConfigFile(tsconfigPath, {}, host);
    if (!parsed)
      throw new ProjectLoadError(`${tsconfigPath} could not be parsed; run tsc -p on it to see why and fix it.`);
    this.compilerOptions = parsed.options;
    this.project = new Project({
      compilerOptions: parsed.options,
      skipAddingFilesFromTsConfig: true,
      skipFileDependencyResolution: true,
      skipLoadingLibFiles: true,
    });
    // Register the root first: ts-morph files a directory whose parent it does not know as an "orphan" and scans every
    // orphan on each new directory, so adding files of 2,000 unregistered folders one by one would be quadratic.
    this.project.addDirectoryAtPath(this.rootDir);
    this.resolutionCache = ts.createModuleResolutionCache(this.rootDir, (name) => name, parsed.options);
  }

  /**
   * Opens the repo containing `target` (a directory or file): the nearest tsconfig.json at or above it.
   * @example CodemodProject.open("./app", config)
   * @throws {ProjectLoadError} when no tsconfig.json is found.
   */
  static open(target: string, config: TenantKitConfig, tsconfig?: string): CodemodProject {
    const absolute = path.resolve(target);
    if (!existsSync(absolute))
      throw new ProjectLoadError(`${absolute} does not exist; pass the directory of your app (for example ./src/app).`);
    const found = tsconfig
      ? path.resolve(tsconfig)
      : findUp(statSync(absolute).isDirectory() ? absolute : path.dirname(absolute), "tsconfig.json");
    if (!found || !existsSync(found)) {
      throw new ProjectLoadError(
        `No tsconfig.json was found in ${absolute} or above it; ` +
          `run tenant-kit inside a TypeScript project or pass --tsconfig.`,
      );
    }
    return new CodemodProject(found, config);
  }

  /**
   * The parsed file at `filePath` (parsed once, then cached).
   * @example project.sourceFile("/repo/src/lib/tenant.ts")
   */
  sourceFile(filePath: string): SourceFile {
    const absolute = path.resolve(filePath);
    return this.project.getSourceFile(absolute) ?? this.project.addSourceFileAtPath(absolute);
  }

  /** Replaces a file's text in memory (used by the jscodeshift adapter, which hands over the source). */
  setSourceText(filePath: string, text: string): SourceFile {
    const absolute = path.resolve(filePath);
    const existing = this.project.getSourceFile(absolute);
    if (existing) this.project.removeSourceFile(existing);
    return this.project.createSourceFile(absolute, text, { overwrite: true });
  }

  /**
   * Resolves an import specifier from `fromFile` the way tsc does (tsconfig `paths`, extensions, index files).
   * Returns the absolute file path, or undefined when it resolves to nothing or to a package in node_modules.
   * @example project.resolveModule("./orders-repo", "/repo/src/lib/repos/x.ts")
   */
  resolveModule(specifier: string, fromFile: string): string | undefined {
    // A specifier mapped by tsconfig `paths` resolves the same from every directory once it resolves at all (tsc tries
    // the mapping before node_modules), so it is cached once, not once per importing directory.
    const mappedKey = `\0${specifier}`;
    const mapped = this.resolved.get(mappedKey);
    if (mapped) return mapped;
    const key = `${path.dirname(fromFile)}\0${specifier}`;
    const cached = this.resolved.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const result = ts.resolveModuleName(
      specifier,
      fromFile,
      this.compilerOptions,
      ts.sys,
      this.resolutionCache,
    ).resolvedModule;
    const file =
      result && !result.isExternalLibraryImport && !result.resolvedFileName.endsWith(".d.ts")
        ? path.resolve(result.resolvedFileName)
        : null;
    this.resolved.set(key, file);
    if (file && !ts.isExternalModuleNameRelative(specifier) && this.matchesPaths(specifier))
      this.resolved.set(mappedKey, file);
    return file ?? undefined;
  }

  /**
   * Resolves an import specifier to any file tsc would load for it, packages and declaration files included (for
   * checking that an import a phase adds exists and exports the name). Undefined when tsc would report TS2307.
   * @example project.resolveAnyModule("prisma-tenant-kit", "/repo/src/lib/db.ts") // ".../dist/index.d.ts"
   */
  resolveAnyModule(specifier: string, fromFile: string): string | undefined {
    const result = ts.resolveModuleName(
      specifier,
      fromFile,
      this.compilerOptions,
      ts.sys,
      this.resolutionCache,
    ).resolvedModule;
    return result ? path.resolve(result.resolvedFileName) : undefined;
  }

  /**
   * The specifier `fromFile` should import `moduleFile` with: through a tsconfig `paths` alias when one maps to it
   * (`@/lib/prisma-tx`), else relative (`../lib/prisma-tx`), without the extension; checked to resolve back to it.
   * Undefined when no specifier does.
   * @example project.specifierFor("/repo/src/lib/prisma-tx.ts", "/repo/src/app/api/x/route.ts") // "@/lib/prisma-tx"
   */
  specifierFor(moduleFile: string, fromFile: string): string | undefined {
    const target = path.resolve(moduleFile);
    const withoutExtension = target.replace(/\.(d\.ts|tsx?|mts|cts)$/, "").replace(/\/index$/, "");
    const candidates: string[] = [];
    const base = path.resolve(this.rootDir, this.compilerOptions.baseUrl ?? ".");
    for (const [pattern, substitutions] of Object.entries(this.compilerOptions.paths ?? {})) {
      const star = pattern.indexOf("*");
      for (const substitution of substitutions) {
        const mapped = path.resolve(
          this.compilerOptions.pathsBasePath ? String(this.compilerOptions.pathsBasePath) : base,
          substitution,
        );
        const subStar = mapped.indexOf("*");
        if (star < 0 || subStar < 0) continue;
        const prefix = mapped.slice(0, subStar);
        const suffix = mapped.slice(subStar + 1).replace(/\.(tsx?)$/, "");
        if (!withoutExtension.startsWith(prefix) || !withoutExtension.endsWith(suffix)) continue;
        candidates.push(
          pattern.slice(0, star) +
            withoutExtension.slice(prefix.length, withoutExtension.length - suffix.length) +
            pattern.slice(star + 1),
        );
      }
    }
    let relative = path.relative(path.dirname(fromFile), withoutExtension).split(path.sep).join("/");
    if (!relative.startsWith(".")) relative = `./${relative}`;
    candidates.push(relative);
    return candidates.find((candidate) => this.resolveModule(candidate, fromFile) === target);
  }

  private matchesPaths(specifier: string): boolean {
    return Object.keys(this.compilerOptions.paths ?? {}).some((pattern) => {
      const star = pattern.indexOf("*");
      if (star < 0) return pattern === specifier;
      const prefix = pattern.slice(0, star);
      const suffix = pattern.slice(star + 1);
      return (
        specifier.length >= prefix.length + suffix.length && specifier.startsWith(prefix) && specifier.endsWith(suffix)
      );
    });
  }

  /** Resolves a specifier as written in a file at the repo root (for config values like `@/lib/tenant`). */
  resolveFromRoot(specifier: string): string | undefined {
    return this.resolveModule(specifier, path.join(this.rootDir, "__tenant_kit_root__.ts"));
  }

  /**
   * Every .ts/.tsx file of the repo (not .d.ts), skipping `config.ignoreDirs`. Sorted, so runs are deterministic.
   * @example project.listFiles().length
   */
  listFiles(): string[] {
    this.allFiles ??= listTypeScriptFiles(this.rootDir, new Set(this.config.ignoreDirs));
    return this.allFiles;
  }

  /** Files under `target` (a directory or a file), a subset of {@link listFiles}. */
  filesUnder(target: string): string[] {
    const absolute = path.resolve(target);
    if (existsSync(absolute) && statSync(absolute).isFile()) return [absolute];
    const prefix = absolute.endsWith(path.sep) ? absolute : absolute + path.sep;
    return this.listFiles().filter((file) => file.startsWith(prefix));
  }

  /** Reads a file's text without parsing it (used to skip files that cannot contain what is searched). */
  readText(filePath: string): string {
    const parsed = this.project.getSourceFile(filePath);
    return parsed ? parsed.getFullText() : readFileSync(filePath, "utf8");
  }

  /** Path relative to the repo root, with forward slashes, for reports. */
  relative(filePath: string): string {
    return path.relative(this.rootDir, filePath).split(path.sep).join("/");
  }
}

function findUp(start: string, name: string): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function listTypeScriptFiles(root: string, ignore: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!ignore.has(entry.name) && !entry.name.startsWith(".")) walk(path.join(dir, entry.name));
      } else if (/\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        out.push(path.join(dir, entry.name));
      }
    }
  };
  walk(root);
  return out.sort();
}
