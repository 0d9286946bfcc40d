import { httpError } from "./httpError.ts";

/** Bounds on list pages: a client can never ask the database for more than MAX_LIMIT rows at once. */
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

/** Cursors are opaque to clients: base64url of a JSON array of strings (the last row's sort key). */
export function encodeCursor(key: readonly (string | bigint | number)[]): string {
  return Buffer.from(JSON.stringify(key.map(String))).toString("base64url");
}

export function decodeCursor(raw: string, arity: number): string[] {
  const invalid = () =>
    httpError(400, "INVALID_CURSOR", "cursor is not valid: pass the nextCursor of a previous page unchanged");
  if (raw.length === 0 || raw.length > 512 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== arity ||
    !parsed.every((p) => typeof p === "string" && p.length > 0 && p.length <= 100)
  ) {
    throw invalid();
  }
  return parsed as string[];
}

/** A cursor part that must be a whole number (bigint ids, points): a forged one is a 400, not a 500. */
export function cursorInt(part: string): bigint {
  if (!/^-?(0|[1-9][0-9]{0,77})$/.test(part)) {
    throw httpError(
      400,
      "INVALID_CURSOR",
      "cursor is not valid: pass the nextCursor of a previous page unchanged",
    );
  }
  return BigInt(part);
}

/** JSON with bigints as decimal strings (JSON has no 256-bit integers). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
}
