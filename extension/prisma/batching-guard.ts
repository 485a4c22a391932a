import { UnsupportedPrismaVersionError } from "../errors/unsupported-prisma-version-error.ts";
import { type TenantContext, tenantContext } from "../tenant-context.ts";
import { prismaClientVersion } from "./supported-prisma-client.ts";

/** The options of Prisma Client's request DataLoader (src/runtime/DataLoader.ts; the same in 6.16-6.19 and 7.x). */
interface DataLoaderOptions {
  batchBy(request: object): string | undefined;
  singleLoader(request: object): Promise<unknown>;
  batchLoader(requests: object[]): Promise<unknown[]>;
}

const guarded = new WeakSet<DataLoaderOptions>();

/**
 * Makes Prisma's request batching tenant-safe. Prisma queues `findUnique` / `findUniqueOrThrow` calls and batch
 * `$transaction([...])` requests and runs them from ONE `process.nextTick`, whose AsyncLocalStorage context is that of
 * whichever caller scheduled the tick. Unguarded, tenant B's findUnique can be merged into tenant A's statement, or run
 * alone but under A's context, and come back with A's row.
 *
 * The guard wraps the DataLoader's three hooks:
 * - `batchBy` (called synchronously in the caller's context) records the caller's tenant on the request and appends it
 *   to the batch key, so one batch never holds two tenants;
 * - `singleLoader` / `batchLoader` run under the tenant recorded on their requests, not under the tick's context.
 *
 * @throws {UnsupportedPrismaVersionError} when the client does not have the internals this relies on.
 */
export function guardRequestBatching(client: object): void {
  const options = (client as { _requestHandler?: { dataloader?: { options?: Partial<DataLoaderOptions> } } })
    ._requestHandler?.dataloader?.options;
  if (
    typeof options?.batchBy !== "function" ||
    typeof options.singleLoader !== "function" ||
    typeof options.batchLoader !== "function"
  ) {
    throw new UnsupportedPrismaVersionError(
      prismaClientVersion(client),
      "Its request handler has no DataLoader with batchBy/singleLoader/batchLoader, which the kit must guard: " +
        "open an issue with this version.",
    );
  }
  const loader = options as DataLoaderOptions;
  if (guarded.has(loader)) return;
  guarded.add(loader);

  const contextOf = new WeakMap<object, TenantContext | undefined>();
  const { batchBy, singleLoader, batchLoader } = loader;

  loader.batchBy = (request) => {
    const key = batchBy(request);
    if (key === undefined) return undefined;
    const context = tenantContext.getStore();
    contextOf.set(request, context);
    return `${key}\u0000tenant=${context?.tenantId ?? ""}`;
  };
  loader.singleLoader = (request) =>
    contextOf.has(request) ? tenantContext.run(contextOf.get(request), () => singleLoader(request)) : singleLoader(request);
  loader.batchLoader = (requests) => tenantContext.run(contextOf.get(requests[0]!), () => batchLoader(requests));
}
