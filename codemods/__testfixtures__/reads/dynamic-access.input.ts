import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ db }) => {
    const model = request.nextUrl.searchParams.get("model") ?? "customer";
    const delegate = (db as unknown as Record<string, { count(): Promise<number> }>)[model];
    return NextResponse.json({ count: await delegate?.count() });
  });
}
