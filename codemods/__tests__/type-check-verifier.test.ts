import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { aboutReadOnlyClient, verifyOverlays } from "../verify/type-check-session.ts";

// The verifier on a three-file app: what it keeps, reverts and refuses, compared with the errors the app already had.
describe("the phase type check (verifyOverlays)", () => {
  let root: string;
  const write = (files: Record<string, string>): void => {
    root = mkdtempSync(path.join(os.tmpdir(), "tenant-kit-verify-"));
    writeFileSync(
      path.join(root, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "nodenext" } }),
    );
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
  };
  const verify = (overlays: Record<string, string>) =>
    verifyOverlays(ts, {
      tsconfigPath: path.join(root, "tsconfig.json"),
      typescriptPath: createRequire(import.meta.url).resolve("typescript"),
      overlays: Object.fromEntries(Object.entries(overlays).map(([file, text]) => [path.join(root, file), text])),
    });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const app = {
    "lib.ts":
      "export type Db = { read(): number; write(): void };\nexport const size = (db: Db): number => db.read();\n",
    "route.ts": 'import { size, type Db } from "./lib.js";\nexport const handler = (db: Db): number => size(db);\n',
    // An error the app already has: never counted against a phase.
    "old.ts": 'import type { Db } from "./lib.js";\nexport const broken: number = ({} as Db) as unknown as string;\n',
  };

  it("keeps edits that add no error, whatever errors the app already had", () => {
    write(app);
    const edit = { "route.ts": `${app["route.ts"]}export const twice = (db: Db): number => 2 * size(db);\n` };
    const result = verify(edit);
    expect(result.accepted).toEqual([path.join(root, "route.ts")]);
    expect(result.reverted).toEqual([]);
    expect(result.blocking).toEqual([]);
  });

  it("reverts a changed file whose edit adds an error, naming it as file:line:col", () => {
    write(app);
    const result = verify({
      "route.ts": 'import { type Db } from "./lib.js";\nexport const handler = (db: Db): number => db.write();\n',
      "lib.ts": `${app["lib.ts"]}export const unused = 1;\n`,
    });
    expect(result.accepted).toEqual([path.join(root, "lib.ts")]);
    expect(result.reverted).toHaveLength(1);
    expect(result.reverted[0]).toMatchObject({ file: path.join(root, "route.ts") });
    expect(result.reverted[0]!.errors[0]).toMatchObject({ file: "route.ts", line: 2, code: 2322 });
  });

  it("reverts the changed module that an unchanged importer no longer compiles against", () => {
    write(app);
    const renamed =
      "export type Db = { read(): number; write(): void };\nexport const count = (db: Db) => db.read();\n";
    const result = verify({ "lib.ts": renamed });
    expect(result.accepted).toEqual([]);
    expect(result.reverted.map((r) => r.file)).toEqual([path.join(root, "lib.ts")]);
    expect(result.blocking).toEqual([]);
  });

  it("does not count an old error of an unchanged file whose message now prints a changed type", () => {
    write(app);
    const widened =
      "export type Db = { read(): number; write(): void; count(): number };\n" +
      "export const size = (db: Db): number => db.read();\n";
    const result = verify({ "lib.ts": widened });
    expect(result.accepted).toEqual([path.join(root, "lib.ts")]);
    expect(result.reverted).toEqual([]);
  });

  // A route with an error it already had (a model that does not exist), as a span moves it: the same line, a message
  // printing the span's client.
  const broken = {
    ...app,
    "lib.ts":
      "export type Db = { read(): number; write(): void };\n" +
      "export type Tx = { read(): number; write(): void; tx: true };\n" +
      "export type ReadDelegate<D> = { read: D };\n" +
      "export const inTx = <T>(fn: (tx: Tx) => T): T => fn({ read: () => 1, write: () => {}, tx: true });\n",
    "route.ts":
      'import type { Db } from "./lib.js";\nexport const handler = (db: Db) => {\n  db.missing();\n  return db.read();\n};\n',
  };

  it("does not count an old error of a line a phase moved, whose message now prints the client it moved onto", () => {
    write(broken);
    const moved =
      'import { inTx, type Db } from "./lib.js";\nexport const handler = (db: Db) => {\n' +
      "  inTx((tx) => {\n    tx.missing();\n  });\n  return db.read();\n};\n";
    const result = verify({ "route.ts": moved });
    expect(result.reverted).toEqual([]);
    expect(result.accepted).toEqual([path.join(root, "route.ts")]);
  });

  it("counts an error at a line that had one when it is about the read-only client, or when it now appears twice", () => {
    write(broken);
    const readOnly =
      'import type { Db, ReadDelegate } from "./lib.js";\nexport const handler = (db: ReadDelegate<Db>) => {\n' +
      "  db.missing();\n  return db.read.read();\n};\n";
    expect(verify({ "route.ts": readOnly }).reverted.map((r) => r.errors[0]?.code)).toEqual([2339]);
    const twice =
      'import type { Db } from "./lib.js";\nexport const handler = (db: Db, other: Db & { x: 1 }) => {\n' +
      "  db.missing();\n  other.missing();\n  return db.read();\n};\n";
    expect(verify({ "route.ts": twice }).reverted).toHaveLength(1);
  });

  it("tells a message about the read-only client from one that only prints it", () => {
    expect(aboutReadOnlyClient("Property 'create' does not exist on type 'ReadDelegate<OrderDelegate>'.")).toBe(true);
    expect(aboutReadOnlyClient("Property '$executeRaw' does not exist on type '{ readonly $queryRaw: X }'.")).toBe(
      true,
    );
    const handedOn =
      "Argument of type '{ readonly $queryRaw: X; }' is not assignable to parameter of type 'PrismaClient'.";
    expect(aboutReadOnlyClient(handedOn)).toBe(true);
    // A model the app does not have, a context that only holds the client, an argument of the app's own that does
    // not fit a parameter typed read-only: the app's own errors.
    const intoReadOnly =
      "Argument of type 'PrismaClient | TransactionClient' is not assignable to parameter of type '{ readonly $queryRaw: X; }'.";
    expect(aboutReadOnlyClient(intoReadOnly)).toBe(false);
    expect(aboutReadOnlyClient("Property 'widget' does not exist on type '{ readonly $queryRaw: X }'.")).toBe(false);
    expect(
      aboutReadOnlyClient(
        "Property 'session' does not exist on type '{ tenantId: string; db: { readonly $queryRaw: X } }'.",
      ),
    ).toBe(false);
  });
});
