import { describeCodemodFixtures } from "./fixture-harness.ts";

// Cases live in codemods/__testfixtures__/reads/: <case>.input.ts, <case>.output.ts, optional <case>.expect.json.
describeCodemodFixtures("reads");
