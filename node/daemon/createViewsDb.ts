import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Common } from "../../config/common/createCommon.ts";
import { handlePgErrors } from "../../config/services/handlePgErrors.ts";

// pg returns int8/numeric as strings by default; the readers convert at the edge, so keep that.

/**
 * A read-only kysely handle on the indexer's stable views schema (`database.viewsSchema`), which
 * `ponder start --views-schema` keeps pointing at the live deployment across indexer redeploys.
 */
export function createViewsDb<DB>(
  common: Common,
  parameters: { databaseUrl: string; viewsSchema: string },
): Kysely<DB> {
  const pool = new pg.Pool({
    connectionString: parameters.databaseUrl,
    max: 4,
    // Views only: a statement that runs away must not hold a connection for ever.
    options: `-c search_path=${parameters.viewsSchema},public -c default_transaction_read_only=on -c statement_timeout=15000`,
  });
  // A Postgres restart or shutdown drops connections; without handlers pg would crash the process.
  handlePgErrors(pool, common.logger, "Views DB");
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  common.shutdown.add("views db", () => db.destroy());
  return db;
}
