import { isShadowed } from "../analysis/name-shadowing.ts";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Node, SyntaxKind, type NewExpression, type SourceFile } from "ts-morph";
import { locate } from "../analysis/db-usage-classifier.ts";
import { importBindings } from "../analysis/import-bindings.ts";
import { identifiersNamed } from "../analysis/named-identifiers.ts";
import {
  clientImportsIn,
  findPrismaClientSites,
  findSharedClientModule,
  type PrismaClientSite,
  type SharedClientModule,
} from "../analysis/prisma-client-sites.ts";
import { readPrismaSchemaInfo, type PrismaSchemaInfo } from "../analysis/prisma-schema-info.ts";
import { identifierNames, ImportEditor } from "../edits/import-editor.ts";
import { indentUnit, lineIndent, type TextEdit } from "../edits/text-edit.ts";
import type { CodemodProject } from "../project/codemod-project.ts";
import {
  manualReview,
  type Codemod,
  type CodemodContext,
  type FileTransformResult,
  type ManualReviewItem,
} from "../runner/codemod-types.ts";

/** The setting the kit's adapter writes when the app gives no other (extension/tenant-setting-name.ts). */
const KIT_DEFAULT_SETTING = "app.tenant_id";
/** `transactionOptions.maxWait` install sets: the adapter's default `acquireTimeoutMillis`, in ms. */
const MAX_WAIT_MILLIS = "10_000";
const RAW_METHODS = new Set(["$executeRaw", "$executeRawUnsafe", "$queryRaw", "$queryRawUnsafe"]);

/** What install found in the repo before the per-file pass. */
interface InstallPlan {
  readonly sites: readonly PrismaClientSite[];
  readonly shared: SharedClientModule | undefined;
  readonly schema: PrismaSchemaInfo;
  readonly setting: string;
  /** Where the setting name came from, for the notes. */
  readonly settingSource: string;
  /** Files worth parsing: a client, a set_config, or an import of the shared module. */
  readonly candidates: readonly string[];
  /**
   * The extended client's type alias install exports from the shared module, when it builds the client in this run:
   * `Prisma.TransactionClient` of the app's files becomes `TenantTransactionClient<alias>`.
   */
  readonly clientType: string | undefined;
}

const plans = new WeakMap<CodemodProject, InstallPlan>();

/**
 * Phase "install": builds the app's shared Prisma client on the kit. In the module that creates and exports it
 * (`new PrismaClient(...)`, the `globalThis` singleton idiom, any export names), each `new PrismaClient(options)`
 * keeps its options (`log`...) and gets `adapter: createTenantAdapter({ connectionString, setting })` (the connection
 * string taken from `datasourceUrl` / `datasources` / an existing `PrismaPg`, else the schema's `url = env(...)`),
 * `transactionOptions.maxWait` and `.$extends(tenantExtension())`; the setting is the one the app's RLS policies read
 * (its migrations' `current_setting('...')`, else its `set_config('...')` calls). Type references to `PrismaClient` in
 * that module (the singleton's cache type) point at the extended client. The app's transaction helper
 * (`client.$transaction(async (tx) => { await tx.$executeRaw\`SELECT set_config(..., ${tenantId}, ...)\`; ... })`)
 * becomes `client.$withTenant(tenantId, async (tx) => { ... })`, same signature and exports. Every other
 * `new PrismaClient()` and every tenant-table query on the shared client outside a wrapper is listed for manual
 * review.
 *
 * @example
 * ```ts
 * // before
 * export const db = globalForPrisma.prisma ?? new PrismaClient({ log: ["error"] });
 * // after
 * export const db = globalForPrisma.prisma ?? createPrismaClient();
 * // with createPrismaClient() returning
 * new PrismaClient({
 *   log: ["error"],
 *   adapter: createTenantAdapter({ connectionString: process.env.DATABASE_URL!, setting: "app.current_tenant_id" }),
 *   transactionOptions: { maxWait: 10_000 },
 * }).$extends(tenantExtension())
 * ```
 */
