import { loadavg } from "node:os";
import pg from "pg";
import { launchPostgres } from "../../config/services/launchPostgres.ts";
import { deployContracts } from "../../contracts/deploy/deployContracts.ts";
import { encodeCursor } from "../../indexer/src/api/rest/queryParams.ts";
import { startIndexer } from "../../indexer/startIndexer.ts";
import { startTestChain } from "../harness/anvil.ts";
import { cleanEnv, indexerOverrides } from "../indexer/indexerFixture.ts";
import { type BenchFigure, figure, percentile } from "./benchmark.ts";

const ROWS = Number(process.env.OLNODE_BENCH_API_LIST_ROWS ?? 100_000);
const SAMPLES = Number(process.env.OLNODE_BENCH_API_LIST_SAMPLES ?? 200);
const SCHEMA = "api_list";

const addr = (expr: string) => `'0x' || lpad(to_hex(${expr}), 40, '0')`;
const hash = (tag: string, expr: string) => `'0x${tag}' || lpad(to_hex(${expr}), 62, '0')`;
const BLOCK0 = 10_000_000;
const TIME0 = 2_000_000_000;

/**
 * How each list's table is filled: `g` runs 1..ROWS; columns not named here get a neutral value of their type
 * (0, false, '', '{}', or NULL when nullable). Blocks and times ascend with the id, as on a chain; owners,
 * developers and payers repeat over 1,000 (500) addresses, statuses are mixed as below.
 */
const FILL: Record<string, Record<string, string>> = {
  datanet: {
    id: "g",
    owner: addr("g % 1000"),
    created_block: `${BLOCK0} + g`,
    created_at: `${TIME0} + 2 * g`,
    created_tx: hash("d0", "g"),
  },
  model: {
    id: "g",
    developer: addr("g % 1000"),
    registered_block: `${BLOCK0} + g`,
    registered_at: `${TIME0} + 2 * g`,
    registered_tx: hash("e0", "g"),
  },
  inference: {
    id: "g",
    model_id: "1 + g % 100",
    payer: addr("g % 1000"),
    developer: addr("g % 500"),
    status: "CASE g % 10 WHEN 0 THEN 'disputed' WHEN 1 THEN 'verified' ELSE 'recorded' END",
    recorded_block: `${BLOCK0} + g`,
    recorded_at: `${TIME0} + 2 * g`,
    recorded_tx: hash("f0", "g"),
    output_root: hash("f1", "g"),
  },
  worker: {
    address: addr("1000000 + g"),
    // Two registrations per block: the keyset's tie-break on the address is exercised.
    registered_block: `${BLOCK0} + g / 2`,
    registered_at: `${TIME0} + g`,
    registered_tx: hash("a0", "g"),
    withdrawn: "g % 20 = 0",
    last_active_epoch: "CASE WHEN g % 20 IN (1, 2) THEN 5 END",
  },
  epoch: {
    id: "g",
    started: "true",
    start_block: `${BLOCK0} + 40 * g`,
    started_at: `${TIME0} + 80 * g`,
    closed: `g <= ${ROWS} - 10`,
    closed_tx: `CASE WHEN g <= ${ROWS} - 10 THEN ${hash("b0", "g")} END`,
  },
};

