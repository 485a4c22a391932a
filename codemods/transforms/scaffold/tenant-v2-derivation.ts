import path from "node:path";
import {
  Node,
  SyntaxKind,
  type ArrowFunction,
  type CallExpression,
  type FunctionDeclaration,
  type FunctionExpression,
  type Identifier,
  type SourceFile,
} from "ts-morph";
import { locate } from "../../analysis/db-usage-classifier.ts";
import { importBindings, isExported, localFunction } from "../../analysis/import-bindings.ts";
import type { SourceLocation } from "../../errors/codemod-error.ts";
import { removeStatement } from "../../edits/remove-statement.ts";
import { applyEdits, editsWithin, indentUnit, lineIndent, type TextEdit } from "../../edits/text-edit.ts";
import type { CodemodContext } from "../../runner/codemod-types.ts";

/** The tenant wrapper's V2 as derived from V1, or why it cannot be. */
export type TenantV2Derivation =
  | {
      readonly kind: "derived";
      /** The V2 declaration (without JSDoc), V1's text with the transaction taken out. */
      readonly text: string;
      /** The client V1 opened its transaction on (`prisma`); V2's handler gets `<client>.$forTenant(tenantId)`. */
      readonly client: string;
      /** What changed beyond the transaction itself (a session-level setting removed, options dropped). */
      readonly notes: readonly string[];
    }
  | { readonly kind: "refused"; readonly detail: string; readonly location: SourceLocation };

type Callback = ArrowFunction | FunctionExpression;
type WrapperFunction = FunctionDeclaration | ArrowFunction | FunctionExpression;

/** A statement that sets the RLS setting on the transaction client: `SELECT set_config(...)` or `SET [LOCAL] ...`. */
interface ContextSetter {
  readonly statement: Node;
  /** The tenant id expression it sets. */
  readonly value: Node;
  readonly setting: string | undefined;
  readonly sessionLevel: boolean;
}

/** Why the derivation stops, thrown from deep in the analysis and turned into the `refused` result. */
class Refusal extends Error {
  override readonly name = "Refusal";

