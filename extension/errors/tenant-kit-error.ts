/**
 * Base class of every error the kit throws. `code` is stable across releases: match on it, not on the message.
 * Every subclass sets `name` as a string literal, so minified builds still show e.g. `TenantMismatchError`.
 *
 * @example
 * ```ts
 * try { await db.customer.findMany(); }
 * catch (error) { if (error instanceof TenantKitError && error.code === "TENANT_CONTEXT_MISSING") { ... } }
 * ```
 */
export abstract class TenantKitError extends Error {
  abstract readonly code: string;
  abstract override readonly name: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
