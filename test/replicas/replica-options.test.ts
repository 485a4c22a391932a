import { describe, expect, it } from "vitest";
import { createTenantAdapter, InvalidTenantKitOptionError, type TenantAdapterOptions } from "prisma-tenant-kit";

const url = "postgres://app@localhost/app";

describe("replica options", () => {
  const invalid: [string, Partial<TenantAdapterOptions>, RegExp][] = [
    ["replicas not an array", { replicas: "postgres://r" as never }, /replicas is invalid/],
    ["a replica that is not an object", { replicas: [null as never] }, /replicas\[0\] is invalid/],
    ["a replica URL that is not a string", { replicas: [{ connectionString: 5 as never }] }, /connectionString/],
    [
      "a replica pool size of 0",
      { replicas: [{ connectionString: url, pool: { max: 0 } }] },
      /replicas\[0\]\.pool\.max/,
    ],
    ["an empty replica name", { replicas: [{ connectionString: url, name: "" }] }, /replicas\[0\]\.name/],
    ["a negative lag bound", { replicaPolicy: { maxLagMillis: -1 } }, /replicaPolicy\.maxLagMillis/],
    ["a non-numeric recheck", { replicaPolicy: { recheckAfterMillis: "1s" as never } }, /recheckAfterMillis/],
    ["a logger that is not a function", { replicaPolicy: { logger: "warn" as never } }, /replicaPolicy\.logger/],
  ];
  it.each(invalid)("refuses %s with INVALID_OPTION", (_name, options, message) => {
    const create = () => createTenantAdapter({ connectionString: url, ...options });
    expect(create).toThrow(InvalidTenantKitOptionError);
    expect(create).toThrow(message);
  });

  it("builds one pool per replica with its own options, and zero stats without replicas", async () => {
    const adapter = createTenantAdapter({
      connectionString: url,
      replicas: [
        { connectionString: url, pool: { max: 4 } },
        { connectionString: url, name: "eu" },
      ],
    });
    expect(adapter.replicaPools.map((pool) => pool.options.max)).toEqual([4, 10]);
    expect(adapter.replicaStats().replicas.map((r) => [r.name, r.state, r.reads])).toEqual([
      ["replica-0", "in-rotation", 0],
      ["eu", "in-rotation", 0],
    ]);
    const plain = createTenantAdapter({ connectionString: url });
    expect(plain.replicaPools).toEqual([]);
    expect(plain.replicaStats()).toMatchObject({ replicas: [], primaryReads: 0, trackedTenants: 0 });
    await Promise.all([...adapter.replicaPools, adapter.pool, plain.pool].map((pool) => pool.end()));
  });
});
