import type { SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { and } from "ponder";
import type { RestDb } from "./defineRoute.ts";
import { keyset, pageFrom, pageOf } from "./keyset.ts";
import { cursorInt, type Range } from "./queryParams.ts";
import { idRangeWhere } from "./rangeWhere.ts";

type AnyTable = Parameters<ReturnType<RestDb["select"]>["from"]>[0];

export type PageByIdRangeParameters = {
  /** A table whose numeric ids ascend in chain order (see idRangeWhere). */
  table: AnyTable;
  columns: { id: PgColumn; block: PgColumn; time: PgColumn };
  /** The list's parsed `limit`, `cursor`, `order` and block/time range parameters. */
  query: Range & { limit?: number; cursor?: string; order?: "asc" | "desc" };
  /** The list's own filters (owner, status, …); undefined for none. */
  where?: SQL;
};

/**
 * One page of a list in chain order by id — Datanets, models, inferences, epochs: the route's filters, the
 * block and time range as a range of ids, keyset-paged on the id. A forged cursor or a reversed range is a
 * 400 before any query runs.
 */
export async function pageByIdRange<Row extends { id: bigint }>(
  db: RestDb,
  parameters: PageByIdRangeParameters,
): Promise<{ items: Row[]; nextCursor: string | null }> {
  const { table, columns, query } = parameters;
  const page = pageFrom(query);
  const range = idRangeWhere(db, table, columns, query);
  const k = keyset(columns.id, page, cursorInt);
  const found = (await db
    .select()
    .from(table)
    .where(and(parameters.where, range, k.after))
    .orderBy(k.orderBy)
    .limit(page.limit + 1)) as Row[];
  return pageOf(found, page, (r) => [r.id]);
}
