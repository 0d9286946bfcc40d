import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TestChain } from "../harness/anvil.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { generateBulkActivity, mineBlocks } from "../harness/protocolActivity.ts";
import { startDeployedChain, startTestIndexer } from "./indexerFixture.ts";

/**
 * kill -9 of `ponder start` in the middle of its backfill, then a restart on the same schema: the result must
 * be exactly what an uninterrupted run produces (Ponder's crash recovery resumes from its last checkpoint
 * and reverts the partial batch; the handlers' aggregates must not double count).
 */
let chain: TestChain;
let db: TestDatabase;
let deployment: Awaited<ReturnType<typeof startDeployedChain>>["deployment"];

const TABLES = [
  "protocol",
  "datanet",
  "contribution",
  "contribution_status_change",
  "model",
  "model_datanet",
  "inference",
  "attribution",
  "account",
  "reward_accrual",
  "reward_claim",
  "worker",
  "heartbeat",
  "attestation",
  "subject_finalization",
  "points_change",
  "epoch",
  "worker_epoch",
  "airdrop_claim",
  "deposit_transaction",
];

beforeAll(async () => {
  ({ chain, deployment } = await startDeployedChain({ epochLength: 200n }));
  db = await createTestDatabase("olnode_indexer_crash");
  // Enough blocks and events that the backfill takes a few seconds on this machine.
  await generateBulkActivity({ chain, addresses: deployment.addresses, seed: "crash", targetEvents: 15_000 });
  // Past the 30-block finality: /ready then means everything is indexed.
  await mineBlocks(chain.rpcUrl, 31);
});

afterAll(async () => {
  await chain?.stop();
  await db?.drop();
});

async function dump(schema: string): Promise<Record<string, unknown[]>> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const out: Record<string, unknown[]> = {};
    for (const table of TABLES) {
      const { rows } = await client.query(`select * from "${schema}"."${table}"`);
      out[table] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    await client.end();
  }
}

it("a backfill killed with SIGKILL and restarted ends exactly like an uninterrupted one", {
  timeout: 600_000,
}, async () => {
  const logs: string[] = [];
  let backfillStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    backfillStarted = resolve;
  });
  const crashed = await startTestIndexer({
    chain,
    databaseUrl: db.url,
    deployment,
    schema: "idx_crash",
    viewsSchema: null,
    waitFor: "health",
    onLog: (line) => {
      if (line.includes("Started backfill indexing")) backfillStarted();
    },
  });
  await started;
  // Let it commit some of the backfill, then pull the plug.
  await new Promise((r) => setTimeout(r, 1500));
  const readyAtKill = (await fetch(`${crashed.url}/ready`)).status;
  await crashed.kill();
  expect(readyAtKill, "the kill must land during the backfill").toBe(503);

  // Same schema, same build: Ponder waits out the dead process's lock (~25 s), then recovers.
  const restarted = await startTestIndexer({
    chain,
    databaseUrl: db.url,
    deployment,
    schema: "idx_crash",
    viewsSchema: null,
    readyTimeoutMs: 240_000,
    onLog: (line) => logs.push(line),
  });
  await restarted.stop();
  expect(logs.some((l) => l.includes("Detected crash recovery"))).toBe(true);

  const clean = await startTestIndexer({
    chain,
    databaseUrl: db.url,
    deployment,
    schema: "idx_clean",
    viewsSchema: null,
    readyTimeoutMs: 240_000,
  });
  await clean.stop();

  const [a, b] = [await dump("idx_crash"), await dump("idx_clean")];
  expect(a.attribution!.length).toBeGreaterThan(5_000);
  for (const table of TABLES) expect(a[table], table).toEqual(b[table]);
});
