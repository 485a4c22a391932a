import { createRequire } from "node:module";
import { PeerDependencyMissingError } from "../errors/peer-dependency-missing-error.ts";

const OPENTELEMETRY_API = "@opentelemetry/api";

type MetricAttributes = Record<string, string>;
interface MetricOptions {
  description?: string;
  unit?: string;
}
interface ObservableInstrument {
  addCallback(callback: (result: { observe(value: number, attributes?: MetricAttributes): void }) => void): void;
  removeCallback(callback: (result: { observe(value: number, attributes?: MetricAttributes): void }) => void): void;
}

/**
 * What `instrumentPool` and `instrumentReplicas` record on: the part of an OpenTelemetry `Meter` they use. Any `Meter`
 * of `@opentelemetry/api` is one (e.g. `provider.getMeter("app")`); spelled out here so the kit's types do not need
 * that optional package installed.
 */
export interface MetricsMeter {
  createObservableGauge(name: string, options?: MetricOptions): ObservableInstrument;
  createObservableCounter(name: string, options?: MetricOptions): ObservableInstrument;
  createHistogram(
    name: string,
    options?: MetricOptions,
  ): { record(value: number, attributes?: MetricAttributes): void };
  createCounter(name: string, options?: MetricOptions): { add(value: number, attributes?: MetricAttributes): void };
}

/**
 * `meter`, or the kit's meter of the global MeterProvider (`metrics.getMeter("prisma-tenant-kit")`). Loads
 * `@opentelemetry/api` only then: it is an optional peer, and `prisma-tenant-kit/pool` must import without it.
 * @throws {PeerDependencyMissingError} when it is needed and not installed.
 */
export function meterOrDefault(meter: MetricsMeter | undefined, neededBy: string): MetricsMeter {
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
