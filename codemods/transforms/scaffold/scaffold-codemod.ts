import { Node, SyntaxKind, type CallExpression, type SourceFile } from "ts-morph";
import { importBindings } from "../../analysis/import-bindings.ts";
import { readOnlyParameters } from "../../analysis/read-only-parameters.ts";
import type { WrapperInfo } from "../../analysis/wrapper-discovery.ts";
import { locate } from "../../analysis/db-usage-classifier.ts";
import { identifierNames, ImportEditor } from "../../edits/import-editor.ts";
import { applyEdits, editsWithin, type TextEdit } from "../../edits/text-edit.ts";
import { planPoolTimeoutCatch, poolTimeoutCatchEdit, POOL_TIMEOUT_HANDLERS } from "./pool-timeout-catch.ts";
import { sessionWriteSpans } from "./session-write-spans.ts";
import {
  deriveTenantV2,
  type KitName,
  readOnlyTypeEdit,
  type TenantV2Derivation,
  wrapperFunction,
} from "./tenant-v2-derivation.ts";
import {
  manualReview,
  type Codemod,
  type CodemodContext,
  type FileTransformResult,
  type ManualReviewItem,
} from "../../runner/codemod-types.ts";

/** Files that may declare a function taking a client (a cheap text test before parsing). */
const CLIENT_TYPE_HINT = /Client|Transaction|Db|Tx/;

/** The line scaffold adds to each V2's JSDoc; finalize removes it. */
export const SCAFFOLD_MARKER = "tenant-kit scaffold:";

/**
 * Phase "scaffold": adds, beside the tenant wrapper, its V2 derived from V1's own code (V1 with the interactive
 * transaction taken out, see {@link deriveTenantV2}: the same resolution, headers, lookups, thrown errors and return
 * shape; `fn` gets `client.$forTenant(tenantId)`), and beside every V1 session wrapper its V2: a copy of V1 whose call
 * of the tenant wrapper points at the V2. So V2 keeps V1's options, checks and error responses, while the tenant is
 * resolved and the session, roles and permissions are read without a transaction, and the handler gets the
 * tenant-scoped client as `db`. The V2's outermost `catch (error)` around the tenant-wrapper call first answers a pool
 * timeout with 503 + Retry-After (`poolTimeoutResponse` from `kitModule`); a V1 without such a catch is listed for
 * manual review ("no-pool-timeout-handler"). A tenant wrapper it cannot derive is listed
 * ("tenant-wrapper-not-derivable") with the code to change, and nothing is added. V1 is not touched. Runs once: a V2
 * that exists is left alone.
 *
 * @example
 * ```ts
 * // added after withSalesSession in src/lib/auth/sales.ts
 * export async function withSalesSessionV2(request: NextRequest, handler: SalesSessionHandler, options = {}) { ... }
 * ```
 */
