import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Project } from "ts-morph";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main, type CliIo } from "../cli/tenant-kit-cli.ts";
import { EXIT_CODES } from "../cli/exit-codes.ts";
import { markerEdit, markerLine } from "../edits/review-marker.ts";
import { applyEdits, indentUnit } from "../edits/text-edit.ts";
import { FIXTURES_DIR } from "./fixture-harness.ts";

// Two handlers the kit cannot prove (a computed model, db handed to a hook) beside one it migrates.
const ROUTE =
  `import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";
import { afterImportHooks } from "@/lib/plugins";

export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ db }) => {
    const model = request.nextUrl.searchParams.get("model") ?? "customer";
    return NextResponse.json(await (db as unknown as Record<string, { count(): Promise<number> }>)[model].count());
  });
}

export async function POST(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    for (const hook of afterImportHooks) await hook(db, tenantId);
    return NextResponse.json({ ok: true });
  });
}

export async function HEAD(request: NextRequest) {
  return withSalesSession(request, async ({ db }) => new NextResponse(null, ` +
  `{ status: (await db.customer.count()) ? 200 : 204 }));
}
`;

function capture(): CliIo & { out: () => string } {
  let out = "";
  return { stdout: (t) => void (out += t), stderr: () => undefined, color: false, progress: false, out: () => out };
}

type Site = { file: string; line: number; column: number; reason: string; fix: string };

describe("// tenant-kit: markers", () => {
  let root: string;
  let route: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "tenant-kit-markers-"));
    cpSync(path.join(FIXTURES_DIR, "_app"), root, { recursive: true });
    route = path.join(root, "src/app/api/mixed/route.ts");
    mkdirSync(path.dirname(route), { recursive: true });
    writeFileSync(route, ROUTE);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("reads marks each handler it leaves, --json lists the same sites, and a second run changes nothing", async () => {
    const io = capture();
    expect(
      await main(
        ["node", "tenant-kit", "migrate", path.join(root, "src/app"), "--phase", "reads", "--force", "--json"],
        io,
      ),
    ).toBe(EXIT_CODES.manualReview);
    const json = JSON.parse(io.out()) as { reviewSites: Site[] };
    const written = readFileSync(route, "utf8");
    const markers = written
      .split("\n")
      .flatMap((line, i) =>
        line.trimStart().startsWith("// tenant-kit:") ? [{ line: i + 1, text: line.trim() }] : [],
      );
    expect(markers.map((m) => m.text)).toEqual([
      "// tenant-kit: dynamic-db-access - replace db[model] with a switch over the models, or migrate by hand",
      "// tenant-kit: unresolved-callee - check what the callee does with db, then migrate by hand",
    ]);
    expect(json.reviewSites.map((s) => markerLine(s.reason, s.fix))).toEqual(markers.map((m) => m.text));
    // Each site is the wrapper call of the handler the marker sits above (lines as the phase found the file).
    expect(json.reviewSites.map((s) => [s.file, s.line, s.column])).toEqual([
      ["src/app/api/mixed/route.ts", 6, 10],
      ["src/app/api/mixed/route.ts", 13, 10],
    ]);
    expect(written).toContain("withSalesSessionV2(request, async ({ db }) => new NextResponse");

    const again = capture();
    expect(
      await main(
        ["node", "tenant-kit", "migrate", path.join(root, "src/app"), "--phase", "reads", "--force", "--json"],
        again,
      ),
    ).toBe(EXIT_CODES.manualReview);
    expect((JSON.parse(again.out()) as { summary: { changed: number } }).summary.changed).toBe(0);
    expect(readFileSync(route, "utf8")).toBe(written);
    // The writes phase finds the same handlers unknown and the same markers: still nothing to change.
    const writes = capture();
    await main(
      ["node", "tenant-kit", "migrate", path.join(root, "src/app"), "--phase", "writes", "--force", "--json"],
      writes,
    );
    expect(readFileSync(route, "utf8")).toBe(written);
  });

  it("scan --json lists the sites the phases mark", async () => {
    const io = capture();
    expect(await main(["node", "tenant-kit", "scan", path.join(root, "src/app"), "--json"], io)).toBe(
      EXIT_CODES.manualReview,
    );
    const sites = (JSON.parse(io.out()) as { reviewSites: Site[] }).reviewSites;
    expect(sites.map((s) => `${s.line}:${s.reason}`)).toEqual(["6:dynamic-db-access", "13:unresolved-callee"]);
    expect(sites.every((s) => s.fix.length > 0)).toBe(true);
  });

  it("--no-markers migrates the same and writes no marker", async () => {
    const io = capture();
    expect(
      await main(
        [
          "node",
          "tenant-kit",
          "migrate",
          path.join(root, "src/app"),
          "--phase",
          "reads",
          "--force",
          "--no-markers",
          "--json",
        ],
        io,
      ),
    ).toBe(EXIT_CODES.manualReview);
    const written = readFileSync(route, "utf8");
    expect(written).not.toContain("tenant-kit:");
    expect(written).toContain("withSalesSessionV2(request, async ({ db }) => new NextResponse");
    expect((JSON.parse(io.out()) as { reviewSites: Site[] }).reviewSites).toHaveLength(2);
  });
});

describe("markerEdit", () => {
  const source = "function f() {\n    // tenant-kit: old-reason - old fix\n    return g();\n}\n";
  const call = () =>
    new Project({ useInMemoryFileSystem: true })
      .createSourceFile("a.ts", source)
      .getFunctionOrThrow("f")
      .getBodyOrThrow()
      .getDescendants()
      .find((n) => n.getText() === "g()")!;

  it("replaces the marker block when the reasons changed, at the statement's indentation", () => {
    const edit = markerEdit(source, call(), [markerLine("db-escapes", "fix a"), markerLine("db-escapes", "fix a")]);
    expect(applyEdits(source, [edit!])).toBe(
      "function f() {\n    // tenant-kit: db-escapes - fix a\n    return g();\n}\n",
    );
  });

  it("leaves a matching block alone and removes it when nothing is left to review", () => {
    expect(markerEdit(source, call(), ["// tenant-kit: old-reason - old fix"])).toBeUndefined();
    expect(applyEdits(source, [markerEdit(source, call(), [])!])).toBe("function f() {\n    return g();\n}\n");
  });
});

describe("indentUnit", () => {
  it("reads the step between code lines, not the one space of a JSDoc block", () => {
    expect(indentUnit("/**\n * Docs.\n */\nexport function f() {\n  if (a) {\n    b();\n  }\n}\n")).toBe("  ");
    expect(indentUnit("function f() {\n    return 1;\n}\n")).toBe("    ");
    expect(indentUnit("function f() {\n\treturn 1;\n}\n")).toBe("\t");
    expect(indentUnit("const a = 1;\n")).toBe("  ");
  });
});
