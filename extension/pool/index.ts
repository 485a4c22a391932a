export { instrumentPool } from "./instrument-pool.ts";
export type { InstrumentPoolOptions } from "./instrument-pool.ts";
export { monitorPool } from "./monitor-pool.ts";
export type { MonitorPoolOptions, PoolAlert } from "./monitor-pool.ts";
export { recommendPoolSize } from "./recommend-pool-size.ts";
export type { PoolSizingAdvice, PoolSizingInput } from "./recommend-pool-size.ts";
export { POOL_TIMING_EVENTS, TenantPool } from "../pg/tenant-pool.ts";
export { instrumentReplicas } from "./instrument-replicas.ts";
export type { InstrumentReplicasOptions } from "./instrument-replicas.ts";
