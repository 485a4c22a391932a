import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";

export async function GET(request: NextRequest) {
  // tenant-kit: dynamic-db-access - replace db[model] with a switch over the models, or migrate by hand
  return withSalesSession(request, async ({ db }) => {
    const model = request.nextUrl.searchParams.get("model") ?? "customer";
    const delegate = (db as unknown as Record<string, { count(): Promise<number> }>)[model];
    return NextResponse.json({ count: await delegate?.count() });
  });
}
