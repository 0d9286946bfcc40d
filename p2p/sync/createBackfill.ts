import type { PeerId } from "@libp2p/interface";
import type { Common } from "../../config/common/createCommon.ts";
import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { ChunkMessage } from "../chunks/chunkMessage.ts";
import type { CommitmentSource } from "../commitments/commitmentSource.ts";
import type { CommitmentCache } from "../commitments/createCommitmentCache.ts";
import type { P2PHost } from "../host/createP2PHost.ts";
import type { P2POptions } from "../options.ts";
import type { ChunkStore } from "../store/createChunkStore.ts";
import type { SyncClient } from "./createSyncClient.ts";

export type BackfillResult = {
  dataRoot: Hash;
  missing: number[];
  reason?: "UNKNOWN_ROOT" | "REJECTED" | "NOT_SUBSCRIBED";
};

export type Backfill = {
  /** Fetches whatever of a committed contribution is not in the store yet. Concurrent calls share one run. */
  backfill(dataRoot: Hash, preferredPeers?: PeerId[]): Promise<BackfillResult>;
  /** Asks a few peers which roots they hold for each subscribed Datanet and backfills the incomplete ones. */
  sweep(): Promise<void>;
  /** Backfill after `backfillDelayMs` (gossip usually delivers first; this only fetches the remainder). */
  schedule(dataRoot: Hash): void;
  stop(): void;
};

/** Peers asked per sweep, and roots backfilled per sweep: bounds the work one sweep can cause. */
const SWEEP_PEERS = 4;
const SWEEP_ROOTS = 64;

export function createBackfill(
  common: Common,
  parameters: {
    host: P2PHost;
    store: ChunkStore;
    client: SyncClient;
    commitments: CommitmentCache;
    source: CommitmentSource;
    subscribed(): bigint[];
    onChunk(message: ChunkMessage): Promise<void>;
    options: Pick<P2POptions, "backfillDelayMs" | "sweepIntervalMs">;
  },
): Backfill {
  const { host, store, client, commitments, source, options } = parameters;
  const log = common.logger.child({ module: "p2p.backfill" });
  const inflight = new Map<string, Promise<BackfillResult>>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let sweeping: Promise<void> | undefined;

  async function run(dataRoot: Hash, preferred: PeerId[]): Promise<BackfillResult> {
    const lookup = await commitments.lookup(dataRoot);
    if (!lookup.found) return { dataRoot, missing: [], reason: "UNKNOWN_ROOT" };
    const c = lookup.commitment;
    if (c.status === "rejected") return { dataRoot, missing: [], reason: "REJECTED" };
    if (!parameters.subscribed().includes(c.datanetId))
      return { dataRoot, missing: [], reason: "NOT_SUBSCRIBED" };
    const missing = await store.missingIndices(dataRoot, c.chunkCount);
    if (missing.length === 0) return { dataRoot, missing };
    const seen = new Set(preferred.map(String));
    const peers = [...preferred, ...host.getPeers().filter((p) => !seen.has(p.toString()))];
    if (peers.length === 0) return { dataRoot, missing };
    const still = await client.fetchChunks({
      commitment: c,
      indices: missing,
      peers,
      onChunk: parameters.onChunk,
    });
    log.debug({
      msg: "Backfill pass",
      dataRoot,
      wanted: missing.length,
      stillMissing: still.length,
      peers: peers.length,
    });
    return { dataRoot, missing: still };
  }

  function backfill(dataRoot: Hash, preferred: PeerId[] = []): Promise<BackfillResult> {
    const key = dataRoot.toLowerCase();
    const running = inflight.get(key);
    if (running) return running;
    const p = run(key as Hash, preferred).finally(() => inflight.delete(key));
    inflight.set(key, p);
    return p;
  }

  async function sweepOnce(): Promise<void> {
    const peers = host
      .getPeers()
      .sort(() => Math.random() - 0.5)
      .slice(0, SWEEP_PEERS);
    for (const datanetId of parameters.subscribed()) {
      const holders = new Map<string, PeerId[]>();
      for (const peer of peers) {
        try {
          for (const entry of await client.have(peer, datanetId)) {
            if (entry.present === 0) continue;
            holders.set(entry.dataRoot, [...(holders.get(entry.dataRoot) ?? []), peer]);
          }
        } catch (error) {
          log.debug({ msg: "Have request failed", peer: peer.toString(), error });
        }
      }
      try {
        for (const c of (await source.listCommitments?.(datanetId)) ?? []) {
          if (!holders.has(c.dataRoot.toLowerCase())) holders.set(c.dataRoot.toLowerCase(), []);
        }
      } catch (error) {
        log.debug({ msg: "Listing commitments failed", datanetId, error });
      }
      let started = 0;
      for (const [root, holdersOfRoot] of holders) {
        if (stopped || started >= SWEEP_ROOTS) break;
        const record = await store.getContribution(root as Hash);
        if (record?.complete) continue;
        started++;
        await backfill(root as Hash, holdersOfRoot);
      }
    }
  }

  const interval = setInterval(() => void sweep(), options.sweepIntervalMs);
  interval.unref();

  function sweep(): Promise<void> {
    if (stopped) return Promise.resolve();
    sweeping ??= sweepOnce()
      .catch((error) => log.warn({ msg: "Backfill sweep failed", error }))
      .finally(() => {
        sweeping = undefined;
      });
    return sweeping;
  }

  return {
    backfill,
    sweep,
    schedule(dataRoot) {
      if (stopped) return;
      const t = setTimeout(() => {
        timers.delete(t);
        void backfill(dataRoot).catch((error) => log.warn({ msg: "Backfill failed", dataRoot, error }));
      }, options.backfillDelayMs);
      t.unref();
      timers.add(t);
    },
    stop() {
      stopped = true;
      clearInterval(interval);
      for (const t of timers) clearTimeout(t);
    },
  };
}
