import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "../../../lib/auth/sales";

// Imported through a relative path instead of the "@/..." alias: the same module.
export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async ({ db }) => NextResponse.json(await db.permission.findMany()));
}
