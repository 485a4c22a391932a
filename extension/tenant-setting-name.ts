import { InvalidTenantKitOptionError } from "./errors/invalid-tenant-kit-option-error.ts";

/** The setting the kit writes and the generated policies read, unless configured otherwise. */
export const DEFAULT_TENANT_SETTING = "app.tenant_id";

// Postgres takes any dotted name as a custom setting: `app.tenant_id`, and also `request.jwt.claims` (Supabase).
const CUSTOM_SETTING = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** A custom setting of two or more parts, e.g. `app.user_id` or Supabase's `request.jwt.claims`. */
const DOTTED_SETTING = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/**
 * True when Postgres accepts `name` as a custom setting name: two or more parts of letters, digits and `_`, joined by
 * dots (`app.user_id`, `request.jwt.claims`). Safe to splice into `SET LOCAL <name> = ...`.
 */
export function isCustomSettingName(name: string): boolean {
  return DOTTED_SETTING.test(name);
}

/**
 * Returns `setting` if Postgres accepts it as a custom setting name (`prefix.name`, or more parts), else throws.
 * @throws {InvalidTenantKitOptionError} naming the option and the accepted form.
 */
export function assertTenantSettingName(setting: string, option = "setting"): string {
  if (!CUSTOM_SETTING.test(setting)) {
    throw new InvalidTenantKitOptionError(
      option,
      `${JSON.stringify(setting)} is not a custom setting name; use "prefix.name", ` +
        `e.g. "${DEFAULT_TENANT_SETTING}", the name your policies read.`,
    );
  }
  return setting;
}
