import type { Common } from "../../config/common/createCommon.ts";
import type { PeerPenalties } from "../sync/createPeerPenalties.ts";
import type { PeerBans } from "./createPeerBans.ts";

/**
 * Every way a peer can misbehave outside gossipsub's own P4 (invalid chunks), with the penalty points each
 * costs. Points lower the peer's gossipsub score through P5 (weight 1, half-life `penaltyHalfLifeMs`); a peer
 * whose score falls below the ban threshold (−80) is hung up on and banned. Earned credit is capped at +59
 * (topic cap 50 + time in mesh 9), so 150 points bans at once whatever the peer earned before.
 *
 * This table is the one place these weights live.
 */
export const misbehaviourPoints = {
  /** Sync: a chunk that fails verification against the committed root (proof of lying). */
  FORGED_SYNC_CHUNK: 150,
  /** Sync: a response frame that is not a chunk frame, more frames than asked, or a wrong index. */
  MALFORMED_SYNC_RESPONSE: 150,
  /** Sync: the server took the stream and answered nothing before the first-frame deadline. */
  SYNC_NO_ANSWER: 10,
  /** Sync: a request we cannot decode (bad length, zero or > 256 indices, duplicate indices). */
  MALFORMED_SYNC_REQUEST: 20,
  /** Gossipsub: an RPC frame that is not the protobuf gossipsub expects (or over its decode limits). */
  BAD_RPC: 20,
  /**
   * Gossipsub: a frame (or a length prefix) past `maxInboundDataLength`. Our nodes never build one (IWANT
   * answers are sized to fit), and gossipsub drops the peer's stream for good after it, so it bans at once.
   */
  OVERSIZE_FRAME: 150,
  /** Gossipsub: a message gossipsub itself refuses (signed under StrictNoSign, seqno or key present …). */
  INVALID_MESSAGE: 20,
  /** Gossip: one message dropped because the peer was over its message rate or in-flight limit. */
  FLOOD: 0.1,
  /** Gossip: one message dropped because the peer was over its budget of unknown (uncommitted) roots. */
  UNKNOWN_ROOT_FLOOD: 0.1,
  /** Gossip: a root the peer sent us that was still not committed `unknownRootGraceMs` later. */
  UNCOMMITTED_ROOT: 4,
  /** Gossip: the same message again from the same peer, or a chunk we took long ago sent as new. */
  REPLAY: 1,
  /** Gossipsub control: IHAVE/IWANT ids past the peer's budget (one RPC). */
  CONTROL_FLOOD: 5,
} as const;
export type Misbehaviour = keyof typeof misbehaviourPoints;

export type PeerReputation = {
  /** Charges `times` × the kind's points to the peer, then bans it if its score fell below the threshold. */
  report(peerId: string, kind: Misbehaviour, times?: number): void;
  /** A peer sent an invalid chunk (gossip REJECT): its P4 already counts; check it against the threshold. */
  rejected(peerId: string): void;
  /** Checks every peer that misbehaved since its last check (each gossipsub heartbeat). */
  checkAll(): void;
  /** The score the ban decision uses: gossipsub's when it knows the peer, else minus its penalty points. */
  score(peerId: string): number;
};

/**
 * Turns misbehaviour into bans. Only peers that misbehaved are ever banned: a score dragged down by
 * gossipsub's behaviour penalties alone (late IWANT answers from a busy peer) is left to the graylist, which
 * heals as the counters decay, rather than cost an honest peer a ban.
 */
export function createPeerReputation(
  common: Common,
  parameters: {
    penalties: PeerPenalties;
    bans: PeerBans;
    /** Gossipsub's current (uncached) score, or undefined when gossipsub does not know the peer. */
    gossipScore(peerId: string): number | undefined;
    hangUp(peerId: string): void;
    banThreshold: number;
    banDurationMs: number;
  },
): PeerReputation {
  const { penalties, bans } = parameters;
  const log = common.logger.child({ module: "p2p.reputation" });
  const misbehaviour = common.metrics.counter(
    "p2p_misbehaviour_total",
    "Misbehaviour charged to peers, by kind (penalty points in misbehaviourPoints)",
    ["kind"],
  );
  const disconnects = common.metrics.counter("p2p_disconnects_total", "Peers disconnected for misbehaviour", [
    "reason",
  ]);
  // Peers that misbehaved and are not banned yet. Bounded: past 10k the oldest are forgotten (their
  // penalties still count in their score, and the next report brings them back).
  const offenders = new Set<string>();
  const score = (peerId: string) => parameters.gossipScore(peerId) ?? penalties.score(peerId);
  function check(peerId: string, reason: string) {
    if (bans.isBanned(peerId) || !offenders.has(peerId)) return;
    const s = score(peerId);
    if (s >= parameters.banThreshold) return;
    offenders.delete(peerId);
    bans.ban(peerId, parameters.banDurationMs, reason);
    disconnects.inc({ reason });
    log.warn({ msg: "Disconnecting misbehaving peer", peer: peerId, score: s, reason });
    parameters.hangUp(peerId);
  }
  function offend(peerId: string) {
    offenders.delete(peerId);
    if (offenders.size >= 10_000) offenders.delete(offenders.values().next().value!);
    offenders.add(peerId);
  }
  return {
    report(peerId, kind, times = 1) {
      if (times <= 0) return;
      misbehaviour.inc({ kind }, times);
      penalties.add(peerId, misbehaviourPoints[kind] * times);
      offend(peerId);
      check(peerId, kind.toLowerCase());
    },
    rejected(peerId) {
      offend(peerId);
      check(peerId, "gossip_score");
    },
    checkAll() {
      for (const peerId of [...offenders]) check(peerId, "heartbeat_score");
    },
    score,
  };
}
