import { createServer, type Server } from "node:http";
import pg from "pg";
import { type Address, createPublicClient, http, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Common } from "../../../config/common/createCommon.ts";
import { allocatePort, releasePort } from "../../../config/services/allocatePort.ts";
import {
  RECIPIENT,
  startTxSubmitterFixture,
  TX_SCHEMA,
  type TxSubmitterFixture,
} from "../../../test/fixtures/txSubmitterFixture.ts";
import { waitFor } from "../../../test/harness/waitFor.ts";
import { createWorkerDb } from "../db/createWorkerDb.ts";
import { INCLUSION_TOO_LATE, TxFailedError, TxKeyConflictError } from "./txErrors.ts";

describe("createTxSubmitter", () => {
  let f: TxSubmitterFixture;
  beforeAll(async () => {
    f = await startTxSubmitterFixture();
  });
  afterAll(async () => {
    await f?.stop();
  });

  async function metric(common: Common, name: string): Promise<number> {
    const found = await common.metrics.registry.getSingleMetric(name)?.get();
    return found?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
  }

  async function withManualMining<T>(run: () => Promise<T>): Promise<T> {
    await f.chain.testClient.setAutomine(false);
    try {
      return await run();
    } finally {
      await f.chain.testClient.setAutomine(true);
    }
  }

  /** Mines one block at a time until `outcome` settles, as a live chain keeps making blocks. */
  async function mineUntilSettled(outcome: Promise<unknown>) {
    let settled = false;
    void outcome.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await waitFor(
      "the outcome",
      async () => {
        if (!settled) await f.chain.mine(1);
        return settled;
      },
      { intervalMs: 100 },
    );
  }

  /** The account's mined transactions since `fromBlock`: where each went, in order. */
  async function minedFrom(account: Address, fromBlock: bigint) {
    const head = await f.chain.publicClient.getBlockNumber();
    const txs: { to: string | null; value: bigint; nonce: number }[] = [];
    for (let b = fromBlock; b <= head; b++) {
      const block = await f.chain.publicClient.getBlock({ blockNumber: b, includeTransactions: true });
      for (const t of block.transactions)
        if (t.from.toLowerCase() === account.toLowerCase())
          txs.push({ to: t.to?.toLowerCase() ?? null, value: t.value, nonce: t.nonce });
    }
    return txs;
  }

  /** Makes one block with a base fee 4x what the intent's first attempt pays, so that block goes without it. */
  async function mineWithout(intentId: bigint) {
    const [first] = await f.db
      .selectFrom("tx_attempts")
      .selectAll()
      .where("intent_id", "=", intentId)
      .execute();
    await f.chain.testClient.setNextBlockBaseFeePerGas({
      baseFeePerGas: BigInt(first!.max_fee_per_gas) * 4n,
    });
    await f.chain.mine(1);
    return first!;
  }

  it("mines a call once and returns the same receipt for the same key, even submitted concurrently", async () => {
    const { account, tx } = await f.start();
    const first = await tx.submit(f.call("attest:1:contribution:7"));
    expect(first.status).toBe("confirmed");
    if (first.status !== "confirmed") return;
    expect(first.receipt.status).toBe("success");
    const again = await tx.submit(f.call("attest:1:contribution:7"));
    expect(again).toMatchObject({ status: "confirmed", hash: first.hash });

    const [a, b] = await Promise.all([
      tx.submit(f.call("attest:1:contribution:8")),
      tx.submit(f.call("attest:1:contribution:8")),
    ]);
    expect(a).toEqual(b);
    // A second submitter (another process) sharing the database must not send again either.
    const other = f.submitter(account).submitter;
    const third = await other.submit(f.call("attest:1:contribution:8"));
    expect(third).toMatchObject({ status: "confirmed", hash: a.status === "confirmed" ? a.hash : "" });

    expect(await f.nonceOf(account.address)).toBe(2);
    expect(await f.transfersFrom(account.address)).toHaveLength(2);
    const intent = await tx.intent("attest:1:contribution:7");
    expect(intent).toMatchObject({ status: "confirmed", nonce: 0n, mined_hash: first.hash });
  });

  it("takes the node's 'already known' and 'nonce too low' answers to a re-broadcast as sent", async () => {
    const { account, tx, common } = await f.start();
    const rewind = () =>
      f.db.updateTable("tx_intents").set({ status: "signed" }).where("key", "=", "k-rebroadcast").execute();
    await withManualMining(async () => {
      const outcome = tx.submit(f.call("k-rebroadcast"));
      await f.sent(tx, "k-rebroadcast");
      // As after a crash between broadcast and its bookkeeping: the same bytes go out again.
      await rewind();
      await waitFor("the second broadcast", async () => (await tx.intent("k-rebroadcast"))?.attempts === 2);
      await f.chain.mine(1);
      expect(await outcome).toMatchObject({ status: "confirmed" });
    });
    await rewind();
    const again = await tx.submit(f.call("k-rebroadcast"));
    expect(again.status).toBe("confirmed");
    expect((await tx.intent("k-rebroadcast"))?.attempts).toBe(3);
    expect(await metric(common, "olnode_worker_tx_retries_total")).toBe(0);
    expect(await f.nonceOf(account.address)).toBe(1);
    expect(await f.transfersFrom(account.address)).toHaveLength(1);
  });

  it("records a reverting call as failed with the decoded error, and sends nothing", async () => {
    const { account, tx, common } = await f.start();
    const error = await tx.submit(f.call("k-revert", 1n)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TxFailedError);
    expect((error as TxFailedError).errorName).toBe("ERC20InsufficientBalance");
    // The recorded failure answers a second submit, from the row, without sending.
    const again = await tx.submit(f.call("k-revert", 1n)).catch((e: unknown) => e);
    expect((again as TxFailedError).errorName).toBe("ERC20InsufficientBalance");
    expect(await tx.intent("k-revert")).toMatchObject({
      status: "failed",
      error_name: "ERC20InsufficientBalance",
    });

    const satisfied = await tx.submit({
      ...f.call("k-already", 1n),
      isSatisfied: (revert) => revert.errorName === "ERC20InsufficientBalance",
    });
    expect(satisfied).toEqual({ status: "satisfied", errorName: "ERC20InsufficientBalance" });
    expect(await f.nonceOf(account.address)).toBe(0);
    expect(await metric(common, "olnode_worker_tx_broadcasts_total")).toBe(0);
  });

  it("refuses a key reused for a different call, and bad input, with clear errors", async () => {
    const { tx } = await f.start();
    await tx.submit(f.call("k-conflict"));
    await expect(tx.submit(f.call("k-conflict", 2n))).rejects.toBeInstanceOf(TxKeyConflictError);
    await expect(tx.submit({ key: "", to: f.token })).rejects.toThrow(/non-empty/);
    await expect(tx.submit({ key: "k", to: "0x12" as Address })).rejects.toThrow(/not an address/);
  });

  it("replaces a stuck transaction with bumped fees and counts whichever hash is mined", async () => {
    const { account, tx, common } = await f.start({ bumpAfterBlocks: 1, maxFeePerGas: 10n ** 12n });
    await withManualMining(async () => {
      const outcome = tx.submit(f.call("k-bump"));
      const intent = await f.sent(tx, "k-bump");
      // A base fee above what the first attempt pays: it cannot enter this block.
      const first = await mineWithout(intent.id);
      await waitFor("a replacement", async () => {
        const rows = await f.db
          .selectFrom("tx_attempts")
          .select("hash")
          .where("intent_id", "=", intent.id)
          .execute();
        const row = await tx.intent("k-bump");
        return rows.length >= 2 && row?.status === "sent";
      });
      await f.chain.mine(1);
      const result = await outcome;
      expect(result.status).toBe("confirmed");
      if (result.status !== "confirmed") return;
      expect(result.hash).not.toBe(first.hash);
      const mined = await f.chain.publicClient.getTransaction({ hash: result.hash });
      expect(mined.maxFeePerGas! * 100n).toBeGreaterThanOrEqual(BigInt(first.max_fee_per_gas) * 110n);
      expect(mined.nonce).toBe(0);
    });
    expect(await f.nonceOf(account.address)).toBe(1);
    expect(await f.transfersFrom(account.address)).toHaveLength(1);
    expect(await metric(common, "olnode_worker_tx_fee_bumps_total")).toBeGreaterThanOrEqual(1);
  });

  it("never bids above the fee cap: it waits for the base fee to come down instead", async () => {
    const block = await f.chain.publicClient.getBlock();
    const cap = block.baseFeePerGas! * 3n;
    const { account, tx } = await f.start({ bumpAfterBlocks: 1, maxFeePerGas: cap });
    await withManualMining(async () => {
      const outcome = tx.submit(f.call("k-cap"));
      await f.sent(tx, "k-cap");
      for (let i = 0; i < 3; i++) {
        await f.chain.testClient.setNextBlockBaseFeePerGas({ baseFeePerGas: cap * 2n });
        await f.chain.mine(1);
        // Each head gives the submitter its chance to bump; it must re-broadcast within the cap instead.
        const before = (await tx.intent("k-cap"))!.attempts;
        await waitFor("a re-broadcast", async () => (await tx.intent("k-cap"))!.attempts > before);
      }
      const attempts = await f.db
        .selectFrom("tx_attempts")
        .innerJoin("tx_intents", "tx_intents.id", "tx_attempts.intent_id")
        .select("tx_attempts.max_fee_per_gas")
        .where("tx_intents.key", "=", "k-cap")
        .execute();
      for (const a of attempts) expect(BigInt(a.max_fee_per_gas)).toBeLessThanOrEqual(cap);
      expect(await f.nonceOf(account.address)).toBe(0);
      // anvil evicts what cannot pay the base fee, so the next re-broadcast is what gets mined: keep making
      // blocks as a live chain would.
      await f.chain.testClient.setNextBlockBaseFeePerGas({ baseFeePerGas: block.baseFeePerGas! });
      await mineUntilSettled(outcome);
      expect(await outcome).toMatchObject({ status: "confirmed" });
    });
    expect(await f.nonceOf(account.address)).toBe(1);
  });

  it("does not broadcast a call whose includeBy passed after it was signed: it cancels at its nonce", async () => {
    let mined = false;
    // A block is sealed between the check before signing and the broadcast (a busy machine is that slow).
    const { account, tx, common } = await f.start({
      onStep: async (step) => {
        if (step === "after-persist-signed" && !mined) {
          mined = true;
          await f.chain.mine(1);
        }
      },
    });
    await withManualMining(async () => {
      const from = (await f.chain.publicClient.getBlockNumber()) + 1n;
      const outcome = tx.submit({ ...f.call("k-late-sign"), includeBy: from });
      // No block until it is out: the only one before the broadcast is the one the step hook makes.
      await f.sent(tx, "k-late-sign");
      await mineUntilSettled(outcome);
      const error = await outcome.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TxFailedError);
      expect((error as TxFailedError).errorName).toBe(INCLUSION_TOO_LATE);
      // Its nonce went to a 0-value transfer to itself; the call itself was never mined.
      expect(await minedFrom(account.address, from)).toEqual([
        { to: account.address.toLowerCase(), value: 0n, nonce: 0 },
      ]);
    });
    expect(await f.transfersFrom(account.address)).toHaveLength(0);
    expect(await metric(common, "olnode_worker_tx_cancels_total")).toBe(1);
    // The next intent is not stuck behind a nonce gap.
    const next = await tx.submit(f.call("k-after-late"));
    expect(next.status).toBe("confirmed");
    expect(await f.nonceOf(account.address)).toBe(2);
  });

  it("replaces a call still pending when its last useful block is made with a cancel at its nonce", async () => {
    const { account, tx } = await f.start({ maxFeePerGas: 10n ** 12n });
    await withManualMining(async () => {
      const head = await f.chain.publicClient.getBlockNumber();
      const includeBy = head + 1n;
      const outcome = tx.submit({ ...f.call("k-late-pool"), includeBy });
      const intent = await f.sent(tx, "k-late-pool");
      // Its last useful block is made without it (a base fee above what it pays).
      await mineWithout(intent.id);
      expect(await f.chain.publicClient.getBlockNumber()).toBe(includeBy);
      await mineUntilSettled(outcome);
      await expect(outcome).rejects.toMatchObject({ errorName: INCLUSION_TOO_LATE });
      expect(await minedFrom(account.address, head + 1n)).toEqual([
        { to: account.address.toLowerCase(), value: 0n, nonce: 0 },
      ]);
    });
    expect(await f.transfersFrom(account.address)).toHaveLength(0);
  });

  it("re-broadcasts a transaction whose block was reorged out and confirms it exactly once", async () => {
    const { account, tx, common } = await f.start({ confirmations: 3, bumpAfterBlocks: 100 });
    await withManualMining(async () => {
      const outcome = tx.submit(f.call("k-reorg"));
      await f.sent(tx, "k-reorg");
      await f.chain.mine(1);
      const mined = await waitFor("the receipt", async () => {
        const row = await tx.intent("k-reorg");
        return row?.status === "mined" ? row : undefined;
      });
      await f.chain.reorg(1);
      expect(await f.chain.publicClient.getBlockNumber({ cacheTime: 0 })).toBe(mined.mined_block_number);
      await waitFor(
        "the re-broadcast",
        async () => (await metric(common, "olnode_worker_tx_reorgs_total")) === 1,
      );
      await waitFor("the re-sent intent", async () => (await tx.intent("k-reorg"))?.status === "sent");
      await f.chain.mine(3);
      const result = await outcome;
      expect(result.status).toBe("confirmed");
      if (result.status !== "confirmed") return;
      expect(result.receipt.blockHash).not.toBe(mined.mined_block_hash);
    });
    expect(await f.nonceOf(account.address)).toBe(1);
    expect(await f.transfersFrom(account.address)).toHaveLength(1);
  });

  it("signs again with a fresh nonce when another transaction took its nonce", async () => {
    const { account, tx } = await f.start({ confirmations: 2, bumpAfterBlocks: 100 });
    await withManualMining(async () => {
      const outcome = tx.submit(f.call("k-nonce-taken"));
      await f.sent(tx, "k-nonce-taken");
      const [ours] = await f.db
        .selectFrom("tx_attempts")
        .innerJoin("tx_intents", "tx_intents.id", "tx_attempts.intent_id")
        .select(["tx_attempts.hash", "tx_attempts.max_fee_per_gas", "tx_attempts.max_priority_fee_per_gas"])
        .where("tx_intents.key", "=", "k-nonce-taken")
        .execute();
      // The operator used the same key elsewhere: a pricier tx with nonce 0 replaces ours in the pool.
      await f.chain.walletClient(account).sendTransaction({
        account,
        chain: f.chain.chain,
        to: RECIPIENT,
        value: 1n,
        nonce: 0,
        maxFeePerGas: BigInt(ours!.max_fee_per_gas) * 2n,
        maxPriorityFeePerGas: BigInt(ours!.max_priority_fee_per_gas) * 2n,
      });
      await f.chain.mine(2);
      await waitFor("a re-signed intent", async () => {
        const row = await tx.intent("k-nonce-taken");
        return row?.status === "sent" && row.nonce === 1n;
      });
      await f.chain.mine(2);
      const result = await outcome;
      expect(result.status).toBe("confirmed");
      if (result.status !== "confirmed") return;
      expect(result.hash).not.toBe(ours!.hash);
      expect((await f.chain.publicClient.getTransaction({ hash: result.hash })).nonce).toBe(1);
    });
    expect(await f.nonceOf(account.address)).toBe(2);
    expect(await f.transfersFrom(account.address)).toHaveLength(1);
  });

  it("waits out an unreachable RPC and then confirms", async () => {
    const account = await f.freshAccount();
    const proxy = await startRpcProxy(f.chain.rpcUrl);
    try {
      await proxy.down();
      const publicClient = createPublicClient({
        chain: f.chain.chain,
        transport: http(proxy.url, { retryCount: 0, timeout: 2_000 }),
        cacheTime: 0,
      }) as PublicClient;
      const { submitter: tx, common } = f.submitter(account, { publicClient });
      const outcome = tx.submit(f.call("k-rpc-down"));
      await waitFor("retries while the RPC is down", async () => {
        return (await metric(common, "olnode_worker_tx_retries_total")) >= 3;
      });
      expect(await tx.intent("k-rpc-down")).toMatchObject({ status: "pending" });
      // What the node reports as degraded meanwhile.
      expect(tx.failing()).toMatchObject({ source: "rpc", error: expect.stringContaining("L2 RPC") });
      await proxy.up();
      expect(await outcome).toMatchObject({ status: "confirmed" });
      expect(tx.failing()).toBeUndefined();
    } finally {
      await proxy.close();
    }
    expect(await f.nonceOf(account.address)).toBe(1);
    expect(await f.transfersFrom(account.address)).toHaveLength(1);
  });

  it("survives its Postgres connections being terminated mid-flight", async () => {
    const account = await f.freshAccount();
    const ownDb = createWorkerDb({ databaseUrl: f.database.url, schema: TX_SCHEMA });
    const { submitter: tx, common } = f.submitter(account, { db: ownDb, confirmations: 2 });
    const admin = new pg.Client({ connectionString: f.database.url });
    await admin.connect();
    try {
      await withManualMining(async () => {
        const outcome = tx.submit(f.call("k-pg-drop"));
        await f.sent(tx, "k-pg-drop");
        // Kill every backend of this database while the submitter polls, until one of its queries failed.
        await waitFor(
          "a database failure the submitter retried",
          async () => {
            await admin.query(
              "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
            );
            const failures = await common.metrics.registry
              .getSingleMetric("olnode_worker_tx_retries_total")
              ?.get();
            return failures?.values.some((v) => v.labels.source === "db" && v.value > 0);
          },
          { intervalMs: 5 },
        );
        await f.chain.mine(2);
        expect(await outcome).toMatchObject({ status: "confirmed" });
      });
    } finally {
      await admin.end();
      await ownDb.destroy();
    }
    expect(await f.nonceOf(account.address)).toBe(1);
  });

  it("recover() finishes what a dead process left signed but unsent", async () => {
    const account = await f.freshAccount();
    const crashed = f.submitter(account, {
      onStep: (step) => {
        if (step === "after-persist-signed") throw new Error("simulated crash");
      },
    }).submitter;
    await expect(crashed.submit(f.call("k-recover"))).rejects.toThrow(/simulated crash/);
    expect(await tx0Status()).toBe("signed");
    const fresh = f.submitter(account).submitter;
    expect(await fresh.recover()).toEqual({ resumed: 1, confirmed: 1, satisfied: 0, failed: 0 });
    expect(await f.nonceOf(account.address)).toBe(1);
    async function tx0Status() {
      return (await crashed.intent("k-recover"))?.status;
    }
  });
});

/** A JSON-RPC pass-through we can take down and bring back on the same port: an RPC outage on demand. */
async function startRpcProxy(target: string) {
  const port = await allocatePort();
  let server: Server | undefined;
  async function up() {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        try {
          const upstream = await fetch(target, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: Buffer.concat(chunks),
          });
          res.writeHead(upstream.status, { "content-type": "application/json" });
          res.end(await upstream.text());
        } catch {
          res.writeHead(502).end();
        }
      });
    });
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
  }
  async function down() {
    if (!server) return;
    const s = server;
    server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  await up();
  return {
    url: `http://127.0.0.1:${port}`,
    up,
    down,
    async close() {
      await down();
      releasePort(port);
    },
  };
}
