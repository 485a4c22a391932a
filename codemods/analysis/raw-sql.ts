import { Node, SyntaxKind } from "ts-morph";

/** The Prisma client methods that send raw SQL. */
export const RAW_SQL_METHODS: ReadonlySet<string> = new Set([
  "$executeRaw",
  "$executeRawUnsafe",
  "$queryRaw",
  "$queryRawUnsafe",
]);

/** A raw SQL call on a Prisma client: the method, the receiver, the SQL text (`$1`.. for values) and the values. */
export interface RawSql {
  /** The call or tagged template. */
  readonly node: Node;
  /** `$executeRaw`, `$queryRawUnsafe`, ... */
  readonly method: string;
  /** The client expression the method is called on (`tx` in `tx.$executeRaw\`...\``). */
  readonly receiver: Node;
  /** The SQL with `$1`, `$2`, ... where the template has values; undefined when it is not known statically. */
  readonly text: string | undefined;
  /** The value expressions, in placeholder order (template values, then extra arguments of the Unsafe forms). */
  readonly values: readonly Node[];
}

/**
 * The raw SQL call `node` is (or awaits): `client.$executeRaw\`...\``, `client.$queryRawUnsafe("...", a)`,
 * `client.$executeRaw(Prisma.sql\`...\`)`. The one reader of SQL out of raw calls: the classifier, discovery and the
 * span planner all use it.
 *
 * @example
 * ```ts
 * // await tx.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`
 * rawSqlOf(statement.getExpression())?.text; // "SELECT set_config('app.tenant_id', $1, true)"
 * ```
 */
export function rawSqlOf(node: Node): RawSql | undefined {
  const target = Node.isAwaitExpression(node) ? node.getExpression() : node;
  if (Node.isTaggedTemplateExpression(target)) {
    const tag = target.getTag();
    if (!Node.isPropertyAccessExpression(tag) || !RAW_SQL_METHODS.has(tag.getName())) return undefined;
    const { text, values } = templateSql(target.getTemplate());
    return { node: target, method: tag.getName(), receiver: tag.getExpression(), text, values };
  }
  if (!Node.isCallExpression(target)) return undefined;
  const callee = target.getExpression();
  if (!Node.isPropertyAccessExpression(callee) || !RAW_SQL_METHODS.has(callee.getName())) return undefined;
  const [first, ...rest] = target.getArguments();
  const base = { node: target, method: callee.getName(), receiver: callee.getExpression() };
  if (!first) return { ...base, text: undefined, values: [] };
  if (Node.isStringLiteral(first) || Node.isNoSubstitutionTemplateLiteral(first))
    return { ...base, text: first.getLiteralValue(), values: rest };
  if (Node.isTaggedTemplateExpression(first) && /^(Prisma\.)?sql$/.test(first.getTag().getText()))
    return { ...base, ...templateSql(first.getTemplate()) };
  // `$executeRawUnsafe(\`... ${x}\`)`: the values are inlined into the text (an injection risk, but the SQL is known).
  if (Node.isTemplateExpression(first)) return { ...base, ...templateSql(first) };
  return { ...base, text: undefined, values: rest };
}

function templateSql(template: Node): { text: string; values: Node[] } {
  if (Node.isNoSubstitutionTemplateLiteral(template)) return { text: template.getLiteralValue(), values: [] };
  if (!Node.isTemplateExpression(template)) return { text: template.getText(), values: [] };
  const spans = template.getTemplateSpans();
  return {
    text:
      template.getHead().getLiteralText() + spans.map((s, i) => `$${i + 1}${s.getLiteral().getLiteralText()}`).join(""),
    values: spans.map((s) => s.getExpression()),
  };
}

/** What a raw call that sets the RLS setting sets: the setting, the value expression, and whether session-level. */
export interface TenantSetting {
  readonly setting: string | undefined;
  /** The expression the tenant id comes from, when it is a value of the call (not spliced into the text). */
  readonly value: Node | undefined;
  /** `set_config(..., false)` or a plain `SET` (not `SET LOCAL`): it outlives the transaction. */
  readonly sessionLevel: boolean;
}

const SET_CONFIG = /\bset_config\s*\(\s*'([^']+)'\s*,\s*([^,]*?)\s*,\s*(true|false)\s*\)/i;
const SET_STATEMENT = /^\s*SET\s+(LOCAL\s+|SESSION\s+)?("?[\w.]+"?)\s*(=|TO)\s*(.*)$/i;

/**
 * Whether a raw call sets a setting for RLS (`set_config('app.tenant_id', $1, true)` or `SET LOCAL app.tenant_id =
 * ...`), and with which value.
 *
 * @example tenantSettingOf(rawSqlOf(node)!)?.setting // "app.tenant_id"
 */
export function tenantSettingOf(raw: RawSql): TenantSetting | undefined {
  const text = raw.text;
  if (text === undefined) return undefined;
  const placeholderValue = (placeholder: string): Node | undefined => {
    const match = /^\$(\d+)$/.exec(placeholder.replace(/::\w+$/, "").trim());
    return match ? raw.values[Number(match[1]) - 1] : undefined;
  };
  const setConfig = SET_CONFIG.exec(text);
  if (setConfig) {
    return {
      setting: setConfig[1],
      value: placeholderValue(setConfig[2]!),
      sessionLevel: setConfig[3]!.toLowerCase() === "false",
    };
  }
  const set = SET_STATEMENT.exec(text);
  if (set && set[2]!.includes(".")) {
    return {
      setting: set[2]!.replace(/"/g, ""),
      value: placeholderValue(set[4]!.replace(/;\s*$/, "").replace(/^'(.*)'$/, "$1")),
      sessionLevel: !/^LOCAL/i.test(set[1] ?? ""),
    };
  }
  return undefined;
}

/** Every raw SQL call inside `scope` (calls of nested functions included). */
export function rawSqlCallsIn(scope: Node): RawSql[] {
  const found: RawSql[] = [];
  for (const node of [
    ...scope.getDescendantsOfKind(SyntaxKind.TaggedTemplateExpression),
    ...scope.getDescendantsOfKind(SyntaxKind.CallExpression),
  ]) {
    const raw = rawSqlOf(node);
    if (raw) found.push(raw);
  }
  return found.sort((a, b) => a.node.getStart() - b.node.getStart());
}