export const installCodemod: Codemod = {
  id: "install",
  summary:
    "Build the app's shared Prisma client on the kit's adapter and extension; " +
    "move its transaction helper to $withTenant.",
  prepare: (context) => void planFor(context),
  candidateFiles: (context) => [...planFor(context).candidates],
  transformFile: (context, file) => {
    const plan = planFor(context);
    const edits: TextEdit[] = [];
    const review: ManualReviewItem[] = [];
    const notes: string[] = [];
    const relative = context.project.relative(file.getFilePath());
    const imports = new ImportEditor(context.project, file, identifierNames(file));
    if (plan.shared?.file === file.getFilePath()) {
      const installed = installClient(context, plan, plan.shared, file, imports);
      if ("reason" in installed) review.push(installed);
      else {
        edits.push(...installed.edits);
        notes.push(...installed.notes.map((n) => `${relative}: ${n}`), ...followUpNotes(context, plan));
      }
    }
    for (const site of plan.sites) {
      if (site.file !== file.getFilePath() || site.file === plan.shared?.file) continue;
      const sharedSpecifier =
        plan.shared &&
        (context.project.specifierFor(plan.shared.file, file.getFilePath()) ??
          context.project.relative(plan.shared.file));
      const fix = plan.shared
        ? `import the shared client from "${sharedSpecifier}" instead`
        : "build it on createTenantAdapter + tenantExtension() like the shared client";
      review.push(
        manualReview(
          "extra-prisma-client",
          `a PrismaClient of its own (its own pool, no tenant adapter); ${fix}, or, ` +
            `for a job that must see every tenant, ` +
            `build it on createAdminAdapter from "${context.config.kitModule}/admin"`,
          locate(context.project, site.node),
        ),
      );
    }
    const helpers = rewriteTransactionHelpers(context, plan, file);
    edits.push(...helpers.edits);
    review.push(...helpers.review);
    notes.push(...helpers.notes.map((n) => `${relative}: ${n}`));
    if (plan.shared) review.push(...bareTenantQueries(context, plan, plan.shared, file));
    const retyped = transactionClientTypes(context, plan, file, imports);
    edits.push(...retyped);
    if (retyped.length > 0)
      notes.push(
        `${relative}: Prisma.TransactionClient now reads TenantTransactionClient<${plan.clientType}>, ` +
          `the transaction client of $withTenant`,
      );
    if (edits.length > 0) edits.push(...imports.edits());
    return { edits, sites: [], manualReview: review, notes } satisfies FileTransformResult;
  },
};

function freeName(taken: ReadonlySet<string>, wanted: string): string {
  if (!taken.has(wanted)) return wanted;
  for (let i = 2; ; i++) if (!taken.has(`${wanted}${i}`)) return `${wanted}${i}`;
}

function planFor(context: CodemodContext): InstallPlan {
  const cached = plans.get(context.project);
  if (cached) return cached;
  const { project } = context;
  const sites = findPrismaClientSites(project);
  const shared = findSharedClientModule(project, sites);
  const schema = readPrismaSchemaInfo(project, context.config.contextKeys.tenantId);
  let setting = KIT_DEFAULT_SETTING;
  let settingSource =
    `the kit's default: no RLS policy in ` +
    `${schema.schemaPath ? path.dirname(schema.schemaPath) : "prisma"}/migrations ` +
    `reads current_setting(...) and no set_config(...) call was found`;
  const fromPolicies = schema.policySettings[0];
  if (fromPolicies) {
    setting = fromPolicies.setting;
    settingSource = `read by the RLS policies (${fromPolicies.sources.join(", ")})`;
    if (schema.policySettings.length > 1)
      settingSource += `; the policies also read ${schema.policySettings
        .slice(1)
        .map((s) => s.setting)
        .join(", ")}: check them with tenant-kit doctor`;
  }
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
  const fromCode = [...setConfigNames].sort((a, b) => b[1] - a[1])[0];
  if (!fromPolicies && fromCode) {
    setting = fromCode[0];
    settingSource = `set by the app's set_config('${fromCode[0]}', ...) calls (no RLS policy found in the migrations)`;
  }
  const pending = shared?.sites.some((site) => !site.installed) ?? false;
  const retypes = candidates.some((file) => /\.\s*TransactionClient\b/.test(project.readText(file)));
  const clientType =
    shared && pending && retypes
      ? freeName(identifierNames(project.sourceFile(shared.file)), "TenantPrismaClient")
      : undefined;
  const plan: InstallPlan = { sites, shared, schema, setting, settingSource, candidates, clientType };
  plans.set(project, plan);
  return plan;
}

