import { Node, SyntaxKind, type NewExpression, type SourceFile } from "ts-morph";
import { lineIndent, type TextEdit } from "../../edits/text-edit.ts";
import { removeStatement } from "../../edits/remove-statement.ts";

/** `transactionOptions.maxWait` install sets: the adapter's default `acquireTimeoutMillis`, in ms. */
const MAX_WAIT_MILLIS = "10_000";

/** What rebuilding one `new PrismaClient(options)` needs from the plan. */
export interface OptionsContext {
  /** The schema's `url = env("...")` variable, the URL Prisma falls back to (`DATABASE_URL` when unknown). */
  readonly urlEnv: string | undefined;
  /** The RLS setting the adapter sets. */
  readonly setting: string;
  /** The file's indentation unit. */
  readonly unit: string;
}

/** The rebuilt options of one client, and what else in its file goes with them. */
export interface RebuiltOptions {
  /** `new PrismaClient({ ..., adapter: createTenantAdapter({ ... }), ... })`, without `.$extends`. */
  readonly text: string;
  readonly notes: string[];
  /** Statements that only built what the options replaced (`const adapter = new PrismaPg(...)`), removed. */
  readonly removals: TextEdit[];
  /** Local names of imports whose last use the rebuild replaced (`PrismaPg`): the caller drops them. */
  readonly unusedImports: string[];
}

/**
 * The options of `new PrismaClient(options)` rebuilt on the kit's adapter: every option kept (`log`, `errorFormat`,
 * `transactionOptions` gets `maxWait`), and the connection string the client used, computed exactly as before:
 * `datasourceUrl`, `datasources` (also conditional, `url ? { db: { url } } : undefined`, where `undefined` means the
 * schema's `env(...)` URL), or an existing `PrismaPg` adapter (inline or in a variable).
 *
 * @example
 * ```ts
 * // new PrismaClient({ log: ["error"], datasources: databaseUrl ? { db: { url: databaseUrl } } : undefined })
 * // becomes (databaseUrl built from process.env.DATABASE_URL)
 * new PrismaClient({
 *   log: ["error"],
 *   adapter: createTenantAdapter({ connectionString: databaseUrl, setting: "app.tenant_id" }),
 *   transactionOptions: { maxWait: 10_000 },
 * })
 * ```
 */
