import { type Client, createClient } from "@ponder/client";
import * as schema from "../ponder.schema.ts";

/** The index's tables and relations, as `@ponder/client` and Drizzle type queries with. */
export const indexerSchema = schema;
export type IndexerSchema = typeof schema;
export type IndexerClient = Client<IndexerSchema>;

/**
 * A typed `@ponder/client` for a running indexer: `client.db` is a read-only Drizzle database whose rows are
 * typed from `ponder.schema.ts` (bigint columns as bigint, hex as `0x…`), sent as SQL over HTTP to the
 * indexer's `/sql/db`; `client.live(query, onData)` re-runs a query whenever the index changes (`/sql/live`,
 * server-sent events). Each statement runs as the indexer's read-only SQL role, within its limits
 * (indexer/README.md, "SQL").
 *
 * @param indexerUrl the indexer's base URL, e.g. `http://127.0.0.1:42069` (not its `/sql` path)
 */
export function createIndexerClient(indexerUrl: string): IndexerClient {
  return createClient(new URL("/sql", indexerUrl).href, { schema });
}
