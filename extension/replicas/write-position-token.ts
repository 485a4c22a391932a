import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const VERSION = "rw1";
/** The MAC's length in base64url characters (132 bits of HMAC-SHA256). */
const MAC_LENGTH = 22;

/** What a token said, checked against the tenant of the read it is used for. */
export type TokenPosition =
  | { readonly valid: true; readonly lsn: bigint }
  /** Forged, altered, of another tenant or another secret, or malformed: the read may not trust any replica. */
  | { readonly valid: false };

/**
 * Issues and checks write-position tokens: `rw1.<lsn hex>.<issued at, ms, base36>.<MAC>`, where the MAC is an
 * HMAC-SHA256 under the adapter's secret of the version, the tenant's position key, the position and the issue time.
 * The tenant is bound by the MAC, not spelt in the token. A token past `maxAgeMillis` counts as no token.
 */
export class WritePositionTokens {
  readonly #secret: Buffer;
  readonly #maxAgeMillis: number;

  /** @param secret shared by every process that reads another's tokens; undefined: a random one (this process). */
  constructor(secret: string | undefined, maxAgeMillis: number) {
    this.#secret = secret === undefined ? randomBytes(32) : Buffer.from(secret, "utf8");
    this.#maxAgeMillis = maxAgeMillis;
  }

  issue(tenantKey: string, lsn: bigint, now = Date.now()): string {
    const body = `${VERSION}.${lsn.toString(16)}.${now.toString(36)}`;
    return `${body}.${this.#mac(tenantKey, body)}`;
  }

  /** The position `token` vouches for as `tenantKey`'s; an expired token vouches for nothing (position 0). */
  check(token: string, tenantKey: string, now = Date.now()): TokenPosition {
    const parts = token.split(".");
    if (parts.length !== 4 || parts[0] !== VERSION || !/^[0-9a-f]{1,16}$/.test(parts[1]!)) return { valid: false };
    const body = parts.slice(0, 3).join(".");
    const expected = Buffer.from(this.#mac(tenantKey, body));
    const given = Buffer.from(parts[3]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false };
    const issued = Number.parseInt(parts[2]!, 36);
    if (!Number.isFinite(issued) || now - issued > this.#maxAgeMillis) return { valid: true, lsn: 0n };
    return { valid: true, lsn: BigInt(`0x${parts[1]}`) };
  }

  #mac(tenantKey: string, body: string): string {
    return createHmac("sha256", this.#secret)
      .update(`${tenantKey}\u0000${body}`)
      .digest("base64url")
      .slice(0, MAC_LENGTH);
  }
}
