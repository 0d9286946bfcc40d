import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One `eth_getLogs {blockHash}` request the proxy held, and what the node answered once it was let through. */
export type HeldRequest = {
  blockHash: string;
  /** The node's answer (the raw JSON-RPC response body), once released. */
  response?: string;
};

export type HoldingRpcProxy = {
  /** `http://127.0.0.1:<port>`: give this to the client instead of the node's URL. */
  url: string;
  /** From now on, `eth_getLogs {blockHash}` requests wait in the proxy until `release()`; all else passes. */
  hold(): void;
  /** Forwards every held request to the node, in order, and stops holding; resolves once all are answered. */
  release(): Promise<HeldRequest[]>;
  /** The requests held since the last `release()`, in arrival order. */
  readonly held: readonly HeldRequest[];
  close(): Promise<void>;
};

type Call = { method?: unknown; params?: unknown };

function getLogsBlockHash(call: Call): string | undefined {
  if (call.method !== "eth_getLogs" || !Array.isArray(call.params)) return undefined;
  const filter = call.params[0] as { blockHash?: unknown } | undefined;
  return typeof filter?.blockHash === "string" ? filter.blockHash : undefined;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A JSON-RPC proxy that can hold a client's `eth_getLogs {blockHash}` requests while a test changes the chain,
 * so that "a reorg replaces a block whose logs are being fetched" happens on every run rather than when the
 * timing happens to line up.
 */
export async function startHoldingRpcProxy(targetUrl: string): Promise<HoldingRpcProxy> {
  let holding = false;
  let held: (HeldRequest & { forward: () => Promise<void> })[] = [];

  const forward = async (body: string): Promise<{ status: number; text: string }> => {
    const answer = await fetch(targetUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    return { status: answer.status, text: await answer.text() };
  };

  const server: Server = createServer(async (request, response) => {
    try {
      const body = await readBody(request);
      let calls: Call[] = [];
      try {
        const parsed = JSON.parse(body) as Call | Call[];
        calls = Array.isArray(parsed) ? parsed : [parsed];
      } catch {
        // Not JSON: the node answers it as it would.
      }
      const blockHash = calls.map(getLogsBlockHash).find((h) => h !== undefined);
      const send = async (entry?: HeldRequest) => {
        const { status, text } = await forward(body);
        if (entry) entry.response = text;
        response.writeHead(status, { "content-type": "application/json" }).end(text);
      };
      if (holding && blockHash) {
        const entry: HeldRequest & { forward: () => Promise<void> } = {
          blockHash,
          forward: () => send(entry),
        };
        held.push(entry);
        return;
      }
      await send();
    } catch (error) {
      if (!response.headersSent) response.writeHead(502).end(String(error));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    hold() {
      holding = true;
    },
    async release() {
      holding = false;
      const released = held;
      held = [];
      for (const entry of released) {
        try {
          await entry.forward();
        } catch {
          // The client gave up on it (a timeout): nothing to answer.
        }
      }
      return released.map(({ blockHash, response }) => ({
        blockHash,
        ...(response === undefined ? {} : { response }),
      }));
    },
    get held() {
      return held;
    },
    async close() {
      holding = false;
      const waiting = held;
      held = [];
      for (const entry of waiting) await entry.forward().catch(() => {});
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
