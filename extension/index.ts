export { createTenantAdapter, TenantAdapterFactory } from "./create-tenant-adapter.ts";
export type { TenantAdapterOptions, TenantPoolOptions } from "./create-tenant-adapter.ts";
export type { TenantContextMode } from "./pg/tenant-prelude.ts";
export type { ReplicaPolicy, TenantReplicaOptions } from "./replicas/replica-options.ts";
export { REPLICA_FALLBACK_REASONS } from "./replicas/replica-state.ts";
export type {
  ReplicaFallbackReason,
  ReplicaOutReason,
  ReplicaState,
  ReplicaStateChange,
  ReplicaStats,
} from "./replicas/replica-state.ts";
export { tenantExtension } from "./tenant-extension.ts";
export type { TenantExtensionOptions, TenantTransactionClient, TenantTransactionOptions } from "./tenant-extension.ts";
export { readOnlyClient } from "./read-only-client.ts";
export type { TenantReadClient, TenantReadHandler } from "./read-only-client.ts";
export { ReadOnlyClientError } from "./errors/read-only-client-error.ts";
export { TenantKitError } from "./errors/tenant-kit-error.ts";
export { TenantContextMissingError } from "./errors/tenant-context-missing-error.ts";
export { TenantMismatchError } from "./errors/tenant-mismatch-error.ts";
export { InvalidTenantIdError } from "./errors/invalid-tenant-id-error.ts";
export { InvalidTransactionCallbackError } from "./errors/invalid-transaction-callback-error.ts";
export { MixedTenantBatchError } from "./errors/mixed-tenant-batch-error.ts";
export { InvalidTenantKitOptionError } from "./errors/invalid-tenant-kit-option-error.ts";
export { RlsBypassingRoleError } from "./errors/rls-bypassing-role-error.ts";
export { CitusContextModeError } from "./errors/citus-context-mode-error.ts";
export { ConnectionStringMissingError } from "./errors/connection-string-missing-error.ts";
export { SUPPORTED_PRISMA_VERSIONS, UnsupportedPrismaVersionError } from "./errors/unsupported-prisma-version-error.ts";
export { DuplicatePgError } from "./errors/duplicate-pg-error.ts";
export { generateRlsSql } from "./rls/generate-rls-sql.ts";
export type { GenerateRlsSqlOptions, RlsTable } from "./rls/generate-rls-sql.ts";
export { DEFAULT_TENANT_SETTING } from "./tenant-setting-name.ts";
export { isPoolTimeoutError, PoolTimeoutError } from "./errors/pool-timeout-error.ts";
export { StaleStatementError } from "./errors/stale-statement-error.ts";
export { TransactionLeftOpenError } from "./errors/transaction-left-open-error.ts";
export { poolTimeoutResponse } from "./http/pool-timeout-response.ts";
export type { PoolTimeoutResponseOptions } from "./http/pool-timeout-response.ts";
