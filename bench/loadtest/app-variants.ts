import path from "node:path";
import { installPackedKit } from "../../fixtures/packed-kit.ts";
import { copySalesApp, REPO_ROOT } from "../../fixtures/sales-app-copy.ts";
import { runPhase } from "../../codemods/runner/codemod-runner.ts";
import { buildNextApp } from "./next-app.ts";

/** A built copy of fixtures/sales-app. */
export interface AppVariant {
  /** "V1" (the fixture as written) or "V2" (after the kit's scaffold, reads and writes codemods). */
  name: "V1" | "V2";
  dir: string;
  cleanup(): void;
}

const V2_PHASES = ["scaffold", "reads", "writes"] as const;

/**
 * Copies fixtures/sales-app, installs the kit there from its packed tarball (as users install it: no
 * `transpilePackages`, no tsconfig `paths`), and, for V2, runs the kit's own codemods over the copy, then
 * `next build`s it. The V2 variant is exactly what a user gets from `tenant-kit migrate` on the V1 app: nothing is
 * hand-edited.
 */
export async function prepareVariant(name: AppVariant["name"]): Promise<AppVariant> {
  const copy = copySalesApp(path.join(REPO_ROOT, ".tmp", "app-variants"));
  try {
    installPackedKit(copy.root);
    if (name === "V2") {
      for (const phase of V2_PHASES) {
        const result = runPhase(
          phase,
          { target: path.join(copy.app, phase === "scaffold" ? "." : "src/app") },
          { write: true },
        );
        if (result.summary.errors > 0)
          throw new Error(`The ${phase} codemod failed on the fixture copy: ${JSON.stringify(result.summary)}`);
      }
    }
    await buildNextApp(copy.app);
    return { name, dir: copy.app, cleanup: copy.cleanup };
  } catch (error) {
    copy.cleanup();
    throw error;
  }
}
