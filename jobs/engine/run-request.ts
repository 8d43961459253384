/** Labels for partition keys in run records and progress lines. */
/** `2026-01-01`, `2026-01-01..2026-01-31`, or null for no partitions. */
export function partitionsLabel(keys: readonly string[] | null): string | null {
  if (!keys || keys.length === 0) return null;
  return keys.length === 1 ? keys[0] : `${keys[0]}..${keys[keys.length - 1]}`;
}
