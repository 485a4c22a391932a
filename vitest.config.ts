import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "codemods/**/*.test.ts"],
    globalSetup: ["test/setup/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One Postgres serves every file; files run in parallel workers against their own databases.
    pool: "forks",
  },
});
