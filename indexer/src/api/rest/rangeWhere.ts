import type { PgColumn } from "drizzle-orm/pg-core";
import { and, asc, desc, gte, lte } from "ponder";
import type { RestDb } from "./defineRoute.ts";
import { checkRange, type Range } from "./queryParams.ts";

type AnyColumn = PgColumn;
type AnyTable = Parameters<ReturnType<RestDb["select"]>["from"]>[0];

/** The larger (later) of two optional bounds, and the smaller. */
const later = (a?: bigint, b?: bigint) => (a === undefined ? b : b === undefined || a >= b ? a : b);
const earlier = (a?: bigint, b?: bigint) => (a === undefined ? b : b === undefined || a <= b ? a : b);

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
 * A block and time range as a range of ids, for a table whose ids the contract hands out in order (Datanets,
 * models, inferences: `id = ++count`), so that id order is chain order and block and time never decrease with
 * the id. Each bound is one probe of a (block, id) or (time, id) index; the list then reads an id range of
 * its primary key instead of filtering it (Postgres cannot know the correlation: `created_at >= x ORDER BY id`
 * would scan every row before the first match). Also returns the direct conditions, which select the same
 * rows. Undefined when no row falls in the range.
 */
export async function idRangeWhere(
  db: RestDb,
  table: AnyTable,
  columns: { id: AnyColumn; block: AnyColumn; time: AnyColumn },
  range: Range,
) {
  checkRange(range);
  const { id, block, time } = columns;
  const probe = async (column: AnyColumn, bound: bigint, lower: boolean) => {
    const [row] = await db
      .select({ id })
      .from(table)
      .where(lower ? gte(column, bound) : lte(column, bound))
      .orderBy(...(lower ? [asc(column), asc(id)] : [desc(column), desc(id)]))
      .limit(1);
    return row ? (row.id as bigint) : null;
  };
  const bounds = await Promise.all([
    range.fromBlock === undefined ? undefined : probe(block, range.fromBlock, true),
    range.fromTime === undefined ? undefined : probe(time, range.fromTime, true),
    range.toBlock === undefined ? undefined : probe(block, range.toBlock, false),
    range.toTime === undefined ? undefined : probe(time, range.toTime, false),
  ]);
  if (bounds.includes(null)) return { empty: true as const };
  const lo = later(bounds[0] ?? undefined, bounds[1] ?? undefined);
  const hi = earlier(bounds[2] ?? undefined, bounds[3] ?? undefined);
  return {
    empty: false as const,
    where: and(
      lo === undefined ? undefined : gte(id, lo),
      hi === undefined ? undefined : lte(id, hi),
      rangeWhere(range, block, time),
    ),
  };
}

/**
 * A time range as a block range for a table ordered by block (workers): block times never decrease with the
 * block number, so `time >= t` is `block >= the first block at or after t` (one probe of a (time, block) index).
 */
export async function timeAsBlockRange(
  db: RestDb,
  table: AnyTable,
  columns: { block: AnyColumn; time: AnyColumn },
  range: Range,
): Promise<Range | undefined> {
  checkRange(range);
  const { block, time } = columns;
  const probe = async (bound: bigint, lower: boolean) => {
    const [row] = await db
      .select({ block })
      .from(table)
      .where(lower ? gte(time, bound) : lte(time, bound))
      .orderBy(...(lower ? [asc(time), asc(block)] : [desc(time), desc(block)]))
      .limit(1);
    return row ? (row.block as bigint) : null;
  };
  const [from, to] = await Promise.all([
    range.fromTime === undefined ? undefined : probe(range.fromTime, true),
    range.toTime === undefined ? undefined : probe(range.toTime, false),
  ]);
  if (from === null || to === null) return undefined;
  return { ...range, fromBlock: later(range.fromBlock, from), toBlock: earlier(range.toBlock, to) };
}
