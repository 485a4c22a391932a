import { describe, expect, it } from "vitest";
import { tenantPositionKey } from "../../extension/replicas/tenant-position-key.ts";
import { WritePositionTokens } from "../../extension/replicas/write-position-token.ts";

const SECRET = "0123456789abcdef0123456789abcdef";

describe("write-position tokens", () => {
  const tokens = new WritePositionTokens(SECRET, 60_000);
  const now = 1_800_000_000_000;

  it("vouch for their position as the tenant they were issued for, also in another process with the secret", () => {
    const token = tokens.issue("tenant-a", 0x16b374d848n, now);
    expect(token).toMatch(/^rw1\.16b374d848\.[0-9a-z]+\.[A-Za-z0-9_-]{22}$/);
    expect(new WritePositionTokens(SECRET, 60_000).check(token, "tenant-a", now + 1)).toEqual({
      valid: true,
      lsn: 0x16b374d848n,
    });
  });

  it("are refused for another tenant, another secret, an altered position or time, or garbage", () => {
    const token = tokens.issue("tenant-a", 0x100n, now);
    const [version, , issued, mac] = token.split(".");
    expect(tokens.check(token, "tenant-b", now)).toEqual({ valid: false });
    expect(new WritePositionTokens(`${SECRET}!`, 60_000).check(token, "tenant-a", now)).toEqual({ valid: false });
    expect(tokens.check(`${version}.ffffffff.${issued}.${mac}`, "tenant-a", now)).toEqual({ valid: false });
    expect(tokens.check(`${version}.100.${(now + 1).toString(36)}.${mac}`, "tenant-a", now)).toEqual({ valid: false });
    for (const garbage of ["", "rw1", "rw1.zz.1.x", `rw2.100.${issued}.${mac}`, `${token}.extra`]) {
      expect(tokens.check(garbage, "tenant-a", now)).toEqual({ valid: false });
    }
  });

  it("vouch for nothing once older than the maximum age", () => {
    const token = tokens.issue("tenant-a", 0x100n, now);
    expect(tokens.check(token, "tenant-a", now + 60_001)).toEqual({ valid: true, lsn: 0n });
  });

  it("hold in one process only without a shared secret", () => {
    const token = new WritePositionTokens(undefined, 60_000).issue("tenant-a", 0x100n, now);
    expect(new WritePositionTokens(undefined, 60_000).check(token, "tenant-a", now)).toEqual({ valid: false });
  });
});

describe("tenantPositionKey", () => {
  it("keys every spelling Postgres's uuid input takes as the canonical lower-case uuid", () => {
    const canonical = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
    for (const spelling of [
      canonical,
      canonical.toUpperCase(),
      `{${canonical}}`,
      canonical.replaceAll("-", ""),
      "6F9619FF8B86D011B42D00C04FC964FF",
    ]) {
      expect(tenantPositionKey(spelling)).toBe(canonical);
    }
  });

  it("keys any other id as it is sent", () => {
    for (const id of ["acme", "Acme", "42", "6f9619ff-8b86-d011-b42d-00c04fc964f", "{not-a-uuid}"]) {
      expect(tenantPositionKey(id)).toBe(id);
    }
  });
});
