import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ts as bundledTypeScript } from "ts-morph";
import type { TypeCheckRequest } from "./type-check-protocol.ts";
import { verifyOverlays } from "./type-check-session.ts";

// A process of its own: a large app's program takes gigabytes of heap, which the CLI's process is not started with,
// and the memory goes back to the system when the check ends.
const request = JSON.parse(readFileSync(0, "utf8")) as TypeCheckRequest;
const typescript = request.typescriptPath
  ? (createRequire(import.meta.url)(request.typescriptPath) as typeof bundledTypeScript)
  : bundledTypeScript;
process.stdout.write(JSON.stringify(verifyOverlays(typescript, request)));
