import type { Message, TopicValidatorResult } from "@libp2p/gossipsub";
import { createTopicScoreParams } from "@libp2p/gossipsub/score";
import type { PeerId } from "@libp2p/interface";
import type { Common } from "../../config/common/createCommon.ts";
import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import { type ChunkMessage, copyChunkMessage, encodeChunkMessage } from "../chunks/chunkMessage.ts";
import type { CommitmentCache } from "../commitments/createCommitmentCache.ts";
import type { GossipSubInternals, P2PHost } from "../host/createP2PHost.ts";
import type { P2POptions } from "../options.ts";
import { chunkTopic, datanetOfTopic } from "./chunkTopic.ts";
import { createPendingChunks } from "./createPendingChunks.ts";
import { chunkTopicScoreParams } from "./scoreParams.ts";
import { type ChunkValidation, checkChunkCommitment, checkChunkStructure } from "./validateChunk.ts";

export type ChunkGossip = {
  subscribe(datanetId: bigint): void;
  unsubscribe(datanetId: bigint): void;
  subscribed(): bigint[];
  publish(message: ChunkMessage): Promise<number>;
  /** Re-checks chunks waiting for `dataRoot` (call when its commitment appears). */
  recheck(dataRoot: Hash): Promise<void>;
  pendingSize(): { messages: number; bytes: number };
  stop(): void;
};

export type CreateChunkGossipParameters = {
  host: P2PHost;
  commitments: CommitmentCache;
  options: Pick<
    P2POptions,
    | "maxChunkBytes"
    | "pendingMaxMessages"
    | "pendingMaxBytes"
    | "pendingTtlMs"
    | "pendingRecheckMs"
    | "pendingMaxPerPeer"
  >;
  /** Roots of a peer's that became committed before: its claim on the pending set when full. */
  committedRoots?(peer: string): number;
  /** A peer sent a chunk we took long ago as if new (a replay past gossipsub's seen-cache window). */
  onReplay?(peer: PeerId): void;
  /** A chunk the peer sent before its root was committed was accepted once it was: credit for the peer. */
  onPendingAccepted?(peer: string): void;
  /** Called for every chunk that passed validation (gossip or a pending re-check): store it. */
  onValidChunk(message: ChunkMessage, dataRoot: Hash): void;
  /** Called after every REJECT so the caller can act on the sender's score. */
  onReject(peer: PeerId): void;
};

const RESULT: Record<ChunkValidation["action"], TopicValidatorResult> = {
  ACCEPT: "accept" as TopicValidatorResult,
  IGNORE: "ignore" as TopicValidatorResult,
  REJECT: "reject" as TopicValidatorResult,
};

/**
 * Datanet chunk gossip: topic validators that turn `validateChunk` outcomes into gossipsub's
 * accept/ignore/reject, and the pending set for chunks that arrive before their commitment.
 */
