import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown when code writes through a read-only client ({@link readOnlyClient}): a model create, update, upsert or
 * delete (or a Many form), `$executeRaw`, or `$forTenant` (which would hand out a writable client). Nothing was sent
 * to the database. Write in a short transaction instead: `db.$transaction(async (tx) => tx.order.create(...))`, or the
 * app's `withTenant(tenantId, async (tx) => ...)`, so that writes that belong together commit together.
 *
 * @example
 * ```ts
 * await readOnlyClient(prisma.$forTenant(id)).order.create({ data }); // throws ReadOnlyClientError (READ_ONLY_CLIENT)
 * ```
 */
export class ReadOnlyClientError extends TenantKitError {
  override readonly name = "ReadOnlyClientError";
  readonly code = "READ_ONLY_CLIENT";

  /** @param call what was called, e.g. `order.create` */
  constructor(call: string) {
    super(
      `${call} was called on a read-only client. Reads go direct; write in a transaction span ` +
        `(db.$transaction(async (tx) => ...) or your withTenant(tenantId, async (tx) => ...)) so that writes that ` +
        `belong together commit together.`,
    );
  }
}
