import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allocatePort } from "../../config/services/allocatePort.ts";
import { IndexerStartError } from "../../indexer/startIndexer.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { startTestIndexer } from "./indexerFixture.ts";

/**
 * Issue 19 item 4 on the indexer's path: Ponder's own log lines (RPC errors carry viem's "URL: …") and the
 * start error's details reach the operator only through startIndexer, which masks every URL in them.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("olnode_mask_e2e");
});
afterAll(async () => {
  await db?.drop();
});

describe("the indexer's log lines", () => {
  it("never carry the RPC URL's password or API key, and still say which RPC failed", async () => {
    const key = "9aa3d95b3bc440fa88ea12eaa4456161";
    const dead = `http://user:pa55word@127.0.0.1:${await allocatePort()}/v3/${key}`;
    const lines: string[] = [];
    const address = "0x00000000000000000000000000000000000000aa" as const;
    const error = await startTestIndexer({
      chain: { rpcUrl: dead },
      databaseUrl: db.url,
      deployment: {
        addresses: {
          datanetRegistry: address,
          modelRegistry: address,
          attributionLedger: address,
          epochManager: address,
          pointsDistributor: address,
        } as never,
        deploymentBlock: 0n,
      },
      schema: "idx_mask",
      viewsSchema: null,
      readyTimeoutMs: 90_000,
      onLog: (line) => lines.push(line),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IndexerStartError);
    const printed = `${lines.join("\n")}\n${(error as IndexerStartError).details}`;
    expect(printed).not.toMatch(new RegExp(`pa55word|${key}`));
    expect(printed, printed.slice(-3000)).toMatch(/127\.0\.0\.1:\d+\/v3\/\*\*\*/);
  }, 180_000);
});
