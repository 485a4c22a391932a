import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { UnsupportedPrismaError } from "../../errors/unsupported-prisma-error.ts";

/** The `@prisma/client` an app runs on, and where that was read. */
export interface PrismaVersion {
  readonly major: number;
  readonly minor: number;
  readonly text: string;
  /** `node_modules/@prisma/client/package.json`, or `package.json` (the lowest version its range allows). */
  readonly source: string;
}

/**
 * The app's `@prisma/client` version: the installed one, else the lowest its package.json range allows, else
 * undefined.
 * @example installedPrismaVersion("/repo")?.text // "6.17.1"
 */
export function installedPrismaVersion(rootDir: string): PrismaVersion | undefined {
  try {
    const manifest = createRequire(path.join(rootDir, "package.json")).resolve("@prisma/client/package.json");
    const text = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
    return parse(text, path.relative(rootDir, manifest) || manifest);
  } catch {
    // Not installed yet: the declared range says what the app will get.
  }
  try {
    const manifest = JSON.parse(readFileSync(path.join(rootDir, "package.json"), "utf8")) as Record<
      string,
      Record<string, string> | undefined
    >;
    const range = manifest.dependencies?.["@prisma/client"] ?? manifest.devDependencies?.["@prisma/client"];
    const lowest = range ? /(\d+)\.(\d+)(?:\.(\d+))?/.exec(range)?.[0] : undefined;
    return lowest ? parse(lowest, `package.json "@prisma/client": "${range}"`) : undefined;
  } catch {
    return undefined;
  }
}

function parse(text: string, source: string): PrismaVersion | undefined {
  const [major, minor] = text.split(".").map(Number);
  if (major === undefined || minor === undefined || Number.isNaN(major) || Number.isNaN(minor)) return undefined;
  return { major, minor, text, source };
}

/**
 * Refuses, before anything is planned, an app whose Prisma is older than 6.16: the kit's adapter is a driver adapter
 * and its extension needs the client engine. An unknown version passes (the notes say what is needed).
 * @throws {UnsupportedPrismaError} for Prisma < 6.16.
 */
export function assertSupportedPrisma(rootDir: string): PrismaVersion | undefined {
  const version = installedPrismaVersion(rootDir);
  if (version && (version.major < 6 || (version.major === 6 && version.minor < 16)))
    throw new UnsupportedPrismaError(version.text, version.source);
  return version;
}
