import type { Logger } from "../../config/common/createLogger.ts";
import type { Shutdown } from "../../config/common/createShutdown.ts";
import { createDatabase } from "../../config/services/createDatabase.ts";
import { launchPostgres } from "../../config/services/launchPostgres.ts";
import type { RunRecord } from "./createRunRecord.ts";

export type StartDevnetDatabaseParameters = {
  /** A Postgres server to use instead of an embedded one: a fresh database is created on it and dropped on stop. */
  serverUrl?: string;
  logger: Logger;
  shutdown: Shutdown;
  record: RunRecord;
  progress(message: string): void;
};

/**
 * The devnet's database: a fresh one on DATABASE_URL, or an embedded Postgres in a temp dir (throwaway, and
 * as root Postgres runs as the `postgres` user, which may not reach a folder under the caller's home). Its
 * stop is registered on `shutdown` before anything that uses it, so it runs after all of them.
 */
export async function startDevnetDatabase(parameters: StartDevnetDatabaseParameters): Promise<string> {
  const { logger, shutdown, record } = parameters;
  if (parameters.serverUrl) {
    parameters.progress("creating a fresh database on DATABASE_URL");
    const database = await createDatabase({
      serverUrl: parameters.serverUrl,
      prefix: "olnode_devnet",
      logger,
    });
    shutdown.add("drop the devnet database", () => database.drop(), 20_000);
    return database.url;
  }
  parameters.progress("starting embedded Postgres");
  const server = await launchPostgres({ ephemeral: true });
  // launchPostgres' own grace is 15 s (fast shutdown, then SIGKILL): wait for it to finish.
  shutdown.add("postgres", () => server.stop(), 20_000);
  record.addProcess(server.pid);
  // Outside the devnet dir, so a SIGKILLed run would leave it behind: the next start removes it.
  record.addDir(server.dataDir);
  const database = await createDatabase({ serverUrl: server.url, name: "olnode", logger });
  return database.url;
}
