import { NextRequest, NextResponse } from "next/server";
import { withSalesSession } from "@/lib/auth/sales";
import { findCustomerByEmail } from "@/lib/repos/customer-lookup";

// The helper falls back to the shared client when no db is given: `db || (await import(...)).prisma`.
export async function GET(request: NextRequest) {
  return withSalesSession(request, async ({ tenantId, db }) => {
    const email = request.nextUrl.searchParams.get("email") ?? "";
    const customer = await findCustomerByEmail(tenantId, email, db);
    return customer ? NextResponse.json(customer) : NextResponse.json({ error: "Not found." }, { status: 404 });
  });
}