/** The edits building the shared client module's clients on the kit, or why they cannot be made. */
function installClient(
  context: CodemodContext,
  plan: InstallPlan,
  shared: SharedClientModule,
  file: SourceFile,
  imports: ImportEditor,
): { edits: TextEdit[]; notes: string[] } | ManualReviewItem {
  const pending = shared.sites.filter((s) => !s.installed);
  if (pending.length === 0) return { edits: [], notes: [] };
  const source = file.getFullText();
  const unit = indentUnit(source);
  const kit = context.config.kitModule;
  const kitFile = context.project.resolveModule(kit, file.getFilePath());
  const clientLocals = new Set(
    importBindings(context.project, file)
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
      locate(context.project, typeRefs[0]!),
    );
  }
  const rebuilt: Array<{ site: PrismaClientSite; text: string }> = [];
  const notes: string[] = [];
  for (const site of pending) {
    const options = rebuildOptions(plan, site.node, source, unit);
    if ("problem" in options)
      return manualReview("install-precondition", options.problem, locate(context.project, site.node));
    notes.push(...options.notes);
    rebuilt.push({ site, text: options.text });
  }
  // Only now, with every site provable: the imports (refused, with the file unchanged, when the kit does not resolve).
  const adapterName = imports.use(kitFile, kit, "createTenantAdapter");
  const extensionName = imports.use(kitFile, kit, "tenantExtension");
  const edits: TextEdit[] = [];
  const finish = (text: string): string =>
    `${text.replace("createTenantAdapter(", `${adapterName}(`)}.$extends(${extensionName}())`;
  const alias = plan.clientType ?? (typeRefs.length > 0 ? imports.freeName("TenantPrismaClient") : undefined);
  const typeText = alias ? extendedClientType(file, rebuilt[0]!.site.node, alias, typeRefs.length > 0) : undefined;
  for (const { site, text } of rebuilt) {
    if (typeText?.extract && site === rebuilt[0]!.site) {
      const statement = topLevelStatement(site.node);
      const at = statement.getStart();
      const indent = lineIndent(source, at);
      const body = shiftIndent(finish(text), lineIndent(source, site.node.getStart()), indent + unit);
      const factory = `function ${typeText.factory}() {\n${indent}${unit}return ${body};\n${indent}}\n\n`;
      edits.push({
        start: at,
        end: at,
        text:
          `${factory}/** The shared client's type: the Prisma client extended with the tenant kit. */` +
          `\nexport type ${typeText.alias} = ReturnType<typeof ${typeText.factory}>;\n\n${indent}`,
      });
      edits.push({ start: site.node.getStart(), end: site.node.getEnd(), text: `${typeText.factory}()` });
    } else {
      edits.push({ start: site.node.getStart(), end: site.node.getEnd(), text: finish(text) });
    }
  }
  if (typeText && !typeText.extract) {
    const statement = topLevelStatement(typeText.anchor);
    edits.push({
      start: statement.getEnd(),
      end: statement.getEnd(),
      text:
        `\n\n/** The shared client's type: the Prisma client extended with the tenant kit. */` +
        `\nexport type ${typeText.alias} = ${typeText.type};`,
    });
  }
  for (const ref of typeRefs) edits.push({ start: ref.getStart(), end: ref.getEnd(), text: alias! });
  if (typeText && typeRefs.length > 0)
    notes.push(`PrismaClient as a type now reads ${typeText.alias}, the extended client's type`);
  notes.unshift(
    `the shared client (${[...shared.exportedNames].join(", ")}) ` +
      `is built on createTenantAdapter with setting "${plan.setting}", ${plan.settingSource}`,
  );
  return { edits, notes };
}

