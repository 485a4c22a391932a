import { Node, SyntaxKind, type NewExpression, type SourceFile } from "ts-morph";
import { locate } from "../../analysis/db-usage-classifier.ts";
import { freshName } from "../../analysis/fresh-name.ts";
import { importBindings } from "../../analysis/import-bindings.ts";
import type { PrismaClientSite, SharedClientModule } from "../../analysis/prisma-client-sites.ts";
import { identifierNames, type ImportEditor } from "../../edits/import-editor.ts";
import { shiftIndent } from "../../edits/reindent.ts";
import { removeStatement } from "../../edits/remove-statement.ts";
import { indentUnit, lineIndent, type TextEdit } from "../../edits/text-edit.ts";
import type { CodemodProject } from "../../project/codemod-project.ts";
import { manualReview, type ManualReviewItem } from "../../runner/codemod-types.ts";
import { topLevel, type ClientHook } from "./client-hooks.ts";
import { rebuildOptions } from "./client-options.ts";

/** The names of the types the shared client module exports for the rest of the app. */
export interface SharedTypes {
  /** The extended client's type (`TenantPrismaClient`). */
  readonly client: string;
  /** Its interactive transaction client, what `$withTenant` hands its callback (`TenantTransaction`). */
  readonly transaction: string;
}

/** What rebuilding the shared client module needs. */
export interface ClientModuleInput {
  readonly project: CodemodProject;
  readonly kitModule: string;
  readonly shared: SharedClientModule;
  readonly file: SourceFile;
  readonly imports: ImportEditor;
  readonly setting: string;
  /** Where the setting name came from (the policies' migrations...), for the note. */
  readonly settingSource: string;
  readonly urlEnv: string | undefined;
  /** `$on` statements of the module that move into the factory. */
  readonly movableHooks: readonly ClientHook[];
}

/** The rebuilt module: its edits, notes, and the exported type names. */
export interface ClientModuleEdits {
  readonly edits: TextEdit[];
  readonly notes: string[];
  readonly types: SharedTypes;
}

const CLIENT_TYPE_DOC = "/** The shared client's type: the Prisma client extended with the tenant kit. */";
const TRANSACTION_TYPE_DOC =
  "/** The client `$withTenant` hands its callback: an interactive transaction of the shared client. */";

/**
 * The types an installed client module already exports: an alias of the extended client (`ReturnType<typeof f>` of
 * the function building it, or `typeof` a variable holding it) and `TenantTransactionClient<thatAlias>`. A re-run
 * finds them by what they are, whatever their names.
 */