export const scaffoldCodemod: Codemod = {
  id: "scaffold",
  summary: "Add beside each V1 wrapper its V2, derived from V1's code with the transaction taken out.",
  candidateFiles: (context) =>
    [
      ...new Set([
        ...context.index.all.map((w) => w.file),
        ...context.project.listFiles().filter((f) => CLIENT_TYPE_HINT.test(context.project.readText(f))),
      ]),
    ].sort(),
  transformFile: (context, file) => {
    const edits: TextEdit[] = [];
    const review: ManualReviewItem[] = [];
    const notes: string[] = [];
    // An app whose handlers call a transaction helper straight has no request wrapper: only the retyping runs.
    const tenant = context.index.requestWrapper;
    const imports = new ImportEditor(context.project, file, identifierNames(file));
    const kit = context.config.kitModule;
    const useKit = (name: KitName): string =>
      imports.use(context.project.resolveModule(kit, file.getFilePath()), kit, name, {
        typeOnly: name !== "readOnlyClient",
      });
    const tenantReady = !tenant || tenant.hasV2 || derivedTenantV2(context).kind === "derived";
    if (tenant && file.getFilePath() === tenant.file && !tenant.hasV2) {
      const declaration = declarationStatement(file, tenant.name);
      const derivation = declaration
        ? deriveTenantV2(
            context,
            declaration,
            (client) =>
              client.kind === "local"
                ? client.name
                : imports.use(client.moduleFile, client.specifier, client.importedName),
            useKit,
          )
        : derivedTenantV2(context);
      if (derivation.kind === "refused") {
        review.push(manualReview("tenant-wrapper-not-derivable", derivation.detail, derivation.location));
      } else if (declaration) {
        const doc = [
          "/**",
          ` * Resolves the request's tenant and runs \`fn\` with \`${derivation.client}.$forTenant(tenantId)\`, whose`,
          " * every query carries the tenant's RLS context; no transaction is held.",
          " *",
          ` * ${SCAFFOLD_MARKER} V2 of ${tenant.name}: V1's code without its transaction.`,
          " */",
        ];
        edits.push({
          start: declaration.getEnd(),
          end: declaration.getEnd(),
          text: `\n\n${doc.join("\n")}\n${derivation.text}`,
        });
        const relative = context.project.relative(file.getFilePath());
        notes.push(
          `${relative}: added ${tenant.v2Name} beside ${tenant.name}`,
          ...derivation.notes.map((note) => `${relative}: ${tenant.v2Name}: ${note}`),
        );
      }
    }
    for (const wrapper of context.index.sessionWrappers) {
      if (!tenant) break;
      if (wrapper.file !== file.getFilePath() || wrapper.hasV2) continue;
      const declaration = declarationStatement(file, wrapper.name);
      if (!declaration) {
        review.push(
          manualReview(
            "scaffold-precondition",
            `${wrapper.name} is not a top-level function declaration`,
            locate(context.project, file),
          ),
        );
        continue;
      }
      if (!tenantReady) {
        review.push(
          manualReview(
            "scaffold-precondition",
            `${wrapper.name} needs ${tenant.v2Name}` +
              `, which could not be derived (see the tenant-wrapper-not-derivable item)`,
            locate(context.project, declaration),
          ),
        );
        continue;
      }
      const v2Tenant = file.getFilePath() === tenant.file ? tenant.v2Name : tenantV2Local(context, file, imports);
      if (!v2Tenant) {
        review.push(
          manualReview(
            "scaffold-precondition",
            `${wrapper.name} calls ${tenant.name} through an import the kit cannot follow`,
            locate(context.project, declaration),
          ),
        );
        continue;
      }
      const calls = tenantCalls(context, file, declaration);
      const pool = poolTimeoutCatch(context, file, declaration, wrapper, calls, imports);
      if (pool.review) review.push(pool.review);
      const clone = cloneAsV2(context, file, declaration, wrapper, calls, v2Tenant, pool.edit, useKit, imports);
      edits.push({ start: declaration.getEnd(), end: declaration.getEnd(), text: `\n\n${clone.text}` });
      const relative = context.project.relative(file.getFilePath());
      notes.push(`${relative}: added ${wrapper.v2Name} beside ${wrapper.name}`);
      if (clone.spans.length > 0)
        notes.push(
          `${relative}: ${wrapper.v2Name} runs each call of its session check that writes in a transaction of its ` +
            `own (V1 ran them in the request's one transaction): ${clone.spans.join(", ")}`,
        );
    }
    const readers = readOnlyParameters(context.project, context.classifier, file);
    for (const { typeNode, kind } of readers)
      edits.push({
        start: typeNode.getStart(),
        end: typeNode.getEnd(),
        text:
          kind === "reads"
            ? `${useKit("TenantReadClient")}<${typeNode.getText()}>`
            : `${typeNode.getText()} | ${useKit("TenantReadView")}<${typeNode.getText()}>`,
      });
    if (readers.length > 0)
      notes.push(
        `${context.project.relative(file.getFilePath())}: typed the client of ` +
          `${readers.map((r) => `${r.parameter.getName()} (${r.kind === "reads" ? "it only reads" : "it opens a transaction on it"})`).join(", ")}` +
          " to take the read-only one too, so V2 handlers can pass theirs",
      );
    if (edits.length > 0) edits.push(...imports.edits());
    return { edits, sites: [], manualReview: review, notes } satisfies FileTransformResult;
  },
};

/** The top-level statement declaring `name` (a function declaration or an exported `const`). */
export function declarationStatement(file: SourceFile, name: string): Node | undefined {
  const fn = file.getFunction(name);
  if (fn) return fn;
  return file.getVariableStatement((s) => s.getDeclarations().some((d) => d.getName() === name));
}

function tenantV2Local(context: CodemodContext, file: SourceFile, imports: ImportEditor): string | undefined {
  const tenant = context.index.tenantWrapper;
  const binding = importBindings(context.project, file).find(
    (b) => b.moduleFile === tenant.file && b.importedName === tenant.name && !b.isTypeOnly,
  );
  if (!binding) return undefined;
  return imports.use(tenant.file, binding.declaration.getModuleSpecifierValue(), tenant.v2Name);
}

/** The calls of the tenant wrapper (under any local name) inside `declaration`. */
function tenantCalls(context: CodemodContext, file: SourceFile, declaration: Node): CallExpression[] {
  const tenant = context.index.tenantWrapper;
  const tenantLocals = new Set(
    importBindings(context.project, file)
      .filter((b) => b.moduleFile === tenant.file && b.importedName === tenant.name)
      .map((b) => b.localName),
  );
  if (file.getFilePath() === tenant.file) tenantLocals.add(tenant.name);
  return declaration.getDescendantsOfKind(SyntaxKind.CallExpression).filter((call) => {
    const callee = call.getExpression();
    return Node.isIdentifier(callee) && tenantLocals.has(callee.getText());
  });
}

/**
 * The edit putting the pool-timeout lines into the V2 copy's catch (and the `poolTimeoutResponse` import), or, when no
 * catch can take them, the manual-review item. Neither when the catch already handles pool timeouts.
 */