/**
 * The extended client's type: `ReturnType<typeof f>` of the function returning `node` when there is one (`const
 * prismaClientSingleton = () => new PrismaClient()`), else of a `createPrismaClient` to extract it into when the module
 * uses PrismaClient as a type (`extract`), else `typeof` the variable holding it. `anchor`: the alias goes after its
 * top-level statement.
 */
function extendedClientType(
  file: SourceFile,
  node: NewExpression,
  alias: string,
  mustExtract: boolean,
): { factory: string; alias: string; extract: boolean; anchor: Node; type: string } {
  const fn = node.getFirstAncestor(
    (a) => Node.isFunctionDeclaration(a) || Node.isArrowFunction(a) || Node.isFunctionExpression(a),
  );
  if (fn && (Node.isFunctionDeclaration(fn) || Node.isArrowFunction(fn) || Node.isFunctionExpression(fn))) {
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
      return { factory: name, alias, extract: false, anchor: fn, type: `ReturnType<typeof ${name}>` };
  }
  const factory = freeName(identifierNames(file), "createPrismaClient");
  const holder = node.getFirstAncestorByKind(SyntaxKind.VariableDeclaration);
  if (mustExtract || !holder)
    return { factory, alias, extract: true, anchor: node, type: `ReturnType<typeof ${factory}>` };
  return { factory, alias, extract: false, anchor: holder, type: `typeof ${holder.getName()}` };
}

/** The new options text of one `new PrismaClient(...)` (without the `.$extends`), or why it cannot be built. */
function rebuildOptions(
  plan: InstallPlan,
  node: NewExpression,
  source: string,
  unit: string,
): { text: string; notes: string[] } | { problem: string } {
  const args = node.getArguments();
  const options = args[0];
  if (args.length > 1 || (options && !Node.isObjectLiteralExpression(options))) {
    return {
      problem:
        "the client's options are not an object literal, so the kit cannot add the adapter to them; " +
        "write them inline (new PrismaClient({ ... })) and re-run install",
    };
  }
  const kept: string[] = [];
  const notes: string[] = [];
  let connection: string | undefined;
  let hasTransactionOptions = false;
  for (const property of options?.getProperties() ?? []) {
    const name =
      Node.isPropertyAssignment(property) || Node.isShorthandPropertyAssignment(property)
        ? property.getName()
        : undefined;
    const value = Node.isPropertyAssignment(property) ? property.getInitializer() : undefined;
    if (name === "datasourceUrl") {
      connection = value?.getText() ?? name;
      notes.push("datasourceUrl became the adapter's connection string (Prisma 7 has no datasourceUrl)");
      continue;
    }
    if (name === "datasources") {
      const url =
        value && Node.isObjectLiteralExpression(value)
          ? propertyValue(propertyValue(value, undefined), "url")
          : undefined;
      if (!url)
        return {
          problem:
            "datasources is not { <name>: { url } }, so the kit cannot tell the connection string; " +
            "pass it as datasourceUrl and re-run install",
        };
      connection = url.getText();
      notes.push("datasources.*.url became the adapter's connection string (Prisma 7 has no datasources option)");
      continue;
    }
    if (name === "adapter") {
      const pg =
        value && Node.isNewExpression(value) && /PrismaPg$/.test(value.getExpression().getText())
          ? value.getArguments()[0]
          : undefined;
      const url = pg && Node.isObjectLiteralExpression(pg) ? propertyValue(pg, "connectionString") : undefined;
      if (!url)
        return {
          problem:
            "the client already has a driver adapter the kit cannot replace " +
            "(only new PrismaPg({ connectionString }) is); " +
            "build it with createTenantAdapter by hand",
        };
      connection = url.getText();
      notes.push(
        "the PrismaPg adapter became createTenantAdapter (the same pg driver, with the tenant context per query)",
      );
      continue;
    }
    if (name === "transactionOptions") {
      hasTransactionOptions = true;
      if (!value || !Node.isObjectLiteralExpression(value))
        notes.push(
          "transactionOptions is not an object literal: " +
            "give it maxWait (10_000 ms, the pool's acquire timeout) by hand",
        );
      else if (!value.getProperty("maxWait")) {
        const inner = value.getProperties().map((p) => p.getText());
        kept.push(`transactionOptions: { ${[...inner, `maxWait: ${MAX_WAIT_MILLIS}`].join(", ")} }`);
        continue;
      }
    }
    kept.push(property.getText());
  }
  connection ??= plan.schema.urlEnv ? `process.env.${plan.schema.urlEnv}` : "process.env.DATABASE_URL";
  if (/^process\.env(\.\w+|\[[^\]]+\])$/.test(connection)) connection += "!";
  const added = [
    `adapter: createTenantAdapter({ connectionString: ${connection}, setting: ${JSON.stringify(plan.setting)} })`,
  ];
  if (!hasTransactionOptions) added.push(`transactionOptions: { maxWait: ${MAX_WAIT_MILLIS} }`);
  const properties = [...kept, ...added];
  const callee = node.getExpression().getText();
  const indent = lineIndent(source, node.getStart());
  const multiline = options ? options.getText().includes("\n") : false;
  const oneLine = `new ${callee}({ ${properties.join(", ")} })`;
  if (!multiline && indent.length + oneLine.length <= 100) return { text: oneLine, notes };
  const propertyIndent =
    options && multiline
      ? lineIndent(source, options.getProperties()[0]?.getStart() ?? options.getStart())
      : indent + unit;
  const closingIndent = options && multiline ? lineIndent(source, options.getEnd() - 1) : indent;
  return {
    text: `new ${callee}({\n${properties.map((p) => `${propertyIndent}${p},`).join("\n")}\n${closingIndent}})`,
    notes,
  };
}

