// @tenant-kit-fixture path=src/lib/prisma.ts
import { PrismaClient } from "@/generated/prisma/client";

const slowQueryMillis = 200;

export const prisma = new PrismaClient({ log: [{ emit: "event", level: "query" }] });

// Slow queries go to the log; the listener belongs to the base client, which owns the events.
prisma.$on("query", (event) => {
  if (event.duration > slowQueryMillis) console.warn(`slow query (${event.duration} ms): ${event.query}`);
});
