import type { Connection, Stream } from "@libp2p/interface";
import type { Common } from "../../config/common/createCommon.ts";
import { encodeChunkMessage } from "../chunks/chunkMessage.ts";
import type { P2PHost } from "../host/createP2PHost.ts";
import type { Misbehaviour } from "../host/createPeerReputation.ts";
import type { P2POptions } from "../options.ts";
import type { ChunkStore } from "../store/createChunkStore.ts";
import { createRateLimiter } from "./createRateLimiter.ts";
import { readFrames, writeFrame } from "./streamFrames.ts";
import {
  decodeDatanetId,
  decodeFetchRequest,
  encodeHaveResponse,
  FETCH_PROTOCOL,
  FetchStatus,
  HAVE_PROTOCOL,
  MAX_FETCH_INDICES,
} from "./syncProtocol.ts";

export type SyncServer = { stop(): Promise<void> };

/**
 * Serves FETCH and HAVE to peers. Every request is bounded: request frame size, indices per request (each
 * at most once), bytes per response (`syncMaxResponseBytes`, the rest answered RATE_LIMITED), a per-peer token
 * bucket of chunks served, a deadline per stream, and `maxInboundSyncStreams` per connection. A request that
 * does not decode is charged to its sender (MALFORMED_SYNC_REQUEST).
 */
export async function createSyncServer(
  common: Common,
  parameters: {
    host: P2PHost;
    store: ChunkStore;
    /** Charges a peer for a request it should not have sent (see `misbehaviourPoints`). */
    report?(peerId: string, kind: Misbehaviour): void;
    options: Pick<
      P2POptions,
      | "syncServeChunksPerSecond"
      | "syncServeBurst"
      | "syncRequestTimeoutMs"
      | "maxInboundSyncStreams"
      | "maxOutboundSyncStreams"
      | "maxHaveRoots"
      | "syncMaxResponseBytes"
    >;
  },
): Promise<SyncServer> {
  const { host, store, options } = parameters;
  const log = common.logger.child({ module: "p2p.sync" });
  const served = common.metrics.counter("p2p_sync_served_total", "Sync requests served by outcome", [
    "protocol",
    "outcome",
  ]);
  const limiter = createRateLimiter({
    ratePerSecond: options.syncServeChunksPerSecond,
    burst: options.syncServeBurst,
  });

  async function firstFrame(
    stream: Stream,
    maxLength: number,
    signal: AbortSignal,
  ): Promise<Uint8Array | undefined> {
    const frames = readFrames(stream, maxLength);
    const abort = () => stream.abort(new Error("sync request timed out"));
    signal.addEventListener("abort", abort, { once: true });
    try {
      const first = await frames.next();
      return first.done ? undefined : first.value;
    } finally {
      signal.removeEventListener("abort", abort);
    }
  }

  async function handleFetch(stream: Stream, connection: Connection) {
    const signal = AbortSignal.timeout(options.syncRequestTimeoutMs);
    const peer = connection.remotePeer.toString();
    try {
      const raw = await firstFrame(stream, 34 + 4 * MAX_FETCH_INDICES, signal);
      const request = raw ? decodeFetchRequest(raw) : undefined;
      if (!request) {
        served.inc({ protocol: "fetch", outcome: "malformed" });
        if (raw) parameters.report?.(peer, "MALFORMED_SYNC_REQUEST");
        stream.abort(new Error("malformed fetch request"));
        return;
      }
      if (!limiter.take(peer, request.indices.length)) {
        served.inc({ protocol: "fetch", outcome: "rate_limited" });
        await writeFrame(stream, Uint8Array.of(FetchStatus.RATE_LIMITED), { signal });
        await stream.close({ signal });
        return;
      }
      let bytes = 0;
      for (const index of request.indices) {
        if (bytes >= options.syncMaxResponseBytes) {
          // Enough for one response: the client asks again (or elsewhere) for the rest.
          await writeFrame(stream, Uint8Array.of(FetchStatus.RATE_LIMITED), { signal });
          break;
        }
        const chunk = await store.getChunk(request.dataRoot, index);
        if (!chunk) {
          await writeFrame(stream, Uint8Array.of(FetchStatus.NOT_FOUND), { signal });
          continue;
        }
        const encoded = encodeChunkMessage(chunk);
        const frame = new Uint8Array(1 + encoded.length);
        frame[0] = FetchStatus.FOUND;
        frame.set(encoded, 1);
        bytes += frame.length;
        await writeFrame(stream, frame, { signal });
      }
      served.inc({ protocol: "fetch", outcome: "ok" });
      await stream.close({ signal });
    } catch (error) {
      served.inc({ protocol: "fetch", outcome: "error" });
      if (error instanceof Error && error.name === "InvalidDataLengthError")
        parameters.report?.(peer, "MALFORMED_SYNC_REQUEST");
      log.debug({ msg: "Fetch request failed", peer, error });
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async function handleHave(stream: Stream, connection: Connection) {
    const signal = AbortSignal.timeout(options.syncRequestTimeoutMs);
    try {
      const raw = await firstFrame(stream, 32, signal);
      const datanetId = raw ? decodeDatanetId(raw) : undefined;
      if (raw && datanetId === undefined)
        parameters.report?.(connection.remotePeer.toString(), "MALFORMED_SYNC_REQUEST");
      if (datanetId === undefined || !limiter.take(connection.remotePeer.toString(), 1)) {
        served.inc({ protocol: "have", outcome: "refused" });
        stream.abort(new Error("malformed or rate-limited have request"));
        return;
      }
      const records = await store.listContributions(datanetId);
      // Complete contributions first: they are what a late joiner can fetch in full.
      records.sort((a, b) => Number(b.complete) - Number(a.complete));
      const entries = records
        .slice(0, options.maxHaveRoots)
        .map((r) => ({ dataRoot: r.dataRoot, present: r.present, count: r.count }));
      await writeFrame(stream, encodeHaveResponse(entries), { signal });
      served.inc({ protocol: "have", outcome: "ok" });
      await stream.close({ signal });
    } catch (error) {
      served.inc({ protocol: "have", outcome: "error" });
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    }
  }

  const handlerOptions = {
    maxInboundStreams: options.maxInboundSyncStreams,
    maxOutboundStreams: options.maxOutboundSyncStreams,
  };
  await host.handle(FETCH_PROTOCOL, handleFetch, handlerOptions);
  await host.handle(HAVE_PROTOCOL, handleHave, handlerOptions);
  return {
    async stop() {
      await host.unhandle([FETCH_PROTOCOL, HAVE_PROTOCOL]);
    },
  };
}
