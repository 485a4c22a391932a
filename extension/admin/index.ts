export { createAdminAdapter } from "./create-admin-adapter.ts";
export type { AdminAdapterOptions } from "../adapter-options.ts";
export { AdminRoleError } from "../errors/admin-role-error.ts";
