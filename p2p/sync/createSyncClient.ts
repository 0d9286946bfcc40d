import type { PeerId } from "@libp2p/interface";
import type { Common } from "../../config/common/createCommon.ts";
import {
  type ChunkMessage,
  copyChunkMessage,
  encodedChunkMessageLength,
  MAX_PROOF_HASHES,
} from "../chunks/chunkMessage.ts";
import type { Commitment } from "../commitments/commitmentSource.ts";
import { checkChunkStructure } from "../gossip/validateChunk.ts";
import type { P2PHost } from "../host/createP2PHost.ts";
import type { P2POptions } from "../options.ts";
import type { PeerPenalties } from "./createPeerPenalties.ts";
import { readFrames, writeFrame } from "./streamFrames.ts";
import {
  decodeHaveResponse,
  encodeDatanetId,
  encodeFetchRequest,
  FETCH_PROTOCOL,
  FetchStatus,
  HAVE_PROTOCOL,
  type HaveEntry,
} from "./syncProtocol.ts";

export type SyncClient = {
  /**
   * Fetches `indices` of a committed contribution from `peers` (tried in order per batch), verifies every
   * chunk against the commitment and hands each good one to `onChunk`. Returns the indices still missing.
   */
  fetchChunks(parameters: {
    commitment: Commitment;
    indices: number[];
    peers: PeerId[];
    onChunk(message: ChunkMessage): Promise<void>;
  }): Promise<number[]>;
  /** Which contributions of a Datanet a peer holds (complete ones first). */
  have(peer: PeerId, datanetId: bigint): Promise<HaveEntry[]>;
};

type FetchOutcome = { received: Set<number>; bad: boolean; rateLimited: boolean };

/** Bounded concurrency across every fetch of this node: a simple counting semaphore. */
function createSemaphore(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(work: () => Promise<T>): Promise<T> {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export function createSyncClient(
  common: Common,
  parameters: {
    host: P2PHost;
    penalties: PeerPenalties;
    options: Pick<
      P2POptions,
      "syncBatchSize" | "syncConcurrency" | "syncRequestTimeoutMs" | "maxChunkBytes" | "maxHaveRoots"
    >;
  },
): SyncClient {
  const { host, penalties, options } = parameters;
  const log = common.logger.child({ module: "p2p.sync" });
  const fetched = common.metrics.counter("p2p_sync_chunks_total", "Chunks received by sync, by outcome", [
    "outcome",
  ]);
  const fetchedBytes = common.metrics.counter(
    "p2p_sync_bytes_total",
    "Bytes of verified chunks received by sync",
  );
  const limit = createSemaphore(options.syncConcurrency);
  const maxFrame = 1 + encodedChunkMessageLength(MAX_PROOF_HASHES, options.maxChunkBytes);

  async function fetchBatch(
    peer: PeerId,
    commitment: Commitment,
    indices: number[],
    onChunk: (message: ChunkMessage) => Promise<void>,
  ): Promise<FetchOutcome> {
    const outcome: FetchOutcome = { received: new Set(), bad: false, rateLimited: false };
    const signal = AbortSignal.timeout(options.syncRequestTimeoutMs);
    let stream: Awaited<ReturnType<P2PHost["dialProtocol"]>> | undefined;
    const onAbort = () => stream?.abort(new Error("sync fetch timed out"));
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      stream = await host.dialProtocol(peer, FETCH_PROTOCOL, { signal });
      await writeFrame(stream, encodeFetchRequest({ dataRoot: commitment.dataRoot, indices }), { signal });
      await stream.close({ signal });
      let i = 0;
      for await (const frame of readFrames(stream, maxFrame)) {
        const index = indices[i++];
        if (index === undefined || frame.length === 0) {
          outcome.bad = true;
          break;
        }
        if (frame[0] === FetchStatus.RATE_LIMITED) {
          outcome.rateLimited = true;
          break;
        }
        if (frame[0] === FetchStatus.NOT_FOUND) continue;
        const check = checkChunkStructure(frame.subarray(1), {
          maxChunkBytes: commitment.maxChunkBytes ?? options.maxChunkBytes,
          datanetId: commitment.datanetId,
        });
        if (
          frame[0] !== FetchStatus.FOUND ||
          !check.ok ||
          check.dataRoot !== commitment.dataRoot.toLowerCase() ||
          check.message.index !== index ||
          check.message.count !== commitment.chunkCount
        ) {
          // Every chunk is verified; one that fails means the peer lies, so stop listening to it.
          fetched.inc({ outcome: "invalid" });
          outcome.bad = true;
          break;
        }
        // Copy out of the stream's buffer: the store and listeners keep these bytes.
        const message = copyChunkMessage(check.message);
        await onChunk(message);
        outcome.received.add(index);
        fetched.inc({ outcome: "ok" });
        fetchedBytes.inc(message.bytes.length);
      }
    } catch (error) {
      fetched.inc({ outcome: "error" });
      log.debug({ msg: "Sync fetch failed", peer: peer.toString(), dataRoot: commitment.dataRoot, error });
      stream?.abort(error instanceof Error ? error : new Error(String(error)));
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    return outcome;
  }

  return {
    async fetchChunks({ commitment, indices, peers, onChunk }) {
      const batches: number[][] = [];
      for (let i = 0; i < indices.length; i += options.syncBatchSize) {
        batches.push(indices.slice(i, i + options.syncBatchSize));
      }
      const stillMissing: number[] = [];
      const badPeers = new Set<string>();
      await Promise.all(
        batches.map((batch, b) =>
          limit(async () => {
            let want = batch;
            // Start each batch at a different peer so one contribution's load spreads out.
            for (let k = 0; k < peers.length && want.length > 0; k++) {
              const peer = peers[(b + k) % peers.length]!;
              if (badPeers.has(peer.toString())) continue;
              const outcome = await fetchBatch(peer, commitment, want, onChunk);
              if (outcome.bad) {
                badPeers.add(peer.toString());
                penalties.add(peer.toString(), 20);
              }
              want = want.filter((i) => !outcome.received.has(i));
            }
            stillMissing.push(...want);
          }),
        ),
      );
      return stillMissing.sort((a, b) => a - b);
    },
    async have(peer, datanetId) {
      const signal = AbortSignal.timeout(options.syncRequestTimeoutMs);
      const stream = await host.dialProtocol(peer, HAVE_PROTOCOL, { signal });
      const onAbort = () => stream.abort(new Error("have request timed out"));
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        await writeFrame(stream, encodeDatanetId(datanetId), { signal });
        await stream.close({ signal });
        for await (const frame of readFrames(stream, 4 + 40 * options.maxHaveRoots)) {
          return decodeHaveResponse(frame, options.maxHaveRoots) ?? [];
        }
        return [];
      } catch (error) {
        stream.abort(error instanceof Error ? error : new Error(String(error)));
        throw error;
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    },
  };
}
