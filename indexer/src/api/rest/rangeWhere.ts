import { and, gte, lte } from "ponder";
import { checkRange, type Range } from "./queryParams.ts";

type AnyColumn = Parameters<typeof gte>[0];

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
