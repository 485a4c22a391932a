// @tenant-kit-fixture path=src/lib/reporting/reporting-db.ts
import { PrismaClient } from "@/generated/prisma/client";

// A read replica for reports, imported by more modules than the shared client: still not the shared client, because
// that one is already built on the kit (a re-run of install never moves to another module).
export const reportingDb = new PrismaClient({ datasourceUrl: process.env.REPORTING_URL });
// @tenant-kit-fixture file=src/lib/reporting/daily.ts
import { reportingDb } from "./reporting-db";
export const daily = () => reportingDb.tenant.count();
// @tenant-kit-fixture file=src/lib/reporting/weekly.ts
import { reportingDb } from "./reporting-db";
export const weekly = () => reportingDb.tenant.count();
// @tenant-kit-fixture file=src/lib/reporting/monthly.ts
import { reportingDb } from "./reporting-db";
export const monthly = () => reportingDb.tenant.count();
// @tenant-kit-fixture file=src/lib/reporting/yearly.ts
import { reportingDb } from "./reporting-db";
export const yearly = () => reportingDb.tenant.count();
