import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/legacy/sales";

// Same name as the V1 wrapper, another module: not a wrapper, left byte-identical.
export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ requestId }) => NextResponse.json({ pong: requestId }));
}
