import { createHash } from "node:crypto";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { bootstrap } from "@libp2p/bootstrap";
import { type GossipSub, gossipsub } from "@libp2p/gossipsub";
import type { PeerScoreParams, PeerScoreThresholds } from "@libp2p/gossipsub/score";
import { type Identify, identify } from "@libp2p/identify";
import type { ConnectionGater, Libp2p, PrivateKey } from "@libp2p/interface";
import { type Ping, ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { createLibp2p } from "libp2p";
import type { Common } from "../../config/common/createCommon.ts";
import { RetryableError } from "../../config/errors/BaseError.ts";
import type { P2POptions } from "../options.ts";
import type { PeerBans } from "./createPeerBans.ts";

export type P2PServices = { identify: Identify; ping: Ping; pubsub: GossipSub };
export type P2PHost = Libp2p<P2PServices>;

/** The parts of the gossipsub implementation we use beyond its public interface (scores, live params). */
export type GossipSubInternals = GossipSub & {
  getScore(peerId: string): number;
  score: { params: PeerScoreParams; peerStats: Map<string, unknown>; scoreCache: Map<string, unknown> };
};

export type CreateP2PHostParameters = {
  privateKey: PrivateKey;
  options: Pick<
    P2POptions,
    | "listen"
    | "announce"
    | "bootstrap"
    | "maxConnections"
    | "maxIncomingPendingConnections"
    | "inboundConnectionThreshold"
  > &
    Partial<Pick<P2POptions, "reservedConnections">>;
  bans: PeerBans;
  /** Refuses an inbound connection before its handshake (the connection guard's per-IP limit). */
  denyInboundConnection?: ConnectionGater["denyInboundConnection"];
  scoreParams: Partial<PeerScoreParams>;
  scoreThresholds: PeerScoreThresholds;
};

export class P2PHostStartError extends RetryableError {
  override name = "P2PHostStartError";
}

/**
 * A libp2p node: TCP, noise, yamux, identify, ping, gossipsub, bootstrap. Limits are set here on purpose
 * rather than inherited: every one of them bounds what a stranger can make us spend.
 */
export async function createP2PHost(common: Common, parameters: CreateP2PHostParameters): Promise<P2PHost> {
  const { options } = parameters;
  // libp2p's hard cap; the connection guard prunes back down to maxConnections (see createConnectionGuard).
  const hardCap = options.maxConnections + (options.reservedConnections ?? 0);
  try {
    const host = await createLibp2p<P2PServices>({
      privateKey: parameters.privateKey,
      addresses: { listen: options.listen, announce: options.announce },
      transports: [
        tcp({
          // An idle TCP socket is a slot a stranger holds for free; yamux keeps live ones busy anyway.
          inboundSocketInactivityTimeout: 5 * 60_000,
          outboundSocketInactivityTimeout: 5 * 60_000,
          maxConnections: hardCap + options.maxIncomingPendingConnections,
        }),
      ],
      connectionEncrypters: [noise()],
      streamMuxers: [
        yamux({
          // gossipsub (1-2 streams) + identify + ping + sync (≤ maxInboundSyncStreams): 32 is ample, and
          // bounds the per-connection state a peer can make us hold.
          maxInboundStreams: 32,
          maxOutboundStreams: 32,
        }),
      ],
      connectionGater: {
        ...parameters.bans.gater,
        ...(parameters.denyInboundConnection && { denyInboundConnection: parameters.denyInboundConnection }),
      },
      connectionMonitor: {
        // The monitor pings every peer and, by default, aborts the connection when a ping is late. Its ping
        // shares the TCP socket with gossip, so behind a few MiB of queued 256 KiB chunks (or on a busy
        // node) a healthy peer answers late; measured here, that cut every connection of a loaded network
        // at once. We keep the pings (RTT for peer selection) but never abort on them: dead peers still
        // surface as socket errors, failed stream writes and the TCP inactivity timeout.
        pingInterval: 20_000,
        abortConnectionOnPingFailure: false,
      },
      connectionManager: {
        maxConnections: hardCap,
        maxIncomingPendingConnections: options.maxIncomingPendingConnections,
        inboundConnectionThreshold: options.inboundConnectionThreshold,
        // A peer that cannot finish noise + yamux in 10 s is not one we want to gossip 256 KiB chunks with.
        inboundUpgradeTimeout: 10_000,
        dialTimeout: 10_000,
      },
      peerDiscovery: options.bootstrap.length > 0 ? [bootstrap({ list: options.bootstrap })] : [],
      services: {
        identify: identify(),
        ping: ping(),
        pubsub: gossipsub({
          // Chunks authenticate themselves (proof + on-chain root); signing 256 KiB messages adds cost and
          // nothing a receiver checks. Without signatures the message id must come from the content.
          globalSignaturePolicy: "StrictNoSign",
          // The hash of the whole message, not only of the chunk bytes: gossipsub marks an id as seen
          // before validation, so a forged copy with the same bytes but a bad proof must not share the
          // honest message's id and get it dropped as a duplicate.
          msgIdFn: (msg) => new Uint8Array(createHash("sha256").update(msg.data).digest()),
          allowPublishToZeroTopicPeers: true,
          ignoreDuplicatePublishError: true,
          emitSelf: false,
          scoreParams: parameters.scoreParams,
          scoreThresholds: parameters.scoreThresholds,
          // One RPC may batch a few chunk messages; more than 4 MiB in one frame is an attack.
          maxInboundDataLength: 4 * 1024 * 1024,
          // A slow peer's queue is dropped (and it falls behind) rather than grow without bound.
          maxOutboundBufferSize: 32 * 1024 * 1024,
          // Chunk topics only; a peer cannot make us track arbitrary topic strings.
          maxTopicBytesPerPeer: 256 * 1024,
          // Large messages: tell mesh peers we already have one so they skip sending it (duplicates).
          idontwantMinDataSize: 1024,
          decodeRpcLimits: {
            maxSubscriptions: 5000,
            // 16 messages of ≤ 256 KiB fit one 4 MiB RPC frame; more than that per RPC is not a chunk peer.
            maxMessages: 16,
            maxIhaveMessageIDs: 5000,
            // gossipsub answers one IWANT with one RPC holding every requested message; 12 chunks (3 MiB)
            // stay under the 4 MiB frame limit, where 16+ made the answer unsendable and the chunks lost.
            maxIwantMessageIDs: 12,
            maxControlMessages: 5000,
            maxIdontwantMessageIDs: 512,
            maxPeerInfos: 16,
          },
        }),
      },
    });
    common.logger.info({
      msg: "libp2p host listening",
      peerId: host.peerId.toString(),
      addresses: host.getMultiaddrs().map(String),
    });
    return host;
  } catch (cause) {
    throw new P2PHostStartError("The libp2p host could not start.", {
      cause,
      hint: "Check that the listen addresses are valid and their ports free (p2p.listen).",
    });
  }
}
