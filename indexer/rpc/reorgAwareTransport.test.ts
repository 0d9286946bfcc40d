import { custom, type Hex, InvalidInputRpcError, RpcRequestError } from "viem";
import { describe, expect, it } from "vitest";
import { BlockReplacedError, withReorgAwareness } from "./reorgAwareTransport.ts";

const REPLACED: Hex = `0x${"11".repeat(32)}`;
const KNOWN: Hex = `0x${"22".repeat(32)}`;

/** A node that knows only KNOWN and answers eth_getLogs {blockHash} for anything else as geth does. */
function fakeNode(options: { logsFailFor: Hex[] }) {
  const calls: { method: string; params: unknown }[] = [];
  const transport = custom({
    async request({ method, params }: { method: string; params: unknown }) {
      calls.push({ method, params });
      if (method === "eth_getBlockByHash") {
        return (params as [Hex])[0] === KNOWN ? { hash: KNOWN, number: "0x1" } : null;
      }
      if (method === "eth_getLogs") {
        const hash = (params as [{ blockHash: Hex }])[0].blockHash;
        if (options.logsFailFor.includes(hash)) {
          // What viem's http transport throws for {"code":-32000,"message":"unknown block"}.
          throw new InvalidInputRpcError(
            new RpcRequestError({
              body: {},
              url: "http://node",
              error: { code: -32000, message: "unknown block" },
            }),
          );
        }
        return [];
      }
      if (method === "eth_call") throw new Error("execution reverted");
      return null;
    },
  });
  return { calls, transport };
}

const getLogs = (blockHash: Hex) => ({ method: "eth_getLogs", params: [{ blockHash }] }) as never;

describe("withReorgAwareness", () => {
  it("fails eth_getLogs for a replaced block with BlockReplacedError, keeping the node's code", async () => {
    const node = fakeNode({ logsFailFor: [REPLACED, KNOWN] });
    const { request } = withReorgAwareness(node.transport)({ retryCount: 0 });
    const error = await request(getLogs(REPLACED)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockReplacedError);
    expect(error).toMatchObject({ code: -32000, blockHash: REPLACED });
    expect((error as Error).cause).toBeInstanceOf(InvalidInputRpcError);
    expect(node.calls.map((c) => c.method)).toEqual(["eth_getLogs", "eth_getBlockByHash"]);
  });

  it("passes every other failure through unchanged", async () => {
    const node = fakeNode({ logsFailFor: [KNOWN] });
    const { request } = withReorgAwareness(node.transport)({ retryCount: 0 });
    // "unknown block" for a block the node knows (a lagging backend): Ponder's retries may still succeed.
    await expect(request(getLogs(KNOWN))).rejects.toBeInstanceOf(InvalidInputRpcError);
    // A range query, and another method, are never looked at.
    await expect(request({ method: "eth_call", params: [] } as never)).rejects.toThrow(/reverted/);
    expect(await request(getLogs(REPLACED))).toEqual([]);
    expect(node.calls.filter((c) => c.method === "eth_getBlockByHash")).toHaveLength(1);
  });
});

// Ponder's own queue (not exported: imported by path), so a Ponder upgrade that changes its retry rule fails here.
const { createRpc } = (await import(new URL("rpc/index.js", import.meta.resolve("ponder")).href)) as {
  createRpc(p: unknown): { request(body: unknown, context?: unknown): Promise<unknown> };
};

describe("Ponder's RPC queue with the transport (ponder/dist/esm/rpc/index.js)", () => {
  const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
  const metric = { inc() {}, observe() {}, set() {} };
  const metrics = new Proxy({}, { get: () => metric });
  const common = { logger: silent, metrics, shutdown: { add() {}, isKilled: false }, options: {} };

  it("gives up on a replaced block after one request instead of retrying it for ~64 s", async () => {
    const node = fakeNode({ logsFailFor: [REPLACED] });
    const rpc = createRpc({
      common,
      chain: { name: "test", id: 31337, rpc: withReorgAwareness(node.transport), pollingInterval: 1000 },
    });
    await expect(rpc.request(getLogs(REPLACED))).rejects.toBeInstanceOf(BlockReplacedError);
    expect(node.calls.filter((c) => c.method === "eth_getLogs")).toHaveLength(1);
    await expect(rpc.request(getLogs(KNOWN))).resolves.toEqual([]);
  });
});
