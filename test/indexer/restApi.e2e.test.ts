import { Ajv2020 } from "ajv/dist/2020.js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IndexerProcess } from "../../indexer/startIndexer.ts";
import type { TestChain } from "../harness/anvil.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { generateProtocolActivity, type ProtocolActivityReturnType } from "../harness/protocolActivity.ts";
import { startDeployedChain, startTestIndexer, waitForBlock } from "./indexerFixture.ts";

/**
 * The REST API of issue 14 item 5 against a real indexer (anvil, Postgres, `ponder start`): every route of the
 * served OpenAPI document answered with real rows, each answer valid against the document; the list routes'
 * filters and keyset pages equal the same question asked of the indexer's tables in SQL; events by
 * transaction hash are every row of that transaction across the tables; search finds ids, addresses, roots
 * and transactions.
 */
const SCHEMA = "idx_rest";
let chain: TestChain;
let db: TestDatabase;
let sql: pg.Client;
let indexer: IndexerProcess;
let activity: ProtocolActivityReturnType;

type Json = Record<string, unknown> & { error?: { code: string; message: string } };
type Doc = {
  paths: Record<
    string,
    { get: { responses: Record<string, { content: Record<string, { schema: object }> }> } }
  >;
  components: { schemas: Record<string, object> };
};
let doc: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validated = new Set<string>();

