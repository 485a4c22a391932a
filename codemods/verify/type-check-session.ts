import path from "node:path";
import type * as TypeScript from "typescript";
import type { RevertedFile, TypeCheckRequest, TypeCheckResponse, TypeDiagnostic } from "./type-check-protocol.ts";

type Ts = typeof TypeScript;

/**
 * Type-checks the app before and after a phase's edits and keeps only the edits that add no compiler error: a changed
 * file holding a new error is reverted, and the check runs again (a revert can surface errors in files that used what
 * it removed) until nothing new is left. An error in a file the phase did not change is first answered by reverting
 * the changed files it imports; when none does, the phase is refused (`blocking`). Errors are compared as multisets
 * (see `keyOf`), so the errors the app already had do not count.
 *
 * @example
 * ```ts
 * const response = verifyOverlays(require("typescript"), { tsconfigPath, typescriptPath: undefined, overlays });
 * response.reverted.map((r) => r.file); // files whose edit would break tsc
 * ```
 */
export function verifyOverlays(ts: Ts, request: TypeCheckRequest): TypeCheckResponse {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    request.tsconfigPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => undefined,
    },
  );
  if (!parsed) throw new Error(`${request.tsconfigPath} could not be parsed`);
  const rootDir = path.dirname(request.tsconfigPath);
  const options: TypeScript.CompilerOptions = { ...parsed.options, noEmit: true, incremental: false };
  delete options.tsBuildInfoFile;
  const rootNames = [...new Set([...parsed.fileNames.map((f) => path.resolve(f)), ...Object.keys(request.overlays)])];
  const cache = new Map<string, TypeScript.SourceFile | undefined>();
  const overlays = new Map(Object.entries(request.overlays));

  const createProgram = (active: ReadonlyMap<string, string>, old?: TypeScript.Program): TypeScript.Program => {
    const host = ts.createCompilerHost(options, true);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.readFile = (file) => active.get(path.resolve(file)) ?? readFile(file);
    host.fileExists = (file) => active.has(path.resolve(file)) || fileExists(file);
    host.getSourceFile = (file, languageVersion) => {
      const absolute = path.resolve(file);
      const text = active.get(absolute);
      if (text !== undefined) return ts.createSourceFile(file, text, languageVersion, true);
      if (!cache.has(absolute)) {
        const content = readFile(file);
        cache.set(
          absolute,
          content === undefined ? undefined : ts.createSourceFile(file, content, languageVersion, true),
        );
      }
      return cache.get(absolute);
    };
    return ts.createProgram({ rootNames, options, host, oldProgram: old });
  };

  const before = createProgram(new Map());
  const checked = importersOf(ts, before, new Set(overlays.keys()), options);
  const baseline = diagnosticsOf(ts, before, checked, rootDir);
  const reverted: RevertedFile[] = [];
  let blocking: TypeDiagnostic[] = [];
  let previous = before;
  for (;;) {
    const after = createProgram(overlays, previous);
    previous = after;
    const changed = new Set([...overlays.keys()].map((file) => relativeTo(rootDir, file)));
    const added = excess(diagnosticsOf(ts, after, checked, rootDir), baseline, changed);
    if (added.length === 0) break;
    const byFile = groupByFile(added.map(withoutAnchor), rootDir);
    let revertedAny = false;
    for (const [file, errors] of byFile) {
      if (!overlays.has(file)) continue;
      overlays.delete(file);
      reverted.push({ file, errors });
      revertedAny = true;
    }
    if (revertedAny) continue;
    // Every new error sits in an unchanged file: revert the changed files it depends on, or give up.
    for (const file of byFile.keys()) {
      for (const dependency of dependenciesOf(ts, after, file, options)) {
        if (!overlays.has(dependency)) continue;
        overlays.delete(dependency);
        reverted.push({ file: dependency, errors: byFile.get(file) ?? [] });
        revertedAny = true;
      }
    }
    if (!revertedAny) {
      blocking = added.map(withoutAnchor);
      break;
    }
  }
  if (blocking.length > 0) overlays.clear();
  return {
    accepted: [...overlays.keys()],
    reverted,
    blocking,
    checkedFiles: checked.size,
    typescriptVersion: ts.version,
  };
}

