import { CodemodError } from "./codemod-error.ts";

/**
 * The configuration (config file or flags) is missing, unreadable or names something that does not exist.
 * @example
 * throw new ConfigError(
 *   "tenant-kit.config.json: \"tenantModule\" must be a string; set it to the import specifier of your tenant " +
 *     "module, e.g. \"@/lib/tenant\".",
 * );
 */
export class ConfigError extends CodemodError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("TENANT_KIT_CONFIG_INVALID", message, options);
  }
}