export function rebuildOptions(node: NewExpression, context: OptionsContext): RebuiltOptions | { problem: string } {
  const source = node.getSourceFile().getFullText();
  const args = node.getArguments();
  const options = args[0];
  if (args.length > 1 || (options && !Node.isObjectLiteralExpression(options))) {
    return {
      problem:
        "the client's options are not an object literal, so the kit cannot add the adapter to them; " +
        "write them inline (new PrismaClient({ ... })) and re-run install",
    };
  }
  const env = context.urlEnv ?? "DATABASE_URL";
  const kept: string[] = [];
  const notes: string[] = [];
  const removals: TextEdit[] = [];
  const unusedImports: string[] = [];
  let connection: string | undefined;
  let hasTransactionOptions = false;
  for (const property of options?.getProperties() ?? []) {
    const name =
      Node.isPropertyAssignment(property) || Node.isShorthandPropertyAssignment(property)
        ? property.getName()
        : undefined;
    const value = Node.isPropertyAssignment(property)
      ? property.getInitializer()
      : Node.isShorthandPropertyAssignment(property)
        ? property.getNameNode()
        : undefined;
    if (name === "datasourceUrl" || name === "datasources") {
      const url = value && (name === "datasources" ? datasourcesUrl(value) : urlOf(value));
      if (!url)
        return {
          problem:
            `${name} is not { <name>: { url } } (or a condition choosing between such objects and undefined), ` +
            `so the kit cannot tell the connection string; pass it as datasourceUrl and re-run install`,
        };
      const rendered = renderUrl(url, env, node.getSourceFile());
      connection = rendered.text;
      notes.push(
        `${name} became the adapter's connection string, computed as before (${connection})` +
          (rendered.note ? `; ${rendered.note}` : ""),
      );
      continue;
    }
    if (name === "adapter") {
      const pg = pgAdapter(value);
      if (!pg)
        return {
          problem:
            "the client already has a driver adapter the kit cannot replace " +
            "(only new PrismaPg({ connectionString }), inline or in a const, is); " +
            "build it with createTenantAdapter by hand",
        };
      connection = pg.connectionString;
      if (
        pg.declaration &&
        usesOutside(pg.declaration.name, node.getSourceFile(), [pg.declaration.statement, node]) === 0
      )
        removals.push(removeStatement(source, pg.declaration.statement));
      if (
        pg.callee &&
        usesOutside(pg.callee, node.getSourceFile(), [
          node,
          ...(removals.length > 0 ? [pg.declaration!.statement] : []),
        ]) === 0
      )
        unusedImports.push(pg.callee);
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
  connection ??= `process.env.${env}`;
  const added = [
    `adapter: createTenantAdapter({ connectionString: ${connection}, setting: ${JSON.stringify(context.setting)} })`,
  ];
  if (!hasTransactionOptions) added.push(`transactionOptions: { maxWait: ${MAX_WAIT_MILLIS} }`);
  const properties = [...kept, ...added];
  const callee = node.getExpression().getText();
  const indent = lineIndent(source, node.getStart());
  const multiline = options ? options.getText().includes("\n") : false;
  const oneLine = `new ${callee}({ ${properties.join(", ")} })`;
  if (!multiline && indent.length + oneLine.length <= 100) return { text: oneLine, notes, removals, unusedImports };
  const propertyIndent =
    options && multiline
      ? lineIndent(source, options.getProperties()[0]?.getStart() ?? options.getStart())
      : indent + context.unit;
  const closingIndent = options && multiline ? lineIndent(source, options.getEnd() - 1) : indent;
  return {
    text: `new ${callee}({\n${properties.map((p) => `${propertyIndent}${p},`).join("\n")}\n${closingIndent}})`,
    notes,
    removals,
    unusedImports,
  };
}

/** A connection string as the client computed it: an expression, Prisma's fallback to the schema URL, or a choice. */
type Url =
  | { readonly kind: "expression"; readonly node: Node }
  | { readonly kind: "schema" }
  | { readonly kind: "choice"; readonly condition: Node; readonly whenTrue: Url; readonly whenFalse: Url };

/** `datasourceUrl`'s value: `undefined` (or a branch of a condition that is) means the schema's URL. */
function urlOf(node: Node): Url {
  const inner = unwrap(node);
  if (isNothing(inner)) return { kind: "schema" };
  if (Node.isConditionalExpression(inner))
    return {
      kind: "choice",
      condition: inner.getCondition(),
      whenTrue: urlOf(inner.getWhenTrue()),
      whenFalse: urlOf(inner.getWhenFalse()),
    };
  return { kind: "expression", node: inner };
}

/** `datasources`' value: `{ <name>: { url } }`, a condition between such values and `undefined`, or a const of one. */
function datasourcesUrl(node: Node, depth = 0): Url | undefined {
  const inner = unwrap(node);
  if (isNothing(inner)) return { kind: "schema" };
  if (Node.isConditionalExpression(inner)) {
    const whenTrue = datasourcesUrl(inner.getWhenTrue(), depth);
    const whenFalse = datasourcesUrl(inner.getWhenFalse(), depth);
    return whenTrue && whenFalse ? { kind: "choice", condition: inner.getCondition(), whenTrue, whenFalse } : undefined;
  }
  if (Node.isIdentifier(inner) && depth < 3) {
    const declaration = topLevelConst(inner.getSourceFile(), inner.getText());
    const init = declaration?.getInitializer();
    return init ? datasourcesUrl(init, depth + 1) : undefined;
  }
  const source = Node.isObjectLiteralExpression(inner) && inner.getProperties().length === 1 ? inner : undefined;
  const url = propertyValue(propertyValue(source, undefined), "url");
  return url ? urlOf(url) : undefined;
}

/** The expression text of a {@link Url}, with a note when it is simpler than a literal translation. */
function renderUrl(url: Url, env: string, file: SourceFile): { text: string; note?: string } {
  const schema = `process.env.${env}`;
  if (url.kind === "schema") return { text: schema };
  if (url.kind === "expression") return { text: url.node.getText() };
  const condition = url.condition.getText();
  // `url ? { db: { url } } : undefined`: the URL when it is set, else the schema's.
  if (
    url.whenTrue.kind === "expression" &&
    url.whenTrue.node.getText() === condition &&
    url.whenFalse.kind === "schema"
  ) {
    const declaration = Node.isIdentifier(url.condition) ? topLevelConst(file, condition) : undefined;
    if (declaration?.getInitializer()?.getText().includes(schema))
      return {
        text: condition,
        note:
          `when ${condition} was empty Prisma fell back to env("${env}"), the value ${condition} is built from, ` +
          `so the adapter gets the same URL (and reports a missing one at the first query)`,
      };
    return { text: `${condition} || ${schema}` };
  }
  const whenTrue = renderUrl(url.whenTrue, env, file).text;
  const whenFalse = renderUrl(url.whenFalse, env, file).text;
  return { text: `${condition} ? ${whenTrue} : ${whenFalse}` };
}

/** `new PrismaPg({ connectionString })`, inline or as a top-level const of the file. */
function pgAdapter(
  value: Node | undefined,
):
  | { connectionString: string; callee: string | undefined; declaration?: { name: string; statement: Node } }
  | undefined {
  if (!value) return undefined;
  let expression: Node = unwrap(value);
  let declaration: { name: string; statement: Node } | undefined;
  if (Node.isIdentifier(expression)) {
    const variable = topLevelConst(expression.getSourceFile(), expression.getText());
    const init = variable?.getInitializer();
    const statement = variable?.getVariableStatement();
    if (!variable || !init || !statement || statement.getDeclarations().length !== 1) return undefined;
    declaration = { name: variable.getName(), statement };
    expression = unwrap(init);
  }
  if (!Node.isNewExpression(expression) || !/(^|\.)PrismaPg$/.test(expression.getExpression().getText()))
    return undefined;
  const pg = expression.getArguments()[0];
  const url = pg && Node.isObjectLiteralExpression(pg) ? propertyValue(pg, "connectionString") : undefined;
  if (!url || !pg || (Node.isObjectLiteralExpression(pg) && pg.getProperties().length !== 1)) return undefined;
  const callee = expression.getExpression();
  return {
    connectionString: unwrap(url).getText(),
    callee: Node.isIdentifier(callee) ? callee.getText() : undefined,
    ...(declaration ? { declaration } : {}),
  };
}

/** How many times `name` is used in `file` outside its imports and outside the `skipped` nodes. */
function usesOutside(name: string, file: SourceFile, skipped: readonly Node[]): number {
  return file.getDescendantsOfKind(SyntaxKind.Identifier).filter((id) => {
    if (id.getText() !== name) return false;
    if (id.getFirstAncestorByKind(SyntaxKind.ImportDeclaration)) return false;
    const parent = id.getParent();
    if (Node.isVariableDeclaration(parent) && parent.getNameNode() === id) return false;
    if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false;
    return !skipped.some((s) => id.getStart() >= s.getStart() && id.getEnd() <= s.getEnd());
  }).length;
}

function topLevelConst(file: SourceFile, name: string) {
  const declaration = file.getVariableDeclaration(name);
  const statement = declaration?.getVariableStatement();
  return statement && Node.isSourceFile(statement.getParent()) ? declaration : undefined;
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

/** The expression inside parentheses, `as`, `satisfies` and `!` (the adapter takes `string | undefined`). */
function unwrap(node: Node): Node {
  let current = node;
  while (
    Node.isParenthesizedExpression(current) ||
    Node.isAsExpression(current) ||
    Node.isSatisfiesExpression(current) ||
    Node.isNonNullExpression(current)
  )
    current = current.getExpression();
  return current;
}

function isNothing(node: Node): boolean {
  return (
    (Node.isIdentifier(node) && node.getText() === "undefined") ||
    node.getKind() === SyntaxKind.NullKeyword ||
    (Node.isVoidExpression(node) && Node.isNumericLiteral(node.getExpression()))
  );
}
