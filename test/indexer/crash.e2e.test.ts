import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TestChain } from "../harness/anvil.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { generateBulkActivity, mineBlocks } from "../harness/protocolActivity.ts";
import { holdPonderCommits } from "./holdPonderCommits.ts";
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
  // Enough events for several batches of the backfill (Ponder commits up to ~6,000 events at a time).
  await generateBulkActivity({ chain, addresses: deployment.addresses, seed: "crash", targetEvents: 15_000 });
  // Past the 30-block finality: /ready then means everything is indexed.
  await mineBlocks(chain.rpcUrl, 31);
});

afterAll(async () => {
  await chain?.stop();
  await db?.drop();
});

async function count(schema: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query(`select count(*)::int as n from "${schema}"."${table}"`);
    return rows[0].n;
  } finally {
    await client.end();
  }
}

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
  const crashed = await startTestIndexer({
    chain,
    databaseUrl: db.url,
    deployment,
    schema: "idx_crash",
    viewsSchema: null,
    waitFor: "health",
  });
  // Kill it between two batches of the backfill, chosen rather than guessed: hold its commits, let batches
  // through one at a time until one with attributions has committed, then kill it while the next one waits.
  const hold = await holdPonderCommits(db.url, "idx_crash");
  let committedAtKill = 0;
  let readyAtKill = 0;
  try {
    for (;;) {
      await hold.waitForQueuedCommit();
      committedAtKill = await count("idx_crash", "attribution");
      if (committedAtKill > 0) break;
      await hold.letQueuedThrough();
    }
    // A batch is waiting to commit: the backfill cannot have finished.
    readyAtKill = (await fetch(`${crashed.url}/ready`)).status;
    await crashed.kill();
  } finally {
    await hold.release();
  }
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
  // Some of it was committed before the kill, not all of it.
  expect(committedAtKill).toBeLessThan(b.attribution!.length);
  for (const table of TABLES) expect(a[table], table).toEqual(b[table]);
});
