import { Node, type SourceFile, type VariableDeclaration, VariableDeclarationKind } from "ts-morph";
import { locate } from "../../analysis/db-usage-classifier.ts";
import { freshName } from "../../analysis/fresh-name.ts";
import { importBindings } from "../../analysis/import-bindings.ts";
import type { PrismaClientSite, SharedClientModule } from "../../analysis/prisma-client-sites.ts";
import { identifierNames, type ImportEditor } from "../../edits/import-editor.ts";
import { indentUnit, type TextEdit } from "../../edits/text-edit.ts";
import type { CodemodProject } from "../../project/codemod-project.ts";
import { manualReview, type ManualReviewItem } from "../../runner/codemod-types.ts";
import { rebuildOptions } from "./client-options.ts";

/** The names the shared client module exports for the rest of the app. */
export interface SharedTypes {
  /** The kit client's type (`TenantPrismaClient`). */
  readonly client: string;
  /** Its interactive transaction client, what `$withTenant` hands its callback (`TenantTransaction`). */
  readonly transaction: string;
  /**
   * The client that has `$forTenant` / `$withTenant`, as the shared module names it: the view `tenantClient(prisma)`
   * (`tenantPrisma`), or the shared client itself when the module extends it in place (`.$extends(tenantExtension())`).
   */
  readonly kitClient: string;
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
}

/** The rebuilt module: its edits, notes, and the exported names. */
export interface ClientModuleEdits {
  readonly edits: TextEdit[];
  readonly notes: string[];
  readonly types: SharedTypes;
}

const VIEW_DOC =
  "/** The shared client with the tenant kit: `$forTenant(tenantId)` per query, `$withTenant(tenantId, fn)` for writes. */";
const CLIENT_TYPE_DOC = "/** The type of the shared client with the tenant kit. */";
const TRANSACTION_TYPE_DOC =
  "/** The client `$withTenant` hands its callback: an interactive transaction of the shared client. */";

/**
 * The names an installed client module already exports: the kit's view (a `const` holding `tenantClient(<client>)`;
 * none when the module extends the client in place), an alias of its type (`typeof` it, or `ReturnType<typeof
 * f>` of the function building it) and `TenantTransactionClient<thatAlias>`. A re-run finds them by what they are,
 * whatever their names.
 */
function existingSharedTypes(file: SourceFile, shared: SharedClientModule): Partial<SharedTypes> {
  const view = kitView(file, shared);
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
      (returned !== undefined && building.has(returned)) ||
      (variable !== undefined && (view ? variable === view : shared.clientNames.has(variable)))
    );
  });
  const found = view ? { kitClient: view } : {};
  if (!client) return found;
  const kitNames = new Set(importedKitNames(file, "TenantTransactionClient"));
  const transaction = aliases.find((a) => {
    const match = /^(\w+)<\s*(\w+)\s*>$/.exec(a.getTypeNode()?.getText() ?? "");
    return match !== null && kitNames.has(match[1]!) && match[2] === client.getName();
  });
  return { ...found, client: client.getName(), ...(transaction ? { transaction: transaction.getName() } : {}) };
}

/** The top-level `const` holding `tenantClient(<the shared client>)`, the kit's view of it. */
function kitView(file: SourceFile, shared: SharedClientModule): string | undefined {
  const makers = new Set(importedKitNames(file, "tenantClient"));
  return file
    .getVariableStatements()
    .flatMap((statement) =>
      statement.getDeclarations().filter((d) => {
        const init = d.getInitializer();
        return (
          Node.isCallExpression(init) &&
          makers.has(init.getExpression().getText()) &&
          shared.clientNames.has(init.getArguments()[0]?.getText() ?? "")
        );
      }),
    )[0]
    ?.getName();
}

function importedKitNames(file: SourceFile, name: string): string[] {
  return file
    .getImportDeclarations()
    .flatMap((d) => d.getNamedImports())
    .filter((n) => n.getName() === name)
    .map((n) => n.getAliasNode()?.getText() ?? n.getName());
}

/**
 * Builds the shared client module on the kit, leaving the shared client's own type as it is. Each
 * `new PrismaClient(options)` keeps its options and gets the tenant adapter; after the top-level `const` exporting the
 * client, the module exports the kit's view of it, `tenantClient(<client>)` (`$forTenant`, `$withTenant`, typed with
 * Prisma's own client types), the view's type and its transaction client's type. Code not yet migrated keeps its
 * client, its types and its `$on` listeners; the V2 wrappers and the rebuilt transaction helpers use the view. An
 * already installed module only gets what it lacks.
 *
 * @example
 * ```ts
 * export const prisma = globalForPrisma.prisma ?? new PrismaClient({
 *   log: ["error"],
 *   adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL, setting: "app.tenant_id" }),
 *   transactionOptions: { maxWait: 10_000 },
 * });
 * export const tenantPrisma = tenantClient(prisma);
 * export type TenantPrismaClient = typeof tenantPrisma;
 * export type TenantTransaction = TenantTransactionClient<TenantPrismaClient>;
 * ```
 */
