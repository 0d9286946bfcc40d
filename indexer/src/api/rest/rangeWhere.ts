import type { PgColumn } from "drizzle-orm/pg-core";
import { and, asc, desc, gte, lte } from "ponder";
import type { RestDb } from "./defineRoute.ts";
import { checkRange, type Range } from "./queryParams.ts";

type AnyColumn = PgColumn;
type AnyTable = Parameters<ReturnType<RestDb["select"]>["from"]>[0];

/** The WHERE part of a block and time range over the row's block-number and timestamp columns. */
export function rangeWhere(range: Range, block: AnyColumn, time: AnyColumn) {
  checkRange(range);
  return and(
    range.fromBlock === undefined ? undefined : gte(block, range.fromBlock),
    range.toBlock === undefined ? undefined : lte(block, range.toBlock),
    range.fromTime === undefined ? undefined : gte(time, range.fromTime),
    range.toTime === undefined ? undefined : lte(time, range.toTime),
  );
}

/**
 * A block and time range as a range of ids, for a table whose ids ascend in chain order, so that block and time
 * never decrease with the id: Datanets, models, inferences (the contract hands out `id = ++count`) and epochs
 * (epoch `e` starts at `genesisBlock + e * epochLength`, both immutable, and is started during its own blocks,
 * which only come after those of `e - 1`). Each bound is the id of the first (last) row at or after (before)
 * it, a scalar subquery that probes a (block, id) or (time, id) index once; the list then reads an id range of
 * its primary key instead of filtering it (Postgres cannot know the correlation: `created_at >= x ORDER BY id`
 * would scan every row before the first match). The bounds are subqueries of the list's own statement, so a
 * ranged page is one round trip; a bound no row meets is NULL and the page is empty. The direct conditions,
 * which select the same rows, are kept beside them.
 */
export function idRangeWhere(
  db: RestDb,
  table: AnyTable,
  columns: { id: AnyColumn; block: AnyColumn; time: AnyColumn },
  range: Range,
) {
  checkRange(range);
  const { id, block, time } = columns;
  const bound = (column: AnyColumn, value: bigint, lower: boolean) => {
    const first = db
      .select({ id })
      .from(table)
      .where(lower ? gte(column, value) : lte(column, value))
      .orderBy(...(lower ? [asc(column), asc(id)] : [desc(column), desc(id)]))
      .limit(1);
    return lower ? gte(id, first) : lte(id, first);
  };
  return and(
    range.fromBlock === undefined ? undefined : bound(block, range.fromBlock, true),
    range.fromTime === undefined ? undefined : bound(time, range.fromTime, true),
    range.toBlock === undefined ? undefined : bound(block, range.toBlock, false),
    range.toTime === undefined ? undefined : bound(time, range.toTime, false),
    rangeWhere(range, block, time),
  );
}

/**
 * A block and time range over a table ordered by block (workers): block times never decrease with the block
 * number, so `time >= t` is `block >= the first block at or after t` (a scalar subquery probing a (time, block)
 * index once, in the list's own statement), and the list reads a range of its (block, …) index. The direct
 * conditions, which select the same rows, are kept beside them.
 */
export function blockRangeWhere(
  db: RestDb,
  table: AnyTable,
  columns: { block: AnyColumn; time: AnyColumn },
  range: Range,
) {
  checkRange(range);
  const { block, time } = columns;
  const bound = (value: bigint, lower: boolean) => {
    const first = db
      .select({ block })
      .from(table)
      .where(lower ? gte(time, value) : lte(time, value))
      .orderBy(...(lower ? [asc(time), asc(block)] : [desc(time), desc(block)]))
      .limit(1);
    return lower ? gte(block, first) : lte(block, first);
  };
  return and(
    range.fromTime === undefined ? undefined : bound(range.fromTime, true),
    range.toTime === undefined ? undefined : bound(range.toTime, false),
    rangeWhere(range, block, time),
  );
}
