import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { TypeCheckRequest } from "./type-check-protocol.ts";
import { verifyOverlays } from "./type-check-session.ts";

// A process of its own: a large app's program takes gigabytes of heap, which the CLI's process is not started with,
// and the memory goes back to the system when the check ends.
const request = JSON.parse(readFileSync(0, "utf8")) as TypeCheckRequest;
process.stdout.write(JSON.stringify(verifyOverlays(createRequire(import.meta.url)(request.typescriptPath), request)));
