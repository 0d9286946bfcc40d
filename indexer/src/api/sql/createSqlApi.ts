import { createHash } from "node:crypto";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import pg from "pg";
import superjson from "superjson";
import { API_LIMITS } from "../apiLimits.ts";
import { classifySqlError } from "./classifySqlError.ts";
import { ensureSqlReaderRole, grantSqlReader, sqlReaderRoleName, sqlReaderUrl } from "./sqlReaderRole.ts";
import { validateSqlQuery } from "./validateSqlQuery.ts";

export type SqlApiParameters = {
  /** The indexer's own database URL (a role that may create roles and grant on the views schema). */
  adminUrl: string;
  /** The stable views schema Ponder points at the live deployment's tables. */
  viewsSchema: string;
  /** Names of the index's tables, the only views the role may read. */
  tables: readonly string[];
  /**
   * Ponder's logger: it takes an `error` field for an Error and throws on anything else (a string), which in
   * a timer callback is an unhandled rejection that stops the indexer. Hence no `error` key: `problem`.
   */
  log: (entry: { msg: string; error?: never; [key: string]: unknown }) => void;
};

type Param = string | number | boolean | null;
type SqlReply = { status: number; body: Record<string, unknown> };

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const errorBody = (code: string, message: string) => ({ error: { code, message } });

function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}

/**
 * SQL over HTTP for @ponder/client (`GET|POST /sql/db?sql=<superjson {sql, params}>`, `GET /sql/live?sql=…`
 * as server-sent events), in place of Ponder's `client()` middleware, which runs as the indexer's own
 * database user in the read pool GraphQL and REST share, and retries failed statements. Here: one plain
 * SELECT, as a role that can read only the views of the index's tables (sqlReaderRole.ts), in a read-only
 * transaction with a statement timeout, on its own small pool, never retried; the caller's faults are 4xx
 * with Postgres's message; live queries are limited per client address and in all, and a slot is freed the
 * moment its client is gone.
 */
