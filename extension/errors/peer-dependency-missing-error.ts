import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by a function that needs an optional peer dependency of the kit that is not installed, e.g. `instrumentPool`
 * without `@opentelemetry/api` and without a `meter` of its own. Nothing was set up. Install the package named in the
 * message (`npm install @opentelemetry/api`); everything else of the kit works without it.
 *
 * @example
 * ```ts
 * import { instrumentPool } from "prisma-tenant-kit/pool"; // imports fine without @opentelemetry/api
 * instrumentPool(adapter.pool); // throws PEER_DEPENDENCY_MISSING: npm install @opentelemetry/api
 * ```
 */
export class PeerDependencyMissingError extends TenantKitError {
  override readonly name = "PeerDependencyMissingError";
  readonly code = "PEER_DEPENDENCY_MISSING";

  constructor(
    /** The package to install, e.g. `@opentelemetry/api`. */
    readonly packageName: string,
    /** What needs it, e.g. `instrumentPool`. */
    readonly neededBy: string,
    options: { cause: unknown; alternative?: string },
  ) {
    super(
      `${neededBy} needs ${packageName}, an optional peer dependency of prisma-tenant-kit that is not installed ` +
        `here. Install it next to the kit (npm install ${packageName})${options.alternative ?? ""}.`,
      { cause: options.cause },
    );
  }
}
