#!/usr/bin/env node
// Launcher of the tenant-kit CLI: registers tsx so the TypeScript sources run as they are (no build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../codemods/cli/tenant-kit-cli.ts");
process.exitCode = await main(process.argv);