  constructor(
    readonly node: Node,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * The client V1 opened its transaction on, which V2 calls `$forTenant` on: a name in scope in the tenant module, or
 * the export of another module (when the transaction is opened by a helper there) that the caller imports.
 */
export type ClientRef =
  | { readonly kind: "local"; readonly name: string }
  | { readonly kind: "import"; readonly moduleFile: string; readonly specifier: string; readonly importedName: string };

/** The transaction V1 opens: directly (`client.$transaction(cb)`) or through a helper `helper(tenantId, cb)`. */
interface OpenedTransaction {
  /** The call V2 replaces by its callback's code. */
  readonly call: CallExpression;
  readonly callback: Callback;
  readonly client: ClientRef;
  /** Through a helper: the tenant V1 hands it (the helper sets the context first, so every `tx` use is scoped). */
  readonly tenant?: Node;
  readonly notes: readonly string[];
}

const RAW_METHODS = new Set(["$executeRaw", "$executeRawUnsafe", "$queryRaw", "$queryRawUnsafe"]);
const SET_CONFIG = /\bset_config\s*\(\s*'([^']+)'\s*,[^,]*,\s*(true|false)\s*\)/i;
const SET_STATEMENT = /^\s*SET\s+(LOCAL\s+|SESSION\s+)?([\w.]+)\s*(=|\bTO\b)/i;

/**
 * Derives the tenant wrapper's V2 from V1's own code: V1 with its interactive transaction taken out. The statements
 * that set the tenant's RLS context on `tx` (`set_config(...)`, `SET LOCAL ...`, through `$executeRaw` or
 * `$executeRawUnsafe`) go; `tx` used before them (the tenant lookup, when no tenant is known yet) becomes the client
 * the transaction was opened on, and `tx` used after them (the handler's client) becomes
 * `<client>.$forTenant(<the tenant id V1 set>)`. Everything else (headers read, lookups, thrown errors, return shape)
 * is V1's text. A `return client.$transaction(async (tx) => { ... })` is replaced by the callback's statements;
 * any other position by an immediately called `async () => { ... }`, so no name and no control flow moves. The kit's
 * `client.$withTenant(tenantId, async (tx) => ...)` is taken out the same way, and so is a transaction helper of the
 * repo that V1 calls (`helper(tenantId, async (tx) => ...)`, whose client the caller imports, see {@link ClientRef}).
 *
 * Refuses, naming the code to change, what it cannot prove: no or several transactions, a context set to another
 * tenant than the handler gets, a raw statement on `tx` other than the context setting (V2 has no transaction for it).
 *
 * @example
 * ```ts
 * // V1: return prisma.$transaction(async (tx) => { ...;
 * //       await tx.$executeRaw`SELECT set_config('app.tenant_id', ${id}, true)`;
 * //       return { result: await fn(id, tx) }; });
 * // V2: ...; return { result: await fn(id, prisma.$forTenant(id)) };
 * const v2 = deriveTenantV2(context, declarationStatement(tenantFile, "withTenantFromRequest"));
 * ```
 */
export function deriveTenantV2(
  context: CodemodContext,
  declaration: Node,
  useClient: (client: ClientRef) => string,
  useKit: (name: KitName) => string,
): TenantV2Derivation {
  try {
    return derive(context, declaration, useClient, useKit);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return { kind: "refused", detail: error.detail, location: locate(context.project, error.node) };
  }
}

/** What the V2 imports from the kit: the read-only client it hands its handler, and the types that say so. */
export type KitName = "readOnlyClient" | "TenantReadClient" | "TenantReadHandler" | "TenantReadView";
const READ_ONLY_CLIENT = "\0readOnlyClient\0";

function derive(
  context: CodemodContext,
  declaration: Node,
  useClient: (client: ClientRef) => string,
  useKit: (name: KitName) => string,
): TenantV2Derivation {
  const tenant = context.index.tenantWrapper;
  const wrapper = wrapperFunction(declaration);
  if (!wrapper) throw new Refusal(declaration, `${tenant.name} is not a function; write ${tenant.v2Name} by hand`);
  const how =
    `write ${tenant.v2Name} by hand (V1 without its transaction, ` +
    `handing fn \`client.$forTenant(tenantId)\`) and re-run scaffold`;
  const opened = openedTransaction(context, wrapper, how);
  const { call: transaction, callback } = opened;
  const client = useClient(opened.client);
  const txParam = callback.getParameters()[0];
  const txNode = txParam?.getNameNode();
  if (txNode && !Node.isIdentifier(txNode))
    throw new Refusal(txNode, "the transaction callback destructures its client; name it (`async (tx) => ...`)");
  const notes: string[] = [...opened.notes];
  const txName = txNode?.getText();
  const txRefs = txName ? references(callback, txName) : [];
  const setters = opened.tenant ? [] : contextSetters(callback, txRefs);
  if (!opened.tenant && setters.length === 0) {
    throw new Refusal(
      transaction,
      `the transaction of ${tenant.name} sets no tenant context on its client ` +
        `(no \`SELECT set_config(...)\` or \`SET LOCAL ...\` statement on ${txName ?? "it"}), ` +
        `so scaffold cannot tell which tenant its queries ran for; set it there, or ${how}`,
    );
  }
  const tenantNode = opened.tenant ?? setters[0]!.value;
  if (!isPlainReference(tenantNode)) {
    throw new Refusal(
      tenantNode,
      `the tenant context is set to \`${tenantNode.getText()}\`, ` +
        `which V2 would evaluate again for every $forTenant; ` +
        `assign it to a const before the transaction and set that`,
    );
  }
  const tenantId = tenantNode.getText();
  for (const setter of setters.slice(1)) {
    if (setter.value.getText() !== tenantId) {
      throw new Refusal(
        setter.statement,
        `the transaction sets ${setters[0]!.setting ?? "a setting"} to \`${tenantId}\` ` +
          `and ${setter.setting ?? "a setting"} to \`${setter.value.getText()}\`; ` +
          `V2 carries only the tenant's (through $forTenant): ` +
          `move the other into the handlers' spans or remove it`,
      );
    }
  }
  for (const setter of setters) {
    if (setter.sessionLevel)
      notes.push(
        `removed V1's session-level \`${setter.statement.getText()}\`, ` +
          `which outlived the request on a pooled connection; ` +
          `V2's queries get the tenant from $forTenant, per query`,
      );
  }
  const firstSetterEnd = setters[0]?.statement.getEnd() ?? -1;
  const inSetter = (node: Node): boolean =>
    setters.some((s) => node.getStart() >= s.statement.getStart() && node.getEnd() <= s.statement.getEnd());
  // The handler (and V1's own statements after the context was set) get a read-only client: a write there outside a
  // transaction span fails to type-check instead of committing statement by statement.
  const scoped = `${READ_ONLY_CLIENT}(${client}.$forTenant(${tenantId}))`;
  const edits: TextEdit[] = [];
  for (const ref of txRefs) {
    if (inSetter(ref)) continue;
    const parent = ref.getParent();
    if (Node.isPropertyAccessExpression(parent) && parent.getName().startsWith("$")) {
      throw new Refusal(
        parent,
        `\`${parent.getText()}\` needs the transaction V2 no longer has; ` +
          `move it into the handler (inside ${context.config.transactionHelper.name}) or remove it`,
      );
    }
    edits.push({ start: ref.getStart(), end: ref.getEnd(), text: ref.getStart() < firstSetterEnd ? client : scoped });
  }
  checkHandlerTenant(wrapper, txRefs, tenantId);
  for (const setter of setters)
    edits.push(removeStatement(setter.statement.getSourceFile().getFullText(), setter.statement));

  const inline = inlining(wrapper, transaction, callback);
  const source = declaration.getSourceFile().getFullText();
  const body = callback.getBody();
  if (inline && !Node.isBlock(body)) {
    // A concise callback: its expression is the value, returned, assigned or (concise wrapper) the wrapper's body.
    const bare = Node.isParenthesizedExpression(body) && !inline.concise ? body.getExpression() : body;
    const value = applyEdits(bare.getText(), editsWithin(edits, bare.getStart(), bare.getEnd()));
    const awaitedValue = Node.isAwaitExpression(body) ? value : `await ${value}`;
    const text =
      inline.assign !== undefined ? `${inline.assign}${awaitedValue};` : inline.concise ? value : `return ${value};`;
    edits.length = 0;
    edits.push({ start: inline.statement.getStart(), end: inline.statement.getEnd(), text });
  } else if (inline && Node.isBlock(body)) {
    const open = body.getStart() + 1;
    const close = body.getEnd() - 1;
    const last = body.getStatements().at(-1);
    if (inline.assign !== undefined && Node.isReturnStatement(last)) {
      const expression = last.getExpressionOrThrow();
      const value = applyEdits(expression.getText(), editsWithin(edits, expression.getStart(), expression.getEnd()));
      const assigned = `${inline.assign}${isSettled(expression, body) ? value : `await ${value}`};`;
      const outside = edits.filter((e) => e.start < last.getStart() || e.end > last.getEnd());
      edits.length = 0;
      edits.push(...outside, { start: last.getStart(), end: last.getEnd(), text: assigned });
    }
    const inner = applyEdits(source.slice(open, close), shift(edits, open)).trim();
    const from = lineIndent(source, body.getStatements()[0]!.getStart());
    const outer = lineIndent(source, declaration.getStart());
    const text = inline.concise
      ? `{\n${outer}${indentUnit(source)}${dedent(inner, from, outer + indentUnit(source))}\n${outer}}`
      : dedent(inner, from, lineIndent(source, inline.statement.getStart()));
    edits.length = 0;
    const arrow = inline.concise ? wrapper.getFirstChildByKind(SyntaxKind.EqualsGreaterThanToken) : undefined;
    edits.push(
      arrow
        ? { start: arrow.getEnd(), end: inline.statement.getEnd(), text: ` ${text}` }
        : { start: inline.statement.getStart(), end: inline.statement.getEnd(), text },
    );
  } else {
    const open = callback.getFirstChildByKind(SyntaxKind.OpenParenToken);
    const close = callback.getFirstChildByKind(SyntaxKind.CloseParenToken);
    if (open && close) edits.push({ start: open.getEnd(), end: close.getStart(), text: "" });
    else if (txParam) edits.push({ start: txParam.getStart(), end: txParam.getEnd(), text: "()" });
    edits.push({ start: transaction.getStart(), end: callback.getStart(), text: "(" });
    edits.push({ start: callback.getEnd(), end: transaction.getEnd(), text: ")()" });
  }
  // The callback's awaits now run in the wrapper itself (it returned the transaction's promise, so nothing else
  // changes).
  if (inline && callback.isAsync() && !wrapper.isAsync())
    edits.push({
      start: asyncInsertion(declaration, wrapper),
      end: asyncInsertion(declaration, wrapper),
      text: "async ",
    });
  // The kit's names are imported only once the derivation holds: a refusal adds no import.
  edits.push(...readOnlyHandlerTypes(wrapper, txRefs, (name) => `\0${name}\0`));
  const nameNode = Node.isFunctionDeclaration(declaration)
    ? declaration.getNameNode()
    : declaration
        .getDescendantsOfKind(SyntaxKind.VariableDeclaration)
        .find((d) => d.getName() === tenant.name)
        ?.getNameNode();
  if (nameNode) edits.push({ start: nameNode.getStart(), end: nameNode.getEnd(), text: tenant.v2Name });
  const text = applyEdits(
    source.slice(declaration.getStart(), declaration.getEnd()),
    shift(edits, declaration.getStart()),
  ).replace(/\0(readOnlyClient|TenantReadClient|TenantReadHandler|TenantReadView)\0/g, (_, name: KitName) =>
    useKit(name),
  );
  return { kind: "derived", text, client, notes };
}

/**
 * The edits typing V2's handler parameter for the read-only client: for each parameter of the wrapper that is called
 * with `tx` (`fn(tenantId, tx)`), its declared type made read-only at that argument (see {@link readOnlyTypeEdit}).
 */
function readOnlyHandlerTypes(
  wrapper: WrapperFunction,
  txRefs: readonly Identifier[],
  useKit: (name: KitName) => string,
): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const ref of txRefs) {
    const call = ref.getParent();
    if (!Node.isCallExpression(call) || !call.getArguments().includes(ref)) continue;
    const callee = call.getExpression();
    const parameter = wrapper.getParameters().find((p) => p.getName() === callee.getText());
    const typeNode = parameter?.getTypeNode();
    if (!typeNode) continue;
    const edit = readOnlyTypeEdit(wrapper, typeNode, call.getArguments().indexOf(ref), useKit);
    if (edit && !edits.some((e) => e.start === edit.start)) edits.push(edit);
  }
  return edits;
}