/** The initializer of property `name` of an object literal (`undefined`: of its only property). */
function propertyValue(object: Node | undefined, name: string | undefined): Node | undefined {
  if (!object || !Node.isObjectLiteralExpression(object)) return undefined;
  const properties = object.getProperties();
  const property =
    name === undefined ? (properties.length === 1 ? properties[0] : undefined) : object.getProperty(name);
  if (property && Node.isPropertyAssignment(property)) return property.getInitializer();
  if (property && Node.isShorthandPropertyAssignment(property)) return property.getNameNode();
  return undefined;
}

function topLevelStatement(node: Node): Node {
  let current = node;
  while (current.getParent() && !Node.isSourceFile(current.getParent()!)) current = current.getParent()!;
  return current;
}

/** Moves the lines after the first of `text` from indentation `from` to `to` (the text moves into a function body). */
function shiftIndent(text: string, from: string, to: string): string {
  return text
    .split("\n")
    .map((line, i) => (i > 0 && line.startsWith(from) ? to + line.slice(from.length) : line))
    .join("\n");
}

/**
 * The app's own transaction helpers: `client.$transaction(async (tx) => { <set_config of a parameter>; ... })` in a
 * function whose parameter is the tenant id, rewritten to `client.$withTenant(tenantId, async (tx) => { ... })` on the
 * shared client. A `set_config` the kit cannot move (outside such a callback) is listed when it is session-level.
 */
