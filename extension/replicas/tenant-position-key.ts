/** A uuid in any spelling Postgres's uuid input accepts: optional braces, hyphens anywhere between digit pairs. */
const UUID_HEX = /^[0-9a-f]{32}$/;

/**
 * The key a tenant's write positions are kept under: one key for every spelling of a tenant id that the database may
 * take for the same tenant. A uuid (as the policies of `generateRlsSql({ columnType: "uuid" })` cast the setting, or
 * any policy that casts it to uuid) compares case-insensitively and in other spellings, so it is keyed by its
 * canonical lower-case text; other ids are keyed as they are sent. Keying two spellings that the database tells apart
 * under one key only makes reads wait for the other spelling's writes too: it can send reads to the primary, never
 * show one tenant another's rows (the key decides where a read runs, never as whom).
 *
 * @example `tenantPositionKey("{6F9619FF-8B86-D011-B42D-00C04FC964FF}") === "6f9619ff-8b86-d011-b42d-00c04fc964ff"`
 */
export function tenantPositionKey(tenantId: string): string {
  const lower = tenantId.toLowerCase();
  const braced = lower.startsWith("{") && lower.endsWith("}");
  const hex = (braced ? lower.slice(1, -1) : lower).replaceAll("-", "");
  if (!UUID_HEX.test(hex)) return tenantId;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
