import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

// Still on V1 (say, a handler left for manual review): finalize must not remove V1.
export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ db }) => NextResponse.json(await db.role.findMany()));
}
