import { MixedTenantBatchError } from "../errors/mixed-tenant-batch-error.ts";
import { UnsupportedPrismaVersionError } from "../errors/unsupported-prisma-version-error.ts";
import { type TenantContext, tenantContext } from "../tenant-context.ts";
import { prismaClientVersion } from "./supported-prisma-client.ts";

/** The options of Prisma Client's request DataLoader (src/runtime/DataLoader.ts; the same in 6.16-6.19 and 7.x). */
interface DataLoaderOptions {
  batchBy(request: Request): string | undefined;
  singleLoader(request: Request): Promise<unknown>;
  batchLoader(requests: Request[]): Promise<unknown[]>;
}

/** The part of Prisma's RequestParams the guard reads: a batch `$transaction([...])` marks its requests `batch`. */
interface Request {
  transaction?: { kind?: string };
}

const guarded = new WeakSet<DataLoaderOptions>();

/**
 * Makes Prisma's request batching tenant-safe. Prisma queues `findUnique` / `findUniqueOrThrow` calls and the
 * requests of a batch `$transaction([...])` (keyed `transaction-<id>`, all sent as ONE transaction) and runs them from
 * one `process.nextTick`, whose AsyncLocalStorage context is that of whichever caller scheduled the tick. Unguarded,
 * tenant B's findUnique can be merged into tenant A's statement, or run alone but under A's context, and come back
 * with A's row.
 *
 * The guard wraps the DataLoader's three hooks:
 * - `batchBy` (called synchronously in the caller's context, after every query extension ran) records the caller's
 *   context on the request and, for findUnique batching, appends its tenant to the batch key, so one merged statement
 *   never holds two tenants. A batch `$transaction` keeps its key: splitting it would run its parts as separate
 *   statements, outside any transaction;
 * - `singleLoader` / `batchLoader` run under the tenant recorded on their requests, not under the tick's context, and
 *   reject a batch `$transaction` whose requests have different tenants (or another tenant than the
 *   `$forTenant(id).$transaction([...])` it was started from) with {@link MixedTenantBatchError}, before anything is
 *   sent.
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

  const contextOf = new WeakMap<Request, TenantContext | undefined>();
  const { batchBy, singleLoader, batchLoader } = loader;

  loader.batchBy = (request) => {
    const key = batchBy(request);
    if (key === undefined) return undefined;
    const context = tenantContext.getStore();
    contextOf.set(request, context);
    return isBatchTransaction(request) ? key : `${key}\u0000tenant=${context?.tenantId ?? ""}`;
  };
  loader.singleLoader = (request) => {
    if (!contextOf.has(request)) return singleLoader(request);
    return runForOneTenant([request], () => singleLoader(request));
  };
  loader.batchLoader = (requests) => runForOneTenant(requests, () => batchLoader(requests));

  /** Runs `load` under the requests' one tenant; rejects (DataLoader needs a promise) when they have several. */
  function runForOneTenant<T>(requests: Request[], load: () => Promise<T>): Promise<T> {
    const context = contextOf.get(requests[0]!);
    if (isBatchTransaction(requests[0]!)) {
      const tenants = new Set<string | undefined>();
      for (const request of requests) {
        const { tenantId, batchTenantId } = contextOf.get(request) ?? {};
        tenants.add(tenantId);
        if (batchTenantId !== undefined) tenants.add(batchTenantId);
      }
      if (tenants.size > 1) {
        return Promise.reject(new MixedTenantBatchError([...tenants].map((tenant) => tenant ?? null)));
      }
    }
    return tenantContext.run(context, load);
  }
}

function isBatchTransaction(request: Request): boolean {
  return request.transaction?.kind === "batch";
}