export function rebuildClientModule(input: ClientModuleInput): ClientModuleEdits | ManualReviewItem {
  const { project, shared, file, imports } = input;
  const pending = shared.sites.filter((s) => !s.installed);
  const existing = existingSharedTypes(file, shared);
  const taken = identifierNames(file);
  const kitFile = project.resolveModule(input.kitModule, file.getFilePath());
  if (pending.length === 0) return completeInstalledModule(input, existing, taken, kitFile);
  const holder = clientHolder(file, shared);
  if (!holder)
    return manualReview(
      "install-precondition",
      "the shared client is not held by a top-level const the kit can build its view on; " +
        "hold it in one (export const prisma = new PrismaClient(...)) and re-run install",
      locate(project, pending[0]!.node),
    );
  const unit = indentUnit(file.getFullText());
  const notes: string[] = [];
  const edits: TextEdit[] = [];
  const unusedImports = new Set<string>();
  const rebuilt: Array<{ site: PrismaClientSite; text: string }> = [];
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
  const makerName = imports.use(kitFile, input.kitModule, "tenantClient");
  const transactionClient = imports.use(kitFile, input.kitModule, "TenantTransactionClient", { typeOnly: true });
  for (const binding of importBindings(project, file))
    if (unusedImports.has(binding.localName)) imports.remove(binding.declaration, binding.importedName);
  for (const { site, text } of rebuilt)
    edits.push({
      start: site.node.getStart(),
      end: site.node.getEnd(),
      text: text.replace("createTenantAdapter(", `${adapterName}(`),
    });
  const name = holder.getName();
  taken.add(makerName);
  // Named after the name the app imports the client by (`export { client as prisma }`: tenantPrisma).
  const exported = [...shared.exportedNames].find((n) => n !== "default") ?? name;
  const view = freshName(taken, `tenant${exported[0]!.toUpperCase()}${exported.slice(1)}`);
  taken.add(view);
  const client = freshName(taken, "TenantPrismaClient");
  taken.add(client);
  const transaction = freshName(taken, "TenantTransaction");
  const end = holder.getVariableStatementOrThrow().getEnd();
  edits.push({
    start: end,
    end,
    text:
      `\n\n${VIEW_DOC}\nexport const ${view} = ${makerName}(${name});\n` +
      `${CLIENT_TYPE_DOC}\nexport type ${client} = typeof ${view};\n` +
      `${TRANSACTION_TYPE_DOC}\nexport type ${transaction} = ${transactionClient}<${client}>;`,
  });
  notes.unshift(
    `the shared client (${[...shared.exportedNames].join(", ")}) is built on createTenantAdapter with setting ` +
      `"${input.setting}", ${input.settingSource}; it keeps its type, and the module exports the kit's view of it, ` +
      `${view} = tenantClient(${name}) ($forTenant, $withTenant), its type ${client} and its transaction client's ` +
      `type ${transaction}`,
  );
  return { edits, notes, types: { client, transaction, kitClient: view } };
}

/** The top-level `const` of the module holding the shared client, an exported one first. */
function clientHolder(file: SourceFile, shared: SharedClientModule): VariableDeclaration | undefined {
  const holders = [...shared.clientNames]
    .map((name) => file.getVariableDeclaration(name))
    .filter(
      (d): d is VariableDeclaration =>
        d !== undefined &&
        Node.isSourceFile(d.getVariableStatement()?.getParent()) &&
        d.getVariableStatement()?.getDeclarationKind() === VariableDeclarationKind.Const,
    );
  return holders.find((d) => d.isExported()) ?? holders[0];
}

/**
 * An installed module: the aliases it lacks, after the statement declaring its kit client (the view, or the exported
 * client extended in place).
 */
function completeInstalledModule(
  input: ClientModuleInput,
  existing: Partial<SharedTypes>,
  taken: Set<string>,
  kitFile: string | undefined,
): ClientModuleEdits | ManualReviewItem {
  const { file, shared, imports } = input;
  const holder = existing.kitClient ? file.getVariableDeclaration(existing.kitClient) : clientHolder(file, shared);
  const statement = holder?.getVariableStatement();
  if (!holder || !statement || !Node.isSourceFile(statement.getParent()))
    return manualReview(
      "install-precondition",
      "the shared client is installed, but not held by a top-level const the kit can name its type after; " +
        "export type TenantPrismaClient = typeof <the client> and " +
        "type TenantTransaction = TenantTransactionClient<TenantPrismaClient> by hand",
      locate(input.project, shared.sites[0]!.node),
    );
  const kitClient = holder.getName();
  if (existing.client && existing.transaction)
    return { edits: [], notes: [], types: { client: existing.client, transaction: existing.transaction, kitClient } };
  const client = existing.client ?? freshName(taken, "TenantPrismaClient");
  taken.add(client);
  const transaction = existing.transaction ?? freshName(taken, "TenantTransaction");
  const parts: string[] = [];
  if (!existing.client) parts.push(`${CLIENT_TYPE_DOC}\nexport type ${client} = typeof ${kitClient};`);
  const transactionClient = imports.use(kitFile, input.kitModule, "TenantTransactionClient", { typeOnly: true });
  parts.push(`${TRANSACTION_TYPE_DOC}\nexport type ${transaction} = ${transactionClient}<${client}>;`);
  const text = `\n\n${parts.join("\n")}`;
  return {
    edits: [{ start: statement.getEnd(), end: statement.getEnd(), text }],
    notes: [`the installed client module now exports ${client} and ${transaction} for the rest of the app`],
    types: { client, transaction, kitClient },
  };
}
