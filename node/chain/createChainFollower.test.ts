import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createCommon, createTestCommon } from "../../config/common/createCommon.ts";
import { allocatePort } from "../../config/services/allocatePort.ts";
import { launchAnvil } from "../../config/services/launchAnvil.ts";
import { startTestChain, type TestChain } from "../../test/harness/anvil.ts";
import { waitFor } from "../../test/harness/waitFor.ts";
import { createChainFollower } from "./createChainFollower.ts";

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function chain(): Promise<TestChain> {
  const c = await startTestChain();
  cleanup.push(() => c.stop());
  return c;
}

describe("chain follower (real anvil)", () => {
  it("follows the head and reads safe/finalized from op-geth's tags", async () => {
    const c = await chain();
    await c.mine(100);
    const common = createTestCommon();
    const follower = createChainFollower(common, {
      l2RpcUrl: c.rpcUrl,
      chainId: 31337,
      pollingIntervalMs: 100,
      stallAfterMs: 60_000,
    });
    cleanup.push(() => common.shutdown.kill());
    await follower.ready();
    const heads: bigint[] = [];
    follower.onHead((h) => heads.push(h.number));
    await c.mine(5);
    await waitFor("head 105", () => follower.status().head?.number === 105n);
    const s = follower.status();
    expect(s.connected).toBe(true);
    expect(s.safeSource).toBe("tags");
    // anvil's tags trail the head by 32 and 64 blocks.
    expect(s.safe!.number).toBe(105n - 32n);
    expect(s.finalized!.number).toBe(105n - 64n);
    expect(heads.at(-1)).toBe(105n);
    expect(await common.metrics.render()).toContain("olnode_chain_head_block 105");
  });

  it("reports a stall, survives the RPC going away, and reconnects by itself", async () => {
    const first = await launchAnvil();
    const common = createTestCommon();
    const follower = createChainFollower(common, {
      l2RpcUrl: first.rpcUrl,
      chainId: 31337,
      pollingIntervalMs: 50,
      stallAfterMs: 300,
      maxBackoffMs: 200,
    });
    cleanup.push(() => common.shutdown.kill());
    await follower.ready();
    await waitFor("stalled", () => follower.status().stalled);
    await first.stop();
    await waitFor("disconnected", () => !follower.status().connected);
    expect(follower.status().lastError).toBeTruthy();
    expect(await common.metrics.render()).toMatch(/olnode_chain_rpc_errors_total\{rpc="l2"\} [1-9]/);
    const second = await launchAnvil({ port: first.port });
    cleanup.push(() => second.stop());
    await waitFor("reconnected", () => follower.status().connected);
    expect(follower.status().consecutiveErrors).toBe(0);
  });

  it("never logs or reports the RPC's credentials or API key when it is down or on the wrong chain", async () => {
    const key = "9aa3d95b3bc440fa88ea12eaa4456161";
    const out = new PassThrough();
    let logged = "";
    out.on("data", (d) => {
      logged += d.toString();
    });
    const down = `http://user:pa55word@127.0.0.1:${await allocatePort()}/v3/${key}`;
    const common = createCommon({ format: "json", destination: out, defaultMetrics: false });
    const follower = createChainFollower(common, {
      l2RpcUrl: down,
      chainId: 31337,
      pollingIntervalMs: 50,
      stallAfterMs: 1000,
    });
    cleanup.push(() => common.shutdown.kill());
    await waitFor(
      "an RPC error",
      () => follower.status().consecutiveErrors > 0 && logged.includes("unreachable"),
    );
    expect(logged).toContain("127.0.0.1");
    expect(logged + JSON.stringify(follower.status())).not.toMatch(new RegExp(`pa55word|${key}`));

    const c = await chain();
    const wrongCommon = createTestCommon();
    cleanup.push(() => wrongCommon.shutdown.kill());
    const wrong = createChainFollower(wrongCommon, {
      l2RpcUrl: c.rpcUrl.replace("://", "://user:pa55word@"),
      chainId: 161201,
      pollingIntervalMs: 50,
      stallAfterMs: 1000,
    });
    const error = await wrong.ready().catch((e: Error) => e);
    expect(String(error)).toContain("user:***@127.0.0.1");
    expect(String(error)).not.toContain("pa55word");
  });

  it("refuses an RPC on the wrong chain with a clear error", async () => {
    const c = await chain();
    const common = createTestCommon();
    const follower = createChainFollower(common, {
      l2RpcUrl: c.rpcUrl,
      chainId: 161201,
      pollingIntervalMs: 50,
      stallAfterMs: 1000,
    });
    cleanup.push(() => common.shutdown.kill());
    await expect(follower.ready()).rejects.toThrow(
      /is on chain 31337, but this node is configured for chain 161201/,
    );
    expect(follower.status().wrongChain).toBe(true);
  });

  it("takes safe and finalized from op-node's optimism_syncStatus when a rollup RPC is set", async () => {
    const c = await chain();
    await c.mine(10);
    // op-node is not available here: a JSON-RPC server over real HTTP answers optimism_syncStatus.
    const block = async (n: bigint) => {
      const b = await c.publicClient.getBlock({ blockNumber: n });
      return { number: Number(b.number), hash: b.hash, timestamp: Number(b.timestamp) };
    };
    const server = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      const { id, method } = JSON.parse(body);
      res.setHeader("content-type", "application/json");
      if (method !== "optimism_syncStatus") {
        res.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32601, message: "nope" } }));
        return;
      }
      res.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id,
          result: { unsafe_l2: await block(10n), safe_l2: await block(7n), finalized_l2: await block(3n) },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const common = createTestCommon();
    const follower = createChainFollower(common, {
      l2RpcUrl: c.rpcUrl,
      rollupRpcUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      chainId: 31337,
      pollingIntervalMs: 50,
      stallAfterMs: 60_000,
    });
    cleanup.push(() => common.shutdown.kill());
    await follower.ready();
    const s = follower.status();
    expect(s.safeSource).toBe("rollup");
    expect(s.safe!.number).toBe(7n);
    expect(s.finalized!.number).toBe(3n);
    expect(s.finalized!.hash).toBe((await c.publicClient.getBlock({ blockNumber: 3n })).hash);
  });
});
