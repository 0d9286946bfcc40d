import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Logger } from "../common/createLogger.ts";
import { NonRetryableUserError } from "../errors/BaseError.ts";
import { handlePgErrors } from "./handlePgErrors.ts";

export type CreateDatabaseParameters = {
  /** Any database URL on the server (its maintenance database, or DATABASE_URL): the new one is made beside it. */
  serverUrl: string;
  /** The new database's name; a random `<prefix>_<hex>` when omitted. */
  name?: string;
  /** Prefix of a random name. Default `olnode`. */
  prefix?: string;
  logger?: Logger;
};

export type CreatedDatabase = {
  name: string;
  /** The server URL pointed at the new database. */
  url: string;
  /** Drops it, closing whatever is still connected (`WITH (FORCE)`). Safe to call twice. */
  drop(): Promise<void>;
};

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** `serverUrl` with its path replaced by `/<database>`. */
export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function onServer<T>(serverUrl: string, logger: Logger | undefined, run: (c: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: serverUrl });
  handlePgErrors(client, logger, "Postgres admin connection");
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A fresh, empty database on a Postgres server: what the devnet, the test harness and the benchmarks each
 * start from. The name is checked, never interpolated unchecked.
 */
export async function createDatabase(parameters: CreateDatabaseParameters): Promise<CreatedDatabase> {
  const { serverUrl, logger } = parameters;
  const name = parameters.name ?? `${parameters.prefix ?? "olnode"}_${randomBytes(6).toString("hex")}`;
  if (!NAME.test(name))
    throw new NonRetryableUserError(`"${name}" is not a database name this project creates.`, {
      hint: "Use lowercase letters, digits and underscores, starting with a letter or underscore.",
    });
  await onServer(serverUrl, logger, (c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: databaseUrl(serverUrl, name),
    drop: () =>
      onServer(serverUrl, logger, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}