/**
 * The edit making a handler type read-only: in a function type `(tenantId: string, db: Db) => R`, the type of the
 * argument at `index` becomes `TenantReadView<Db>`; any other handler type that names none of the wrapper's type
 * parameters becomes `TenantReadHandler<H>` (with a type parameter the conditional type would stay unresolved).
 * Undefined when neither applies: V2 then passes a read-only client where the type wants a full one, and the phase's
 * type check leaves the tenant module unchanged.
 */
export function readOnlyTypeEdit(
  wrapper: WrapperFunction,
  typeNode: Node,
  index: number | undefined,
  useKit: (name: KitName) => string,
): TextEdit | undefined {
  const typeParameters = new Set(wrapper.getTypeParameters().map((t) => t.getName()));
  const generic = typeNode.getDescendantsOfKind(SyntaxKind.Identifier).some((id) => typeParameters.has(id.getText()));
  if (!generic) {
    return {
      start: typeNode.getStart(),
      end: typeNode.getEnd(),
      text: `${useKit("TenantReadHandler")}<${typeNode.getText()}>`,
    };
  }
  if (!Node.isFunctionTypeNode(typeNode) || index === undefined) return undefined;
  const argumentType = typeNode.getParameters()[index]?.getTypeNode();
  if (!argumentType) return undefined;
  return {
    start: argumentType.getStart(),
    end: argumentType.getEnd(),
    text: `${useKit("TenantReadView")}<${argumentType.getText()}>`,
  };
}

