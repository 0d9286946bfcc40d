import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from "kysely";
import pg from "pg";
import type { Logger } from "../../../config/common/createLogger.ts";
import { NonRetryableUserError } from "../../../config/errors/BaseError.ts";
import { handlePgErrors } from "../../../config/services/handlePgErrors.ts";
import { mapDbError } from "./mapDbError.ts";
import type { WorkerDatabase } from "./workerDatabase.ts";

export type CreateWorkerDbParameters = {
  databaseUrl: string;
  /** The worker's schema (config `database.workerSchema`); put first on every connection's search_path. */
  schema: string;
  logger?: Logger;
  /** Pool size (default 10). */
  maxConnections?: number;
};

export type WorkerDb = Kysely<WorkerDatabase>;

const PG_INT8_OID = 20;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A kysely handle on the worker schema over a `pg` Pool. A Postgres that restarts never crashes the process:
 * idle-connection errors are logged, and queries on a dead connection reject with a RetryableError.
 */
export function createWorkerDb(parameters: CreateWorkerDbParameters): WorkerDb {
  const { schema, logger } = parameters;
  if (!IDENTIFIER.test(schema))
    throw new NonRetryableUserError(`Invalid worker schema name "${schema}".`, {
      hint: "Use a lowercase Postgres identifier (letters, digits, underscore), e.g. olnode_worker.",
    });
  const pool = new pg.Pool({
    connectionString: parameters.databaseUrl,
    max: parameters.maxConnections ?? 10,
    connectionTimeoutMillis: 10_000,
    // Per pool, not pg's global parsers: other pools in the process (the indexer's) keep their defaults.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === PG_INT8_OID
          ? (value: string) => BigInt(value)
          : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
    options: `-c search_path=${schema},public`,
  });
  // A client that lost its server (restart, shutdown, pg_terminate_backend), idle or checked out: logged, and
  // pg drops it from the pool by itself.
  handlePgErrors(pool, logger, "Worker database");
  return new Kysely<WorkerDatabase>({ dialect: new PostgresDialect({ pool: wrapPool(pool) }) });
}

/** Makes every connect and query of `pool` reject with mapped errors, for every kysely query at once. */
function wrapPool(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw mapDbError(error);
      }
      let wrapper = wrapped.get(client);
      if (!wrapper) {
        wrapper = new Proxy(client, {
          get(target, property, receiver) {
            if (property === "query")
              return (...args: unknown[]) => {
                const result = (target.query as (...a: unknown[]) => unknown)(...args);
                // query(cursor) returns the cursor itself (streaming), not a promise.
                if (!(result instanceof Promise)) return result;
                return result.catch((error: unknown) => {
                  throw mapDbError(error);
                });
              };
            const value = Reflect.get(target, property, receiver);
            return typeof value === "function" ? value.bind(target) : value;
          },
        }) as unknown as PostgresPoolClient;
        wrapped.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
    options: pool.options,
    Client: pg.Client as unknown as PostgresPool["Client"],
  };
}
