import { describeCodemodFixtures } from "./fixture-harness.ts";

// One case per idiom of a Prisma client module (and of a transaction helper, a second client, a bare-client query):
// codemods/__testfixtures__/install/<case>.input.ts|output.ts, with the manual-review reasons in <case>.expect.json.
describeCodemodFixtures("install");
