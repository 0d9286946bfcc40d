import { and, asc, desc, eq, gt, gte, lt, lte, or } from "ponder";
import { DEFAULT_LIMIT, decodeCursor, encodeCursor } from "./queryParams.ts";

type AnyColumn = Parameters<typeof asc>[0];

export type Page = { limit: number; cursor: string[] | undefined; order: "asc" | "desc" };

/** A list's page from its parsed `limit`, `cursor` (of `arity` parts) and `order` parameters. */
export function pageFrom(
  query: { limit?: number; cursor?: string; order?: "asc" | "desc" },
  arity = 1,
  defaultLimit = DEFAULT_LIMIT,
): Page {
  return {
    limit: query.limit ?? defaultLimit,
    cursor: query.cursor === undefined ? undefined : decodeCursor(query.cursor, arity),
    order: query.order ?? "asc",
  };
}

/**
 * Keyset pagination on a unique key of one or more columns, compared lexicographically (the cursor holds the
 * last row's values in the same order; `parses` turn its parts back into values and refuse forged ones).
 * Returns the WHERE part and the ORDER BY list. Rows are read `limit + 1` at a time (`pageOf`).
 */
export function keysetOf(columns: AnyColumn[], page: Page, parses: ((s: string) => unknown)[]) {
  const cmp = page.order === "asc" ? gt : lt;
  const cmpOrEq = page.order === "asc" ? gte : lte;
  const dir = page.order === "asc" ? asc : desc;
  let after: ReturnType<typeof and>;
  if (page.cursor) {
    const values = columns.map((_, i) => parses[i]!(page.cursor![i]!));
    // (a, b) > (x, y)  ==  a > x OR (a = x AND b > y), built from the last column outwards.
    for (let i = columns.length - 1; i >= 0; i--) {
      const strict = cmp(columns[i]!, values[i]);
      after = after ? or(strict, and(eq(columns[i]!, values[i]), after)) : strict;
    }
    // a >= x as well: the same rows, but an index on (a, b) can start its range there instead of filtering.
    if (columns.length > 1) after = and(cmpOrEq(columns[0]!, values[0]), after);
  }
  return { after, orderBy: columns.map((c) => dir(c)) };
}

/** Keyset pagination on one unique, sortable column (an event id or a numeric id). */
export function keyset(column: AnyColumn, page: Page, parse: (s: string) => unknown = (s) => s) {
  const k = keysetOf([column], page, [parse]);
  return { after: k.after, orderBy: k.orderBy[0]! };
}

/** The page's items and the cursor of the next page (null on the last page). */
export function pageOf<T>(rows: T[], page: Page, key: (row: T) => (string | bigint)[]) {
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(key(last)) : null };
}