function rewriteTransactionHelpers(
  context: CodemodContext,
  plan: InstallPlan,
  file: SourceFile,
): { edits: TextEdit[]; review: ManualReviewItem[]; notes: string[] } {
  const out = { edits: [] as TextEdit[], review: [] as ManualReviewItem[], notes: [] as string[] };
  if (!file.getFullText().includes("set_config")) return out;
  const clients = new Set(plan.shared ? clientImportsIn(context.project, file, plan.shared) : []);
  const source = file.getFullText();
  const handled = new Set<Node>();
  for (const call of file.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== "$transaction") continue;
    const callback = call.getArguments()[0];
    if (!callback || !(Node.isArrowFunction(callback) || Node.isFunctionExpression(callback))) continue;
    const body = callback.getBody();
    const first = Node.isBlock(body) ? body.getStatements()[0] : undefined;
    const setConfig = first && Node.isExpressionStatement(first) ? rawSetConfig(first.getExpression()) : undefined;
    if (!first || !setConfig) continue;
    const helper = call.getFirstAncestor(
      (a) =>
        Node.isFunctionDeclaration(a) ||
        Node.isArrowFunction(a) ||
        Node.isFunctionExpression(a) ||
        Node.isMethodDeclaration(a),
    );
    const params = new Set(
      helper &&
        (Node.isFunctionDeclaration(helper) ||
          Node.isArrowFunction(helper) ||
          Node.isFunctionExpression(helper) ||
          Node.isMethodDeclaration(helper))
        ? helper.getParameters().map((p) => p.getName())
        : [],
    );
    const tenant = setConfig.values.find((v) => Node.isIdentifier(v) && params.has(v.getText()));
    if (!tenant) continue; // the tenant is computed inside (the tenant wrapper's own transaction): scaffold's work
    handled.add(setConfig.call);
    const client = callee.getExpression().getText();
    if (!clients.has(client)) {
      out.review.push(
        manualReview(
          "install-precondition",
          `this transaction helper runs on ${client}, not on the shared client the kit was installed on, ` +
            `so $withTenant is not there; run it on the shared client and re-run install`,
          locate(context.project, call),
        ),
      );
      continue;
    }
    out.edits.push({ start: callee.getNameNode().getStart(), end: callee.getNameNode().getEnd(), text: "$withTenant" });
    const ownLine =
      source.slice(source.lastIndexOf("\n", callback.getStart() - 1) + 1, callback.getStart()).trim() === "";
    out.edits.push({
      start: callback.getStart(),
      end: callback.getStart(),
      text: ownLine ? `${tenant.getText()},\n${lineIndent(source, callback.getStart())}` : `${tenant.getText()}, `,
    });
    out.edits.push(removeStatement(source, first));
    const name =
      helper && "getName" in helper && typeof helper.getName === "function"
        ? (helper.getName() as string | undefined)
        : undefined;
    const what = name ?? helper?.getParentIfKind(SyntaxKind.VariableDeclaration)?.getName() ?? "the transaction helper";
    let note =
      `${what} now opens ${client}.$withTenant(${tenant.getText()}, ...): ` +
      `the tenant is set transaction-local with the transaction's first statement`;
    if (setConfig.sessionLevel)
      note +=
        "; V1 set it session-level (set_config(..., false)), " +
        "so it stayed on the pooled connection for whoever used it next";
    if (setConfig.setting && setConfig.setting !== plan.setting)
      note +=
        `; V1 set "${setConfig.setting}" but the adapter sets "${plan.setting}": ` +
        `check the policies with tenant-kit doctor`;
    out.notes.push(note);
  }
  for (const call of [
    ...file.getDescendantsOfKind(SyntaxKind.CallExpression),
    ...file.getDescendantsOfKind(SyntaxKind.TaggedTemplateExpression),
  ]) {
    const found = rawSetConfig(call);
    if (!found || handled.has(found.call) || !found.sessionLevel) continue;
    out.review.push(
      manualReview(
        "install-precondition",
        `set_config(..., false) sets the tenant for the whole session: ` +
          `the pooled connection keeps it for the next request; ` +
          `use ${plan.shared ? "the shared client's " : ""}$forTenant(tenantId) for reads ` +
          `or $withTenant(tenantId, fn) for writes instead`,
        locate(context.project, call),
      ),
    );
  }
  return out;
}

/** A raw query call (`tx.$executeRaw\`...\``, `$executeRawUnsafe(sql, ...)`) that calls set_config, with its values. */
function rawSetConfig(
  expression: Node,
): { call: Node; values: Node[]; sessionLevel: boolean; setting: string | undefined } | undefined {
  const target = Node.isAwaitExpression(expression) ? expression.getExpression() : expression;
  let method: string | undefined;
  let sqlText = "";
  let values: Node[] = [];
  if (Node.isTaggedTemplateExpression(target)) {
    const tag = target.getTag();
    method = Node.isPropertyAccessExpression(tag) ? tag.getName() : undefined;
    const template = target.getTemplate();
    sqlText = template.getText();
    values = Node.isTemplateExpression(template) ? template.getTemplateSpans().map((s) => s.getExpression()) : [];
  } else if (Node.isCallExpression(target)) {
    const callee = target.getExpression();
    method = Node.isPropertyAccessExpression(callee) ? callee.getName() : undefined;
    const [sql, ...rest] = target.getArguments();
    sqlText = sql?.getText() ?? "";
    values = [...rest, ...(sql ? sql.getDescendantsOfKind(SyntaxKind.TemplateSpan).map((s) => s.getExpression()) : [])];
  }
  if (!method || !RAW_METHODS.has(method) || !/set_config\s*\(/i.test(sqlText)) return undefined;
  const args = /set_config\s*\(([^)]*)\)/i.exec(sqlText)?.[1] ?? "";
  return {
    call: target,
    values,
    sessionLevel: /,\s*false\s*$/i.test(args.trim()),
    setting: /^\s*'([^']+)'/.exec(args)?.[1],
  };
}

