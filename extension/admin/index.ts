export { createAdminAdapter } from "./create-admin-adapter.ts";
export type { AdminAdapterOptions } from "./create-admin-adapter.ts";
export { AdminRoleError } from "../errors/admin-role-error.ts";
