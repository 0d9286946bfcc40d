import { request } from "node:http";
import { parse } from "graphql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_LIMITS } from "../../indexer/src/api/apiLimits.ts";
import { estimateQueryCost, QUERY_COST_LIMITS } from "../../indexer/src/api/graphql/estimateQueryCost.ts";
import type { IndexerProcess } from "../../indexer/startIndexer.ts";
import type { TestChain } from "../harness/anvil.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { generateProtocolActivity } from "../harness/protocolActivity.ts";
import { notYet, waitFor } from "../harness/waitFor.ts";
import { startDeployedChain, startTestIndexer, waitForBlock } from "./indexerFixture.ts";

/**
 * Issue 19 against a real indexer (anvil, Postgres, `ponder start`): what an outside attacker or a careless
 * client sends to the API — over-budget and malformed GraphQL, hostile SQL, a flood of live queries, other
 * web origins — gets a clear 4xx, and nothing reads outside the index's views.
 */
let chain: TestChain;
let db: TestDatabase;
let deployment: Awaited<ReturnType<typeof startDeployedChain>>["deployment"];
let indexer: IndexerProcess;
const VIEWS = "olnode_api";

const ISSUE_QUERY = `{ ${Array.from(
  { length: 20 },
  (_, i) =>
    `a${i}: contributions(limit:1000){totalCount items{datanet{contributions(limit:1000){totalCount items{attributions(limit:1000){totalCount items{id}}}}}}}`,
).join(" ")} }`;

async function gql(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${indexer.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: JSON.parse(text) as {
      data?: Record<string, { items: unknown[] }>;
      errors?: { message: string; extensions: Record<string, unknown> & { cost?: number } }[];
    },
  };
}

const superjsonQuery = (sql: string, params: unknown = []) => JSON.stringify({ json: { sql, params } });

async function sql(statement: string, params: unknown = []) {
  const res = await fetch(
    `${indexer.url}/sql/db?sql=${encodeURIComponent(superjsonQuery(statement, params))}`,
  );
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: JSON.parse(text) as { rows?: Record<string, unknown>[]; error?: { code: string; message: string } },
  };
}

