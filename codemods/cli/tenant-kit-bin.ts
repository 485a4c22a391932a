#!/usr/bin/env node
// The `tenant-kit` executable. It imports the CLI lazily so `--help` does not load ts-morph and TypeScript.
import { main } from "./tenant-kit-cli.ts";

process.exitCode = await main(process.argv);
