import { AsyncLocalStorage } from "node:async_hooks";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { type Admission, type AdmissionParameters, createAdmission } from "./createAdmission.ts";

/**
 * Where Ponder's GraphQL reads, so that no GraphQL query — least of all an expensive one — waits in line with
 * REST. Ponder gives its GraphQL resolvers `globalThis.PONDER_DATABASE.readonlyQB`, the read pool (2
 * connections here) that REST's `db` from "ponder:api" and Ponder's /ready and /status also use, and runs one
 * SQL statement per parent row of a nested list through it. Here each GraphQL request runs in a lane:
 * - `cheap` (estimated cost up to `heavyCost`): its own pool, several at once;
 * - `heavy`: its own pool, admitted a few at a time with a bounded line and a share of wall time
 *   (createAdmission.ts; beyond the line the caller gets AdmissionRefusedError → 429 with Retry-After);
 * and REST keeps Ponder's read pool to itself. Every statement of a request runs on a connection the request
 * holds only for that statement; when the request's signal aborts (its deadline, its client gone), the
 * statements in flight are cancelled in Postgres (pg_cancel_backend) and no new one starts.
 *
 * The lane is found through AsyncLocalStorage: `readonlyQB` on Ponder's database object becomes a getter that
 * answers the current request's lane inside `run()` and Ponder's own query builder everywhere else.
 */
export type GraphqlLaneName = "cheap" | "heavy";

export type GraphqlLanesParameters = {
  /** `globalThis.PONDER_DATABASE` of the running Ponder app. */
  database: PonderDatabase;
  /** The Ponder schema (tables and relations), as `ponder:schema` exports it. */
  schema: Record<string, unknown>;
  /** Requests whose estimated cost is above this run in the heavy lane. */
  heavyCost: number;
  cheap: LaneParameters;
  heavy: LaneParameters;
  /**
   * Postgres ends any one statement of a lane after this, or a wait for a lock (a backstop: the request's
   * deadline, which cancels its statements, comes first).
   */
  statementTimeoutMs: number;
};

/** A lane: the connections of its pool and its admission (createAdmission.ts). */
export type LaneParameters = { connections: number } & Omit<AdmissionParameters, "name">;

export type GraphqlLanes = {
  /** The lane a request of this estimated cost runs in. */
  laneFor(cost: number): GraphqlLaneName;
  /**
   * Runs `work` (Ponder's GraphQL handler) in the lane for `cost`, once admitted. Rejects with
   * AdmissionRefusedError when the lane's line is full, or with `signal.reason` when it aborts first.
   */
  run<T>(cost: number, signal: AbortSignal, work: () => Promise<T>): Promise<T>;
  readonly admissions: Record<GraphqlLaneName, Admission>;
  close(): Promise<void>;
};

/** The parts of Ponder's database object (ponder/dist/esm/database) used here. */
export type PonderDatabase = {
  readonlyQB: unknown;
  driver: { dialect: string; readonly?: pg.Pool };
};

/** Thrown by every statement of a request after its signal aborted. */
export class RequestAbortedError extends Error {
  override name = "RequestAbortedError";
}

type Scope = { lane: GraphqlLaneName; signal: AbortSignal; clients: Set<pg.PoolClient> };

