import type { PeerId } from "@libp2p/interface";
import type { Common } from "../../config/common/createCommon.ts";
import { peekChunkRoot } from "../chunks/chunkMessage.ts";
import type { CommitmentCache } from "../commitments/createCommitmentCache.ts";
import type { GossipSubInternals } from "../host/createP2PHost.ts";
import type { PeerReputation } from "../host/createPeerReputation.ts";
import type { P2POptions } from "../options.ts";
import { createRateLimiter } from "../sync/createRateLimiter.ts";
import { datanetOfTopic } from "./chunkTopic.ts";
import type { UnknownRoots } from "./createUnknownRoots.ts";

/** The parts of an RPC the gate reads and trims (gossipsub's decoded protobuf). */
type RpcMessage = { topic: string; data?: Uint8Array };
type Rpc = {
  messages: RpcMessage[];
  control?: { ihave: { messageIDs: Uint8Array[] }[]; iwant: { messageIDs: Uint8Array[] }[] };
};
type ValidationResult = {
  code: "duplicate" | "invalid" | "valid";
  msgIdStr?: string;
  messageId?: { msgIdStr: string };
};

/** Gossipsub's receive path, which the gate wraps (private in its types, stable in its code since v10). */
type GossipSubHooks = {
  decodeRpc(bytes: Uint8Array): Rpc;
  pipePeerReadStream(peerId: PeerId, source: AsyncIterable<{ subarray(): Uint8Array }>): Promise<void>;
  handleReceivedRpc(from: PeerId, rpc: Rpc): Promise<void>;
  handleReceivedMessage(from: PeerId, rpcMsg: RpcMessage): Promise<void>;
  validateReceivedMessage(from: PeerId, rpcMsg: RpcMessage): Promise<ValidationResult>;
  handlePeerReadStreamError(error: unknown, peerId: PeerId): void;
  subscriptions: Set<string>;
};

export type GossipGate = {
  /** Messages admitted and not yet through validation, per peer (for tests and metrics). */
  inFlight(peerId: string): number;
};

const LENGTH_ERRORS = new Set([
  "InvalidDataLengthError",
  "InvalidDataLengthLengthError",
  "InvalidMessageLengthError",
]);

/**
 * Bounds the work any one peer can make us do BEFORE its messages reach gossipsub's validation (Lodestar's
 * per-peer gossip limits, in the read loop): a message over the peer's budget is dropped as if never sent —
 * not decoded further, not hashed, not marked seen (so an honest copy from another peer still gets in) — and
 * the peer is charged for it.
 *
 * Per peer: `gossipPeerMessagesPerSecond` (burst `gossipPeerMessageBurst`), at most `gossipPeerMaxInFlight`
 * messages in validation at once, `unknownRootsPerSecond` (burst `unknownRootBurst`) new roots the commitment
 * cache does not know as committed, and IHAVE/IWANT ids per second. Messages on topics we are not subscribed
 * to are dropped here (gossipsub would keep them in its message cache). Frames gossipsub cannot decode,
 * oversized frames, messages gossipsub itself refuses, and repeats of a message the same peer already sent
 * are charged through the same `PeerReputation`, so junk below the chunk codec ends in a ban too.
 */