export function createChunkGossip(common: Common, parameters: CreateChunkGossipParameters): ChunkGossip {
  const { host, commitments, options } = parameters;
  const pubsub = host.services.pubsub as GossipSubInternals;
  const log = common.logger.child({ module: "p2p.gossip" });
  const messages = common.metrics.counter(
    "p2p_messages_total",
    "Gossip chunk messages by validation outcome",
    ["action", "code"],
  );
  const receivedBytes = common.metrics.counter(
    "p2p_received_bytes_total",
    "Bytes of gossip chunk messages received",
  );
  const pendingGauge = common.metrics.gauge(
    "p2p_pending_chunks",
    "Chunks waiting for their root to be committed",
  );
  const pending = createPendingChunks({
    maxMessages: options.pendingMaxMessages,
    maxBytes: options.pendingMaxBytes,
    ttlMs: options.pendingTtlMs,
    maxPerPeer: options.pendingMaxPerPeer,
    committedRoots: parameters.committedRoots,
  });
  // (root, index) of chunks taken from gossip lately. Gossipsub forgets message ids after 2 minutes; a copy
  // arriving later is a replay, and is neither forwarded again nor credited to its sender.
  const accepted = new Set<string>();
  const ACCEPTED_KEEP = 65_536;
  const topics = new Set<bigint>();

  async function validate(peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    let outcome: ChunkValidation;
    try {
      receivedBytes.inc(msg.data.length);
      const structure = checkChunkStructure(msg.data, {
        maxChunkBytes: options.maxChunkBytes,
        datanetId: datanetOfTopic(msg.topic),
      });
      if (!structure.ok) {
        outcome = structure.result;
      } else {
        const lookup = await commitments.lookup(structure.dataRoot);
        outcome = checkChunkCommitment(structure.message, structure.dataRoot, lookup);
        if (
          outcome.action === "IGNORE" &&
          (outcome.code === "ROOT_UNKNOWN" || outcome.code === "COMMITMENT_UNAVAILABLE")
        ) {
          // The message's bytes belong to gossipsub's buffer; keep a copy, it outlives this call.
          const copy = copyChunkMessage(structure.message);
          const kept = pending.add({
            message: copy,
            dataRoot: structure.dataRoot,
            size: msg.data.length,
            receivedAt: Date.now(),
            peer: peer.toString(),
          });
          if (!kept) outcome = { ...outcome, code: "PENDING_FULL" };
          pendingGauge.set(pending.size().messages);
        }
      }
    } catch (error) {
      // A validator must never throw into gossipsub; an unexpected failure is our bug, not the peer's.
      log.error({ msg: "Chunk validation failed unexpectedly", error });
      messages.inc({ action: "IGNORE", code: "INTERNAL" });
      return RESULT.IGNORE;
    }
    if (outcome.action === "ACCEPT") {
      const key = `${outcome.dataRoot}/${outcome.message.index}`;
      if (accepted.has(key)) {
        messages.inc({ action: "IGNORE", code: "REPLAY" });
        queueMicrotask(() => parameters.onReplay?.(peer));
        return RESULT.IGNORE;
      }
      accepted.add(key);
      if (accepted.size > ACCEPTED_KEEP) accepted.delete(accepted.values().next().value!);
    }
    messages.inc({ action: outcome.action, code: outcome.action === "ACCEPT" ? "OK" : outcome.code });
    if (outcome.action === "ACCEPT") {
      parameters.onValidChunk(outcome.message, outcome.dataRoot);
    } else if (outcome.action === "REJECT") {
      log.debug({
        msg: "Rejected chunk message",
        peer: peer.toString(),
        code: outcome.code,
        reason: outcome.reason,
      });
      queueMicrotask(() => parameters.onReject(peer));
    }
    return RESULT[outcome.action];
  }

  async function recheck(dataRoot: Hash): Promise<void> {
    const waiting = pending.take(dataRoot);
    pendingGauge.set(pending.size().messages);
    if (waiting.length === 0) return;
    const lookup = await commitments.lookup(dataRoot);
    if (!lookup.found) {
      for (const c of waiting) pending.add(c);
      pendingGauge.set(pending.size().messages);
      // The commitment may have arrived while we asked (its own re-check found nothing to take): go again.
      if (commitments.peek(dataRoot) === "committed") return recheck(dataRoot);
      return;
    }
    let accepted = 0;
    for (const c of waiting) {
      const outcome = checkChunkCommitment(c.message, c.dataRoot, lookup);
      messages.inc({
        action: `PENDING_${outcome.action}`,
        code: outcome.action === "ACCEPT" ? "OK" : outcome.code,
      });
      if (outcome.action === "ACCEPT") {
        accepted++;
        parameters.onPendingAccepted?.(c.peer);
        parameters.onValidChunk(c.message, c.dataRoot);
      }
    }
    log.debug({ msg: "Re-checked pending chunks", dataRoot, waiting: waiting.length, accepted });
  }

  // Retry schedule for sources without push notifications, and the TTL that bounds how long we wait.
  const timer = setInterval(() => {
    pending.expire(Date.now());
    for (const root of pending.roots()) void recheck(root);
  }, options.pendingRecheckMs);
  timer.unref();

  return {
    subscribe(datanetId) {
      if (topics.has(datanetId)) return;
      const topic = chunkTopic(datanetId);
      topics.add(datanetId);
      // Score params must exist before the first message, or the invalid deliveries are not counted.
      pubsub.score.params.topics[topic] = createTopicScoreParams(chunkTopicScoreParams);
      pubsub.topicValidators.set(topic, validate);
      pubsub.subscribe(topic);
    },
    unsubscribe(datanetId) {
      const topic = chunkTopic(datanetId);
      topics.delete(datanetId);
      pubsub.unsubscribe(topic);
      pubsub.topicValidators.delete(topic);
    },
    subscribed: () => [...topics],
    async publish(message) {
      const result = await pubsub.publish(chunkTopic(message.datanetId), encodeChunkMessage(message));
      return result.recipients.length;
    },
    recheck,
    pendingSize: () => pending.size(),
    stop() {
      clearInterval(timer);
    },
  };
}
