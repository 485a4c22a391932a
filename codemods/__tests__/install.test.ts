import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../cli/exit-codes.ts";
import { main, type CliIo } from "../cli/tenant-kit-cli.ts";
import { UnsupportedPrismaError } from "../errors/unsupported-prisma-error.ts";
import { runPhase } from "../runner/codemod-runner.ts";
import { describeCodemodFixtures, FIXTURES_DIR } from "./fixture-harness.ts";

// One case per idiom of a Prisma client module (and of a transaction helper, hooks on the client, client types across
// modules, a second client, a re-run): codemods/__testfixtures__/install/<case>.input.ts|output.ts, with the
// manual-review reasons and notes in <case>.expect.json; a case spans modules with `// @tenant-kit-fixture file=` lines.
describeCodemodFixtures("install");

describe("install on an app older than Prisma 6.16", () => {
  let root: string;
  const PRISMA_MODULE = `import { PrismaClient } from "@prisma/client";\n\nexport const prisma = new PrismaClient();\n`;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "tenant-kit-old-prisma-"));
    cpSync(path.join(FIXTURES_DIR, "_app"), root, { recursive: true });
    writeFileSync(path.join(root, "src/lib/prisma.ts"), PRISMA_MODULE);
    const client = path.join(root, "node_modules", "@prisma", "client");
    mkdirSync(client, { recursive: true });
    writeFileSync(path.join(client, "package.json"), JSON.stringify({ name: "@prisma/client", version: "5.22.0" }));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("refuses with one typed error naming the version and the upgrade, and writes nothing", () => {
    let thrown: unknown;
    try {
      runPhase("install", { target: root }, { write: true });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsupportedPrismaError);
    expect((thrown as UnsupportedPrismaError).code).toBe("TENANT_KIT_PRISMA_TOO_OLD");
    expect((thrown as UnsupportedPrismaError).message).toContain("The app uses Prisma 5.22.0");
    expect((thrown as UnsupportedPrismaError).message).toContain("npm install prisma@^6.16 @prisma/client@^6.16");
    expect(readFileSync(path.join(root, "src/lib/prisma.ts"), "utf8")).toBe(PRISMA_MODULE);
  });

  it("exits with the usage code (2) and prints the message once", async () => {
    let err = "";
    const io: CliIo = { stdout: () => {}, stderr: (t) => void (err += t), color: false, progress: false };
    const code = await main(["node", "tenant-kit", "migrate", root, "--phase", "install", "--force"], io);
    expect(code).toBe(EXIT_CODES.usage);
    expect(err.match(/TENANT_KIT_PRISMA_TOO_OLD/g)).toHaveLength(1);
    expect(err).toContain("Upgrade first");
    expect(readFileSync(path.join(root, "src/lib/prisma.ts"), "utf8")).toBe(PRISMA_MODULE);
  });

  it("reads the range of package.json when @prisma/client is not installed", () => {
    rmSync(path.join(root, "node_modules"), { recursive: true, force: true });
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ dependencies: { "@prisma/client": "^6.2.1" } }));
    expect(() => runPhase("install", { target: root }, { write: false })).toThrow(/Prisma 6\.2\.1 \(package\.json/);
  });
});
