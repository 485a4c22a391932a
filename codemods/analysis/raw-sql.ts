import { Node, SyntaxKind } from "ts-morph";

/** Prisma's raw query methods. */
export const RAW_METHODS: ReadonlySet<string> = new Set([
  "$executeRaw",
  "$executeRawUnsafe",
  "$queryRaw",
  "$queryRawUnsafe",
]);

/** A raw query call with its SQL text (each value as `$1`, `$2`...) and the value expressions, in order. */
export interface RawSqlCall {
  /** The call or tagged template itself. */
  readonly call: Node;
  /** `$executeRaw`, `$queryRawUnsafe`... */
  readonly method: string;
  /** What it is called on (`tx` in `tx.$executeRaw`). */
  readonly receiver: Node;
  readonly text: string;
  readonly values: readonly Node[];
}

/**
 * The raw query `node` runs (through an `await`): `x.$executeRaw\`...\``, `x.$queryRawUnsafe("...", a, b)`,
 * `x.$executeRawUnsafe(\`... ${a} ...\`)`, `x.$executeRaw(Prisma.sql\`...\`)`. Undefined for anything else, or when
 * the SQL is not written at the call (a variable).
 * @example rawSqlCall(statement.getExpression())?.text // "SELECT set_config('app.tenant_id', $1, true)"
 */
export function rawSqlCall(node: Node): RawSqlCall | undefined {
  const target = Node.isAwaitExpression(node) ? node.getExpression() : node;
  if (Node.isTaggedTemplateExpression(target)) {
    const tag = target.getTag();
    if (!Node.isPropertyAccessExpression(tag) || !RAW_METHODS.has(tag.getName())) return undefined;
    return { call: target, method: tag.getName(), receiver: tag.getExpression(), ...templateSql(target.getTemplate()) };
  }
  if (!Node.isCallExpression(target)) return undefined;
  const callee = target.getExpression();
  if (!Node.isPropertyAccessExpression(callee) || !RAW_METHODS.has(callee.getName())) return undefined;
  const [first, ...rest] = target.getArguments();
  const base = { call: target, method: callee.getName(), receiver: callee.getExpression() };
  if (!first) return undefined;
  if (Node.isStringLiteral(first) || Node.isNoSubstitutionTemplateLiteral(first))
    return { ...base, text: first.getLiteralValue(), values: rest };
  if (Node.isTemplateExpression(first)) {
    const sql = templateSql(first);
    return { ...base, text: sql.text, values: [...sql.values, ...rest] };
  }
  if (Node.isTaggedTemplateExpression(first)) return { ...base, ...templateSql(first.getTemplate()) };
  return undefined;
}

/** The text of a template with `$1`, `$2`... for its substitutions, and the substituted expressions. */
export function templateSql(template: Node): { text: string; values: Node[] } {
  if (Node.isNoSubstitutionTemplateLiteral(template)) return { text: template.getLiteralValue(), values: [] };
  if (!Node.isTemplateExpression(template)) return { text: template.getText(), values: [] };
  const spans = template.getTemplateSpans();
  const text =
    template.getHead().getLiteralText() + spans.map((s, i) => `$${i + 1}${s.getLiteral().getLiteralText()}`).join("");
  return { text, values: spans.map((s) => s.getExpression()) };
}

/** One `set_config(name, value, is_local)` of a SQL text. */
export interface SetConfigCall {
  /** The setting name when it is a literal (`'app.tenant_id'`). */
  readonly setting: string | undefined;
  /** The value argument's text (`$1`, `'$1'`, `current_setting(...)`...). */
  readonly value: string;
  /** `set_config(..., false)`: the setting stays on the connection for the rest of the session. */
  readonly sessionLevel: boolean;
}

/**
 * The `set_config(...)` calls of a SQL text (as {@link rawSqlCall} renders it).
 * @example setConfigCalls("SELECT set_config('app.tenant_id', $1, false)") // [{ setting: "app.tenant_id", ... }]
 */
export function setConfigCalls(sql: string): SetConfigCall[] {
  const out: SetConfigCall[] = [];
  for (const match of sql.matchAll(/set_config\s*\(\s*([^,]+?)\s*,\s*([^,]+?)\s*,\s*(\w+)\s*\)/gi)) {
    out.push({
      setting: /^'([^']+)'$/.exec(match[1]!)?.[1],
      value: match[2]!,
      sessionLevel: match[3]!.toLowerCase() === "false",
    });
  }
  return out;
}

/** The value expressions a SQL placeholder text (`$1`, `'$2'`) refers to. */
export function placeholderValues(valueText: string, values: readonly Node[]): Node[] {
  return [...valueText.matchAll(/\$(\d+)/g)].map((m) => values[Number(m[1]) - 1]).filter((v): v is Node => !!v);
}

/** Every raw query call under `root` (calls and tagged templates). */
export function rawSqlCallsIn(root: Node): RawSqlCall[] {
  const out: RawSqlCall[] = [];
  for (const node of [
    ...root.getDescendantsOfKind(SyntaxKind.CallExpression),
    ...root.getDescendantsOfKind(SyntaxKind.TaggedTemplateExpression),
  ]) {
    const found = rawSqlCall(node);
    if (found) out.push(found);
  }
  return out;
}
