import pg from "pg";

/**
 * True when the connection itself is unusable: a socket error, a read timeout, a client that already lost its
 * connection, or a FATAL/PANIC from the server (e.g. pg_terminate_backend). A plain statement error (severity ERROR)
 * leaves the connection clean after its Sync.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error === undefined) return false;
  const severity = (error as { severity?: unknown }).severity;
  return !(error instanceof pg.DatabaseError) || severity === "FATAL" || severity === "PANIC";
}
