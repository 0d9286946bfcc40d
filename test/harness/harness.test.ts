import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import pg from "pg";
import { parseEther } from "viem";
import { describe, expect, it } from "vitest";
import { allocatePort } from "../../config/services/allocatePort.ts";
import { launchPostgres } from "../../config/services/launchPostgres.ts";
import { startTestChain } from "./anvil.ts";
import { createTestDatabase } from "./postgres.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

describe("test harness", () => {
  it("starts an OP Stack anvil that mines, snapshots, reorgs, and is gone after stop", async () => {
    const chain = await startTestChain();
    try {
      expect(await chain.publicClient.getChainId()).toBe(31337);
      const [alice, bob] = chain.accounts;
      const before = await chain.publicClient.getBlockNumber();
      await chain.mine(3);
      expect(await chain.publicClient.getBlockNumber()).toBe(before + 3n);

      const snap = await chain.snapshot();
      const hash = await chain.walletClient(alice).sendTransaction({
        account: alice!,
        chain: chain.chain,
        to: bob!.address,
        value: parseEther("1"),
      });
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe("success");
      // OP Stack fields are present: anvil runs in optimism mode.
      expect((receipt as unknown as { l1Fee?: bigint }).l1Fee).toBeDefined();
      await chain.revert(snap);
      expect(await chain.publicClient.getTransactionReceipt({ hash }).catch(() => null)).toBeNull();

      // Reorg: the tip block is replaced; its transaction is gone from the canonical chain.
      const hash2 = await chain.walletClient(alice).sendTransaction({
        account: alice!,
        chain: chain.chain,
        to: bob!.address,
        value: 1n,
      });
      const r2 = await chain.publicClient.waitForTransactionReceipt({ hash: hash2 });
      await chain.reorg(1);
      const replaced = await chain.publicClient.getBlock({ blockNumber: r2.blockNumber });
      expect(replaced.hash).not.toBe(r2.blockHash);
      expect(replaced.transactions).not.toContain(hash2);
    } finally {
      await chain.stop();
    }
    expect(alive(chain.pid)).toBe(false);
    expect(await portFree(chain.port)).toBe(true);
  });

  it("gives each test file a fresh database on the run's Postgres, and drops it", async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query("create table t (x int)");
    const { rows } = await client.query("select current_database() as name");
    expect(rows[0].name).toBe(db.name);
    await client.end();
    await db.drop();
    const again = new pg.Client({ connectionString: db.url });
    await expect(again.connect()).rejects.toThrow(/does not exist/);
  });

  it("launches an embedded Postgres that answers and leaves nothing after stop", async () => {
    const server = await launchPostgres();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    expect((await client.query("select 1 + 1 as two")).rows[0].two).toBe(2);
    await client.end();
    await server.stop();
    expect(alive(server.pid)).toBe(false);
    expect(spawnSync("test", ["-e", server.dataDir]).status).not.toBe(0);
  });

  it("never hands the same port to concurrent callers", async () => {
    const ports = await Promise.all(Array.from({ length: 40 }, () => allocatePort()));
    expect(new Set(ports).size).toBe(40);
  });
});
