import { z } from "zod/v4";
import { type HttpErrorCode, httpError } from "../httpError.ts";

/**
 * The one parameter layer of the REST routes. Path and query parameters: each a zod schema over the raw
 * string (that is what the OpenAPI document shows: a string with its pattern) which turns it into its value,
 * with the error code a bad value answers with; the message of the failed check says what was expected.
 * Beside them the page bounds and the cursor codec, whose forged cursors answer 400 INVALID_CURSOR.
 */
export type Param<T = unknown> = {
  schema: z.ZodType<T, string>;
  code: HttpErrorCode;
  description: string;
  /** A query parameter a request must carry (path parameters always are). */
  required?: boolean;
};

export const param = <T>(
  schema: z.ZodType<T, string>,
  code: HttpErrorCode,
  description: string,
  required = false,
): Param<T> => ({ schema, code, description, required });

/** Bounds on list pages: a client can never ask the database for more than MAX_LIMIT rows at once. */
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

export const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
export const HASH = /^0x[0-9a-fA-F]{64}$/;
// uint256 values: at most 78 decimal digits, no sign, no leading zeros beyond "0".
export const UINT = /^(0|[1-9][0-9]{0,77})$/;
// A cursor part that is a whole number of either sign (ids, points), as a cursor writes it.
const INT = /^-?(0|[1-9][0-9]{0,77})$/;
// Cursors are base64url text of at most 512 characters.
const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;

const uintSchema = z
  .string()
  .regex(UINT, { abort: true, error: "expected a non-negative whole number such as 1" })
  .transform((s) => BigInt(s))
  .refine((n) => n < 2n ** 256n, { abort: true, error: "expected a value below 2^256 (a uint256)" });

export const addressParam = (description: string, required = false) =>
  param(
    z
      .string()
      .regex(ADDRESS, { abort: true, error: "expected an address: 0x followed by 40 hex digits" })
      .transform((s) => s.toLowerCase() as `0x${string}`),
    "INVALID_ADDRESS",
    description,
    required,
  );

export const hashParam = (description: string) =>
  param(
    z
      .string()
      .regex(HASH, { abort: true, error: "expected a 32-byte hash: 0x followed by 64 hex digits" })
      .transform((s) => s.toLowerCase() as `0x${string}`),
    "INVALID_QUERY",
    description,
  );

export const idParam = (description: string) => param(uintSchema, "INVALID_ID", description);
export const uintParam = (description: string) => param(uintSchema, "INVALID_QUERY", description);

export const enumParam = <T extends string>(values: readonly T[], description: string) =>
  param(
    z
      .string()
      .refine((s) => (values as readonly string[]).includes(s), {
        abort: true,
        error: `expected one of ${values.join(", ")}`,
      })
      .transform((s) => s as T)
      .meta({ enum: [...values] }),
    "INVALID_QUERY",
    description,
  );

export const limitParam = param(
  z
    .string()
    .regex(/^[0-9]{1,6}$/, { abort: true, error: `expected a whole number from 1 to ${MAX_LIMIT}` })
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_LIMIT, {
      abort: true,
      error: `expected a whole number from 1 to ${MAX_LIMIT}`,
    }),
  "INVALID_LIMIT",
  `rows per page, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})`,
);

export const cursorParam = param(
  z.string().regex(CURSOR, {
    abort: true,
    error: "expected the nextCursor of a previous page, unchanged",
  }),
  "INVALID_CURSOR",
  "the previous page's nextCursor (opaque)",
);

/** Cursors are opaque to clients: base64url of a JSON array of strings (the last row's sort key). */
export function encodeCursor(key: readonly (string | bigint | number)[]): string {
  return Buffer.from(JSON.stringify(key.map(String))).toString("base64url");
}

const invalidCursor = () =>
  httpError(400, "INVALID_CURSOR", "cursor is not valid: pass the nextCursor of a previous page unchanged");

/** A cursor's `arity` parts; anything encodeCursor did not write is a 400 INVALID_CURSOR. */
export function decodeCursor(raw: string, arity: number): string[] {
  if (!CURSOR.test(raw)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== arity ||
    !parsed.every((p) => typeof p === "string" && p.length > 0 && p.length <= 100)
  ) {
    throw invalidCursor();
  }
  return parsed as string[];
}

/** A cursor part that must be a whole number (bigint ids, points): a forged one is a 400, not a 500. */
export function cursorInt(part: string): bigint {
  if (!INT.test(part)) throw invalidCursor();
  return BigInt(part);
}

/** A cursor part that must be an address as the index stores it (lower-case). */
export function cursorAddress(part: string): `0x${string}` {
  if (!/^0x[0-9a-f]{40}$/.test(part)) throw invalidCursor();
  return part as `0x${string}`;
}

export const orderParam = enumParam(
  ["asc", "desc"] as const,
  "chain order (asc, the default) or newest first",
);

/** The parameters of every list: a page. */
export const pageParams = { limit: limitParam, cursor: cursorParam, order: orderParam };

/** Block and time range of the event that made the row (inclusive; times are Unix seconds of the block). */
export const rangeParams = {
  fromBlock: uintParam("only rows from this block on (inclusive)"),
  toBlock: uintParam("only rows up to this block (inclusive)"),
  fromTime: uintParam("only rows whose block time is at or after this Unix time in seconds"),
  toTime: uintParam("only rows whose block time is at or before this Unix time in seconds"),
};

export type Range = { fromBlock?: bigint; toBlock?: bigint; fromTime?: bigint; toTime?: bigint };

/** A range whose start is after its end is the caller's mistake, not an empty page. */
export function checkRange(range: Range): void {
  for (const [from, to, what] of [
    [range.fromBlock, range.toBlock, "Block"],
    [range.fromTime, range.toTime, "Time"],
  ] as const) {
    if (from !== undefined && to !== undefined && from > to) {
      throw httpError(
        400,
        "INVALID_QUERY",
        `from${what} ${from} is after to${what} ${to}: expected from${what} <= to${what}`,
      );
    }
  }
}