/** Removes a statement with its line when it is alone on it. */
function removeStatement(source: string, statement: Node): TextEdit {
  const start = statement.getStart();
  const end = statement.getEnd();
  const lineStart = source.lastIndexOf("\n", start - 1) + 1;
  const lineEnd = source.indexOf("\n", end);
  const alone =
    source.slice(lineStart, start).trim() === "" &&
    source.slice(end, lineEnd < 0 ? source.length : lineEnd).trim() === "";
  return alone
    ? { start: lineStart, end: lineEnd < 0 ? source.length : lineEnd + 1, text: "" }
    : { start, end, text: "" };
}

/**
 * Tenant-table queries on the shared client (imported, not shadowed by a handler's `db`): `db.appointment.findMany()`
 * and raw SQL naming a tenant table. Once the adapter is installed they run without a tenant and RLS returns nothing.
 */
function bareTenantQueries(
  context: CodemodContext,
  plan: InstallPlan,
  shared: SharedClientModule,
  file: SourceFile,
): ManualReviewItem[] {
  const locals = clientImportsIn(context.project, file, shared);
  if (locals.length === 0) return [];
  const items: ManualReviewItem[] = [];
  const tables = [...plan.schema.tenantDelegates.values()];
  for (const id of identifiersNamed(file, new Set(locals))) {
    const access = id.getParent();
    if (
      !access ||
      !Node.isPropertyAccessExpression(access) ||
      access.getExpression() !== id ||
      isShadowed(id, id.getText(), id.getSourceFile())
    )
      continue;
    const member = access.getName();
    let what: string | undefined;
    if (plan.schema.tenantDelegates.has(member)) {
      const operation = access.getParent();
      if (operation && Node.isPropertyAccessExpression(operation) && Node.isCallExpression(operation.getParent()))
        what = `${id.getText()}.${member}.${operation.getName()}`;
    } else if (RAW_METHODS.has(member)) {
      const owner = access.getParent();
      const sql =
        owner &&
        (Node.isTaggedTemplateExpression(owner)
          ? owner.getTemplate().getText()
          : Node.isCallExpression(owner)
            ? owner.getArguments()[0]?.getText()
            : undefined);
      const table = sql ? tables.find((t) => new RegExp(`(^|[^\\w$])"?${t}"?($|[^\\w$])`).test(sql)) : undefined;
      if (table) what = `${id.getText()}.${member} on ${table}`;
    }
    if (!what) continue;
    items.push(
      manualReview(
        "bare-client-tenant-query",
        `${what} runs on the shared client outside any tenant wrapper: ` +
          `once the adapter is installed it runs without a tenant, so RLS returns no rows and refuses writes; ` +
          `run it on ${id.getText()}.$forTenant(tenantId) (reads) ` +
          `or in ${context.config.transactionHelper.name}(tenantId, async (tx) => ...) (writes), ` +
          `or, for a job across tenants, ` +
          `on a client built with createAdminAdapter from "${context.config.kitModule}/admin"`,
        locate(context.project, id),
      ),
    );
  }
  return items;
}

/**
 * `Prisma.TransactionClient` (from the module the shared client's `PrismaClient` comes from) becomes the kit's
 * `TenantTransactionClient<TenantPrismaClient>`: what `$withTenant` hands its callback, and what V2's `$forTenant`
 * client also satisfies.
 */
