import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by `runDoctor` when it cannot connect or read the catalogs: nothing was judged, so there is no report. The
 * message includes the server's answer (the URL's password is never shown); the original error is the `cause`.
 *
 * @example
 * ```ts
 * await runDoctor({ connectionString: "postgres://app@db:5432/missing" }); // rejects: DOCTOR_CANNOT_CONNECT
 * ```
 */
export class DoctorConnectionError extends TenantKitError {
  override readonly name = "DoctorConnectionError";
  readonly code = "DOCTOR_CANNOT_CONNECT";

  constructor(target: string, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      `The doctor could not connect to or read ${target}: ${reason}. Pass the application role's DATABASE_URL ` +
        `(--url or connectionString), check that the server is reachable and the role may log in.`,
      options,
    );
  }
}
