import { createRequire } from "node:module";
import type { Meter } from "@opentelemetry/api";
import { PeerDependencyMissingError } from "../errors/peer-dependency-missing-error.ts";

const OPENTELEMETRY_API = "@opentelemetry/api";

/**
 * `meter`, or the kit's meter of the global MeterProvider (`metrics.getMeter("prisma-tenant-kit")`). Loads
 * `@opentelemetry/api` only then: it is an optional peer, and `prisma-tenant-kit/pool` must import without it.
 * @throws {PeerDependencyMissingError} when it is needed and not installed.
 */
export function meterOrDefault(meter: Meter | undefined, neededBy: string): Meter {
  if (meter) return meter;
  let api: typeof import("@opentelemetry/api");
  try {
    // Synchronous, and resolved from the kit's own location as its static import would be, in both ESM and CJS.
    api = createRequire(import.meta.url)(OPENTELEMETRY_API) as typeof import("@opentelemetry/api");
  } catch (error) {
    if ((error as { code?: unknown }).code !== "MODULE_NOT_FOUND") throw error;
    throw new PeerDependencyMissingError(OPENTELEMETRY_API, neededBy, {
      cause: error,
      alternative: ", or pass a Meter of your own as options.meter",
    });
  }
  return api.metrics.getMeter("prisma-tenant-kit");
}
