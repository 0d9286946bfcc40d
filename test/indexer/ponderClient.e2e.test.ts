import { asc, count, desc, eq } from "@ponder/client";
import type { PrivateKeyAccount, WalletClient } from "viem";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { createDatanet } from "../../contracts/actions/createDatanet.ts";
import {
  createIndexerClient,
  type IndexerClient,
  indexerSchema as s,
} from "../../indexer/client/createIndexerClient.ts";
import type { IndexerProcess } from "../../indexer/startIndexer.ts";
import type { TestChain } from "../harness/anvil.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { generateProtocolActivity } from "../harness/protocolActivity.ts";
import { notYet, waitFor } from "../harness/waitFor.ts";
import { getJson, startDeployedChain, startTestIndexer, waitForBlock } from "./indexerFixture.ts";

/**
 * Issue 14 item 6 against a real indexer (anvil, Postgres, `ponder start`): `@ponder/client` over our `/sql`
 * with the exported schema (indexer/client/createIndexerClient.ts) — typed queries whose rows equal the REST
 * API's, and a live query that delivers a Datanet created on-chain after it subscribed.
 */
let chain: TestChain;
let deployment: Awaited<ReturnType<typeof startDeployedChain>>["deployment"];
let db: TestDatabase;
let indexer: IndexerProcess;
let client: IndexerClient;

beforeAll(async () => {
  ({ chain, deployment } = await startDeployedChain());
  db = await createTestDatabase("olnode_ponder_client");
  const activity = await generateProtocolActivity({ chain, addresses: deployment.addresses, seed: 6 });
  indexer = await startTestIndexer({ chain, databaseUrl: db.url, deployment, viewsSchema: "olnode_pc" });
  await waitForBlock(indexer, activity.toBlock);
  client = createIndexerClient(indexer.url);
  // /sql answers once its read-only role can read the views the end of the backfill made.
  await waitFor("/sql to be ready", async () => {
    const res = await fetch(
      `${indexer.url}/sql/db?sql=${encodeURIComponent(JSON.stringify({ json: { sql: "select 1", params: [] } }))}`,
    );
    return res.status === 200 ? true : notYet(`/sql/db answers ${res.status}`, await res.text());
  });
}, 240_000);

afterAll(async () => {
  await indexer?.stop();
  await chain?.stop();
  await db?.drop();
});

describe("@ponder/client over /sql", () => {
  it("runs typed queries: rows typed from the schema, equal to the REST API's", async () => {
    const datanets = await client.db.select().from(s.datanet).orderBy(asc(s.datanet.id));
    expectTypeOf(datanets[0]!.id).toEqualTypeOf<bigint>();
    expectTypeOf(datanets[0]!.owner).toEqualTypeOf<`0x${string}`>();
    expect(datanets.length).toBeGreaterThan(0);
    expect(typeof datanets[0]!.id).toBe("bigint");
    const rest = await getJson(indexer, "/api/v1/datanets?limit=100");
    expect(datanets.map((d) => String(d.id))).toEqual((rest.body.items as { id: string }[]).map((d) => d.id));

    // Filters with bigint parameters, joins, aggregates.
    const first = datanets[0]!;
    const [one] = await client.db.select().from(s.datanet).where(eq(s.datanet.id, first.id));
    expect(one).toEqual(first);
    const perDatanet = await client.db
      .select({ datanetId: s.contribution.datanetId, n: count() })
      .from(s.contribution)
      .innerJoin(s.datanet, eq(s.datanet.id, s.contribution.datanetId))
      .groupBy(s.contribution.datanetId)
      .orderBy(desc(count()));
    expect(perDatanet.reduce((sum, r) => sum + r.n, 0)).toBe(
      datanets.reduce((sum, d) => sum + d.contributionCount, 0),
    );

    // Drizzle's relational queries, with the relations of ponder.schema.ts.
    const withContributions = await client.db.query.datanet.findFirst({
      where: eq(s.datanet.id, first.id),
      with: { contributions: { limit: 2 } },
    });
    expect(withContributions?.contributions.length).toBe(Math.min(2, first.contributionCount));

    // The indexer's read-only role refuses writes and reads outside the views, as an error the client throws.
    await expect(client.db.execute("select * from _ponder_meta")).rejects.toThrow(/permission denied/);
  });

  it("delivers live updates: Datanets created on-chain reach a subscribed query", async () => {
    const results: { id: bigint; name: string }[][] = [];
    const errors: Error[] = [];
    const owner = chain.accounts[2]! as PrivateKeyAccount;
    const clients = {
      publicClient: chain.publicClient,
      walletClient: chain.walletClient(owner) as WalletClient,
    };
    const query = (db: IndexerClient["db"]) =>
      db.select({ id: s.datanet.id, name: s.datanet.name }).from(s.datanet).orderBy(asc(s.datanet.id));
    // Like Ponder's own server, /sql/live sends a result when the index changes, not the current one: a
    // client reads that with client.db first.
    const before = await query(client.db);
    const { unsubscribe } = client.live(
      query,
      (rows) => results.push(rows),
      (error) => errors.push(error),
    );
    try {
      const created: bigint[] = [];
      // The stream opens asynchronously: a Datanet indexed before it did is in its baseline, not a change, so
      // create one after another until one arrives as a change.
      await waitFor(
        "a Datanet created on-chain in a live result",
        async () => {
          if (results.length > 0) return true;
          if (created.length >= 20)
            return notYet("20 Datanets created, no live result", { errors: errors.map((e) => e.message) });
          const { datanetId } = await createDatanet(clients, {
            address: deployment.addresses.datanetRegistry,
            name: `live ${created.length}`,
            metadataURI: "",
            format: "text",
            maxChunkBytes: 4096,
          });
          created.push(datanetId);
          return notYet(`no live result yet after ${created.length} new Datanets`, {
            errors: errors.map((e) => e.message),
          });
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      // The live result is the whole query, typed and decoded like client.db's, and holds what was created.
      await waitFor("the live result to catch up with the chain", async () => {
        const now = await query(client.db);
        return JSON.stringify(results.at(-1), (_k, v) => (typeof v === "bigint" ? String(v) : v)) ===
          JSON.stringify(now, (_k, v) => (typeof v === "bigint" ? String(v) : v))
          ? true
          : notYet("the last live result differs from client.db", {
              live: results.at(-1)?.length,
              db: now.length,
            });
      });
      const last = results.at(-1)!;
      expect(last.length).toBeGreaterThan(before.length);
      expect(last.map((d) => d.id)).toEqual(expect.arrayContaining(created));
      expect(last.find((d) => d.id === created.at(-1))?.name).toBe(`live ${created.length - 1}`);
      expectTypeOf(last[0]!.id).toEqualTypeOf<bigint>();
      expect(typeof last[0]!.id).toBe("bigint");
      expect(errors).toEqual([]);
    } finally {
      unsubscribe();
    }
  });
});
