import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFixtureApp } from "../../fixtures/fixture-app-copy.ts";
import { typeCheck } from "../../fixtures/sales-app-copy.ts";
import type { SiteReport } from "../runner/codemod-types.ts";
import { runPhase, runScan, type PhaseResult } from "../runner/codemod-runner.ts";

// Three small apps in shapes the sales and clinic apps lack, each through every phase out of the box
// (no config): tsc before and after each phase reports nothing new, a second run changes nothing, every phase runs
// without a file error, and scan tells the truth after each one (a write handler stays a write, with its span).
const PHASES = ["install", "scaffold", "reads", "writes", "finalize"] as const;

interface AppRun {
  readonly app: string;
  readonly read: (file: string) => string;
  readonly scan: () => SiteReport[];
  readonly results: Map<string, PhaseResult>;
  /** Scan's handlers after each phase. */
  readonly scans: Map<string, SiteReport[]>;
  readonly before: SiteReport[];
}

/** Copies `name`, checks V1 type-checks, and runs every phase with the measurements of the header. */
function runEveryPhase(name: string, run: { current?: AppRun; cleanup?: () => void }): void {
  const copy = copyFixtureApp(name);
  run.cleanup = copy.cleanup;
  const errorsOf = (): string[] =>
    typeCheck(copy.app)
      .output.split("\n")
      .filter((line) => /error TS\d+/.test(line));
  const scan = (): SiteReport[] => [...runScan({ target: path.join(copy.app, "src/app") }).handlers];
  expect(errorsOf(), `${name} type-checks as V1`).toEqual([]);
  const current: AppRun = {
    app: copy.app,
    read: (file) => readFileSync(path.join(copy.app, file), "utf8"),
    scan,
    results: new Map(),
    scans: new Map(),
    before: scan(),
  };
  run.current = current;
  for (const phase of PHASES) {
    const target = path.join(copy.app, phase === "reads" || phase === "writes" ? "src/app" : ".");
    const result = runPhase(phase, { target }, { write: true });
    expect(result.files.filter((f) => f.error).map((f) => `${f.file}: ${f.error?.message}`)).toEqual([]);
    expect(errorsOf(), `tsc errors after ${phase}`).toEqual([]);
    const again = runPhase(phase, { target }, { write: false });
    expect(
      again.files.filter((f) => f.changed).map((f) => f.file),
      `${phase} run twice`,
    ).toEqual([]);
    current.results.set(phase, result);
    current.scans.set(phase, scan());
  }
}

const line = (h: SiteReport): string =>
  `${h.methods.join(",")} ${h.location.file} ${h.wrapper} V${h.wrapperVersion} ${h.classification}`;
const changed = (result: PhaseResult | undefined): string[] =>
  (result?.files ?? [])
    .filter((f) => f.changed)
    .map((f) => f.file)
    .sort();

