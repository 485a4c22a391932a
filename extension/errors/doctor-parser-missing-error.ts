import { TenantKitError } from "./tenant-kit-error.ts";

/**
 * Thrown by `runDoctor` when `libpg-query` (PostgreSQL's own parser compiled to WebAssembly, which the doctor reads
 * policy expressions and function bodies with) is not installed. `@prisma-tenant-kit/codemod` depends on it; an app
 * calling `runDoctor` itself installs it next to the kit, so apps that never run the doctor do not carry it.
 *
 * @example
 * ```ts
 * await runDoctor({ connectionString }); // rejects: DOCTOR_PARSER_MISSING, "npm install libpg-query@^18"
 * ```
 */
export class DoctorParserMissingError extends TenantKitError {
  override readonly name = "DoctorParserMissingError";
  readonly code = "DOCTOR_PARSER_MISSING";

  constructor(options: { cause: unknown }) {
    super(
      "runDoctor reads policies with PostgreSQL's own SQL parser (the libpg-query package), which is not " +
        "installed. Run npm install libpg-query@^18 next to prisma-tenant-kit, or use the tenant-kit CLI " +
        "(@prisma-tenant-kit/codemod), which brings it.",
      options,
    );
  }
}
