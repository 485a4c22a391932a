import type { PrismaSchemaInfo } from "../../analysis/prisma-schema-info.ts";
import type { PrismaVersion } from "./prisma-version.ts";

/**
 * What the user must still do after install, printed with the client module's result: the packages, the generator,
 * and checking the policies against the setting the adapter sets.
 * @example followUpNotes("prisma-tenant-kit", version, schema, "app.tenant_id")[0] // "install: npm install ..."
 */
export function followUpNotes(
  kitModule: string,
  version: PrismaVersion | undefined,
  schema: PrismaSchemaInfo,
  setting: string,
): string[] {
  const notes: string[] = [
    `install: npm install ${kitModule} @prisma/adapter-pg pg ` +
      `(the kit's adapter runs on pg; Prisma must be 7, or 6.16+ with driver adapters)`,
  ];
  if (schema.generatorProvider === "prisma-client-js" && (!version || version.major < 7)) {
    notes.push(
      `install: ${schema.schemaPath ?? "schema.prisma"} uses the prisma-client-js generator: ` +
        `on Prisma 6 set engineType = "client" in it (no query engine binary; the kit's adapter is a driver ` +
        `adapter), then run prisma generate`,
    );
  }
  notes.push(
    `install: the adapter sets "${setting}" per query; ` +
      `run tenant-kit doctor against the database to check that every tenant table's policy reads it ` +
      `and that the app's role is not superuser, has no BYPASSRLS and owns no table`,
  );
  return notes;
}