describe("ledger-app: the transaction helper used straight from handlers, multi-statement writes", () => {
  const run: { current?: AppRun; cleanup?: () => void } = {};
  beforeAll(() => runEveryPhase("ledger-app", run), 600_000);
  afterAll(() => run.cleanup?.());

  it("scan finds each handler's helper call, by behaviour, as a read or a write (never 'no database access')", () => {
    const { before } = run.current!;
    expect(before.map(line)).toEqual([
      "GET src/app/api/accounts/[id]/route.ts withTenant V1 read",
      "PATCH src/app/api/accounts/[id]/route.ts withTenant V1 write",
      "DELETE src/app/api/accounts/[id]/route.ts withTenant V2 write",
      "GET src/app/api/accounts/route.ts withTenant V1 read",
      "POST src/app/api/accounts/route.ts withTenant V2 write",
      "POST src/app/api/transfers/route.ts withTenant V2 write",
    ]);
    expect(before.every((h) => !h.evidence.includes("no database access"))).toBe(true);
  });

  it("reads take read-only helper calls onto a read-only prisma.$forTenant; writes shrink the one span that can shrink", () => {
    const { read, results } = run.current!;
    expect(changed(results.get("reads"))).toEqual([
      "src/app/api/accounts/[id]/route.ts",
      "src/app/api/accounts/route.ts",
    ]);
    const accounts = read("src/app/api/accounts/route.ts");
    expect(accounts).toContain("await readOnlyClient(prisma.$forTenant(member.tenantId)).account.findMany(");
    expect(accounts).toContain('import { prisma } from "@/server/db";');
    const account = read("src/app/api/accounts/[id]/route.ts");
    expect(account).toContain("const db = readOnlyClient(prisma.$forTenant(member.tenantId));");
    expect(account).toContain("const statement = { account, entries };");
    // PATCH: the audit read only feeds the response, so it leaves; the update and the audit line stay together.
    const patch = account.slice(account.indexOf("export async function PATCH"), account.indexOf("// Closing"));
    expect(patch.indexOf("auditEvent.findFirst")).toBeLessThan(patch.indexOf("withTenant(member.tenantId"));
    expect(patch).toMatch(/withTenant\(member\.tenantId, async \(tx\) => \{\s+await tx\.account\.update/);
    expect(patch).toContain("const renamed = { id, name, previousAction: previous?.action ?? null };");
    // The transfer's four writes and the balance read deciding them stay one transaction, untouched.
    expect(changed(results.get("writes"))).toEqual(["src/app/api/accounts/[id]/route.ts"]);
  });

  it("after every phase, scan calls each write handler a write, in its span", () => {
    const { scans } = run.current!;
    expect(scans.get("writes")!.map(line)).toEqual([
      "PATCH src/app/api/accounts/[id]/route.ts withTenant V2 write",
      "DELETE src/app/api/accounts/[id]/route.ts withTenant V2 write",
      "POST src/app/api/accounts/route.ts withTenant V2 write",
      "POST src/app/api/transfers/route.ts withTenant V2 write",
    ]);
    expect(scans.get("finalize")).toEqual(scans.get("writes"));
  });
});

describe("studio-app: a client-first helper (prisma, studioId, fn) inside handlers after auth, Prisma 6 client-js", () => {
  const run: { current?: AppRun; cleanup?: () => void } = {};
  beforeAll(() => runEveryPhase("studio-app", run), 600_000);
  afterAll(() => run.cleanup?.());

  it("finds every call site of the helper, the client and tenant id by data flow", () => {
    expect(run.current!.before.map(line)).toEqual([
      "POST src/app/api/projects/[id]/archive/route.ts scopedToStudio V2 write",
      "GET src/app/api/projects/[id]/route.ts scopedToStudio V1 read",
      "POST src/app/api/projects/[id]/route.ts scopedToStudio V1 write",
      "GET src/app/api/projects/route.ts scopedToStudio V1 read",
      "POST src/app/api/projects/route.ts scopedToStudio V2 write",
    ]);
  });

  it("reads run on the call's own client; writes keep Promise.all and the repository function in the span", () => {
    const { read } = run.current!;
    const projects = read("src/app/api/projects/route.ts");
    expect(projects).toContain("await readOnlyClient(prisma.$forTenant(session.studioId)).project.findMany(");
    const project = read("src/app/api/projects/[id]/route.ts");
    expect(project).toContain("const db = readOnlyClient(prisma.$forTenant(session.studioId));");
    expect(project).toMatch(/await scopedToStudio\(prisma, session\.studioId, \(tx\) =>\s+Promise\.all\(/);
    expect(project).toContain("const total = await readOnlyClient(prisma.$forTenant(session.studioId)).asset.count(");
    expect(read("src/app/api/projects/[id]/archive/route.ts")).toContain(
      "await scopedToStudio(prisma, session.studioId, (tx) => archiveProject(tx, id));",
    );
  });

  it("after every phase, scan calls each write handler a write, in its span", () => {
    expect(run.current!.scans.get("finalize")!.map(line)).toEqual([
      "POST src/app/api/projects/[id]/archive/route.ts scopedToStudio V2 write",
      "POST src/app/api/projects/[id]/route.ts scopedToStudio V2 write",
      "POST src/app/api/projects/route.ts scopedToStudio V2 write",
    ]);
  });
});

describe("tasks-app: strict Prisma 7, a request wrapper found by behaviour, no transaction helper, guards first", () => {
  const run: { current?: AppRun; cleanup?: () => void } = {};
  beforeAll(() => runEveryPhase("tasks-app", run), 600_000);
  afterAll(() => run.cleanup?.());

  it("finds runForOrg as the tenant wrapper and withMember on it with no config and no @/lib/tenant", () => {
    const { before, results } = run.current!;
    expect(results.get("scaffold")!.wrappers.map((w) => `${w.kind} ${w.name} ${w.source}`)).toEqual([
      "tenant runForOrg behaviour",
      "session withMember discovered",
    ]);
    expect(before.map(line)).toEqual([
      "POST src/app/api/boards/[id]/tasks/route.ts withMember V1 write",
      "GET src/app/api/boards/route.ts withMember V1 read",
      "POST src/app/api/boards/route.ts withMember V1 write",
      "GET src/app/api/tasks/[id]/route.ts withMember V1 read",
      "PATCH src/app/api/tasks/[id]/route.ts withMember V1 write",
    ]);
  });

  it("writes open the kit's $withTenant, keep the guards' narrowing in consts, and return from inside the span", () => {
    const { read } = run.current!;
    const boards = read("src/app/api/boards/route.ts");
    expect(boards).toMatch(
      /const name = body\.name;\s+return prisma\.\$withTenant\(orgId, async \(tx\) => \{\s+const board = await tx\.board\.create\(\{ data: \{ orgId, name: name \} \}\);/,
    );
    const tasks = read("src/app/api/boards/[id]/tasks/route.ts");
    expect(tasks).toContain("const title = input.title;");
    expect(tasks).toContain("return prisma.$withTenant(orgId, async (tx) => {");
    for (const text of [boards, tasks, read("src/app/api/tasks/[id]/route.ts")]) {
      expect(text).not.toMatch(/returned: (true|false) as const|txResult/);
      expect(text).not.toMatch(/\b(name|title|done)2\b/);
    }
    // PATCH: the count after the writes is for the response only: it stays outside the span, on the reader.
    const patch = read("src/app/api/tasks/[id]/route.ts");
    expect(patch.indexOf("await db.task.count(")).toBeGreaterThan(patch.indexOf("await prisma.$withTenant(orgId"));
  });

  it("after every phase, scan calls each write handler a write, on V2, with its span", () => {
    const { scans } = run.current!;
    for (const phase of ["writes", "finalize"]) {
      expect(scans.get(phase)!.map(line), phase).toEqual([
        "POST src/app/api/boards/[id]/tasks/route.ts withMember V2 write",
        "GET src/app/api/boards/route.ts withMember V2 read",
        "POST src/app/api/boards/route.ts withMember V2 write",
        "GET src/app/api/tasks/[id]/route.ts withMember V2 read",
        "PATCH src/app/api/tasks/[id]/route.ts withMember V2 write",
      ]);
    }
    const evidence = scans
      .get("writes")!
      .find((h) => h.methods.includes("PATCH"))!
      .evidence.join("\n");
    expect(evidence).toMatch(/write: tx\.task\.update .*\$withTenant span/);
  });
});
