/** JSON with bigints as decimal strings (JSON has no 256-bit integers). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
}
