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
import type { Misbehaviour } from "../host/createPeerReputation.ts";
import type { P2POptions } from "../options.ts";
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

type FetchOutcome = {
  received: Set<number>;
  /** What the server did wrong, if anything: it is charged for it and not asked again in this fetch. */
  fault?: Extract<Misbehaviour, "FORGED_SYNC_CHUNK" | "MALFORMED_SYNC_RESPONSE" | "SYNC_NO_ANSWER">;
  rateLimited: boolean;
};

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
    /** Charges a server for a forged or malformed response, or for none at all. */
    report(peerId: string, kind: Misbehaviour): void;
    options: Pick<
      P2POptions,
      | "syncBatchSize"
      | "syncConcurrency"
      | "syncRequestTimeoutMs"
      | "syncFirstFrameTimeoutMs"
      | "maxChunkBytes"
      | "maxHaveRoots"
    >;
  },
): SyncClient {
  const { host, options } = parameters;
  const log = common.logger.child({ module: "p2p.sync" });
  const fetched = common.metrics.counter("p2p_sync_chunks_total", "Chunks received by sync, by outcome", [
    "outcome",
  ]);
  const fetchedBytes = common.metrics.counter(
    "p2p_sync_bytes_total",
    "Bytes of verified chunks received by sync",
  );
  const limit = createSemaphore(options.syncConcurrency);
  // How each server did lately: good ones are asked first, ones that failed us go to the back of the line.
  const record = new Map<string, number>();
  const rate = (peer: string, delta: number) => {
    const next = Math.max(-20, Math.min(20, (record.get(peer) ?? 0) + delta));
    record.delete(peer);
    record.set(peer, next);
    if (record.size > 4096) record.delete(record.keys().next().value!);
  };
  /** Best servers first (stable for equals, so the caller's preference order survives among them). */
  const rank = (peers: PeerId[]) =>
    peers
      .map((p, i) => ({ p, i, r: record.get(p.toString()) ?? 0 }))
      .sort((a, b) => b.r - a.r || a.i - b.i)
      .map((x) => x.p);
  const maxFrame = 1 + encodedChunkMessageLength(MAX_PROOF_HASHES, options.maxChunkBytes);

  async function fetchBatch(
    peer: PeerId,
    commitment: Commitment,
    indices: number[],
    onChunk: (message: ChunkMessage) => Promise<void>,
  ): Promise<FetchOutcome> {
    const outcome: FetchOutcome = { received: new Set(), rateLimited: false };
    const signal = AbortSignal.timeout(options.syncRequestTimeoutMs);
    let stream: Awaited<ReturnType<P2PHost["dialProtocol"]>> | undefined;
    const onAbort = () => stream?.abort(new Error("sync fetch timed out"));
    signal.addEventListener("abort", onAbort, { once: true });
    let firstFrame: NodeJS.Timeout | undefined;
    try {
      stream = await host.dialProtocol(peer, FETCH_PROTOCOL, { signal });
      await writeFrame(stream, encodeFetchRequest({ dataRoot: commitment.dataRoot, indices }), { signal });
      await stream.close({ signal });
      // A server that takes the stream and sends nothing must not hold us for the whole request deadline.
      const opened = stream;
      firstFrame = setTimeout(() => {
        outcome.fault = "SYNC_NO_ANSWER";
        opened.abort(new Error("sync server sent nothing"));
      }, options.syncFirstFrameTimeoutMs);
      let i = 0;
      for await (const frame of readFrames(stream, maxFrame)) {
        clearTimeout(firstFrame);
        const index = indices[i++];
        if (index === undefined || frame.length === 0) {
          outcome.fault = "MALFORMED_SYNC_RESPONSE";
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
        if (frame[0] !== FetchStatus.FOUND) {
          outcome.fault = "MALFORMED_SYNC_RESPONSE";
          fetched.inc({ outcome: "invalid" });
          break;
        }
        if (
          !check.ok ||
          check.dataRoot !== commitment.dataRoot.toLowerCase() ||
          check.message.index !== index ||
          check.message.count !== commitment.chunkCount
        ) {
          // Every chunk is verified; one that fails means the peer lies, so stop listening to it.
          fetched.inc({ outcome: "invalid" });
          outcome.fault = "FORGED_SYNC_CHUNK";
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
      if (error instanceof Error && error.name === "InvalidDataLengthError")
        outcome.fault = "MALFORMED_SYNC_RESPONSE";
      log.debug({ msg: "Sync fetch failed", peer: peer.toString(), dataRoot: commitment.dataRoot, error });
      stream?.abort(error instanceof Error ? error : new Error(String(error)));
    } finally {
      clearTimeout(firstFrame);
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
      const ranked = rank(peers);
      // Batches spread over the best few servers that have not failed us lately; the rest are the fallback,
      // best first.
      const trusted = ranked.filter((p) => (record.get(p.toString()) ?? 0) >= 0).length;
      const spread = Math.max(1, Math.min(trusted, 4));
      await Promise.all(
        batches.map((batch, b) =>
          limit(async () => {
            let want = batch;
            const order = [
              ...ranked.slice(b % spread, spread),
              ...ranked.slice(0, b % spread),
              ...ranked.slice(spread),
            ];
            for (const peer of order) {
              if (want.length === 0) break;
              const id = peer.toString();
              if (badPeers.has(id)) continue;
              const outcome = await fetchBatch(peer, commitment, want, onChunk);
              if (outcome.fault) {
                badPeers.add(id);
                rate(id, -5);
                parameters.report(id, outcome.fault);
              } else if (outcome.received.size > 0) {
                rate(id, 1);
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
