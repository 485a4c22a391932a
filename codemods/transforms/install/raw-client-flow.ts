import path from "node:path";
import { Node, SyntaxKind } from "ts-morph";
import { locate } from "../../analysis/db-usage-classifier.ts";
import { importBindings } from "../../analysis/import-bindings.ts";
import { isShadowed } from "../../analysis/name-shadowing.ts";
import { identifiersNamed } from "../../analysis/named-identifiers.ts";
import {
  clientImportsIn,
  clientModule,
  type PrismaClientSite,
  type SharedClientModule,
} from "../../analysis/prisma-client-sites.ts";
import type { SourceLocation } from "../../errors/codemod-error.ts";
import type { CodemodProject } from "../../project/codemod-project.ts";

/**
 * The modules that receive a plain `PrismaClient` of another module than the shared one (a script's, a route's own,
 * a second client module's): each call passing such a client (as an argument, or as a property of an object argument)
 * to a function, mapped to the module declaring that function, with where it happens. A plain client is assignable
 * neither to the extended client's type nor to its transaction client's, so these modules keep their `PrismaClient`
 * types (and are listed) until those callers use the shared client.
 *
 * @example
 * ```ts
 * // src/app/api/admin/route.ts: import prisma from "@/lib/db"; ... getStats(prisma)
 * rawClientReceivers(project, sites, shared).get("/app/src/lib/stats.ts") // [{ file: "src/app/api/admin/route.ts", ... }]
 * ```
 */
export function rawClientReceivers(
  project: CodemodProject,
  sites: readonly PrismaClientSite[],
  shared: SharedClientModule,
): Map<string, SourceLocation[]> {
  const byFile = new Map<string, PrismaClientSite[]>();
  for (const site of sites)
    if (site.file !== shared.file) byFile.set(site.file, [...(byFile.get(site.file) ?? []), site]);
  const modules = [...byFile].map(([file, fileSites]) => clientModule(project, file, fileSites));
  const exporting = modules.filter((m) => m.exportedNames.size > 0);
  const bases = exporting.map((m) => path.basename(m.file).replace(/\.(tsx?|mts|cts)$/, ""));
  const receivers = new Map<string, SourceLocation[]>();
  for (const filePath of project.listFiles()) {
    const own = modules.find((m) => m.file === filePath);
    const text = project.readText(filePath);
    if (!own && !bases.some((base) => text.includes(base))) continue;
    const file = project.sourceFile(filePath);
    const raw = new Set<string>(own ? own.clientNames : []);
    for (const module of exporting)
      if (module !== own) for (const name of clientImportsIn(project, file, module)) raw.add(name);
    if (raw.size === 0) continue;
    const bindings = importBindings(project, file);
    for (const id of identifiersNamed(file, raw)) {
      if (isShadowed(id, id.getText(), file)) continue;
      let argument: Node = id;
      const parent = id.getParent();
      if (
        Node.isShorthandPropertyAssignment(parent) ||
        (Node.isPropertyAssignment(parent) && parent.getInitializer() === id)
      )
        argument = parent.getParentIfKind(SyntaxKind.ObjectLiteralExpression) ?? id;
      const call = argument.getParent();
      if (!Node.isCallExpression(call) || !call.getArguments().includes(argument)) continue;
      const callee = call.getExpression();
      if (!Node.isIdentifier(callee)) continue;
      const binding = bindings.find((b) => b.localName === callee.getText());
      const target = binding ? binding.moduleFile : filePath;
      if (!target || target === shared.file) continue;
      receivers.set(target, [...(receivers.get(target) ?? []), locate(project, id)]);
    }
  }
  return receivers;
}