/** Finds the one transaction V1 opens, directly or through a transaction helper of the repo. */
function openedTransaction(context: CodemodContext, wrapper: WrapperFunction, how: string): OpenedTransaction {
  const tenant = context.index.tenantWrapper;
  const direct = wrapper
    .getDescendantsOfKind(SyntaxKind.CallExpression)
    .filter((c) => isTransactionCall(c) || isWithTenantCall(c));
  const helpers =
    direct.length > 0
      ? []
      : wrapper
          .getDescendantsOfKind(SyntaxKind.CallExpression)
          .flatMap((call) => helperTransaction(context, call) ?? []);
  const found: Array<{ call: CallExpression; helper?: OpenedTransaction }> = [
    ...direct.map((call) => ({ call })),
    ...helpers,
  ];
  if (found.length === 0) {
    throw new Refusal(
      wrapper.getParameters()[0] ?? wrapper,
      `${tenant.name} opens no interactive transaction (\`client.$transaction(async (tx) => ...)\`, ` +
        `or a helper of the repo whose transaction sets the tenant context first) ` +
        `that scaffold can take out; ${how}`,
    );
  }
  if (found.length > 1) {
    throw new Refusal(
      found[1]!.call,
      `${tenant.name} opens ${found.length} transactions; scaffold takes out exactly one. ` +
        `Merge them into one, or ${how}`,
    );
  }
  const only = found[0]!;
  if (only.helper) return only.helper;
  const call = only.call;
  const receiver = call.getExpressionIfKindOrThrow(SyntaxKind.PropertyAccessExpression).getExpression();
  if (!isPlainReference(receiver)) {
    throw new Refusal(
      receiver,
      `the transaction is opened on \`${receiver.getText()}\`, which V2 cannot call again for each query; ` +
        `put that client in a const and open the transaction on it`,
    );
  }
  const scoped = isWithTenantCall(call);
  const [tenantArg, callbackArg, options] = scoped ? call.getArguments() : [undefined, ...call.getArguments()];
  if (!callbackArg || !(Node.isArrowFunction(callbackArg) || Node.isFunctionExpression(callbackArg))) {
    throw new Refusal(
      callbackArg ?? call,
      `pass ${call.getExpression().getText()} an inline \`async (tx) => ...\` ` +
        `so scaffold can run its code without the transaction`,
    );
  }
  return {
    call,
    callback: callbackArg,
    client: { kind: "local", name: receiver.getText() },
    ...(tenantArg ? { tenant: tenantArg } : {}),
    notes: options ? [`dropped the transaction options \`${options.getText()}\` (V2 opens no transaction)`] : [],
  };
}

