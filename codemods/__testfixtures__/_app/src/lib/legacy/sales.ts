import type { NextRequest } from "next/server";

/**
 * A same-named, unrelated helper (an old, database-free wrapper kept for a health probe). The codemods
 * must recognize wrappers by where they come from, so routes using this one are left alone.
 */
export async function withSalesSession(
  request: NextRequest,
  handler: (context: { requestId: string }) => Promise<Response>,
): Promise<Response> {
  return handler({ requestId: request.headers.get("x-request-id") ?? "none" });
}
