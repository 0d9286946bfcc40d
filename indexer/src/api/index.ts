import { db } from "ponder:api";
import schema from "ponder:schema";
import { getTableName, isTable, type Table } from "drizzle-orm";
import { Hono } from "hono";
import { loadConfig } from "../../../config/loadConfig.ts";
import { API_LIMITS } from "./apiLimits.ts";
import { browserGuard } from "./browserGuard.ts";
import { createGraphqlLanes, type PonderDatabase } from "./db/createGraphqlLanes.ts";
import { createGraphqlRoute } from "./graphql/createGraphqlRoute.ts";
import { guardPonderServer } from "./guardPonderServer.ts";
import { createRestApi } from "./rest/createRestApi.ts";
import { createSqlApi } from "./sql/createSqlApi.ts";

/**
 * The indexer's one HTTP app (Ponder adds /health, /ready, /status and /metrics in front of it):
 * - /graphql: Ponder's GraphQL behind a body limit, a cost estimate and a deadline (graphql/), its statements
 *   on pools of its own, expensive ones admitted one at a time (db/createGraphqlLanes.ts);
 * - /sql/*: SQL over HTTP for @ponder/client, as a read-only role on its own pool (sql/);
 * - /api/v1: the REST API for an explorer backend, on Ponder's read pool (`db` from "ponder:api"), which
 *   GraphQL no longer uses.
 * Every route of the server, Ponder's own and CORS preflights included, first passes the browser guard (Host on
 * loopback binds, allowed web origins: guardPonderServer.ts).
 * Limits: apiLimits.ts and graphql/estimateQueryCost.ts, documented in indexer/README.md.
 */
const config = loadConfig();
// Ponder's build globals (see ponder/src/build): the views schema of `ponder start --views-schema`, its logger.
const ponder = globalThis as unknown as {
  PONDER_DATABASE: PonderDatabase;
  PONDER_NAMESPACE_BUILD?: { viewsSchema?: string };
  PONDER_COMMON?: {
    logger: { warn(entry: object): void; error(entry: object): void };
    apiShutdown: { add(callback: () => Promise<void>): void };
  };
};
const viewsSchema = ponder.PONDER_NAMESPACE_BUILD?.viewsSchema ?? config.database.viewsSchema;
const logger = ponder.PONDER_COMMON?.logger;

const guard = { bindHost: config.indexer.host, corsOrigins: config.indexer.corsOrigins };
// Ponder's server (created after this file loads) answers preflights and /health, /ready, /status, /metrics
// itself: the guard goes in front of all of it.
guardPonderServer(guard);
const app = new Hono();
app.use("*", browserGuard(guard));

const sql = createSqlApi({
  adminUrl: config.database.url ?? "",
  viewsSchema,
  tables: Object.values(schema as Record<string, unknown>)
    .filter((t): t is Table => isTable(t))
    .map((t) => getTableName(t)),
  log: (entry) => logger?.warn(entry),
});
ponder.PONDER_COMMON?.apiShutdown.add(() => sql.close());
app.route("/sql", sql.app);
const lanes = createGraphqlLanes({
  database: ponder.PONDER_DATABASE,
  schema: schema as Record<string, unknown>,
  heavyCost: API_LIMITS.graphqlHeavyCost,
  cheap: {
    connections: API_LIMITS.graphqlConnections,
    concurrency: API_LIMITS.graphqlConcurrency,
    queue: API_LIMITS.graphqlQueue,
  },
  heavy: {
    connections: API_LIMITS.graphqlHeavyConnections,
    concurrency: API_LIMITS.graphqlHeavyConcurrency,
    queue: API_LIMITS.graphqlHeavyQueue,
    maxBusyShare: API_LIMITS.graphqlHeavyBusyShare,
  },
  // A backstop only: the deadline cancels a request's statements first.
  statementTimeoutMs: 2 * API_LIMITS.graphqlDeadlineMs,
});
ponder.PONDER_COMMON?.apiShutdown.add(() => lanes.close());
app.use("/graphql", createGraphqlRoute({ db, schema, lanes }));
app.route("/api/v1", createRestApi({ db }));
// Ponder's own error page names source files and echoes the body: nothing of it reaches a client.
app.onError((error) => {
  logger?.error({ msg: "API request failed", error: error as Error });
  return new Response(
    JSON.stringify({ error: { code: "INTERNAL", message: "internal error; see the indexer log" } }),
    {
      status: 500,
      headers: { "content-type": "application/json; charset=utf-8" },
    },
  );
});

export default app;