/**
 * `call` as a call of a transaction helper: a function of the repo `(…, tenantId, …, fn) =>
 * client.$transaction(async (tx) => { set the context to tenantId; return fn(tx); })`, called with an inline
 * callback. Undefined otherwise.
 */
function helperTransaction(
  context: CodemodContext,
  call: CallExpression,
): { call: CallExpression; helper: OpenedTransaction } | undefined {
  const callee = call.getExpression();
  if (!Node.isIdentifier(callee)) return undefined;
  const file = call.getSourceFile();
  const binding = importBindings(context.project, file).find((b) => b.localName === callee.getText() && !b.isTypeOnly);
  const helperFile = binding ? (binding.moduleFile ? context.project.sourceFile(binding.moduleFile) : undefined) : file;
  const helper = helperFile ? localFunction(helperFile, binding?.importedName ?? callee.getText()) : undefined;
  if (
    !helperFile ||
    !helper ||
    !(Node.isFunctionDeclaration(helper) || Node.isArrowFunction(helper) || Node.isFunctionExpression(helper))
  )
    return undefined;
  const inner = helper
    .getDescendantsOfKind(SyntaxKind.CallExpression)
    .filter((c) => isTransactionCall(c) || isWithTenantCall(c));
  if (inner.length !== 1) return undefined;
  const transaction = inner[0]!;
  const held = transaction.getParentIfKind(SyntaxKind.AwaitExpression) ?? transaction;
  if (!(Node.isReturnStatement(held.getParent()) || held.getParent() === helper)) return undefined;
  const params = helper.getParameters().map((p) => p.getName());
  const scoped = isWithTenantCall(transaction);
  const [first, second] = transaction.getArguments();
  const txArg = scoped ? second : first;
  let setters: ContextSetter[] = [];
  let fnIndex = -1;
  if (scoped && Node.isIdentifier(txArg)) {
    fnIndex = params.indexOf(txArg.getText()); // `client.$withTenant(tenantId, fn)`
  } else if (txArg && (Node.isArrowFunction(txArg) || Node.isFunctionExpression(txArg))) {
    const tx = txArg.getParameters()[0]?.getNameNode();
    if (!tx || !Node.isIdentifier(tx)) return undefined;
    try {
      setters = contextSetters(txArg, references(txArg, tx.getText()));
    } catch {
      // A helper scaffold cannot read is not one: V1 then opens no transaction it can take out, which is refused.
      return undefined;
    }
    fnIndex = forwardedParameter(txArg, tx.getText(), params, setters);
  }
  const tenantIndex = params.indexOf((scoped ? first : setters[0]?.value)?.getText() ?? "");
  if (fnIndex < 0 || tenantIndex < 0 || setters.some((s) => s.value.getText() !== params[tenantIndex]))
    return undefined;
  const callback = call.getArguments()[fnIndex];
  const tenant = call.getArguments()[tenantIndex];
  if (!tenant || !callback || !(Node.isArrowFunction(callback) || Node.isFunctionExpression(callback)))
    return undefined;
  const receiver = transaction.getExpressionIfKindOrThrow(SyntaxKind.PropertyAccessExpression).getExpression();
  if (!Node.isIdentifier(receiver)) return undefined;
  const client = clientRef(context, file, helperFile, receiver.getText(), call);
  const notes = [
    `${callee.getText()} (${context.project.relative(helperFile.getFilePath())}) opened V1's transaction; ` +
      `V2 runs its callback without it`,
  ];
  for (const setter of setters) {
    if (setter.sessionLevel)
      notes.push(
        `V2 does not call it, so its session-level \`${setter.statement.getText()}\`, ` +
          `which outlives the request on a pooled connection, ` +
          `no longer runs for these requests (it still does for its other callers)`,
      );
  }
  return { call, helper: { call, callback, client, tenant, notes } };
}

/**
 * The index among `params` of the function the transaction callback forwards `tx` to and whose result it returns
 * (`fn(tx)`, `return [await] fn(tx)`, or `const r = await fn(tx); return r;`), the context statements aside; -1 if
 * none.
 */