export function createGraphqlLanes(parameters: GraphqlLanesParameters): GraphqlLanes {
  const { database, schema, heavyCost, statementTimeoutMs } = parameters;
  const base = database.driver.readonly;
  if (database.driver.dialect !== "postgres" || !base) {
    throw new Error("GraphQL lanes need Ponder's Postgres read pool (database.kind: postgres)");
  }
  // Ponder's read pool: its client class sets the indexer schema's search_path, read-only transactions and a
  // lock timeout on every connection; the lanes' pools are built from the same options.
  const PoolClass = base.constructor as typeof pg.Pool;
  const options = (base as unknown as { options: pg.PoolConfig }).options;
  const makePool = (max: number, name: string) => {
    const pool = new PoolClass({
      ...options,
      password: options.password,
      max,
      application_name: name,
      statement_timeout: statementTimeoutMs,
      idleTimeoutMillis: 30_000,
    });
    pool.on("error", () => undefined); // an idle client's socket error: the pool replaces it
    // Ponder's client sets lock_timeout 500ms on connect; a GraphQL statement may wait for a lock (a reorg's
    // rewrite) as long as its request lives, and is cancelled with it. Queued before any use of the client.
    pool.on("connect", (client) => {
      client.query(`SET lock_timeout = ${Math.floor(statementTimeoutMs)}`).catch(() => undefined);
    });
    return pool;
  };
  const pools = {
    cheap: makePool(parameters.cheap.connections, "olnode_graphql"),
    heavy: makePool(parameters.heavy.connections, "olnode_graphql_heavy"),
  };
  // pg_cancel_backend needs a connection of its own: the ones to cancel are busy.
  const control = makePool(1, "olnode_graphql_cancel");
  const scopes = new AsyncLocalStorage<Scope>();

  const cancel = (client: pg.PoolClient) => {
    const pid = (client as unknown as { processID?: number }).processID;
    return pid === undefined
      ? Promise.resolve()
      : control.query("select pg_cancel_backend($1)", [pid]).then(
          () => undefined,
          () => undefined,
        );
  };

  /** What drizzle calls for each statement: a connection of the lane for just that statement. */
  const client = (pool: pg.Pool) => ({
    async query(config: pg.QueryConfig, values?: unknown[]) {
      const scope = scopes.getStore();
      const aborted = () =>
        new RequestAbortedError("the request ended (deadline or client gone); its queries were cancelled");
      if (scope?.signal.aborted) throw aborted();
      const connection = await pool.connect();
      if (scope?.signal.aborted) {
        connection.release();
        throw aborted();
      }
      let cancelling: Promise<void> | undefined;
      const onAbort = () => {
        cancelling = cancel(connection);
      };
      scope?.clients.add(connection);
      scope?.signal.addEventListener("abort", onAbort, { once: true });
      try {
        return await connection.query(config, values as unknown[]);
      } finally {
        scope?.signal.removeEventListener("abort", onAbort);
        scope?.clients.delete(connection);
        // A cancel that arrives late must not hit the next user of this connection: wait for it, then drop it.
        if (cancelling) await cancelling;
        connection.release(cancelling !== undefined);
      }
    },
  });

  // Ponder's query builder as its GraphQL resolvers use it: `qb.raw` (drizzle) and `qb.wrap(fn)`.
  const queryBuilder = (pool: pg.Pool) => {
    const raw = drizzle(client(pool) as unknown as pg.Pool, { schema, casing: "snake_case" });
    const wrap = (a: unknown, b?: unknown) => {
      const fn = (typeof a === "function" ? a : b) as (db: typeof raw) => Promise<unknown>;
      return fn(raw);
    };
    return Object.assign(raw, { raw, wrap, $client: pool });
  };
  const builders = { cheap: queryBuilder(pools.cheap), heavy: queryBuilder(pools.heavy) };

  const ponderQB = database.readonlyQB;
  Object.defineProperty(database, "readonlyQB", {
    configurable: true,
    enumerable: true,
    get: () => {
      const scope = scopes.getStore();
      return scope ? builders[scope.lane] : ponderQB;
    },
  });

  const admissions = {
    cheap: createAdmission({ name: "GraphQL", ...parameters.cheap }),
    heavy: createAdmission({ name: "expensive GraphQL", ...parameters.heavy }),
  };
  const laneFor = (cost: number): GraphqlLaneName => (cost > heavyCost ? "heavy" : "cheap");

  return {
    laneFor,
    admissions,
    run(cost, signal, work) {
      const lane = laneFor(cost);
      return admissions[lane].run(() => scopes.run({ lane, signal, clients: new Set() }, work), signal);
    },
    async close() {
      Object.defineProperty(database, "readonlyQB", {
        configurable: true,
        enumerable: true,
        writable: true,
        value: ponderQB,
      });
      await Promise.all([pools.cheap.end(), pools.heavy.end(), control.end()]).catch(() => undefined);
    },
  };
}
