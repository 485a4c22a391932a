/**
 * The one way the codemods choose a name that does not clash: `wanted` when it is free, else `wanted2`, `wanted3`, ...
 *
 * @example freshName(new Set(["tx", "tx2"]), "tx") // "tx3"
 */
export function freshName(taken: ReadonlySet<string>, wanted: string): string {
  if (!taken.has(wanted)) return wanted;
  for (let i = 2; ; i++) if (!taken.has(`${wanted}${i}`)) return `${wanted}${i}`;
}
