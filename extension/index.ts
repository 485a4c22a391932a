export { createTenantAdapter, TenantAdapterFactory } from "./create-tenant-adapter.ts";
export type {
  ReplicaPolicy,
  TenantAdapterOptions,
  TenantPoolOptions,
  TenantReplicaOptions,
} from "./adapter-options.ts";
export type { TenantContextMode } from "./pg/tenant-prelude.ts";
export { REPLICA_FALLBACK_REASONS } from "./replicas/replica-state.ts";
export type {
  ReplicaFallbackReason,
  ReplicaOutReason,
  ReplicaState,
  ReplicaStateChange,
  ReplicaStats,
} from "./replicas/replica-state.ts";
export { tenantExtension } from "./tenant-extension.ts";
export { tenantClient } from "./tenant-client.ts";
export type { TenantClient, TenantClientMethods } from "./tenant-client.ts";
export type { TenantExtensionOptions, TenantTransactionClient, TenantTransactionOptions } from "./tenant-extension.ts";
export type { QueryContext } from "./context-scope.ts";
export { readOnlyClient } from "./read-only-client.ts";
export type { TenantReadClient, TenantReadHandler, TenantReadView } from "./read-only-client.ts";
export { ReadOnlyClientError } from "./errors/read-only-client-error.ts";
export { TenantKitError } from "./errors/tenant-kit-error.ts";
export { TenantContextMissingError } from "./errors/tenant-context-missing-error.ts";
export { TenantMismatchError } from "./errors/tenant-mismatch-error.ts";
export { InvalidTenantIdError } from "./errors/invalid-tenant-id-error.ts";
export { InvalidTransactionCallbackError } from "./errors/invalid-transaction-callback-error.ts";
export { MixedTenantBatchError } from "./errors/mixed-tenant-batch-error.ts";
export { InvalidTenantKitOptionError } from "./errors/invalid-tenant-kit-option-error.ts";
export { RlsBypassingRoleError } from "./errors/rls-bypassing-role-error.ts";
export type { RlsBypassReasons } from "./errors/rls-bypassing-role-error.ts";
export { CitusContextModeError } from "./errors/citus-context-mode-error.ts";
export { ConnectionStringMissingError } from "./errors/connection-string-missing-error.ts";
export { SUPPORTED_PRISMA_VERSIONS, UnsupportedPrismaVersionError } from "./errors/unsupported-prisma-version-error.ts";
export { DuplicatePgError } from "./errors/duplicate-pg-error.ts";
export { WriteWithoutTenantError } from "./errors/write-without-tenant-error.ts";
export { DatabaseUnreachableError } from "./errors/database-unreachable-error.ts";
export type { UnreachableReason } from "./errors/database-unreachable-error.ts";
export { InvalidQueryContextError } from "./errors/invalid-query-context-error.ts";
export { ContextRoleNotAllowedError } from "./errors/context-role-not-allowed-error.ts";
export { ContextRoleUnusableError } from "./errors/context-role-unusable-error.ts";
export type { ContextRoleProblem } from "./errors/context-role-unusable-error.ts";
export { generateRlsSql } from "./rls/generate-rls-sql.ts";
export type { GenerateRlsSqlOptions, RlsTable } from "./rls/generate-rls-sql.ts";
export { DEFAULT_TENANT_SETTING } from "./tenant-setting-name.ts";
export { isPoolTimeoutError, PoolTimeoutError } from "./errors/pool-timeout-error.ts";
export { StaleStatementError } from "./errors/stale-statement-error.ts";
export { TransactionLeftOpenError } from "./errors/transaction-left-open-error.ts";
export { TransactionNotCommittedError } from "./errors/transaction-not-committed-error.ts";
export type { TransactionNotCommittedReason } from "./errors/transaction-not-committed-error.ts";
export { poolTimeoutResponse } from "./http/pool-timeout-response.ts";
export type { PoolTimeoutResponseOptions } from "./http/pool-timeout-response.ts";
