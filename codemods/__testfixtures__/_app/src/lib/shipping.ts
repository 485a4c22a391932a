/** A carrier's price for shipping to `address` (an HTTP call to the carrier's API). */
export async function quoteShipping(address: string): Promise<{ cents: number }> {
  const response = await fetch(`https://carrier.example.com/quote?to=${encodeURIComponent(address)}`);
  return (await response.json()) as { cents: number };
}

/** Tells the warehouse an order is about to ship (an HTTP call). */
export async function notifyWarehouse(orderId: string): Promise<void> {
  await fetch(`https://warehouse.example.com/orders/${encodeURIComponent(orderId)}`, { method: "POST" });
}
