/**
 * `wanted`, or `wanted2`, `wanted3`... : the first that is not in `taken` (names already used in a file or scope).
 * @example freshName(new Set(["tx", "tx2"]), "tx") // "tx3"
 */
export function freshName(taken: ReadonlySet<string>, wanted: string): string {
  if (!taken.has(wanted)) return wanted;
  for (let i = 2; ; i++) if (!taken.has(`${wanted}${i}`)) return `${wanted}${i}`;
}
