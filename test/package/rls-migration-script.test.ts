import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { createConsumer } from "../../fixtures/packed-kit.ts";
import { REPO_ROOT } from "../../fixtures/sales-app-copy.ts";

let consumer: string | undefined;
afterAll(() => {
  if (consumer) rmSync(consumer, { recursive: true, force: true });
});

// docs/rls-migrations.md gives a script and the command that runs it: both must work in an app that installed the
// kit and nothing else (no TypeScript runner).
it("the script of docs/rls-migrations.md runs with the command it names and writes the migration", () => {
  const doc = readFileSync(path.join(REPO_ROOT, "docs/rls-migrations.md"), "utf8");
  const script = /```js\n(\/\/ (\S+) \(run with: ([^)]+)\)\n[\s\S]*?)```/.exec(doc);
  expect(script, "the first js block starts with // <file> (run with: <command>)").not.toBeNull();
  const [, source, file, command] = script as unknown as [string, string, string, string];
  const [program, ...args] = command.split(" ");
  expect(program).toBe("node");

  consumer = createConsumer({ name: "rls-script" });
  mkdirSync(path.join(consumer, path.dirname(file)), { recursive: true });
  writeFileSync(path.join(consumer, file), source);
  execFileSync(process.execPath, args, { cwd: consumer, stdio: "pipe" });

  const sql = readFileSync(path.join(consumer, "prisma/migrations/20261123000000_rls/migration.sql"), "utf8");
  expect(sql).toContain('ALTER TABLE "Customer" FORCE ROW LEVEL SECURITY;');
  expect(sql).toContain(`WITH CHECK ("tenantId" = NULLIF(current_setting('app.tenant_id', true), ''))`);
});