beforeAll(async () => {
  ({ chain, deployment } = await startDeployedChain());
  db = await createTestDatabase("olnode_api_e2e");
  const activity = await generateProtocolActivity({ chain, addresses: deployment.addresses, seed: 19 });
  indexer = await startTestIndexer({
    chain,
    databaseUrl: db.url,
    deployment,
    schema: "idx_api",
    viewsSchema: VIEWS,
  });
  await waitForBlock(indexer, activity.toBlock);
  // The role's grants follow the views Ponder creates at the end of the backfill.
  await waitFor(
    "/sql to answer (its role granted the views)",
    async () => {
      const { status, text } = await sql("select 1 as one");
      return status !== 503 || notYet("not 503", text);
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
}, 240_000);

afterAll(async () => {
  await indexer?.stop();
  await chain?.stop();
  await db?.drop();
});

describe("GraphQL: bounded before it runs", () => {
  it("answers a normal query", async () => {
    const r = await gql({ query: "{ contributions(limit: 5) { items { id datanet { id } } } }" });
    expect(r.status).toBe(200);
    expect(r.json.data!.contributions!.items.length).toBeGreaterThan(0);
  });

  it("refuses the issue's query with 400 naming its cost and the limit, and the indexer stays responsive", async () => {
    const r = await gql({ query: ISSUE_QUERY });
    expect(r.status).toBe(400);
    expect(r.json.errors![0]!.extensions).toMatchObject({
      code: "QUERY_TOO_EXPENSIVE",
      maxCost: QUERY_COST_LIMITS.maxCost,
    });
    expect(r.json.errors![0]!.extensions.cost).toBeGreaterThan(1e9);
    expect(r.json.errors![0]!.message).toMatch(
      new RegExp(`the limit is ${QUERY_COST_LIMITS.maxCost.toLocaleString("en-US")}`),
    );
    expect((await fetch(`${indexer.url}/api/v1/stats`)).status).toBe(200);
  });

  it("gives the caller's mistakes a 4xx with a useful message, never INTERNAL_SERVER_ERROR", async () => {
    const deep = `{ contributions(limit: 1) { items { datanet { contributions(limit: 1) { items { datanet { contributions(limit: 1) { items { datanet { contributions(limit: 1) { items { id } } } } } } } } } } } }`;
    const aliases = `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: protocol(id: "protocol") { id }`).join(" ")} }`;
    const cases: [unknown, number, RegExp][] = [
      [
        { query: "{ contributions(limit: 1001) { items { id } } }" },
        400,
        /limit 1001 on contributions is over the maximum of 1000/,
      ],
      [{ query: "{ contributions(limit: -5) { items { id } } }" }, 400, /must not be negative/],
      [{ query: '{ contributions(after: "not-a-cursor") { items { id } } }' }, 400, /is not a cursor/],
      [
        { query: "{ contributions(after: $c) { items { id } } }", variables: { c: "%%%" } },
        400,
        /cursor|Variable/,
      ],
      [{ query: deep }, 400, /depth/i],
      [{ query: aliases }, 400, /aliases/i],
      [{ query: "{ nope { id } }" }, 400, /Cannot query field "nope"/],
      [{ query: "{ contributions(" }, 400, /Syntax Error/],
      [
        { query: `{ contributions(where: { id: "${"9".repeat(5000)}" }) { items { id } } }` },
        400,
        /string of 5000 characters/,
      ],
      ["{not json", 400, /not JSON/],
      [{ variables: {} }, 400, /"query" string/],
      [
        { query: "{ contributions { items { id } } }", variables: [1] },
        400,
        /"variables" must be a JSON object/,
      ],
    ];
    for (const [body, status, message] of cases) {
      const r = await gql(body);
      expect(r.status, JSON.stringify(body).slice(0, 120)).toBe(status);
      const messages = (r.json.errors ?? []).map((e) => e.message).join(" ");
      expect(messages, JSON.stringify(body).slice(0, 120)).toMatch(message);
      expect(r.text).not.toContain("INTERNAL_SERVER_ERROR");
    }
  });

  it("refuses a 5 MB body with 413 before parsing it", async () => {
    const huge = JSON.stringify({
      query: `{ contributions(where: { id: "${"x".repeat(5 * 1024 * 1024)}" }) { items { id } } }`,
    });
    const r = await gql(huge);
    expect(r.status).toBe(413);
    expect(r.json.errors![0]!.extensions.code).toBe("BODY_TOO_LARGE");
  });
});

describe("/sql: a read-only role that sees only the views", () => {
  it("answers @ponder/client's protocol as the read-only role, reading the views", async () => {
    const r = await sql('select count(*)::int as n from "contribution"');
    expect(r.status).toBe(200);
    expect(r.body.rows![0]!.n).toBeGreaterThan(0);
    const who = await sql(
      "select current_user as u, (select rolsuper from pg_roles where rolname = current_user) as s",
    );
    expect(who.body.rows![0]).toEqual({ u: `${VIEWS}_sql_reader`, s: false });
    const params = await sql('select id from "datanet" where id = $1', ["1"]);
    expect(params.status).toBe(200);
  });

  it("lists no relation outside the views of the index's tables", async () => {
    const r = await sql(
      "select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where has_table_privilege(c.oid, 'SELECT') and n.nspname not in ('pg_catalog', 'information_schema') order by 1, 2",
    );
    expect(r.status).toBe(200);
    const schemas = new Set(r.body.rows!.map((row) => row.schema));
    expect([...schemas]).toEqual([VIEWS]);
    const names = r.body.rows!.map((row) => row.name);
    expect(names).toContain("contribution");
    expect(names).not.toContain("_ponder_meta");
    expect(names).not.toContain("_ponder_checkpoint");
  });

  it("refuses reads outside the views and hostile statements with a 4xx and Postgres's reason, no paths", async () => {
    const cases: [string, unknown, number, RegExp][] = [
      ["select * from _ponder_meta", [], 403, /permission denied/],
      [`select * from ${VIEWS}._ponder_checkpoint`, [], 403, /permission denied/],
      ["select * from idx_api.contribution", [], 403, /permission denied for schema idx_api/],
      ["select * from ponder_sync.blocks", [], 403, /permission denied/],
      ["select * from pg_authid", [], 403, /permission denied/],
      ["select pg_read_file('/etc/passwd')", [], 403, /permission denied/],
      ["select 1/0", [], 400, /division by zero/],
      ["select 'x'::int", [], 400, /invalid input syntax for type integer/],
      ["comment on table contribution is 'x'", [], 400, /only SELECT is accepted, not Comment/],
      ["select 1; select 2", [], 400, /one statement at a time/],
      ["set statement_timeout = 0", [], 400, /only SELECT/],
      ["select * from contribution for update", [], 400, /FOR UPDATE/],
      ["select $1::int", { 0: 1 }, 400, /params must be an array/],
      ["select $1::int", [{ a: 1 }], 400, /params may hold/],
      ["selec 1", [], 400, /syntax error/],
      ["x".repeat(API_LIMITS.sqlMaxLength + 1), [], 400, /at most 5000/],
    ];
    for (const [statement, params, status, message] of cases) {
      const r = await sql(statement, params);
      expect(r.status, statement.slice(0, 80)).toBe(status);
      expect(r.body.error!.message, statement.slice(0, 80)).toMatch(message);
      expect(r.text).not.toMatch(/\/work\/|node_modules|\.ts\b/);
    }
    const notJson = await fetch(`${indexer.url}/sql/db?sql=${encodeURIComponent("{nope")}`);
    expect(notJson.status).toBe(400);
    expect((await fetch(`${indexer.url}/sql/db`)).status).toBe(400);
  });

  it("cancels a runaway statement at the timeout, once, and keeps nothing a statement set on its connection", async () => {
    const join = await sql("select count(*) from pg_class a, pg_class b, pg_class c, pg_class d, pg_class e");
    expect(join.status).toBe(400);
    expect(join.body.error).toMatchObject({ code: "STATEMENT_TIMEOUT" });
    // An advisory lock or a session setting taken by one request is gone for the next on any pooled connection.
    for (let i = 0; i < 2 * API_LIMITS.sqlPoolSize; i++) {
      expect(
        (await sql("select pg_advisory_lock(19), set_config('statement_timeout', '0', false)")).status,
      ).toBe(200);
    }
    const locks = await sql("select count(*)::int as n from pg_locks where locktype = 'advisory'");
    expect(locks.body.rows![0]!.n).toBe(0);
    const timeout = await sql("select current_setting('statement_timeout') as t");
    expect(timeout.body.rows![0]!.t).toBe(`${API_LIMITS.sqlStatementTimeoutMs / 1000}s`);
  });
});

describe("/sql/live: limited per client, abandoned slots come back", () => {
  const liveUrl = (statement: string) =>
    `${indexer.url}/sql/live?sql=${encodeURIComponent(superjsonQuery(statement))}`;

  it("refuses a client's fifth live query, frees slots of closed and failed ones, and a valid one still works", async () => {
    // Failed live queries never hold a slot.
    for (let i = 0; i < 3 * API_LIMITS.liveQueriesPerClient; i++) {
      expect((await fetch(liveUrl("select 1/0"))).status).toBe(400);
    }
    for (let round = 0; round < 5; round++) {
      // Every slot free again (the last round's probe's too): the server notices a closed socket when it can.
      const { opened, controllers } = await waitFor(
        `${API_LIMITS.liveQueriesPerClient} live queries open at once`,
        async () => {
          const controllers = Array.from(
            { length: API_LIMITS.liveQueriesPerClient },
            () => new AbortController(),
          );
          const opened = await Promise.all(
            controllers.map((c) =>
              fetch(liveUrl('select count(*) from "contribution"'), { signal: c.signal }),
            ),
          );
          if (opened.every((r) => r.status === 200)) return { opened, controllers };
          for (const c of controllers) c.abort();
          return notYet(
            "every one answered 200",
            opened.map((r) => r.status),
          );
        },
        { intervalMs: 200 },
      );
      expect(opened.map((r) => r.status)).toEqual(opened.map(() => 200));
      const refused = await fetch(liveUrl('select count(*) from "contribution"'));
      expect(refused.status).toBe(429);
      expect(await refused.text()).toMatch(/the most one client may hold; close one first/);
      for (const c of controllers) c.abort();
      // The server notices the closed sockets and gives the slots back.
      await waitFor(
        "a slot given back",
        async () => {
          const probe = new AbortController();
          const r = await fetch(liveUrl("select 1 as one"), { signal: probe.signal });
          probe.abort();
          return r.status === 200 || notYet("200, not 429", r.status);
        },
        { intervalMs: 100 },
      );
    }
  });
});

describe("browsers", () => {
  it("refuses other web origins and foreign Hosts, and never answers with Access-Control-Allow-Origin: *", async () => {
    const evil = await fetch(`${indexer.url}/api/v1/stats`, { headers: { origin: "https://evil.example" } });
    expect(evil.status).toBe(403);
    expect(await evil.text()).toMatch(/indexer.corsOrigins/);
    const sneaky = await fetch(
      `${indexer.url}/sql/db?sql=${encodeURIComponent(superjsonQuery("select 1"))}`,
      {
        headers: { "sec-fetch-site": "cross-site" },
      },
    );
    expect(sneaky.status).toBe(403);
    const plain = await fetch(`${indexer.url}/api/v1/stats`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    const same = await gql(
      { query: "{ contributions(limit: 1) { items { id } } }" },
      { origin: indexer.url },
    );
    expect(same.status).toBe(200);
    const { port } = new URL(indexer.url);
    // fetch will not send a Host of one's choosing; a DNS-rebound page's request carries the attacker's name.
    const rebound = await new Promise<number>((resolve, reject) =>
      request(
        { host: "127.0.0.1", port, path: "/api/v1/stats", headers: { host: `evil.example:${port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on("error", reject)
        .end(),
    );
    expect(rebound).toBe(403);
  });

  it("answers CORS preflights by indexer.corsOrigins (none here): refused, never Access-Control-Allow-Origin: *", async () => {
    for (const path of ["/graphql", "/api/v1/stats", "/sql/db", "/health"]) {
      const res = await fetch(`${indexer.url}${path}`, {
        method: "OPTIONS",
        headers: {
          origin: "https://evil.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
      expect(res.status, path).toBe(403);
      expect(res.headers.get("access-control-allow-origin"), path).toBeNull();
      expect(await res.text(), path).toMatch(/ORIGIN_NOT_ALLOWED.*indexer\.corsOrigins/);
    }
  });

  it("guards Ponder's own /health, /ready, /status and /metrics like every other route", async () => {
    const { port } = new URL(indexer.url);
    const withHost = (path: string, host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) =>
        request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
          let body = "";
          res.on("data", (d: Buffer) => {
            body += d.toString();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        })
          .on("error", reject)
          .end(),
      );
    for (const path of ["/health", "/ready", "/status", "/metrics"]) {
      const plain = await fetch(`${indexer.url}${path}`);
      expect(plain.status, path).toBe(200);
      expect(plain.headers.get("access-control-allow-origin"), path).toBeNull();
      const rebound = await withHost(path, `evil.example:${port}`);
      expect(rebound.status, path).toBe(403);
      expect(rebound.body, path).toMatch(/HOST_NOT_ALLOWED/);
      expect(rebound.body, path).not.toMatch(/ponder_|"block"/);
      const evil = await fetch(`${indexer.url}${path}`, { headers: { origin: "https://evil.example" } });
      expect(evil.status, path).toBe(403);
    }
  });
});

describe("GraphQL: expensive queries cannot hold the API, and stop at the deadline", () => {
  /** Over the heavy threshold and within the budget: a page of contributions, each with a page of attributions. */
  const HEAVY = "{ contributions(limit: 90) { items { id attributions(limit: 1) { items { id } } } } }";
  const graphqlBackends = async (admin: pg.Client) =>
    (
      await admin.query<{ app: string; state: string; wait: string | null; query: string }>(
        "select application_name as app, state, wait_event_type as wait, query from pg_stat_activity where application_name like 'olnode_graphql%' and state <> 'idle'",
      )
    ).rows;

  it("runs one expensive query at a time on its own pool, refuses a full line with 429 and a retry time, and cancels its SQL at the deadline", async () => {
    expect(estimateQueryCost(parse(HEAVY)).cost).toBeGreaterThan(API_LIMITS.graphqlHeavyCost);
    expect(estimateQueryCost(parse(HEAVY)).problems).toEqual([]);
    // Two connections: one holds the lock in a transaction; the other watches pg_stat_activity, whose rows a
    // transaction would keep from its first read.
    const locker = new pg.Client({ connectionString: db.url, application_name: "api_e2e_lock" });
    const admin = new pg.Client({ connectionString: db.url, application_name: "api_e2e_watch" });
    await locker.connect();
    await admin.connect();
    try {
      // Every nested page of HEAVY waits for this lock, so the query is still running when its deadline comes.
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE idx_api.attribution IN ACCESS EXCLUSIVE MODE");
      let answered: unknown;
      const first = gql({ query: HEAVY }).then((r) => {
        answered = { status: r.status, text: r.text.slice(0, 300) };
        return r;
      });
      const blocked = await waitFor("the expensive query to wait for the lock on its own pool", async () => {
        const rows = await graphqlBackends(admin);
        const all = await admin.query(
          "select application_name as app, state, wait_event_type as wait, left(query, 80) as query from pg_stat_activity where datname = current_database()",
        );
        return rows.some((r) => r.app === "olnode_graphql_heavy" && r.wait === "Lock")
          ? rows
          : notYet("an olnode_graphql_heavy backend waiting for a lock", { answered, all: all.rows });
      });
      expect(blocked.filter((r) => r.app === "olnode_graphql_heavy")).toHaveLength(
        API_LIMITS.graphqlHeavyConnections,
      );
      // REST and cheap GraphQL do not wait behind it.
      expect((await fetch(`${indexer.url}/api/v1/stats`)).status).toBe(200);
      expect((await gql({ query: "{ datanets(limit: 1) { items { id } } }" })).status).toBe(200);
      // One runs, graphqlHeavyQueue wait, the rest are refused at once.
      const extra = API_LIMITS.graphqlHeavyQueue + 4;
      const others = await Promise.all(Array.from({ length: extra }, () => gql({ query: HEAVY })));
      const refused = others.filter((r) => r.status === 429);
      expect(refused).toHaveLength(4);
      for (const r of refused) {
        expect(r.json.errors![0]!.extensions.code).toBe("TOO_MANY_EXPENSIVE_QUERIES");
        // The Retry-After header does not get through Ponder's server; the body carries the same number.
        expect(r.json.errors![0]!.extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      }
      expect(others.filter((r) => r.status === 503)).toHaveLength(API_LIMITS.graphqlHeavyQueue);
      const late = await first;
      expect(late.status).toBe(503);
      expect(late.json.errors![0]!.extensions.code).toBe("DEADLINE_EXCEEDED");
      // At the deadline the statement was cancelled in Postgres, and no further nested page started.
      await waitFor(
        "no GraphQL statement left running after the deadline",
        async () => {
          const rows = await graphqlBackends(admin);
          return rows.length === 0 ? true : notYet("no active olnode_graphql* backend", rows);
        },
        // Must stay under graphqlDeadlineMs: the pool's statement_timeout (twice the deadline) would end an
        // uncancelled statement one deadline after this point, and then the test would no longer tell.
        { timeoutMs: API_LIMITS.graphqlDeadlineMs * 0.8 },
      );
      const waiting = await admin.query("select count(*)::int as n from pg_locks where not granted");
      expect(waiting.rows[0].n).toBe(0);
    } finally {
      await locker.query("ROLLBACK").catch(() => undefined);
      await locker.end();
      await admin.end();
    }
    expect((await gql({ query: "{ contributions(limit: 5) { items { id } } }" })).status).toBe(200);
  }, 60_000);
});
