import { Node, SyntaxKind, type SourceFile, type TypeReferenceNode } from "ts-morph";
import { importBindings } from "../../analysis/import-bindings.ts";
import { identifiersNamed } from "../../analysis/named-identifiers.ts";
import type { ImportEditor } from "../../edits/import-editor.ts";
import type { TextEdit } from "../../edits/text-edit.ts";
import type { CodemodProject } from "../../project/codemod-project.ts";
import type { SharedTypes } from "./client-module.ts";

/** What retyping one file needs. */
export interface RetypeInput {
  readonly project: CodemodProject;
  readonly file: SourceFile;
  readonly imports: ImportEditor;
  /** The shared client module (its types are imported from there). */
  readonly sharedFile: string;
  readonly types: SharedTypes;
  /** The modules the shared client's `PrismaClient` and `Prisma` come from (resolved files). */
  readonly prismaModules: ReadonlySet<string>;
  /** Ranges the client rebuild replaces (their text moves; nothing is retyped inside). */
  readonly skipped?: ReadonlyArray<readonly [number, number]>;
}

/**
 * `PrismaClient` and `Prisma.TransactionClient` used as types (parameters, properties, variables, casts, aliases),
 * where they come from the shared client's Prisma module, become the shared module's `TenantPrismaClient` and
 * `TenantTransaction`: the extended client those values now are, and what `$withTenant` hands its callback. The types
 * are imported type-only from the shared module (declared there by the same run); an import of `PrismaClient` or
 * `Prisma` left unused is dropped. Files with a `PrismaClient` of their own (scripts) are not retyped: their client
 * is still a plain one.
 *
 * @example
 * ```ts
 * // before: export async function logAudit(db: PrismaClient | Prisma.TransactionClient, entry: Entry) { ... }
 * // after
 * import type { TenantPrismaClient, TenantTransaction } from "@/lib/prisma";
 * export async function logAudit(db: TenantPrismaClient | TenantTransaction, entry: Entry) { ... }
 * ```
 */
export function retypeClientTypes(input: RetypeInput): { edits: TextEdit[]; retyped: number } {
  const { project, file, imports } = input;
  const text = file.getFullText();
  if (!text.includes("PrismaClient") && !text.includes("TransactionClient")) return { edits: [], retyped: 0 };
  const bindings = importBindings(project, file).filter(
    (b) =>
      (b.importedName === "PrismaClient" || b.importedName === "Prisma") &&
      input.prismaModules.has(
        prismaModuleKey(project, b.declaration.getModuleSpecifierValue(), file.getFilePath()) ?? "",
      ),
  );
  const clientLocals = new Set(bindings.filter((b) => b.importedName === "PrismaClient").map((b) => b.localName));
  const namespaces = new Set(bindings.filter((b) => b.importedName === "Prisma").map((b) => b.localName));
  if (clientLocals.size === 0 && namespaces.size === 0) return { edits: [], retyped: 0 };
  const inSkipped = (ref: TypeReferenceNode): boolean =>
    (input.skipped ?? []).some(([start, end]) => ref.getStart() >= start && ref.getEnd() <= end);
  const clientRefs: TypeReferenceNode[] = [];
  const transactionRefs: TypeReferenceNode[] = [];
  for (const ref of file.getDescendantsOfKind(SyntaxKind.TypeReference)) {
    if (inSkipped(ref) || ref.getTypeArguments().length > 0) continue;
    const name = ref.getTypeName();
    if (Node.isIdentifier(name) && clientLocals.has(name.getText())) clientRefs.push(ref);
    else if (
      Node.isQualifiedName(name) &&
      name.getRight().getText() === "TransactionClient" &&
      namespaces.has(name.getLeft().getText())
    )
      transactionRefs.push(ref);
  }
  if (clientRefs.length + transactionRefs.length === 0) return { edits: [], retyped: 0 };
  const own = file.getFilePath() === input.sharedFile;
  // A tsconfig alias or a relative path; never a baseUrl path with its extension (`src/lib/prisma.ts`).
  const specifier = project.specifierFor(input.sharedFile, file.getFilePath()) ?? project.relative(input.sharedFile);
  const local = (name: string): string =>
    own ? name : imports.use(input.sharedFile, specifier, name, { typeOnly: true, addedByPhase: true });
  const edits: TextEdit[] = [];
  if (clientRefs.length > 0) {
    const name = local(input.types.client);
    for (const ref of clientRefs) edits.push({ start: ref.getStart(), end: ref.getEnd(), text: name });
  }
  if (transactionRefs.length > 0) {
    const name = local(input.types.transaction);
    for (const ref of transactionRefs) edits.push({ start: ref.getStart(), end: ref.getEnd(), text: name });
  }
  const replaced = [...clientRefs, ...transactionRefs];
  for (const binding of bindings) {
    const uses = identifiersNamed(file, binding.localName).filter(
      (id) => !id.getFirstAncestorByKind(SyntaxKind.ImportDeclaration),
    );
    if (uses.every((id) => replaced.some((ref) => ref.getStart() <= id.getStart() && id.getEnd() <= ref.getEnd())))
      imports.remove(binding.declaration, binding.importedName);
  }
  return { edits, retyped: replaced.length };
}

/**
 * What identifies the module a `PrismaClient` import comes from: the resolved file, or, when it does not resolve (the
 * client is not generated yet), a package or path-alias specifier as written.
 * @example prismaModuleKey(project, "@prisma/client", file) // "/app/node_modules/.prisma/client/index.d.ts"
 */
export function prismaModuleKey(project: CodemodProject, specifier: string, fromFile: string): string | undefined {
  return (
    project.resolveAnyModule(specifier, fromFile) ?? (specifier.startsWith(".") ? undefined : `specifier:${specifier}`)
  );
}