function forwardedParameter(
  callback: Callback,
  tx: string,
  params: readonly string[],
  setters: readonly ContextSetter[],
): number {
  const body = callback.getBody();
  const statements = Node.isBlock(body)
    ? body.getStatements().filter((st) => !setters.some((s) => s.statement === st))
    : [];
  let result: Node | undefined = Node.isBlock(body) ? undefined : body;
  const [only, second] = statements;
  if (statements.length === 1 && Node.isReturnStatement(only)) result = only.getExpression();
  if (statements.length === 2 && Node.isVariableStatement(only) && Node.isReturnStatement(second)) {
    const [declaration] = only.getDeclarations();
    if (
      only.getDeclarations().length === 1 &&
      declaration &&
      second.getExpression()?.getText() === declaration.getName()
    )
      result = declaration.getInitializer();
  }
  const call = result && (Node.isAwaitExpression(result) ? result.getExpression() : result);
  if (
    !call ||
    !Node.isCallExpression(call) ||
    call.getArguments().length !== 1 ||
    call.getArguments()[0]!.getText() !== tx
  )
    return -1;
  return params.indexOf(call.getExpression().getText());
}

/** How the tenant module reaches `name`, the client the helper in `helperFile` opens its transaction on. */
function clientRef(
  context: CodemodContext,
  file: SourceFile,
  helperFile: SourceFile,
  name: string,
  at: Node,
): ClientRef {
  if (helperFile === file) return { kind: "local", name };
  const binding = importBindings(context.project, helperFile).find((b) => b.localName === name && !b.isTypeOnly);
  const moduleFile = binding ? binding.moduleFile : isExported(helperFile, name) ? helperFile.getFilePath() : undefined;
  if (!moduleFile) {
    throw new Refusal(
      at,
      `the client \`${name}\` the transaction helper uses ` +
        `is not exported from ${context.project.relative(helperFile.getFilePath())}; ` +
        `export it so ${context.index.tenantWrapper.v2Name} can call its $forTenant`,
    );
  }
  const importedName = binding?.importedName ?? name;
  const reused = binding?.declaration.getModuleSpecifierValue();
  const candidates = [reused, relativeSpecifier(file.getFilePath(), moduleFile)].filter(
    (s): s is string => s !== undefined,
  );
  const specifier = candidates.find((s) => context.project.resolveModule(s, file.getFilePath()) === moduleFile);
  if (!specifier)
    throw new Refusal(
      at,
      `${context.project.relative(moduleFile)} (exporting the client \`${importedName}\`) ` +
        `cannot be imported from the tenant module; import it there by hand`,
    );
  return { kind: "import", moduleFile, specifier, importedName };
}

function relativeSpecifier(from: string, to: string): string {
  const relative = path
    .relative(path.dirname(from), to)
    .split(path.sep)
    .join("/")
    .replace(/\.(ts|tsx|mts|cts)$/, "");
  return relative.startsWith(".") ? relative : `./${relative}`;
}

/** The function a wrapper's top-level declaration declares (a function declaration, or a `const` arrow or function). */
export function wrapperFunction(declaration: Node): WrapperFunction | undefined {
  if (Node.isFunctionDeclaration(declaration)) return declaration;
  const init = declaration.getFirstDescendantByKind(SyntaxKind.VariableDeclaration)?.getInitializer();
  return init && (Node.isArrowFunction(init) || Node.isFunctionExpression(init)) ? init : undefined;
}

/**
 * Where the callback's statements can replace the transaction: `return [await] tx-call` or `const x = await tx-call`
 * at the top of the wrapper's body, or the wrapper's concise body (which becomes a block), an arrow callback (same
 * `this`) with a block body whose names clash with nothing else in the wrapper; for the `const`, its only `return`
 * must be its last statement (`assign` is `const x = `).
 */
function inlining(
  wrapper: WrapperFunction,
  transaction: CallExpression,
  callback: Callback,
): { statement: Node; assign?: string; concise?: true } | undefined {
  const body = callback.getBody();
  if (!Node.isArrowFunction(callback)) return undefined;
  if (Node.isBlock(body) && (body.getStatements().length === 0 || clashes(wrapper, callback))) return undefined;
  const awaitNode = transaction.getParentIfKind(SyntaxKind.AwaitExpression);
  const holder = (awaitNode ?? transaction).getParent();
  if (holder === wrapper) return { statement: awaitNode ?? transaction, concise: true };
  if (Node.isReturnStatement(holder) && holder.getParent() === wrapper.getBody()) return { statement: holder };
  const statement = holder?.getParent()?.getParent();
  if (
    !awaitNode ||
    !Node.isVariableDeclaration(holder) ||
    !Node.isVariableStatement(statement) ||
    statement.getParent() !== wrapper.getBody()
  )
    return undefined;
  if (statement.getDeclarations().length !== 1) return undefined;
  const source = statement.getSourceFile().getFullText();
  const assign = source.slice(statement.getStart(), awaitNode.getStart());
  if (!Node.isBlock(body)) return { statement, assign };
  const returns = body
    .getDescendantsOfKind(SyntaxKind.ReturnStatement)
    .filter((r) => r.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a)) === callback);
  const last = body.getStatements().at(-1);
  if (returns.length !== 1 || returns[0] !== last || !returns[0]?.getExpression()) return undefined;
  return { statement, assign };
}

