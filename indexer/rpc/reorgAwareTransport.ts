import { type EIP1193RequestFn, type Hex, http, type Transport, webSocket } from "viem";

/**
 * `eth_getLogs {blockHash}` for a block that a reorg has replaced: the node no longer knows the hash, and asking
 * again cannot help. Its message says "revert" on purpose: Ponder 0.16's RPC queue (ponder/dist/esm/rpc/index.js,
 * `shouldRetry`) retries every JSON-RPC error 9 times with backoff (125 ms … 32 s, ~64 s in all) except those
 * with a numeric `code` whose message includes "revert", which it passes on at once. The realtime sync then drops
 * the block it was fetching and starts again from the next head it polls — the new fork — so nothing of the
 * replaced block is indexed and nothing of the new one is missed (reorgAwareTransport.test.ts checks this
 * against Ponder's own queue; test/indexer/reorg.e2e.test.ts against a real `ponder start`).
 */
export class BlockReplacedError extends Error {
  override name = "BlockReplacedError";
  /** The node's JSON-RPC error code (-32000 from geth and anvil). */
  readonly code: number;
  readonly blockHash: Hex;
  constructor(parameters: { blockHash: Hex; code: number; cause: unknown }) {
    super(
      `eth_getLogs for block ${parameters.blockHash}: the node no longer knows this block — a reorg reverted it. ` +
        "Not retried: the indexer re-syncs from the new head.",
      { cause: parameters.cause },
    );
    this.code = parameters.code;
    this.blockHash = parameters.blockHash;
  }
}

/** The "no such block" errors of geth/op-geth and anvil ("unknown block"), erigon/reth ("block not found"). */
const UNKNOWN_BLOCK = /unknown block|block not found|header not found/i;

function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 8; depth++) {
    const { message, details, cause } = e as { message?: unknown; details?: unknown; cause?: unknown };
    if (typeof message === "string") parts.push(message);
    if (typeof details === "string") parts.push(details);
    e = cause;
  }
  return parts.join("\n");
}

function errorCode(error: unknown): number {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "number" ? code : -32000;
}

/**
 * Wraps a transport so that `eth_getLogs {blockHash}` failing with "unknown block" is checked once with
 * `eth_getBlockByHash`: if the node does not know the block (a reorg replaced it), the call fails with
 * BlockReplacedError, which Ponder does not retry. Any other failure — including "unknown block" for a block the
 * node does know (a load balancer's lagging backend) — passes through unchanged, to Ponder's usual retries.
 */
export function withReorgAwareness(inner: Transport): Transport {
  return (options) => {
    const transport = inner(options);
    const request = (async (args: { method: string; params?: unknown }) => {
      try {
        return await transport.request(args as never);
      } catch (error) {
        const filter = (args.params as [{ blockHash?: Hex }] | undefined)?.[0];
        const blockHash = args.method === "eth_getLogs" ? filter?.blockHash : undefined;
        if (!blockHash || !UNKNOWN_BLOCK.test(errorText(error))) throw error;
        let known: unknown;
        try {
          known = await transport.request({
            method: "eth_getBlockByHash",
            params: [blockHash, false],
          } as never);
        } catch {
          throw error; // cannot tell: leave it to Ponder's retries
        }
        if (known) throw error;
        throw new BlockReplacedError({ blockHash, code: errorCode(error), cause: error });
      }
    }) as EIP1193RequestFn;
    return { ...transport, request };
  };
}

/**
 * The indexer's RPC transport for Ponder's `chains.<name>.rpc`: viem's `http` (or `webSocket` for ws(s)://) with
 * reorg awareness. Ponder calls it with `retryCount: 0` and does its own retries, rate limiting and timeouts.
 * Responses are read whole, as Ponder's own HTTP client does: a backfill's `eth_getLogs` over a block range
 * returns tens of MB, over viem's default 10 MB cap (test/indexer/crash.e2e stalled on it).
 */
export function reorgAwareTransport(url: string): Transport {
  return withReorgAwareness(/^wss?:/.test(url) ? webSocket(url) : http(url, { maxResponseBodySize: false }));
}
