import { createPublicClient, http, type PublicClient } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { NonRetryableUserError } from "../../config/errors/BaseError.ts";
import { firstLine } from "../../config/errors/firstLine.ts";
import { maskUrl, maskUrlsInText } from "../../config/maskUrl.ts";

export type BlockRef = { number: bigint; hash: `0x${string}`; timestamp: bigint };

export type ChainStatus = {
  connected: boolean;
  /** The L2 is on the wrong chain: nothing will work until the config is fixed. */
  wrongChain: boolean;
  chainId: number;
  head: BlockRef | undefined;
  safe: BlockRef | undefined;
  finalized: BlockRef | undefined;
  /** Where safe/finalized come from: op-node's optimism_syncStatus, or op-geth's block tags. */
  safeSource: "rollup" | "tags";
  /** Seconds between now and the head block's timestamp. */
  lagSeconds: number | undefined;
  /** Milliseconds since the head last advanced. */
  headAgeMs: number | undefined;
  stalled: boolean;
  lastError: string | undefined;
  consecutiveErrors: number;
};

export type ChainFollower = {
  status(): ChainStatus;
  /** Called with each new head (once per head, in order of observation). */
  onHead(listener: (head: BlockRef) => void): () => void;
  /** Resolves once the follower has seen a head (or rejects on a wrong chain). */
  ready(): Promise<void>;
  stop(): Promise<void>;
};

export type ChainFollowerOptions = {
  l2RpcUrl: string;
  rollupRpcUrl?: string | undefined;
  chainId: number;
  pollingIntervalMs: number;
  stallAfterMs: number;
  /** Longest wait between retries while the RPC is down (doubling from pollingIntervalMs). */
  maxBackoffMs?: number;
};

type SyncStatusBlock = { number: number; hash: `0x${string}`; timestamp: number };
type SyncStatus = { unsafe_l2: SyncStatusBlock; safe_l2: SyncStatusBlock; finalized_l2: SyncStatusBlock };

async function rollupSyncStatus(url: string, signal: AbortSignal): Promise<SyncStatus> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "optimism_syncStatus", params: [] }),
    signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
  });
  if (!res.ok) throw new Error(`op-node answered HTTP ${res.status}`);
  const body = (await res.json()) as { result?: SyncStatus; error?: { message: string } };
  if (body.error || !body.result)
    throw new Error(`optimism_syncStatus failed: ${body.error?.message ?? "no result"}`);
  return body.result;
}

const toRef = (b: SyncStatusBlock): BlockRef => ({
  number: BigInt(b.number),
  hash: b.hash,
  timestamp: BigInt(b.timestamp),
});

/**
 * Follows the L2: head from op-geth; safe and finalized from op-node's `optimism_syncStatus` when a rollup
 * RPC is configured, otherwise from op-geth's `safe` / `finalized` tags. Reports lag and stalls as metrics and
 * status, and keeps retrying with backoff while the RPC is down: it never gives up by itself.
 */