export function existingSharedTypes(file: SourceFile, shared: SharedClientModule): Partial<SharedTypes> {
  const aliases = file.getTypeAliases().filter((a) => a.isExported());
  const building = new Set(
    file
      .getFunctions()
      .filter((f) => /\.\$extends\(/.test(f.getText()))
      .map((f) => f.getName()),
  );
  for (const d of file.getVariableDeclarations())
    if (/\.\$extends\(/.test(d.getInitializer()?.getText() ?? "")) building.add(d.getName());
  const client = aliases.find((a) => {
    const text = a.getTypeNode()?.getText().replace(/\s+/g, " ") ?? "";
    const returned = /^ReturnType<typeof (\w+)>$/.exec(text)?.[1];
    const variable = /^typeof (\w+)$/.exec(text)?.[1];
    return (
      (returned !== undefined && building.has(returned)) || (variable !== undefined && shared.clientNames.has(variable))
    );
  });
  if (!client) return {};
  const kitNames = new Set(importedKitTransactionNames(file));
  const transaction = aliases.find((a) => {
    const match = /^(\w+)<\s*(\w+)\s*>$/.exec(a.getTypeNode()?.getText() ?? "");
    return match !== null && kitNames.has(match[1]!) && match[2] === client.getName();
  });
  return { client: client.getName(), ...(transaction ? { transaction: transaction.getName() } : {}) };
}

function importedKitTransactionNames(file: SourceFile): string[] {
  return file
    .getImportDeclarations()
    .flatMap((d) => d.getNamedImports())
    .filter((n) => n.getName() === "TenantTransactionClient")
    .map((n) => n.getAliasNode()?.getText() ?? n.getName());
}

/**
 * Builds the shared client module on the kit. Each `new PrismaClient(options)` keeps its options and gets the tenant
 * adapter and `.$extends(tenantExtension())`; the module exports the extended client's type and its transaction
 * client's type (`TenantPrismaClient`, `TenantTransaction`), which the rest of the app is retyped to. When the module
 * uses `PrismaClient` as a type (the `globalThis` cache) or has `$on` listeners to move, the client is built by a
 * factory `createPrismaClient()` whose return type is the alias: the `$on` calls move into it, onto the base client
 * before `$extends` (an extended client has no `$on`). An already installed module only gets the missing aliases.
 *
 * @example
 * ```ts
 * function createPrismaClient() {
 *   const client = new PrismaClient({ log: [{ emit: "event", level: "query" }], adapter: createTenantAdapter({ ... }) });
 *   client.$on("query", (e) => logger.debug(e.query));
 *   return client.$extends(tenantExtension());
 * }
 * export type TenantPrismaClient = ReturnType<typeof createPrismaClient>;
 * export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;
 * export const prisma = globalForPrisma.prisma ?? createPrismaClient();
 * ```
 */
export function rebuildClientModule(input: ClientModuleInput): ClientModuleEdits | ManualReviewItem {
  const { project, shared, file, imports } = input;
  const pending = shared.sites.filter((s) => !s.installed);
  const existing = existingSharedTypes(file, shared);
  const taken = identifierNames(file);
  const kitFile = project.resolveModule(input.kitModule, file.getFilePath());
  if (pending.length === 0) return completeInstalledModule(input, existing, taken, kitFile);
  const source = file.getFullText();
  const unit = indentUnit(source);
  const clientLocals = new Set(
    importBindings(project, file)
      .filter((b) => b.importedName === "PrismaClient")
      .map((b) => b.localName),
  );
  const typeRefs = file
    .getDescendantsOfKind(SyntaxKind.TypeReference)
    .filter((ref) => clientLocals.has(ref.getTypeName().getText()) && ref.getTypeArguments().length === 0);
  if (typeRefs.length > 0 && pending.length > 1) {
    return manualReview(
      "install-precondition",
      `${pending.length} clients are created here and PrismaClient is used as a type; ` +
        `the kit cannot tell which the type means`,
      locate(project, typeRefs[0]!),
    );
  }
  if (input.movableHooks.length > 0 && pending.length > 1) {
    return manualReview(
      "install-precondition",
      `${pending.length} clients are created here and $on is called on the shared one; ` +
        `the kit cannot tell which client's factory the listener belongs in`,
      locate(project, input.movableHooks[0]!.node),
    );
  }
  const rebuilt: Array<{ site: PrismaClientSite; text: string }> = [];
  const notes: string[] = [];
  const edits: TextEdit[] = [];
  const unusedImports = new Set<string>();
  for (const site of pending) {
    const options = rebuildOptions(site.node, { urlEnv: input.urlEnv, setting: input.setting, unit });
    if ("problem" in options) return manualReview("install-precondition", options.problem, locate(project, site.node));
    notes.push(...options.notes);
    edits.push(...options.removals);
    for (const name of options.unusedImports) unusedImports.add(name);
    rebuilt.push({ site, text: options.text });
  }
  // Only now, with every site provable: the imports (refused, with the file unchanged, when the kit does not resolve).
  const adapterName = imports.use(kitFile, input.kitModule, "createTenantAdapter");
  const extensionName = imports.use(kitFile, input.kitModule, "tenantExtension");
  const transactionClient = imports.use(kitFile, input.kitModule, "TenantTransactionClient", { typeOnly: true });
  for (const binding of importBindings(project, file))
    if (unusedImports.has(binding.localName)) imports.remove(binding.declaration, binding.importedName);
  const withAdapter = (text: string): string => text.replace("createTenantAdapter(", `${adapterName}(`);
  const clientAlias = existing.client ?? freshName(taken, "TenantPrismaClient");
  taken.add(clientAlias);
  const transactionAlias = existing.transaction ?? freshName(taken, "TenantTransaction");
  const first = rebuilt[0]!.site.node;
  const shape = factoryShape(first, typeRefs.length > 0 || input.movableHooks.length > 0, taken);
  const aliasText = (type: string): string =>
    (existing.client ? "" : `${CLIENT_TYPE_DOC}\nexport type ${clientAlias} = ${type};\n`) +
    (existing.transaction
      ? ""
      : `${TRANSACTION_TYPE_DOC}\nexport type ${transactionAlias} = ${transactionClient}<${clientAlias}>;\n`);
  for (const { site, text } of rebuilt) {
    if (shape.extract && site.node === first) {
      const statement = topLevel(site.node) ?? site.node;
      const at = statement.getStart();
      const indent = lineIndent(source, at);
      const inner = indent + unit;
      const body = shiftIndent(withAdapter(text), lineIndent(source, site.node.getStart()), inner);
      let factoryBody: string;
      if (input.movableHooks.length > 0) {
        const local = freshName(taken, "client");
        const moved = input.movableHooks.map((hook) => {
          const statement = hook.movable!;
          const receiver = hookReceiver(hook);
          const rest = source.slice(receiver.getEnd(), statement.getEnd());
          const removal = removeStatement(source, statement);
          edits.push(removal);
          // The comment lines above the listener go with it.
          const comments = source.slice(
            source.indexOf(source.slice(removal.start).trimStart(), removal.start),
            statement.getStart(),
          );
          return inner + shiftIndent(`${comments}${local}${rest}`, lineIndent(source, statement.getStart()), inner);
        });
        factoryBody =
          `${inner}const ${local} = ${body};\n${moved.join("\n")}\n` +
          `${inner}return ${local}.$extends(${extensionName}());\n`;
        notes.push(
          `${moved.length} $on listener(s) moved into ${shape.factory}(), onto the base client before $extends ` +
            `(an extended client has no $on)`,
        );
      } else factoryBody = `${inner}return ${body}.$extends(${extensionName}());\n`;
      edits.push({
        start: at,
        end: at,
        text: `function ${shape.factory}() {\n${factoryBody}${indent}}\n\n${aliasText(`ReturnType<typeof ${shape.factory}>`)}\n${indent}`,
      });
      edits.push({ start: site.node.getStart(), end: site.node.getEnd(), text: `${shape.factory}()` });
    } else {
      edits.push({
        start: site.node.getStart(),
        end: site.node.getEnd(),
        text: `${withAdapter(text)}.$extends(${extensionName}())`,
      });
    }
  }
  if (!shape.extract) {
    const statement = topLevel(shape.anchor) ?? shape.anchor;
    const end = statement.getEnd();
    // A blank line between the aliases and a statement right after them.
    const spacer = /^\r?\n[ \t]*\S/.test(source.slice(end)) ? "\n" : "";
    edits.push({ start: end, end, text: `\n\n${aliasText(shape.type).trimEnd()}${spacer}` });
  }
  notes.unshift(
    `the shared client (${[...shared.exportedNames].join(", ")}) is built on createTenantAdapter with setting ` +
      `"${input.setting}", ${input.settingSource}; the module exports its type ${clientAlias} and its ` +
      `transaction client's type ${transactionAlias}`,
  );
  return { edits, notes, types: { client: clientAlias, transaction: transactionAlias } };
}

/** An installed module: the aliases it lacks, after the statement declaring its first exported client. */
function completeInstalledModule(
  input: ClientModuleInput,
  existing: Partial<SharedTypes>,
  taken: Set<string>,
  kitFile: string | undefined,
): ClientModuleEdits | ManualReviewItem {
  const { file, shared, imports } = input;
  if (existing.client && existing.transaction)
    return { edits: [], notes: [], types: { client: existing.client, transaction: existing.transaction } };
  const holder = [...shared.clientNames]
    .map((name) => file.getVariableDeclaration(name))
    .find((d) => d !== undefined && Node.isSourceFile(d.getVariableStatement()?.getParent()));
  const statement = holder?.getVariableStatement();
  if (!holder || !statement)
    return manualReview(
      "install-precondition",
      "the shared client is installed, but not held by a top-level const the kit can name its type after; " +
        "export type TenantPrismaClient = typeof <the client> and " +
        "type TenantTransaction = TenantTransactionClient<TenantPrismaClient> by hand",
      locate(input.project, shared.sites[0]!.node),
    );
  const client = existing.client ?? freshName(taken, "TenantPrismaClient");
  taken.add(client);
  const transaction = existing.transaction ?? freshName(taken, "TenantTransaction");
  const parts: string[] = [];
  if (!existing.client) parts.push(`${CLIENT_TYPE_DOC}\nexport type ${client} = typeof ${holder.getName()};`);
  const transactionClient = imports.use(kitFile, input.kitModule, "TenantTransactionClient", { typeOnly: true });
  parts.push(`${TRANSACTION_TYPE_DOC}\nexport type ${transaction} = ${transactionClient}<${client}>;`);
  const text = `\n\n${parts.join("\n")}`;
  return {
    edits: [{ start: statement.getEnd(), end: statement.getEnd(), text }],
    notes: [`the installed client module now exports ${client} and ${transaction} for the rest of the app`],
    types: { client, transaction },
  };
}

/** The identifier `client` of `client.$on(...)`. */
function hookReceiver(hook: ClientHook): Node {
  const call = hook.node;
  const callee = Node.isCallExpression(call) ? call.getExpression() : undefined;
  if (!callee || !Node.isPropertyAccessExpression(callee)) throw new Error("a $on hook is a call on the client");
  return callee.getExpression();
}

/**
 * How the extended client's type is named: `ReturnType<typeof f>` of the named function returning the site (`const
 * prismaClientSingleton = () => new PrismaClient()`), else of a `createPrismaClient` to extract it into when it must
 * (the module uses PrismaClient as a type, or `$on` listeners move into it), else `typeof` the variable holding it.
 * `anchor`: the alias goes after its top-level statement.
 */
function factoryShape(
  node: NewExpression,
  mustExtract: boolean,
  taken: Set<string>,
): { factory: string; extract: boolean; anchor: Node; type: string } {
  const fn = node.getFirstAncestor(
    (a) => Node.isFunctionDeclaration(a) || Node.isArrowFunction(a) || Node.isFunctionExpression(a),
  );
  if (
    fn &&
    !mustExtract &&
    (Node.isFunctionDeclaration(fn) || Node.isArrowFunction(fn) || Node.isFunctionExpression(fn))
  ) {
    const body = fn.getBody();
    const returned = Node.isBlock(body)
      ? body
          .getStatements()
          .find((s) => Node.isReturnStatement(s))
          ?.getExpression()
      : body;
    const name = Node.isFunctionDeclaration(fn)
      ? fn.getName()
      : fn.getParentIfKind(SyntaxKind.VariableDeclaration)?.getName();
    if (name && returned === node)
      return { factory: name, extract: false, anchor: fn, type: `ReturnType<typeof ${name}>` };
  }
  const factory = freshName(taken, "createPrismaClient");
  taken.add(factory);
  const holder = node.getFirstAncestorByKind(SyntaxKind.VariableDeclaration);
  if (mustExtract || !holder || !Node.isSourceFile(holder.getVariableStatement()?.getParent()))
    return { factory, extract: true, anchor: node, type: `ReturnType<typeof ${factory}>` };
  return { factory, extract: false, anchor: holder, type: `typeof ${holder.getName()}` };
}