function poolTimeoutCatch(
  context: CodemodContext,
  file: SourceFile,
  declaration: Node,
  wrapper: WrapperInfo,
  calls: readonly CallExpression[],
  imports: ImportEditor,
): { edit?: TextEdit; review?: ManualReviewItem } {
  const kit = context.config.kitModule;
  const handlerNames = new Set(POOL_TIMEOUT_HANDLERS);
  for (const binding of importBindings(context.project, file))
    if (POOL_TIMEOUT_HANDLERS.includes(binding.importedName)) handlerNames.add(binding.localName);
  const plan = planPoolTimeoutCatch(declaration, calls, handlerNames);
  if (plan.kind === "insert")
    return {
      edit: poolTimeoutCatchEdit(
        plan,
        imports.use(context.project.resolveModule(kit, file.getFilePath()), kit, "poolTimeoutResponse"),
      ),
    };
  if (plan.kind === "handled") return {};
  const detail =
    `${wrapper.v2Name} (copied from ${wrapper.name}) ` +
    `gets no pool-timeout answer because ${plan.detail}` +
    `, so a saturated pool surfaces as a 500; ` +
    `in ${wrapper.v2Name}, ${plan.fix} (poolTimeoutResponse from "${kit}")`;
  return { review: manualReview("no-pool-timeout-handler", detail, locate(context.project, declaration)) };
}

/**
 * V1's text with its name and its tenant-wrapper calls pointed at V2, the pool-timeout lines inserted (`catchEdit`,
 * offsets in the file), and a JSDoc saying what changed.
 */
function cloneAsV2(
  context: CodemodContext,
  file: SourceFile,
  declaration: Node,
  wrapper: WrapperInfo,
  calls: readonly CallExpression[],
  v2Tenant: string,
  catchEdit: TextEdit | undefined,
  useKit: (name: KitName) => string,
  imports: ImportEditor,
): { text: string; spans: string[] } {
  const source = file.getFullText();
  const start = declaration.getStart();
  const end = declaration.getEnd();
  const edits: TextEdit[] = catchEdit ? [catchEdit] : [];
  const nameNode = Node.isFunctionDeclaration(declaration)
    ? declaration.getNameNode()
    : declaration
        .getDescendantsOfKind(SyntaxKind.VariableDeclaration)
        .find((d) => d.getName() === wrapper.name)
        ?.getNameNode();
  if (nameNode) edits.push({ start: nameNode.getStart(), end: nameNode.getEnd(), text: wrapper.v2Name });
  for (const call of calls)
    edits.push({ start: call.getExpression().getStart(), end: call.getExpression().getEnd(), text: v2Tenant });
  // The V2 tenant wrapper hands a read-only client; the session wrapper's handler gets it, typed so.
  const fn = wrapperFunction(declaration);
  const handler = fn?.getParameters()[wrapper.handlerIndex];
  const handlerType = handler?.getTypeNode();
  const typeEdit = fn && handlerType ? readOnlyTypeEdit(fn, handlerType, undefined, useKit) : undefined;
  if (typeEdit) edits.push(typeEdit);
  const spans = sessionWriteSpans(context, imports, calls, handler?.getName());
  edits.push(...spans.edits);
  const body = applyEdits(source.slice(start, end), editsWithin(edits, start, end));
  const line =
    ` * ${SCAFFOLD_MARKER} V2 of ${wrapper.name}: ` +
    `the same options, checks and error responses, ` +
    `but the tenant is resolved and the session checked without a transaction, ` +
    `and the handler's \`db\` is the tenant-scoped client from ${context.index.tenantWrapper.v2Name}; ` +
    `wrap writes in ${context.config.transactionHelper.name}(tenantId, async (tx) => ...).` +
    `${catchEdit ? " A pool timeout answers 503 with Retry-After (poolTimeoutResponse)." : ""}`;
  return { text: `${withScaffoldLine(declaration, line)}\n${body}`, spans: spans.wrapped };
}

/** V1's JSDoc with `line` (the scaffold marker, which finalize removes) appended, or a JSDoc of that line alone. */
function withScaffoldLine(declaration: Node, line: string): string {
  const jsDocs = Node.isJSDocable(declaration) ? declaration.getJsDocs() : [];
  const v1Doc = jsDocs[jsDocs.length - 1];
  return v1Doc ? v1Doc.getText().replace(/\s*\*\/$/, `\n *\n${line}\n */`) : `/**\n${line}\n */`;
}

const derivations = new WeakMap<CodemodContext, TenantV2Derivation>();

/** Whether the tenant wrapper's V2 can be derived, decided once per run (every session wrapper module asks). */
function derivedTenantV2(context: CodemodContext): TenantV2Derivation {
  const cached = derivations.get(context);
  if (cached) return cached;
  const tenant = context.index.tenantWrapper;
  const file = context.project.sourceFile(tenant.file);
  const declaration = declarationStatement(file, tenant.name);
  const derivation: TenantV2Derivation = declaration
    ? deriveTenantV2(
        context,
        declaration,
        (client) => (client.kind === "local" ? client.name : client.importedName),
        (name) => name,
      )
    : {
        kind: "refused",
        detail:
          `${tenant.name} is not a top-level declaration; ` +
          `declare it as \`export async function ${tenant.name}(...)\``,
        location: locate(context.project, file),
      };
  derivations.set(context, derivation);
  return derivation;
}