/** The changed files and every program file that imports one of them, directly or not. */
function importersOf(
  ts: Ts,
  program: TypeScript.Program,
  changed: ReadonlySet<string>,
  options: TypeScript.CompilerOptions,
): Set<string> {
  const importers = new Map<string, string[]>();
  for (const source of program.getSourceFiles()) {
    if (program.isSourceFileFromExternalLibrary(source) || source.isDeclarationFile) continue;
    const from = path.resolve(source.fileName);
    for (const dependency of dependenciesOf(ts, program, from, options)) {
      const list = importers.get(dependency) ?? [];
      list.push(from);
      importers.set(dependency, list);
    }
  }
  const out = new Set(changed);
  const queue = [...changed];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    for (const importer of importers.get(file) ?? []) {
      if (out.has(importer)) continue;
      out.add(importer);
      queue.push(importer);
    }
  }
  return out;
}

const resolutionCaches = new WeakMap<TypeScript.CompilerOptions, TypeScript.ModuleResolutionCache>();

/** The app files `file` imports (static, dynamic and `import()` types), resolved as tsc resolves them. */
function dependenciesOf(ts: Ts, program: TypeScript.Program, file: string, options: TypeScript.CompilerOptions) {
  const source = program.getSourceFile(file);
  if (!source) return [];
  let cache = resolutionCaches.get(options);
  if (!cache) {
    cache = ts.createModuleResolutionCache(process.cwd(), (name) => name, options);
    resolutionCaches.set(options, cache);
  }
  const out: string[] = [];
  for (const imported of ts.preProcessFile(source.text, true, true).importedFiles) {
    const resolved = ts.resolveModuleName(imported.fileName, file, options, ts.sys, cache).resolvedModule;
    if (resolved && !resolved.isExternalLibraryImport) out.push(path.resolve(resolved.resolvedFileName));
  }
  return out;
}

/**
 * A diagnostic with what it points at: its code and the rest of the line from where it starts, each name not after a
 * `.` written `_` (a span renames `db` to `tx`; `.findMany(` and the line's shape stay).
 */
type CheckedDiagnostic = TypeDiagnostic & { readonly anchor: string };

function diagnosticsOf(
  ts: Ts,
  program: TypeScript.Program,
  files: ReadonlySet<string>,
  rootDir: string,
): CheckedDiagnostic[] {
  const out: CheckedDiagnostic[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) continue;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    for (const diagnostic of diagnostics) {
      if (diagnostic.category !== ts.DiagnosticCategory.Error) continue;
      const at =
        diagnostic.file && diagnostic.start !== undefined
          ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
          : { line: 0, character: 0 };
      const line = diagnostic.file ? lineAt(diagnostic.file, at.line) : "";
      // From the `.` before a property name the error points at, so that name is kept.
      const from = line[at.character - 1] === "." ? at.character - 1 : at.character;
      const rest = line
        .slice(from)
        .trim()
        .replace(/(^|[^.\w$])[A-Za-z_$][\w$]*/g, "$1_");
      out.push({
        anchor: `${diagnostic.code}\0${rest}`,
        file: path
          .relative(rootDir, diagnostic.file?.fileName ?? file)
          .split(path.sep)
          .join("/"),
        line: at.line + 1,
        column: at.character + 1,
        code: diagnostic.code,
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, " "),
      });
    }
  }
  return out;
}

function withoutAnchor({ anchor: _anchor, ...diagnostic }: CheckedDiagnostic): TypeDiagnostic {
  return diagnostic;
}

function lineAt(source: TypeScript.SourceFile, line: number): string {
  const starts = source.getLineStarts();
  return source.text.slice(starts[line], starts[line + 1] ?? source.text.length).replace(/\r?\n$/, "");
}

function relativeTo(rootDir: string, file: string): string {
  return path.relative(rootDir, file).split(path.sep).join("/");
}

