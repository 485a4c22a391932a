import { UnsupportedPrismaVersionError } from "../errors/unsupported-prisma-version-error.ts";

/** What the kit reads of a Prisma Client's internals (the same in @prisma/client 6.16-6.19 and 7.x). */
interface PrismaClientInternals {
  _clientVersion?: unknown;
  _engineConfig?: { clientVersion?: unknown; adapter?: unknown };
  /** `"ClientEngine"`: the TypeScript engine of driver adapters; `"LibraryEngine"` / `"BinaryEngine"` in Prisma 6. */
  _engine?: { name?: unknown };
}

/**
 * Checks that `client` is one the kit can make tenant-safe: @prisma/client `>=6.16 <8`, constructed with a driver
 * adapter, and running the TypeScript query engine (`engineType = "client"` in Prisma 6, the only engine of Prisma 7).
 * The kit carries the tenant from the calling scope to the pg pool in an AsyncLocalStorage, which only the TypeScript
 * engine's calls into the adapter are known to keep; older clients also lack the batching internals it guards.
 *
 * @throws {UnsupportedPrismaVersionError} naming the supported versions, the version found and what to change.
 */
export function assertSupportedPrismaClient(client: object): void {
  const internals = client as PrismaClientInternals;
  const version = prismaClientVersion(client);
  assertSupportedPrismaVersion(version);
  if (internals._engineConfig?.adapter == null) {
    throw new UnsupportedPrismaVersionError(
      version,
      "It has no driver adapter (Accelerate or Prisma 6's built-in connection): create it with " +
        "`new PrismaClient({ adapter: createTenantAdapter({ connectionString }) })`.",
    );
  }
  const engine = internals._engine?.name;
  if (engine !== undefined && engine !== "ClientEngine") {
    throw new UnsupportedPrismaVersionError(
      version,
      `It runs Prisma's Rust query engine (${String(engine)}): add \`engineType = "client"\` to the generator block ` +
        "of schema.prisma and run `prisma generate`.",
    );
  }
}

/**
 * Checks a `@prisma/client` version string against `>=6.16 <8`. A prerelease counts as its release: `7.0.0-dev.3` is
 * 7.0.
 *
 * @throws {UnsupportedPrismaVersionError} for any other version, or none.
 */
export function assertSupportedPrismaVersion(version: string | undefined): void {
  const [, major, minor] = /^(\d+)\.(\d+)\./.exec(version ?? "")?.map(Number) ?? [];
  if (major === 7 || (major === 6 && minor !== undefined && minor >= 16)) return;
  throw new UnsupportedPrismaVersionError(
    version,
    major !== undefined && major >= 8
      ? "This prisma-tenant-kit release predates it: upgrade prisma-tenant-kit, or stay on @prisma/client 7."
      : 'Upgrade @prisma/client and prisma to 6.16 or later (driver adapters with engineType = "client"), or to 7.',
  );
}

/** The version a Prisma Client reports (`"6.19.3"`, the same as `Prisma.prismaVersion.client`), if any. */
export function prismaClientVersion(client: object): string | undefined {
  const internals = client as PrismaClientInternals;
  const reported = internals._clientVersion ?? internals._engineConfig?.clientVersion;
  return typeof reported === "string" ? reported : undefined;
}