export function installGossipGate(
  common: Common,
  parameters: {
    pubsub: GossipSubInternals;
    commitments: Pick<CommitmentCache, "peek">;
    unknownRoots: UnknownRoots;
    reputation: PeerReputation;
    isBanned(peerId: string): boolean;
    options: Pick<
      P2POptions,
      | "gossipPeerMessagesPerSecond"
      | "gossipPeerMessageBurst"
      | "gossipPeerMaxInFlight"
      | "unknownRootsPerSecond"
      | "unknownRootBurst"
      | "gossipPeerControlIdsPerSecond"
    >;
  },
): GossipGate {
  const { commitments, unknownRoots, reputation, options } = parameters;
  const ps = parameters.pubsub as unknown as GossipSubHooks;
  const dropped = common.metrics.counter(
    "p2p_gossip_dropped_total",
    "Gossip messages dropped before validation, by reason",
    ["reason"],
  );
  const messageBudget = createRateLimiter({
    ratePerSecond: options.gossipPeerMessagesPerSecond,
    burst: options.gossipPeerMessageBurst,
  });
  const rootBudget = createRateLimiter({
    ratePerSecond: options.unknownRootsPerSecond,
    burst: options.unknownRootBurst,
  });
  const controlBudget = createRateLimiter({
    ratePerSecond: options.gossipPeerControlIdsPerSecond,
    burst: options.gossipPeerControlIdsPerSecond * 4,
  });
  const inFlight = new Map<string, number>();
  /** Message ids each peer delivered lately (bounded per peer and in peers): a repeat is a replay. */
  const delivered = new Map<string, Set<string>>();
  const RECENT_IDS = 512;

  function admit(
    peer: string,
    message: RpcMessage,
    admittedBefore: number,
  ): "ok" | "flood" | "unknown_root" | "unsubscribed" {
    if (!messageBudget.take(peer, 1)) return "flood";
    if (!ps.subscriptions.has(message.topic)) return "unsubscribed";
    if ((inFlight.get(peer) ?? 0) + admittedBefore >= options.gossipPeerMaxInFlight) return "flood";
    if (datanetOfTopic(message.topic) !== undefined && message.data) {
      const root = peekChunkRoot(message.data);
      // No root: the validator rejects it as malformed (P4), which costs the peer more than a drop would.
      if (root && commitments.peek(root) !== "committed" && !unknownRoots.has(peer, root)) {
        if (!rootBudget.take(peer, 1)) return "unknown_root";
        unknownRoots.add(peer, root, Date.now());
      }
    }
    return "ok";
  }

  function filter(peer: string, rpc: Rpc) {
    if (rpc.messages.length > 0) {
      let flood = 0;
      let unknownRoot = 0;
      const kept: RpcMessage[] = [];
      for (const m of rpc.messages) {
        const verdict = admit(peer, m, kept.length);
        if (verdict === "ok") {
          kept.push(m);
          continue;
        }
        dropped.inc({ reason: verdict });
        if (verdict === "flood") flood++;
        if (verdict === "unknown_root") unknownRoot++;
      }
      rpc.messages = kept;
      reputation.report(peer, "FLOOD", flood);
      reputation.report(peer, "UNKNOWN_ROOT_FLOOD", unknownRoot);
    }
    const control = rpc.control;
    if (control && (control.ihave.length > 0 || control.iwant.length > 0)) {
      let ids = 0;
      for (const c of control.ihave) ids += c.messageIDs.length;
      for (const c of control.iwant) ids += c.messageIDs.length;
      if (ids > 0 && !controlBudget.take(peer, ids)) {
        control.ihave = [];
        control.iwant = [];
        dropped.inc({ reason: "control_flood" });
        reputation.report(peer, "CONTROL_FLOOD");
      }
    }
  }

  // The read loop, as gossipsub's own but with the gate between decoding and handling.
  ps.pipePeerReadStream = async (peerId, source) => {
    const peer = peerId.toString();
    try {
      for await (const data of source) {
        if (parameters.isBanned(peer)) continue;
        let rpc: Rpc;
        try {
          rpc = ps.decodeRpc(data.subarray());
        } catch {
          dropped.inc({ reason: "bad_rpc" });
          reputation.report(peer, "BAD_RPC");
          continue;
        }
        filter(peer, rpc);
        ps.handleReceivedRpc(peerId, rpc).catch(() => undefined);
      }
    } catch (error) {
      if (error instanceof Error && LENGTH_ERRORS.has(error.name)) {
        dropped.inc({ reason: "oversize_frame" });
        reputation.report(peer, "OVERSIZE_FRAME");
      }
      ps.handlePeerReadStreamError(error, peerId);
    }
  };

  const handleReceivedMessage = ps.handleReceivedMessage.bind(ps);
  ps.handleReceivedMessage = async (from, rpcMsg) => {
    const peer = from.toString();
    inFlight.set(peer, (inFlight.get(peer) ?? 0) + 1);
    try {
      await handleReceivedMessage(from, rpcMsg);
    } finally {
      const n = (inFlight.get(peer) ?? 1) - 1;
      if (n <= 0) inFlight.delete(peer);
      else inFlight.set(peer, n);
    }
  };

  const validateReceivedMessage = ps.validateReceivedMessage.bind(ps);
  ps.validateReceivedMessage = async (from, rpcMsg) => {
    const result = await validateReceivedMessage(from, rpcMsg);
    const peer = from.toString();
    const id = result.msgIdStr ?? result.messageId?.msgIdStr;
    if (id === undefined) {
      // Refused by gossipsub before it could compute an id: a signature, seqno or key under StrictNoSign.
      reputation.report(peer, "INVALID_MESSAGE");
      return result;
    }
    let ids = delivered.get(peer);
    if (result.code === "duplicate" && ids?.has(id)) {
      reputation.report(peer, "REPLAY");
      return result;
    }
    if (!ids) {
      if (delivered.size >= 4096) delivered.delete(delivered.keys().next().value!);
      ids = new Set();
      delivered.set(peer, ids);
    }
    ids.add(id);
    if (ids.size > RECENT_IDS) ids.delete(ids.values().next().value!);
    return result;
  };

  return { inFlight: (peerId) => inFlight.get(peerId) ?? 0 };
}
