import path from "node:path";
import type { API, FileInfo } from "jscodeshift";
import { applyEdits } from "../edits/text-edit.ts";
import { getCodemod } from "../runner/codemod-registry.ts";
import { openContext } from "../runner/codemod-runner.ts";
import type { CodemodContext, CodemodId } from "../runner/codemod-types.ts";
import { formatLocation } from "../errors/codemod-error.ts";

/** A jscodeshift transform function: returns the new source, or undefined when the file is unchanged. */
export type JscodeshiftTransform = ((file: FileInfo, api: API) => string | undefined) & { parser: string };

/**
 * Wraps a tenant-kit codemod as a jscodeshift transform. jscodeshift only hands over one file, so the repo (its
 * tsconfig, wrappers, helpers) is opened once per process from the file's nearest tsconfig.json and reused; the
 * file's text is taken from jscodeshift. Manual-review items are reported through `api.report`. Prefer
 * `--run-in-band` for scaffold and finalize, which plan over the whole repo.
 *
 * @example
 * ```js
 * // codemods/jscodeshift/reads.cjs
 * module.exports = require("./jscodeshift-adapter.ts").jscodeshiftTransform("reads");
 * ```
 */
export function jscodeshiftTransform(id: CodemodId): JscodeshiftTransform {
  const codemod = getCodemod(id);
  const contexts = new Map<string, CodemodContext>();
  const transform = (file: FileInfo, api: API): string | undefined => {
    const absolute = path.resolve(file.path);
    let context = [...contexts.values()].find((c) => absolute.startsWith(c.project.rootDir + path.sep));
    if (!context) {
      context = openContext({ target: absolute });
      codemod.prepare?.(context);
      contexts.set(context.project.rootDir, context);
    }
    const scoped: CodemodContext = { ...context, targetFiles: [absolute] };
    const source = context.project.setSourceText(absolute, file.source);
    const result = codemod.transformFile(scoped, source);
    for (const item of result.manualReview)
      api.report(`${formatLocation(item.location)} ${item.reason}: ${item.detail}`);
    if (result.edits.length === 0) return undefined;
    const after = applyEdits(file.source, result.edits);
    return after === file.source ? undefined : after;
  };
  return Object.assign(transform, { parser: "tsx" });
}