/** Whether `expression` needs no `await`: an await itself, or a `const` of `body` initialized by one. */
function isSettled(expression: Node, body: Node): boolean {
  if (Node.isAwaitExpression(expression)) return true;
  if (!Node.isIdentifier(expression) || !Node.isBlock(body)) return false;
  return body.getStatements().some((statement) => {
    if (!Node.isVariableStatement(statement) || statement.getDeclarationKind() !== "const") return false;
    return statement
      .getDeclarations()
      .some((d) => d.getName() === expression.getText() && Node.isAwaitExpression(d.getInitializer()));
  });
}

/**
 * Where `async ` goes: before `function` of a declaration, before the parameters of an arrow or function expression.
 */
function asyncInsertion(declaration: Node, wrapper: Node): number {
  if (Node.isFunctionDeclaration(declaration))
    return declaration.getFirstChildByKindOrThrow(SyntaxKind.FunctionKeyword).getStart();
  return wrapper.getStart();
}

/** `x.$withTenant(tenantId, fn)`: the kit's tenant transaction (what the install phase rebuilds helpers on). */
function isWithTenantCall(call: CallExpression): boolean {
  const callee = call.getExpression();
  return (
    Node.isPropertyAccessExpression(callee) && callee.getName() === "$withTenant" && call.getArguments().length >= 2
  );
}

/** `x.$transaction(async (tx) => ...)` with a function as first argument (the interactive form). */
function isTransactionCall(call: CallExpression): boolean {
  const callee = call.getExpression();
  const callback = call.getArguments()[0];
  return (
    Node.isPropertyAccessExpression(callee) &&
    callee.getName() === "$transaction" &&
    callback !== undefined &&
    (Node.isArrowFunction(callback) || Node.isFunctionExpression(callback))
  );
}

function isPlainReference(node: Node): boolean {
  if (Node.isIdentifier(node) || node.getKind() === SyntaxKind.ThisKeyword) return true;
  return Node.isPropertyAccessExpression(node) && isPlainReference(node.getExpression());
}

/** The identifiers of `callback` that refer to the variable `name` (not property names, not shadowing declarations). */
function references(callback: Callback, name: string): Identifier[] {
  const declared = callback.getParameters()[0]?.getNameNode();
  return callback.getDescendantsOfKind(SyntaxKind.Identifier).filter((id) => {
    if (id === declared || id.getText() !== name) return false;
    const parent = id.getParent();
    if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false;
    if ((Node.isPropertyAssignment(parent) || Node.isBindingElement(parent)) && parent.getNameNode() === id)
      return false;
    if (Node.isParameterDeclaration(parent) || Node.isVariableDeclaration(parent)) {
      throw new Refusal(id, `\`${name}\` is declared again inside the transaction callback; rename that one`);
    }
    return true;
  });
}

/** The statements of `callback` that set the RLS setting on `tx`, with the tenant expression each sets. */
function contextSetters(callback: Callback, txRefs: readonly Identifier[]): ContextSetter[] {
  const out: ContextSetter[] = [];
  for (const ref of txRefs) {
    const access = ref.getParentIfKind(SyntaxKind.PropertyAccessExpression);
    if (!access || !RAW_METHODS.has(access.getName())) continue;
    const use = access.getParent();
    const sql = rawSql(use, access);
    if (!sql) continue;
    // A setting given one value; anything else (`SET LOCAL statement_timeout = 5000`) is not the tenant's.
    if (!(SET_CONFIG.test(sql.text) || SET_STATEMENT.test(sql.text)) || sql.values.length !== 1) continue;
    const statement =
      use?.getParentIfKind(SyntaxKind.AwaitExpression)?.getParentIfKind(SyntaxKind.ExpressionStatement) ??
      use?.getParentIfKind(SyntaxKind.ExpressionStatement);
    if (!statement || statement.getParent() !== callback.getBody()) {
      throw new Refusal(
        access,
        "the tenant context is set inside an expression; " +
          "make `await tx.$executeRaw`SELECT set_config(...)`` a statement of its own in the transaction callback",
      );
    }
    const setConfig = SET_CONFIG.exec(sql.text);
    const sessionLevel = setConfig ? setConfig[2]!.toLowerCase() === "false" : !/^\s*SET\s+LOCAL/i.test(sql.text);
    out.push({
      statement,
      value: sql.values[0]!,
      setting: setConfig?.[1] ?? SET_STATEMENT.exec(sql.text)?.[2],
      sessionLevel,
    });
  }
  return out;
}