/** GETs `path` and checks the answer against the document's schema for `template` and its status. */
async function api(template: string, path = template): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${indexer.url}/api/v1${path}`);
  const body = (await res.json()) as Json;
  const responses = doc.paths[`/api/v1${template}`]?.get.responses;
  expect(responses, `${template} is in the document`).toBeDefined();
  const documented = responses![String(res.status)];
  expect(
    documented,
    `${path}: status ${res.status} is documented (${JSON.stringify(body).slice(0, 300)})`,
  ).toBeDefined();
  const schema = { ...documented!.content["application/json"]!.schema, components: doc.components };
  const ok = ajv.validate(schema, body);
  expect(ok, `${path}: ${ajv.errorsText(ajv.errors, { separator: "\n" })}`).toBe(true);
  if (res.status === 200) validated.add(template);
  return { status: res.status, body };
}

/** Every item of a list, page by page (`limit` per page), following nextCursor. */
async function walk(template: string, path: string, limit = 2): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const { status, body } = await api(
      template,
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
    );
    expect(status, JSON.stringify(body)).toBe(200);
    items.push(...(body.items as Json[]));
    cursor = body.nextCursor as string | null;
    if (!cursor) return items;
  }
  throw new Error(`${path}: more than 1000 pages`);
}

const column = async (query: string, params: unknown[] = []) =>
  (await sql.query(query, params)).rows.map((r) => String(Object.values(r)[0]));

beforeAll(async () => {
  let deployment: Awaited<ReturnType<typeof startDeployedChain>>["deployment"];
  ({ chain, deployment } = await startDeployedChain());
  db = await createTestDatabase("olnode_rest_e2e");
  activity = await generateProtocolActivity({ chain, addresses: deployment.addresses, seed: 14 });
  indexer = await startTestIndexer({
    chain,
    databaseUrl: db.url,
    deployment,
    schema: SCHEMA,
    viewsSchema: "olnode_rest",
  });
  await waitForBlock(indexer, activity.toBlock);
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`SET search_path = "${SCHEMA}"`);
  doc = (await (await fetch(`${indexer.url}/api/v1/openapi.json`)).json()) as Doc;
}, 240_000);

afterAll(async () => {
  await sql?.end();
  await indexer?.stop();
  await chain?.stop();
  await db?.drop();
});

describe("lists: filters and keyset pages equal SQL over the index", () => {
  it("datanets, by owner and by block and time range, in id order both ways", async () => {
    const all = await column("SELECT id FROM datanet ORDER BY id");
    expect(all.length).toBeGreaterThan(1);
    expect((await walk("/datanets", "/datanets")).map((d) => d.id)).toEqual(all);
    expect((await walk("/datanets", "/datanets?order=desc")).map((d) => d.id)).toEqual([...all].reverse());
    const [owner] = await column("SELECT owner FROM datanet ORDER BY id DESC LIMIT 1");
    expect(
      (await walk("/datanets", `/datanets?owner=${owner!.toUpperCase().replace("0X", "0x")}`)).map(
        (d) => d.id,
      ),
    ).toEqual(await column("SELECT id FROM datanet WHERE owner = $1 ORDER BY id", [owner]));
    const [lo, hi] = await column("SELECT created_block FROM datanet ORDER BY id LIMIT 1 OFFSET 1").then(
      async ([b]) => [b!, (await column("SELECT max(created_block) FROM datanet"))[0]!],
    );
    expect((await walk("/datanets", `/datanets?fromBlock=${lo}&toBlock=${hi}`)).map((d) => d.id)).toEqual(
      await column("SELECT id FROM datanet WHERE created_block BETWEEN $1 AND $2 ORDER BY id", [lo, hi]),
    );
    const [t] = await column("SELECT created_at FROM datanet ORDER BY id LIMIT 1 OFFSET 1");
    expect((await walk("/datanets", `/datanets?toTime=${t}`)).map((d) => d.id)).toEqual(
      await column("SELECT id FROM datanet WHERE created_at <= $1 ORDER BY id", [t]),
    );
  });

  it("models, by developer and range", async () => {
    const all = await column("SELECT id FROM model ORDER BY id");
    expect(all.length).toBeGreaterThan(0);
    expect((await walk("/models", "/models", 1)).map((m) => m.id)).toEqual(all);
    const [dev] = await column("SELECT developer FROM model LIMIT 1");
    expect((await walk("/models", `/models?developer=${dev}`)).map((m) => m.id)).toEqual(
      await column("SELECT id FROM model WHERE developer = $1 ORDER BY id", [dev]),
    );
    const [b] = await column("SELECT max(registered_block) FROM model");
    expect((await walk("/models", `/models?fromBlock=${b}`)).map((m) => m.id)).toEqual(
      await column("SELECT id FROM model WHERE registered_block >= $1 ORDER BY id", [b]),
    );
  });

  it("inferences, by model, payer, developer, status and range, in pages of any size", async () => {
    const all = await column("SELECT id FROM inference ORDER BY id");
    expect(all.length).toBeGreaterThan(2);
    for (const limit of [1, 3, 100]) {
      expect((await walk("/inferences", "/inferences", limit)).map((i) => i.id)).toEqual(all);
    }
    const [one] = (
      await sql.query(
        "SELECT model_id, payer, developer, status, recorded_block, recorded_at FROM inference ORDER BY id DESC LIMIT 1",
      )
    ).rows;
    const cases: [string, string, unknown[]][] = [
      [`modelId=${one.model_id}`, "model_id = $1", [one.model_id]],
      [`payer=${one.payer}`, "payer = $1", [one.payer]],
      [`developer=${one.developer}`, "developer = $1", [one.developer]],
      [`status=${one.status}`, "status = $1", [one.status]],
      [
        `status=recorded&fromBlock=${one.recorded_block}`,
        "status = 'recorded' AND recorded_block >= $1",
        [one.recorded_block],
      ],
      [`fromTime=${one.recorded_at}&toTime=${one.recorded_at}`, "recorded_at = $1", [one.recorded_at]],
    ];
    for (const [query, where, params] of cases) {
      expect(
        (await walk("/inferences", `/inferences?${query}`)).map((i) => i.id),
        query,
      ).toEqual(await column(`SELECT id FROM inference WHERE ${where} ORDER BY id`, params));
    }
    expect((await walk("/inferences", "/inferences?order=desc")).map((i) => i.id)).toEqual(
      [...all].reverse(),
    );
    // Ranges past either end of the chain: empty pages, not errors.
    for (const query of ["fromBlock=99999999", "toTime=1", "fromTime=1&toBlock=0"]) {
      expect(await walk("/inferences", `/inferences?${query}`), query).toEqual([]);
    }
  });

  it("workers, by status, in the order of their registration", async () => {
    const order = "ORDER BY registered_block, address";
    expect((await walk("/workers", "/workers")).map((w) => w.address)).toEqual(
      await column(`SELECT address FROM worker ${order}`),
    );
    const where = {
      active: "NOT withdrawn AND last_active_epoch IS NULL",
      exiting: "NOT withdrawn AND last_active_epoch IS NOT NULL",
      withdrawn: "withdrawn",
    };
    let total = 0;
    for (const [status, condition] of Object.entries(where)) {
      const got = (await walk("/workers", `/workers?status=${status}`, 1)).map((w) => w.address);
      expect(got, status).toEqual(await column(`SELECT address FROM worker WHERE ${condition} ${order}`));
      total += got.length;
    }
    expect(total).toBe(activity.workers.length);
    // A time range is read as the block range it covers (block times never decrease).
    const [t0, t1] = await column(
      "SELECT registered_at FROM worker ORDER BY registered_block, address LIMIT 2",
    );
    for (const query of [
      `fromTime=${t1}`,
      `toTime=${t0}`,
      `fromTime=${t0}&toTime=${t1}&fromBlock=0`,
      "fromTime=99999999999",
    ]) {
      const [from, to] = [
        /fromTime=(\d+)/.exec(query)?.[1] ?? "0",
        /toTime=(\d+)/.exec(query)?.[1] ?? "99999999999",
      ];
      expect(
        (await walk("/workers", `/workers?${query}`)).map((w) => w.address),
        query,
      ).toEqual(
        await column(`SELECT address FROM worker WHERE registered_at BETWEEN $1 AND $2 ${order}`, [from, to]),
      );
    }
    expect((await walk("/workers", "/workers?order=desc")).map((w) => w.address)).toEqual(
      (await column(`SELECT address FROM worker ${order}`)).reverse(),
    );
  });

  it("epochs, by status and by the block and time they started", async () => {
    expect((await walk("/epochs", "/epochs")).map((e) => e.id)).toEqual(
      await column("SELECT id FROM epoch ORDER BY id"),
    );
    for (const status of ["open", "closed"]) {
      expect(
        (await walk("/epochs", `/epochs?status=${status}`)).map((e) => e.id),
        status,
      ).toEqual(await column(`SELECT id FROM epoch WHERE closed = ${status === "closed"} ORDER BY id`));
    }
    expect(activity.closedEpochs.length).toBeGreaterThan(0);
    const [b] = await column("SELECT min(start_block) FROM epoch WHERE started");
    const [t] = await column("SELECT max(started_at) FROM epoch WHERE started");
    expect(
      (await walk("/epochs", `/epochs?fromBlock=${BigInt(b!) + 1n}&toTime=${t}`)).map((e) => e.id),
    ).toEqual(
      await column("SELECT id FROM epoch WHERE start_block > $1 AND started_at <= $2 ORDER BY id", [b, t]),
    );
  });
});

describe("events by transaction hash", () => {
  const eventTables = [
    "contribution_status_change",
    "attribution",
    "reward_accrual",
    "reward_claim",
    "heartbeat",
    "attestation",
    "subject_finalization",
    "points_change",
    "airdrop_claim",
    "admin_event",
  ];
  const created: [string, string, string][] = [
    ["datanet", "created_tx", "id"],
    ["contribution", "submitted_tx", "id"],
    ["model", "registered_tx", "id"],
    ["inference", "recorded_tx", "id"],
    ["worker", "registered_tx", "address"],
    ["epoch", "closed_tx", "id"],
  ];

  it("are every row of that transaction across the tables, in log order", async () => {
    const union = [
      ...eventTables.map((t) => `SELECT transaction_hash AS h FROM ${t}`),
      ...created.map(([t, c]) => `SELECT ${c} AS h FROM ${t} WHERE ${c} IS NOT NULL`),
    ].join(" UNION ");
    const hashes = await column(`SELECT h FROM (${union}) x ORDER BY h`);
    expect(hashes.length).toBeGreaterThan(20);
    // Every deposit transaction, and a spread of the others (each table's rows are then compared).
    const sample = [
      ...new Set([
        ...activity.depositTransactions.map((h) => h.toLowerCase()),
        ...hashes.filter((_, i) => i % 7 === 0),
      ]),
    ];
    for (const hash of sample) {
      const { status, body } = await api("/transactions/{hash}/events", `/transactions/${hash}/events`);
      expect(status, hash).toBe(200);
      const events = body.events as { table: string; row: Json }[];
      for (const table of eventTables) {
        const want = await column(`SELECT id FROM ${table} WHERE transaction_hash = $1 ORDER BY id`, [hash]);
        const got = events
          .filter((e) => e.table === table)
          .map((e) => String(e.row.id))
          .sort();
        expect(got, `${table} rows of ${hash}`).toEqual([...want].sort());
      }
      const logIndexes = events.map((e) => e.row.logIndex as number);
      expect(logIndexes).toEqual([...logIndexes].sort((a, b) => a - b));
      for (const [table, col, key] of created) {
        const want = await column(`SELECT ${key} FROM ${table} WHERE ${col} = $1 ORDER BY 1`, [hash]);
        const got = (body.created as { table: string; row: Json }[])
          .filter((e) => e.table === table)
          .map((e) => String(e.row[key]))
          .sort();
        expect(got, `${table} created by ${hash}`).toEqual([...want].sort());
      }
      expect(body.deposit === null, hash).toBe(
        !activity.depositTransactions.some((d) => d.toLowerCase() === hash),
      );
    }
    const missing = await api("/transactions/{hash}/events", `/transactions/0x${"12".repeat(32)}/events`);
    expect(missing.status).toBe(404);
  });
});

describe("search", () => {
  it("finds ids, addresses, roots and transactions, each with the path that shows it", async () => {
    const search = async (q: string) => {
      const { status, body } = await api("/search", `/search?q=${q}`);
      expect(status).toBe(200);
      return body.results as { type: string; id: string; path: string }[];
    };
    const [c] = (
      await sql.query(
        "SELECT id, data_root, contributor, submitted_tx FROM contribution ORDER BY id DESC LIMIT 1",
      )
    ).rows;
    expect(await search(String(c.id))).toContainEqual({
      type: "contribution",
      id: String(c.id),
      path: `/api/v1/contributions/${c.id}`,
    });
    expect(await search(c.data_root)).toContainEqual({
      type: "contribution",
      id: String(c.id),
      path: `/api/v1/contributions/${c.id}`,
    });
    expect((await search(c.contributor)).map((r) => r.type)).toContain("account");
    expect(await search(c.submitted_tx)).toContainEqual({
      type: "transaction",
      id: c.submitted_tx,
      path: `/api/v1/transactions/${c.submitted_tx}/events`,
    });
    const [i] = (await sql.query("SELECT id, output_root FROM inference LIMIT 1")).rows;
    expect(await search(i.output_root)).toContainEqual({
      type: "inference",
      id: String(i.id),
      path: `/api/v1/inferences/${i.id}`,
    });
    const [e] = (await sql.query("SELECT id, points_root FROM epoch WHERE points_root IS NOT NULL LIMIT 1"))
      .rows;
    expect(await search(e.points_root)).toContainEqual({
      type: "epoch",
      id: String(e.id),
      path: `/api/v1/epochs/${e.id}`,
    });
    expect((await search(activity.workers[0]!)).map((r) => r.type)).toContain("worker");
    const [d] = (await sql.query("SELECT owner FROM datanet LIMIT 1")).rows;
    expect(await search(d.owner)).toContainEqual({
      type: "datanetOwner",
      id: d.owner,
      path: `/api/v1/datanets?owner=${d.owner}`,
    });
    // Every path a result names answers 200.
    for (const r of await search(c.submitted_tx))
      expect((await fetch(`${indexer.url}${r.path}`)).status).toBe(200);
    expect(await search(`0x${"ee".repeat(32)}`)).toEqual([]);
    expect((await api("/search", "/search?q=not-a-thing")).status).toBe(400);
  });
});

describe("the OpenAPI document against real answers", () => {
  it("every route of the document answers real rows that validate against it", async () => {
    const one = async (q: string) => (await sql.query(q)).rows[0] as Record<string, string>;
    const c = await one(
      "SELECT id, datanet_id, contributor FROM contribution ORDER BY attestation_count DESC LIMIT 1",
    );
    const i = await one("SELECT id, model_id FROM inference ORDER BY attestation_count DESC LIMIT 1");
    const w = await one("SELECT worker, epoch FROM worker_epoch WHERE points > 0 ORDER BY epoch LIMIT 1");
    const e = await one("SELECT id FROM epoch WHERE closed LIMIT 1");
    const p = await one(
      `SELECT epoch, worker FROM worker_epoch WHERE epoch = ${e.id} AND points > 0 LIMIT 1`,
    );
    const paid = await one("SELECT account FROM reward_claim LIMIT 1");
    const calls: [string, string][] = [
      ["/status", "/status"],
      ["/stats", "/stats"],
      ["/datanets/{id}", `/datanets/${c.datanet_id}`],
      ["/datanets/{id}/contributions", `/datanets/${c.datanet_id}/contributions?status=accepted`],
      ["/contributions/{id}", `/contributions/${c.id}`],
      ["/contributors/{address}", `/contributors/${c.contributor}`],
      ["/contributors/{address}/contributions", `/contributors/${c.contributor}/contributions`],
      ["/contributors/{address}/attributions", `/contributors/${c.contributor}/attributions?limit=3`],
      ["/contributors/{address}/rewards", `/contributors/${paid.account}/rewards`],
      ["/models/{id}", `/models/${i.model_id}`],
      ["/models/{id}/inferences", `/models/${i.model_id}/inferences?limit=2&order=desc`],
      ["/inferences/{id}", `/inferences/${i.id}`],
      ["/workers/{address}", `/workers/${w.worker}`],
      ["/workers/{address}/attestations", `/workers/${w.worker}/attestations`],
      ["/workers/{address}/heartbeats", `/workers/${w.worker}/heartbeats`],
      ["/epochs/{epoch}", `/epochs/${e.id}`],
      ["/epochs/{epoch}/leaderboard", `/epochs/${w.epoch}/leaderboard?limit=2`],
      ["/epochs/{epoch}/proofs/{address}", `/epochs/${p?.epoch ?? e.id}/proofs/${p?.worker ?? w.worker}`],
      ["/openapi.json", "/openapi.json"],
    ];
    for (const [template, path] of calls) {
      const { status, body } = await api(template, path);
      expect(status, `${path}: ${JSON.stringify(body).slice(0, 300)}`).toBe(200);
    }
    // The caller's mistakes answer the documented 400 and 404 bodies.
    await api("/datanets", "/datanets?limit=101");
    await api("/inferences/{id}", "/inferences/99999999");
    // This file has validated a real 200 of every route the document lists.
    expect([...validated].sort()).toEqual(
      Object.keys(doc.paths)
        .map((p) => p.replace("/api/v1", ""))
        .sort(),
    );
  });
});
