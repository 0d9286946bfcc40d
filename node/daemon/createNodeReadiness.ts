import type { P2PNode } from "../../p2p/index.ts";
import type { ChainFollower } from "../chain/createChainFollower.ts";
import type { ReadinessCheck } from "../http/createNodeHttpServer.ts";
import type { Worker } from "../worker/createWorker.ts";
import type { TxFailing } from "../worker/tx/createTxSubmitter.ts";

/** The node's `/ready` checks: the chain is followed, the worker earns, p2p has peers. */
export function createNodeReadiness(parts: {
  follower: Pick<ChainFollower, "status">;
  worker: Pick<Worker, "status"> | undefined;
  txFailing: (() => TxFailing | undefined) | undefined;
  p2p: Pick<P2PNode, "connectedPeers"> | undefined;
}): Record<string, ReadinessCheck> {
  const { follower, worker, txFailing, p2p } = parts;
  return {
    chain: () => {
      const s = follower.status();
      if (s.wrongChain) return { ok: false, reason: `L2 RPC is on the wrong chain` };
      if (!s.connected) return { ok: false, reason: `L2 RPC unreachable: ${s.lastError ?? "no answer yet"}` };
      if (s.stalled) return { ok: false, reason: `L2 head has not advanced for ${s.headAgeMs} ms` };
      return { ok: true };
    },
    // The worker cannot earn while its passes fail or its transactions wait on a down RPC or database.
    worker: () => {
      if (!worker) return { ok: true };
      const failing = txFailing?.();
      if (failing)
        return {
          ok: false,
          reason: `transactions retrying (${failing.source}) for ${Date.now() - failing.sinceMs} ms: ${failing.error}`,
        };
      const error = worker.status().lastTickError;
      return error ? { ok: false, reason: `worker pass failed: ${error}` } : { ok: true };
    },
    p2p: () =>
      !p2p
        ? { ok: true }
        : p2p.connectedPeers().length > 0
          ? { ok: true }
          : { ok: false, reason: "no p2p peers connected" },
  };
}