/** The SQL text (placeholders for values) and the value expressions of a raw call or tagged template on `access`. */
function rawSql(use: Node | undefined, access: Node): { text: string; values: Node[] } | undefined {
  if (Node.isTaggedTemplateExpression(use) && use.getTag() === access) return template(use.getTemplate());
  if (!Node.isCallExpression(use) || use.getExpression() !== access) return undefined;
  const [first, ...rest] = use.getArguments();
  if (!first) return undefined;
  if (Node.isStringLiteral(first) || Node.isNoSubstitutionTemplateLiteral(first))
    return { text: first.getLiteralValue(), values: rest };
  if (Node.isTemplateExpression(first)) return template(first);
  if (Node.isTaggedTemplateExpression(first)) return template(first.getTemplate());
  return undefined;
}

function template(node: Node): { text: string; values: Node[] } {
  if (!Node.isTemplateExpression(node))
    return { text: Node.isNoSubstitutionTemplateLiteral(node) ? node.getLiteralValue() : node.getText(), values: [] };
  const spans = node.getTemplateSpans();
  const text =
    node.getHead().getLiteralText() + spans.map((s, i) => `$${i + 1}${s.getLiteral().getLiteralText()}`).join("");
  return { text, values: spans.map((s) => s.getExpression()) };
}

/** Where V1 hands `tx` to its handler (a parameter), the handler's tenant must be the tenant the context was set to. */
function checkHandlerTenant(wrapper: WrapperFunction, txRefs: readonly Identifier[], tenantId: string): void {
  const params = new Set(wrapper.getParameters().map((p) => p.getName()));
  for (const ref of txRefs) {
    const call = ref.getParentIfKind(SyntaxKind.CallExpression);
    if (!call?.getArguments().includes(ref) || !params.has(call.getExpression().getText())) continue;
    const tenantArg = call.getArguments()[0];
    if (tenantArg && tenantArg.getText() !== tenantId) {
      throw new Refusal(
        tenantArg,
        `\`${call.getExpression().getText()}\` gets \`${tenantArg.getText()}\` ` +
          `as its tenant but the RLS context was set to \`${tenantId}\`; ` +
          `pass the same value to both`,
      );
    }
  }
}

/**
 * Whether a name declared at the top of `callback`'s body is used anywhere else in `wrapper` (inlining would clash).
 */
function clashes(wrapper: Node, callback: Callback): boolean {
  const body = callback.getBody();
  if (!Node.isBlock(body)) return true;
  const declared = new Set<string>();
  for (const statement of body.getStatements()) {
    if (Node.isVariableStatement(statement)) {
      for (const d of statement.getDeclarations())
        for (const id of [d.getNameNode(), ...d.getNameNode().getDescendantsOfKind(SyntaxKind.Identifier)])
          if (Node.isIdentifier(id)) declared.add(id.getText());
    } else if (Node.isFunctionDeclaration(statement) || Node.isClassDeclaration(statement)) {
      const name = statement.getName();
      if (name) declared.add(name);
    }
  }
  return wrapper.getDescendantsOfKind(SyntaxKind.Identifier).some((id) => {
    if (!declared.has(id.getText()) || (id.getStart() >= callback.getStart() && id.getEnd() <= callback.getEnd()))
      return false;
    const parent = id.getParent();
    if ((Node.isPropertyAccessExpression(parent) || Node.isPropertyAssignment(parent)) && parent.getNameNode() === id)
      return false;
    // Parameter names of a function type (`fn: (tenantId: string) => ...`) name nothing in the body.
    return id.getFirstAncestor((a) => Node.isTypeNode(a)) === undefined;
  });
}

/** Removes a statement with its own comment lines (and the newline before them). */
function shift(edits: readonly TextEdit[], offset: number): TextEdit[] {
  return edits.map((e) => ({ start: e.start - offset, end: e.end - offset, text: e.text }));
}

/** Re-indents lines 2.. of `text` from `from` to `to` (lines inside a template literal keep their whitespace). */
function dedent(text: string, from: string, to: string): string {
  let inTemplate = false;
  return text
    .split("\n")
    .map((line, i) => {
      const keep = inTemplate;
      inTemplate = (line.match(/(?<!\\)`/g)?.length ?? 0) % 2 === 1 ? !inTemplate : inTemplate;
      if (i === 0 || keep || !line.startsWith(from)) return line;
      return to + line.slice(from.length);
    })
    .join("\n");
}
