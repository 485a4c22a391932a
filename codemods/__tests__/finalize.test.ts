import { describeCodemodFixtures } from "./fixture-harness.ts";

// Cases live in codemods/__testfixtures__/finalize/: <case>.input.ts, <case>.output.ts, optional <case>.expect.json.
describeCodemodFixtures("finalize");