function transactionClientTypes(
  context: CodemodContext,
  plan: InstallPlan,
  file: SourceFile,
  imports: ImportEditor,
): TextEdit[] {
  const shared = plan.shared;
  if (!shared || !plan.clientType || !file.getFullText().includes("TransactionClient")) return [];
  const prismaModules = new Set(
    importBindings(context.project, context.project.sourceFile(shared.file))
      .filter((b) => b.importedName === "PrismaClient")
      .map((b) => context.project.resolveAnyModule(b.declaration.getModuleSpecifierValue(), shared.file)),
  );
  const namespaces = new Set(
    importBindings(context.project, file)
      .filter(
        (b) =>
          b.importedName === "Prisma" &&
          prismaModules.has(
            context.project.resolveAnyModule(b.declaration.getModuleSpecifierValue(), file.getFilePath()),
          ),
      )
      .map((b) => b.localName),
  );
  const refs = file.getDescendantsOfKind(SyntaxKind.TypeReference).filter((ref) => {
    const name = ref.getTypeName();
    return (
      Node.isQualifiedName(name) &&
      name.getRight().getText() === "TransactionClient" &&
      namespaces.has(name.getLeft().getText())
    );
  });
  if (refs.length === 0) return [];
  const kitFile = context.project.resolveModule(context.config.kitModule, file.getFilePath());
  const kitType = imports.use(kitFile, context.config.kitModule, "TenantTransactionClient", { typeOnly: true });
  const clientType = imports.use(shared.file, context.project.relative(shared.file), plan.clientType, {
    typeOnly: true,
    addedByPhase: true,
  });
  for (const binding of importBindings(context.project, file)) {
    if (!namespaces.has(binding.localName)) continue;
    const uses = identifiersNamed(file, binding.localName).filter((id) => !Node.isImportSpecifier(id.getParent()));
    if (
      uses.every((id) =>
        refs.some((ref) => ref.getTypeName().getStart() <= id.getStart() && id.getEnd() <= ref.getEnd()),
      )
    )
      imports.remove(binding.declaration, binding.importedName);
  }
  return refs.map((ref) => ({ start: ref.getStart(), end: ref.getEnd(), text: `${kitType}<${clientType}>` }));
}

/** What the user must still do, printed with the client module's result. */
function followUpNotes(context: CodemodContext, plan: InstallPlan): string[] {
  const notes: string[] = [];
  const version = installedPrismaVersion(context.project.rootDir);
  const generator = plan.schema.generatorProvider;
  notes.push(
    `install: npm install ${context.config.kitModule} @prisma/adapter-pg pg ` +
      `(the kit's adapter runs on pg; Prisma must be 7, or 6.16+ with driver adapters)`,
  );
  if (version && (version.major < 6 || (version.major === 6 && version.minor < 16))) {
    notes.push(
      `install: @prisma/client is ${version.text}: ` +
        `upgrade prisma and @prisma/client to 6.16 or later (7 recommended) first`,
    );
  }
  if (generator === "prisma-client-js" && (!version || version.major < 7)) {
    notes.push(
      `install: ${plan.schema.schemaPath ?? "schema.prisma"} uses the prisma-client-js generator: ` +
        `on Prisma 6 add previewFeatures = ["driverAdapters"] to it where your version needs it (before 6.16), ` +
        `then run prisma generate; with engineType = "client" no query engine binary is needed`,
    );
  }
  notes.push(
    `install: the adapter sets "${plan.setting}" per query; ` +
      `run tenant-kit doctor against the database to check that every tenant table's policy reads it ` +
      `and that the app's role is not superuser, has no BYPASSRLS and owns no table`,
  );
  return notes;
}

function installedPrismaVersion(rootDir: string): { major: number; minor: number; text: string } | undefined {
  try {
    const manifest = createRequire(path.join(rootDir, "package.json")).resolve("@prisma/client/package.json");
    const text = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
    const [major, minor] = text.split(".").map(Number);
    return major === undefined || minor === undefined ? undefined : { major, minor, text };
  } catch {
    return undefined;
  }
}