/** Fills a table of the live indexer's schema with ROWS rows in one INSERT … SELECT generate_series. */
async function fill(client: pg.Client, table: string): Promise<void> {
  const { rows: columns } = await client.query<{
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>(
    "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
    [SCHEMA, table],
  );
  const set = FILL[table]!;
  const values = columns.map(({ column_name: c, data_type: type, is_nullable: nullable }) => {
    if (set[c]) return set[c];
    if (nullable === "YES") return "NULL";
    if (type === "numeric" || type === "integer") return "0";
    if (type === "boolean") return "false";
    if (type === "ARRAY") return "'{}'";
    if (type === "json" || type === "jsonb") return "'{}'";
    return "''";
  });
  await client.query(
    `INSERT INTO "${SCHEMA}"."${table}" (${columns.map((c) => `"${c.column_name}"`).join(", ")}) SELECT ${values.join(", ")} FROM generate_series(1, ${ROWS}) g`,
  );
  await client.query(`ANALYZE "${SCHEMA}"."${table}"`);
}

/** The requests each list route is measured with: its first page, a page deep in the list, its filters. */
function requests(): Record<string, { table: string; paths: string[] }> {
  const mid = ROWS / 2;
  const a = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
  return {
    datanets: {
      table: "datanet",
      paths: [
        "/datanets",
        `/datanets?cursor=${encodeCursor([BigInt(mid)])}`,
        "/datanets?order=desc",
        `/datanets?owner=${a(7)}`,
        `/datanets?owner=${a(7)}&cursor=${encodeCursor([BigInt(mid)])}`,
        `/datanets?fromBlock=${BLOCK0 + mid}&toBlock=${BLOCK0 + mid + 1000}`,
        `/datanets?fromTime=${TIME0 + 2 * mid}`,
      ],
    },
    models: {
      table: "model",
      paths: [
        "/models",
        `/models?cursor=${encodeCursor([BigInt(mid)])}&order=desc`,
        `/models?developer=${a(42)}`,
        `/models?fromBlock=${BLOCK0 + mid}&toBlock=${BLOCK0 + mid + 500}`,
      ],
    },
    inferences: {
      table: "inference",
      paths: [
        "/inferences",
        `/inferences?cursor=${encodeCursor([BigInt(mid)])}`,
        "/inferences?modelId=7",
        `/inferences?payer=${a(9)}`,
        `/inferences?developer=${a(9)}&order=desc`,
        "/inferences?status=disputed",
        `/inferences?status=verified&cursor=${encodeCursor([BigInt(mid)])}`,
        `/inferences?fromTime=${TIME0 + 2 * mid}&toTime=${TIME0 + 2 * mid + 600}`,
      ],
    },
    workers: {
      table: "worker",
      paths: [
        "/workers",
        `/workers?cursor=${encodeCursor([BigInt(BLOCK0 + mid / 2), a(1_000_000 + mid)])}`,
        "/workers?status=withdrawn",
        "/workers?status=active&order=desc",
        "/workers?status=exiting",
        `/workers?fromBlock=${BLOCK0 + mid / 2}&toBlock=${BLOCK0 + mid / 2 + 100}`,
      ],
    },
    epochs: {
      table: "epoch",
      paths: [
        "/epochs",
        `/epochs?cursor=${encodeCursor([BigInt(mid)])}`,
        "/epochs?status=open",
        "/epochs?status=closed&order=desc",
        `/epochs?fromBlock=${BLOCK0 + 40 * mid}&toTime=${TIME0 + 80 * mid + 8000}`,
      ],
    },
  };
}

/**
 * `api.list`: p95 latency of each REST list route (25 rows a page) at ROWS rows per table, over its first page,
 * a deep cursor page and each filter, against a plain `SELECT * FROM <table> LIMIT 25` on the same table and
 * the same Postgres as baseline. The rows are bulk-inserted straight into the tables of a real indexer's
 * schema (Ponder's own tables and indexes, its reorg triggers off for the session) after its backfill of an
 * empty deployment: events would take ~30 minutes per 100k rows of each table to index.
 */
export async function runApiList(): Promise<BenchFigure[]> {
  const chain = await startTestChain();
  const server = await launchPostgres({ ephemeral: true });
  let indexer: Awaited<ReturnType<typeof startIndexer>> | undefined;
  const client = new pg.Client({ connectionString: server.urlFor("api_list") });
  try {
    const deployment = await deployContracts({
      walletClient: chain.walletClient(),
      publicClient: chain.publicClient,
    });
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE "api_list"');
    await admin.end();
    indexer = await startIndexer({
      env: cleanEnv(),
      overrides: indexerOverrides(chain, server.urlFor("api_list"), deployment, 1000),
      schema: SCHEMA,
      viewsSchema: "olnode_list",
      readyTimeoutMs: 300_000,
    });
    await client.connect();
    // Ponder builds the schema's indexes when the backfill ends: wait until the ones the lists use exist.
    for (let i = 0; ; i++) {
      const { rows } = await client.query(
        "SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = $1 AND indexname NOT LIKE '%pkey'",
        [SCHEMA],
      );
      if (rows[0].n >= 40) break;
      if (i > 300)
        throw new Error(`the indexer built ${rows[0].n} indexes in ${SCHEMA}, expected the schema's`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await client.query("SET session_replication_role = replica"); // no reorg/live-query triggers
    const seedStart = performance.now();
    for (const table of Object.keys(FILL)) await fill(client, table);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    await client.query("SET session_replication_role = DEFAULT");

    const figures: BenchFigure[] = [];
    for (const [route, { table, paths }] of Object.entries(requests())) {
      const get = async (path: string) => {
        const t = performance.now();
        const res = await fetch(`${indexer!.url}/api/v1${path}`);
        const body = (await res.json()) as { items?: unknown[] };
        if (res.status !== 200 || !body.items)
          throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
        return { ms: performance.now() - t, items: body.items.length };
      };
      const baselineQuery = `SELECT * FROM "${SCHEMA}"."${table}" LIMIT 25`;
      for (const path of paths) await get(path); // warm-up: plans, connections
      await client.query(baselineQuery);
      const ms: number[] = [];
      const base: number[] = [];
      const byPath = new Map<string, number[]>(paths.map((p) => [p, []]));
      const emptyPages = new Set<string>();
      for (let i = 0; i < SAMPLES; i++) {
        const path = paths[i % paths.length]!;
        const r = await get(path);
        if (r.items === 0) emptyPages.add(path);
        ms.push(r.ms);
        byPath.get(path)!.push(r.ms);
        const t = performance.now();
        await client.query(baselineQuery);
        base.push(performance.now() - t);
      }
      const p95 = percentile(ms, 95);
      figures.push(
        figure(
          `api.list.${route}`,
          p95,
          "ms",
          percentile(base, 95),
          `p95 of GET /api/v1/${route} (first page, a deep cursor, each filter; limit 25) at ${ROWS} rows vs p95 of \`${baselineQuery.replace(`"${SCHEMA}".`, "")}\` over pg, same Postgres`,
          {
            p50: Math.round(percentile(ms, 50) * 1000) / 1000,
            rows: ROWS,
            samples: SAMPLES,
            p95ByRequest: Object.fromEntries(
              [...byPath].map(([p, samples]) => [p, Math.round(percentile(samples, 95) * 10) / 10]),
            ),
            emptyPages: [...emptyPages],
            seedSeconds: Math.round(seedSeconds * 10) / 10,
            loadAverage: Math.round(loadavg()[0]! * 100) / 100,
            target: "<= 50",
            met: p95 <= 50,
          },
        ),
      );
    }
    return figures;
  } finally {
    await client.end().catch(() => undefined);
    await indexer?.stop();
    await chain.stop();
    await server.stop();
  }
}
