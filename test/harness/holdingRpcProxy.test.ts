import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type HoldingRpcProxy, startHoldingRpcProxy } from "./holdingRpcProxy.ts";
import { waitFor } from "./waitFor.ts";

// A node that answers each call with its method and the number of calls it has seen.
let seen = 0;
const node = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const call = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: number; method: string };
  seen++;
  response.end(JSON.stringify({ jsonrpc: "2.0", id: call.id, result: `${call.method}#${seen}` }));
});
let proxy: HoldingRpcProxy;

beforeAll(async () => {
  await new Promise<void>((resolve) => node.listen(0, "127.0.0.1", () => resolve()));
  proxy = await startHoldingRpcProxy(`http://127.0.0.1:${(node.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await proxy?.close();
  await new Promise((resolve) => node.close(resolve));
});

const call = async (method: string, params: unknown[] = []) => {
  const response = await fetch(proxy.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await response.json()) as { result: string }).result;
};

it("holds eth_getLogs {blockHash} until release, lets everything else through, and records the answers", async () => {
  expect(await call("eth_getLogs", [{ blockHash: "0x01" }])).toBe("eth_getLogs#1");
  proxy.hold();
  const byHash = call("eth_getLogs", [{ blockHash: "0xaa" }]);
  await waitFor("the request to be held", () => proxy.held.length === 1 || undefined);
  // Range queries and other methods are not held, and reach the node before the held one.
  expect(await call("eth_getLogs", [{ fromBlock: "0x1", toBlock: "0x2" }])).toBe("eth_getLogs#2");
  expect(await call("eth_blockNumber")).toBe("eth_blockNumber#3");
  expect(proxy.held.map((h) => h.blockHash)).toEqual(["0xaa"]);

  const released = await proxy.release();
  expect(await byHash).toBe("eth_getLogs#4");
  expect(released).toEqual([{ blockHash: "0xaa", response: expect.stringContaining("eth_getLogs#4") }]);
  expect(proxy.held).toEqual([]);
  // No longer holding.
  expect(await call("eth_getLogs", [{ blockHash: "0xbb" }])).toBe("eth_getLogs#5");
});
