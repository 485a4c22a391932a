import { TenantKitError } from "./tenant-kit-error.ts";

/** Why the database could not be reached. */
export type UnreachableReason = "refused" | "host-not-found" | "network" | "timeout";

/**
 * Thrown when the adapter could not open a connection to the database: nothing accepts connections at the host and
 * port (ECONNREFUSED), the host name does not resolve (ENOTFOUND), the network has no route to it, or no connection
 * was established within the pool's `acquireTimeoutMillis`. Nothing was sent. The message names host:port (never the
 * password); the socket's error is the `cause`.
 *
 * @example
 * ```ts
 * const adapter = createTenantAdapter({ connectionString: "postgres://app:secret@db.internal:5432/app" });
 * await prisma.$forTenant(id).customer.findMany();
 * // rejects: DATABASE_UNREACHABLE, "Cannot reach the database at db.internal:5432: the host name does not resolve"
 * ```
 */
export class DatabaseUnreachableError extends TenantKitError {
  override readonly name = "DatabaseUnreachableError";
  readonly code = "DATABASE_UNREACHABLE";

  constructor(
    /** The host the connection string (or PGHOST) names: a host name, an IP address or a Unix socket directory. */
    readonly host: string,
    /** The port it names (5432 unless set). */
    readonly port: number,
    /** `refused`, `host-not-found`, `network` (no route, network down) or `timeout` (after `timeoutMillis`). */
    readonly reason: UnreachableReason,
    options: { cause: unknown; timeoutMillis?: number | undefined },
  ) {
    super(
      `Cannot reach the database at ${host}:${port}: ${describe(reason, options)}. Then check the host and port of ` +
        `the connection string (DATABASE_URL). Nothing was sent.`,
      { cause: options.cause },
    );
  }
}

function describe(reason: UnreachableReason, options: { cause: unknown; timeoutMillis?: number | undefined }): string {
  const code = (options.cause as { code?: unknown } | undefined)?.code;
  const socket = typeof code === "string" ? ` (${code})` : "";
  switch (reason) {
    case "refused":
      return `nothing accepts connections there${socket}. Check that PostgreSQL (or PgBouncer) runs and listens there`;
    case "host-not-found":
      return `the host name does not resolve${socket}. Check this machine's DNS`;
    case "network":
      return `the network has no route to it${socket}. Check this machine's network and the server's address`;
    case "timeout":
      return (
        `no connection was established within ${options.timeoutMillis ?? "the pool's acquire timeout in"} ms ` +
        `(pool.acquireTimeoutMillis). Check that the server is up, reachable from here (firewall, security group, ` +
        `VPN) and not overloaded`
      );
  }
}

/** Socket error codes of a connection attempt, by what they mean. */
const SOCKET_REASONS: Readonly<Record<string, UnreachableReason>> = {
  ECONNREFUSED: "refused",
  ENOENT: "refused", // a Unix socket path nothing listens on
  ENOTFOUND: "host-not-found",
  EAI_AGAIN: "host-not-found",
  EHOSTUNREACH: "network",
  ENETUNREACH: "network",
  ETIMEDOUT: "timeout",
};

/** pg-pool's (and pg's) messages when opening a connection took longer than `connectionTimeoutMillis`. */
const CONNECT_TIMEOUT = /Connection terminated due to connection timeout|^timeout expired$/;

/**
 * The kit's error for a failed connection attempt when the database could not be reached at all (see
 * {@link DatabaseUnreachableError}); undefined for anything else (authentication, a missing database, ...).
 */
export function asDatabaseUnreachable(
  error: unknown,
  target: { host: string; port: number; timeoutMillis?: number | undefined },
): DatabaseUnreachableError | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const reason =
    typeof code === "string" && Object.hasOwn(SOCKET_REASONS, code)
      ? SOCKET_REASONS[code]
      : typeof message === "string" && CONNECT_TIMEOUT.test(message)
        ? "timeout"
        : undefined;
  if (reason === undefined) return undefined;
  return new DatabaseUnreachableError(target.host, target.port, reason, {
    cause: error,
    timeoutMillis: target.timeoutMillis,
  });
}