export function createSqlApi(parameters: SqlApiParameters): { app: Hono; close(): Promise<void> } {
  const { adminUrl, viewsSchema, tables, log } = parameters;
  const role = sqlReaderRoleName(viewsSchema);
  const admin = new pg.Pool({
    connectionString: adminUrl,
    max: 1,
    idleTimeoutMillis: 10_000,
    application_name: "olnode_sql_admin",
  });
  const pool = new pg.Pool({
    connectionString: sqlReaderUrl(adminUrl, role),
    max: API_LIMITS.sqlPoolSize,
    connectionTimeoutMillis: API_LIMITS.sqlStatementTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: "olnode_sql",
  });
  pool.on("error", () => undefined); // an idle client's socket error: the pool replaces it
  admin.on("error", () => undefined);

  let granted = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let roleProblem: string | undefined;
  const roleReady = ensureSqlReaderRole(admin, adminUrl, role).catch((error: Error) => {
    roleProblem = `the indexer's database user could not create the read-only role ${role} (${error.message}); give it CREATEROLE and restart the indexer`;
    log({ msg: "/sql is off", problem: roleProblem });
  });
  // Until the backfill has made the views, and again whenever Ponder re-creates them (grants go with them).
  let checking: Promise<void> | undefined;
  const checkGrants = () =>
    (checking ??= (async () => {
      try {
        await roleReady;
        if (roleProblem) return;
        granted = await grantSqlReader(admin, role, viewsSchema, tables);
      } catch (error) {
        granted = false;
        log({ msg: "Could not grant the /sql role its views; retrying", problem: (error as Error).message });
      } finally {
        checking = undefined;
      }
    })());
  const keepGrants = async () => {
    await checkGrants();
    if (!closed && !roleProblem) timer = setTimeout(keepGrants, granted ? 5_000 : 1_000).unref();
  };
  void keepGrants();

  async function run(sql: string, params: Param[]): Promise<pg.QueryResult> {
    const client = await pool.connect();
    let healthy = true;
    try {
      await client.query(
        `BEGIN READ ONLY; SET LOCAL statement_timeout = ${API_LIMITS.sqlStatementTimeoutMs}; SET LOCAL search_path = "${viewsSchema.replaceAll('"', '""')}"`,
      );
      // The extended protocol: one statement, parameters never spliced into the text.
      return await client.query({ text: sql, values: params, queryMode: "extended" } as pg.QueryConfig);
    } finally {
      // Nothing a statement did (advisory locks, session settings, prepared statements) outlives its request.
      await client.query("ROLLBACK").catch(() => {
        healthy = false;
      });
      await client.query("DISCARD ALL").catch(() => {
        healthy = false;
      });
      client.release(!healthy);
    }
  }

  /** Parses, checks and runs one request's statement; every failure is a reply, never a throw. */
  async function execute(raw: string | undefined): Promise<SqlReply & { result?: pg.QueryResult }> {
    if (raw === undefined)
      return { status: 400, body: errorBody("INVALID_QUERY", 'missing the "sql" query parameter') };
    if (!granted) await checkGrants(); // the views may have appeared since the last check
    if (!granted) {
      return {
        status: 503,
        body: errorBody(
          "NOT_READY",
          roleProblem ??
            "/sql answers once the backfill is complete and its read-only role can read the views",
        ),
      };
    }
    let query: { sql?: unknown; params?: unknown };
    try {
      query = superjson.parse(raw) as typeof query;
    } catch {
      return {
        status: 400,
        body: errorBody(
          "INVALID_QUERY",
          '"sql" is not superjson of {sql, params}, as @ponder/client sends it',
        ),
      };
    }
    if (typeof query !== "object" || query === null) {
      return { status: 400, body: errorBody("INVALID_QUERY", '"sql" must encode an object {sql, params}') };
    }
    const params = query.params ?? [];
    if (!Array.isArray(params) || params.length > 1000) {
      return {
        status: 400,
        body: errorBody("INVALID_QUERY", "params must be an array of at most 1000 values"),
      };
    }
    const values: Param[] = [];
    for (const p of params as unknown[]) {
      if (p === null || typeof p === "string" || typeof p === "number" || typeof p === "boolean")
        values.push(p);
      else if (typeof p === "bigint" || p instanceof Date)
        values.push(p instanceof Date ? p.toISOString() : p.toString());
      else
        return {
          status: 400,
          body: errorBody(
            "INVALID_QUERY",
            "params may hold strings, numbers, booleans, bigints, dates and null only",
          ),
        };
    }
    const problem = await validateSqlQuery(query.sql);
    if (problem) return { status: 400, body: errorBody("INVALID_QUERY", problem) };
    try {
      const result = await run(query.sql as string, values);
      return {
        status: 200,
        body: {
          command: result.command,
          rowCount: result.rowCount,
          rows: result.rows,
          fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
        },
        result,
      };
    } catch (error) {
      const reply = classifySqlError(error, API_LIMITS.sqlStatementTimeoutMs);
      if (reply.status === 403 && !granted)
        return { status: 503, body: errorBody("NOT_READY", "the views are being re-created; retry shortly") };
      if (reply.status >= 500)
        log({
          msg: "/sql statement failed",
          code: (error as { code?: string }).code,
          problem: (error as Error).message,
        });
      return { status: reply.status, body: errorBody(reply.code, reply.message) };
    }
  }

  // Live queries wake on Ponder's notification for the views schema (sent on every indexed block).
  let changed = withResolvers();
  let listener: pg.Client | undefined;
  const listen = async () => {
    if (closed || listener) return;
    const client = new pg.Client({
      connectionString: sqlReaderUrl(adminUrl, role),
      application_name: "olnode_sql_live",
    });
    listener = client;
    client.on("notification", () => {
      changed.resolve();
      changed = withResolvers();
    });
    client.on("error", () => {
      listener = undefined;
      client.end().catch(() => undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${`${viewsSchema}_live_query`.replaceAll('"', '""')}"`);
    } catch (error) {
      listener = undefined;
      client.end().catch(() => undefined);
      throw error;
    }
  };

  const open = new Map<string, number>();
  let openTotal = 0;
  const hash = (result: pg.QueryResult) =>
    createHash("sha256").update(JSON.stringify(result.rows)).digest("hex");

  const app = new Hono();
  app.on(["GET", "POST"], "/db", async (c) => {
    const reply = await execute(c.req.query("sql"));
    return c.json(reply.body, reply.status as 200);
  });

  app.get("/live", async (c) => {
    const address = clientAddress(c);
    const mine = open.get(address) ?? 0;
    if (mine >= API_LIMITS.liveQueriesPerClient || openTotal >= API_LIMITS.liveQueriesTotal) {
      const message =
        mine >= API_LIMITS.liveQueriesPerClient
          ? `${mine} live queries are open from ${address}, the most one client may hold; close one first`
          : `${openTotal} live queries are open, the most this indexer serves; retry later`;
      return c.json(errorBody("TOO_MANY_LIVE_QUERIES", message), 429);
    }
    // The slot is taken before the first run (so a burst cannot overshoot) and given back on every exit.
    open.set(address, mine + 1);
    openTotal++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      openTotal--;
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    };
    const raw = c.req.query("sql");
    let first: Awaited<ReturnType<typeof execute>>;
    try {
      await listen();
      first = await execute(raw);
    } catch (error) {
      release();
      log({ msg: "/sql/live could not listen", problem: (error as Error).message });
      return c.json(errorBody("BUSY", "live queries are unavailable right now; retry shortly"), 503);
    }
    if (first.status !== 200 || !first.result) {
      release();
      return c.json(first.body, first.status as 400);
    }
    let last = hash(first.result);
    return streamSSE(c, async (stream) => {
      const gone = withResolvers();
      stream.onAbort(() => {
        release();
        gone.resolve();
      });
      try {
        while (!stream.aborted && !stream.closed && !closed) {
          const woke = await Promise.race([
            changed.promise.then(() => "changed" as const),
            gone.promise.then(() => "gone" as const),
            new Promise<"heartbeat">((r) =>
              setTimeout(() => r("heartbeat"), API_LIMITS.liveHeartbeatMs).unref(),
            ),
          ]);
          if (woke === "gone") break;
          if (woke === "heartbeat") {
            await stream.write(": heartbeat\n\n");
            continue;
          }
          const next = await execute(raw);
          if (next.status !== 200 || !next.result) {
            await stream.writeSSE({ event: "error", data: JSON.stringify(next.body) });
            break;
          }
          const h = hash(next.result);
          if (h === last) continue;
          last = h;
          await stream.writeSSE({ data: JSON.stringify(next.body) });
        }
      } finally {
        release();
      }
    });
  });

  app.all("*", (c) => c.json(errorBody("NOT_FOUND", "SQL over HTTP lives at /sql/db and /sql/live"), 404));

  return {
    app,
    async close() {
      closed = true;
      clearTimeout(timer);
      await listener?.end().catch(() => undefined);
      await Promise.all([pool.end(), admin.end()]).catch(() => undefined);
    },
  };
}
