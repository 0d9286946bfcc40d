import { RetryableError } from "../../../config/errors/BaseError.ts";
import { mapDbError } from "../db/mapDbError.ts";

/** undefined_table, invalid_schema_name: the indexer has not created its views (yet). */
const NOT_THERE_YET = new Set(["42P01", "3F000"]);

export class IndexerViewsMissingError extends RetryableError {
  override name = "IndexerViewsMissingError";
}

/**
 * Errors of a read of the indexer's views, sorted by what the worker loop should do: a missing view (the
 * indexer has not started, or is rebuilding) and a lost connection are waited out, not reported as bugs.
 */
export function mapViewsError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NOT_THERE_YET.has(code))
    return new IndexerViewsMissingError("The indexer's views are not in the database yet.", {
      cause: error,
      details: (error as Error).message,
      hint: "Start the indexer (`olnode indexer`) on the same database and views schema; the worker waits for it.",
    });
  return mapDbError(error);
}
