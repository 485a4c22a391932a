// Maintainer script: rewrites each case's <case>.output.ts of a codemod with what the codemod now produces, so a
// deliberate change of output is reviewed as a diff of the fixtures. `npx tsx codemods/__tests__/regenerate-fixtures.ts scaffold`
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { CodemodId } from "../runner/codemod-types.ts";
import { FIXTURES_DIR, listCases, runOnSource } from "./fixture-harness.ts";

const codemod = process.argv[2] as CodemodId;
for (const fixture of listCases(codemod)) {
  const { after } = runOnSource(codemod, fixture.input, fixture.casePath);
  writeFileSync(path.join(FIXTURES_DIR, codemod, `${fixture.name}.output.ts`), after);
}