/**
 * How an error is recognised as one the app already had. In a changed file positions move, so by (file, code,
 * message); in an unchanged file by (file, line, column, code), because there the message may print a type the phase
 * changed (the extended client's instead of PrismaClient) for the very error the app had before.
 */
function keyOf(d: TypeDiagnostic, changed: ReadonlySet<string>): string {
  return changed.has(d.file) ? `${d.file}\0${d.code}\0${d.message}` : `${d.file}\0${d.line}:${d.column}\0${d.code}`;
}

/** How many diagnostics have each key. */
function countBy<D>(diagnostics: readonly D[], key: (d: D) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of diagnostics) counts.set(key(d), (counts.get(key(d)) ?? 0) + 1);
  return counts;
}

/** A read-only client or delegate at the start of a quoted type. */
const READ_ONLY_TYPE =
  /^'(\{ readonly (\$queryRaw|[\w$]+: ReadDelegate<)|ReadDelegate<|TenantRead(Client|View|Handler)\b)/;
/** What a read-only client lacks: "Property 'create' does not exist" on it is a write outside a transaction. */
const WRITE_MEMBERS =
  /^(create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany|\$executeRaw|\$executeRawUnsafe|\$runCommandRaw|\$forTenant|\$forContext|\$extends)$/;

/**
 * Whether a message is about the kit's read-only client: a write member missing on it, or the client (or one of its
 * delegates) being what does not fit (the first type the message quotes: "Argument of type '<it>'", "Type '<it>' is
 * not assignable"). A model the app does not have ("Property 'widget' does not exist"), or an argument of the app's
 * own that does not fit a parameter typed read-only, is not.
 */
export function aboutReadOnlyClient(message: string): boolean {
  const missing = /^Property '([^']+)' does not exist on type ('.*)$/.exec(message);
  if (missing) return WRITE_MEMBERS.test(missing[1]!) || /^'ReadDelegate</.test(missing[2]!);
  const first = /'.*/.exec(message)?.[0] ?? "";
  return READ_ONLY_TYPE.test(first);
}

/**
 * The diagnostics the baseline does not explain. In an unchanged file, one more at a (line, column, code) than
 * before. In a changed file, one whose (code, message) the file did not have at all (a phase that copies code, the
 * V2 beside V1, copies the errors V1 already had), unless the file had that code pointing at the same text (the rest of
 * the line from where the error starts) as often as now (a line moved into a span, its error now printing the span's
 * client type) and its message is not about the read-only client: a write through it, or a helper that writes handed
 * it, is always new.
 */
function excess(
  diagnostics: readonly CheckedDiagnostic[],
  baseline: readonly CheckedDiagnostic[],
  changed: ReadonlySet<string>,
): CheckedDiagnostic[] {
  const byKey = (d: TypeDiagnostic): string => keyOf(d, changed);
  const anchorOf = (d: CheckedDiagnostic): string => `${d.file}\0${d.anchor}`;
  const counts = countBy(diagnostics, byKey);
  const before = countBy(baseline, byKey);
  const anchors = countBy(diagnostics, anchorOf);
  const anchorsBefore = countBy(baseline, anchorOf);
  const moved = (d: CheckedDiagnostic): boolean =>
    !aboutReadOnlyClient(d.message) && (anchors.get(anchorOf(d)) ?? 0) <= (anchorsBefore.get(anchorOf(d)) ?? 0);
  return diagnostics.filter((d) =>
    changed.has(d.file)
      ? !before.has(byKey(d)) && !moved(d)
      : (counts.get(byKey(d)) ?? 0) > (before.get(byKey(d)) ?? 0),
  );
}

function groupByFile(diagnostics: readonly TypeDiagnostic[], rootDir: string): Map<string, TypeDiagnostic[]> {
  const out = new Map<string, TypeDiagnostic[]>();
  for (const d of diagnostics) {
    const absolute = path.resolve(rootDir, d.file);
    out.set(absolute, [...(out.get(absolute) ?? []), d]);
  }
  return out;
}