export function createChainFollower(common: Common, options: ChainFollowerOptions): ChainFollower {
  const { logger, metrics, shutdown } = common;
  const client: PublicClient = createPublicClient({
    transport: http(options.l2RpcUrl, { retryCount: 0, timeout: 10_000 }),
    cacheTime: 0,
  });
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const m = {
    head: metrics.gauge("chain_head_block", "L2 head block number seen by the follower"),
    safe: metrics.gauge("chain_safe_block", "L2 safe block number"),
    finalized: metrics.gauge("chain_finalized_block", "L2 finalized block number"),
    lag: metrics.gauge("chain_head_lag_seconds", "Seconds between now and the L2 head's timestamp"),
    stalled: metrics.gauge("chain_stalled", "1 when the L2 head has not advanced for chain.stallAfterMs"),
    connected: metrics.gauge("chain_rpc_connected", "1 while the last L2 RPC poll succeeded"),
    errors: metrics.counter("chain_rpc_errors_total", "Failed L2 / rollup RPC polls", ["rpc"]),
  };
  const state: ChainStatus = {
    connected: false,
    wrongChain: false,
    chainId: options.chainId,
    head: undefined,
    safe: undefined,
    finalized: undefined,
    safeSource: options.rollupRpcUrl ? "rollup" : "tags",
    lagSeconds: undefined,
    headAgeMs: undefined,
    stalled: false,
    lastError: undefined,
    consecutiveErrors: 0,
  };
  let headSeenAt = 0;
  let chainChecked = false;
  const listeners = new Set<(head: BlockRef) => void>();
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, shutdown.signal]);
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const readyPromise = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  readyPromise.catch(() => undefined);

  async function poll(): Promise<void> {
    if (!chainChecked) {
      const id = await client.getChainId();
      if (id !== options.chainId) {
        state.wrongChain = true;
        const error = new NonRetryableUserError(
          `The L2 RPC ${maskUrl(options.l2RpcUrl)} is on chain ${id}, but this node is configured for chain ${options.chainId}.`,
          { hint: "Point chain.l2RpcUrl at the right op-geth, or fix `network` / chain.chainId." },
        );
        rejectReady(error);
        throw error;
      }
      chainChecked = true;
    }
    const block = await client.getBlock({ blockTag: "latest" });
    const head: BlockRef = { number: block.number, hash: block.hash, timestamp: block.timestamp };
    if (options.rollupRpcUrl) {
      try {
        const s = await rollupSyncStatus(options.rollupRpcUrl, signal);
        state.safe = toRef(s.safe_l2);
        state.finalized = toRef(s.finalized_l2);
      } catch (error) {
        // op-node down: keep following op-geth, report the rollup side as an error.
        m.errors.inc({ rpc: "rollup" });
        state.lastError = `rollup RPC: ${maskUrlsInText(firstLine(error))}`;
      }
    } else {
      const [safe, finalized] = await Promise.all([
        client.getBlock({ blockTag: "safe" }).catch(() => undefined),
        client.getBlock({ blockTag: "finalized" }).catch(() => undefined),
      ]);
      state.safe = safe ? { number: safe.number, hash: safe.hash, timestamp: safe.timestamp } : undefined;
      state.finalized = finalized
        ? { number: finalized.number, hash: finalized.hash, timestamp: finalized.timestamp }
        : undefined;
    }
    const now = Date.now();
    const advanced = !state.head || state.head.hash !== head.hash;
    if (advanced) headSeenAt = now;
    state.head = head;
    state.connected = true;
    state.consecutiveErrors = 0;
    state.headAgeMs = now - headSeenAt;
    state.lagSeconds = Math.max(0, now / 1000 - Number(head.timestamp));
    const wasStalled = state.stalled;
    state.stalled = state.headAgeMs > options.stallAfterMs;
    if (state.stalled && !wasStalled) {
      logger.warn({ msg: "L2 head is not advancing", head: head.number, forMs: state.headAgeMs });
    }
    m.head.set(Number(head.number));
    if (state.safe) m.safe.set(Number(state.safe.number));
    if (state.finalized) m.finalized.set(Number(state.finalized.number));
    m.lag.set(state.lagSeconds);
    m.stalled.set(state.stalled ? 1 : 0);
    m.connected.set(1);
    resolveReady();
    if (advanced) {
      for (const l of listeners) {
        try {
          l(head);
        } catch (error) {
          logger.error({ msg: "Head listener failed", error });
        }
      }
    }
  }

  const loop = (async () => {
    let delay = options.pollingIntervalMs;
    while (!signal.aborted) {
      try {
        await poll();
        delay = options.pollingIntervalMs;
      } catch (error) {
        if (state.wrongChain) {
          logger.error({ msg: (error as Error).message });
          return;
        }
        state.consecutiveErrors++;
        state.lastError = maskUrlsInText(firstLine(error));
        if (state.connected || state.consecutiveErrors === 1) {
          logger.warn({
            msg: "L2 RPC unreachable, retrying",
            url: maskUrl(options.l2RpcUrl),
            error: state.lastError,
          });
        }
        state.connected = false;
        m.connected.set(0);
        m.errors.inc({ rpc: "l2" });
        if (state.head) {
          state.headAgeMs = Date.now() - headSeenAt;
          state.stalled = state.headAgeMs > options.stallAfterMs;
          m.stalled.set(state.stalled ? 1 : 0);
        }
        delay = Math.min(maxBackoffMs, delay * 2);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        signal.addEventListener(
          "abort",
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  })();

  const follower: ChainFollower = {
    status: () => ({ ...state }),
    onHead(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready: () => readyPromise,
    async stop() {
      stop.abort();
      await loop;
    },
  };
  shutdown.add("chain follower", () => follower.stop());
  return follower;
}
