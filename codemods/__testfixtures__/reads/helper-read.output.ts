import { NextRequest, NextResponse } from "next/server";
import { withSalesSessionV2 } from "@/lib/auth/sales";
import { listRecentOrders } from "@/lib/repos/orders-repo";
import { countCustomers } from "@/lib/repos/customers-repo";

export async function GET(request: NextRequest) {
  return withSalesSessionV2(request, async ({ tenantId, db }) => {
    const orders = await listRecentOrders(db, tenantId, 10);
    const customers = await countCustomers(db, tenantId);
    return NextResponse.json({ orders, customers });
  });
}
