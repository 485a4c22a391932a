import { NextRequest, NextResponse } from "next/server";
import { withSalesSession as auth } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return auth(request, async ({ db }) => NextResponse.json(await db.role.findMany()));
}
