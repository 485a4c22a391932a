/**
 * Builds the workspace package in the current directory with tsdown's API and its tsdown.config.ts (what
 * `tsdown --logLevel warn` does). Not the CLI: from 0.21 its entry warns on every run under Node < 22.18 that Node 20
 * is deprecated, while the packages it builds support Node 20.19+ (tsdown is held to ~0.21 in package.json, the last
 * minor that runs on Node 20).
 *
 * Usage, as each workspace's `build` script: `node ../scripts/build-package.mjs`
 */
import { build } from "tsdown";

await build({ logLevel: "warn" });
