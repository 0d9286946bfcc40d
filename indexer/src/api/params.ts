import type { Hex } from "viem";
import { httpError } from "./httpError.ts";

/** Bounds on list pages: a client can never ask the database for more than MAX_LIMIT rows at once. */
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
// uint256 ids: at most 78 decimal digits, no sign, no leading zeros beyond "0".
const UINT = /^(0|[1-9][0-9]{0,77})$/;

export function parseAddress(raw: string | undefined, what = "address"): Hex {
  if (!raw || !ADDRESS.test(raw)) {
    throw httpError(
      400,
      "INVALID_ADDRESS",
      `${what} ${JSON.stringify(raw ?? "")} is not an address: expected 0x followed by 40 hex digits`,
    );
  }
  return raw.toLowerCase() as Hex;
}

export function parseId(raw: string | undefined, what = "id"): bigint {
  if (!raw || !UINT.test(raw)) {
    throw httpError(
      400,
      "INVALID_ID",
      `${what} ${JSON.stringify(raw ?? "")} is not valid: expected a non-negative whole number such as 1`,
    );
  }
  const value = BigInt(raw);
  if (value >= 2n ** 256n) throw httpError(400, "INVALID_ID", `${what} ${raw} is larger than a uint256`);
  return value;
}

export type Page = { limit: number; cursor: string[] | undefined; order: "asc" | "desc" };

/**
 * Reads `limit`, `cursor` and `order` and rejects any other query parameter by name (e.g. `page`, which
 * this API does not use), so a typo never silently returns the first page.
 */
export function parsePage(
  query: Record<string, string | undefined>,
  options: { cursorArity: number; extra?: readonly string[] } = { cursorArity: 1 },
): Page {
  const allowed = new Set(["limit", "cursor", "order", ...(options.extra ?? [])]);
  for (const key of Object.keys(query)) {
    if (!allowed.has(key)) {
      throw httpError(
        400,
        "INVALID_QUERY",
        `unknown query parameter ${JSON.stringify(key)}; this route accepts ${[...allowed].join(", ")} (pages are cursor-based)`,
      );
    }
  }
  let limit = DEFAULT_LIMIT;
  if (query.limit !== undefined) {
    const n = /^-?[0-9]+$/.test(query.limit) ? Number(query.limit) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_LIMIT) {
      throw httpError(
        400,
        "INVALID_LIMIT",
        `limit ${JSON.stringify(query.limit)} is out of range: expected a whole number from 1 to ${MAX_LIMIT}`,
      );
    }
    limit = n;
  }
  const order = query.order ?? "asc";
  if (order !== "asc" && order !== "desc") {
    throw httpError(
      400,
      "INVALID_QUERY",
      `order ${JSON.stringify(order)} is not valid: expected asc or desc`,
    );
  }
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, options.cursorArity);
  return { limit, cursor, order };
}

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
