import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from "@libp2p/gossipsub/score";

/**
 * Gossipsub peer-scoring for Datanet chunk topics. The design goal: a peer that sends a handful of
 * invalid chunks is graylisted and then banned within seconds, while honest peers — whose traffic on a
 * Datanet is bursty (a contribution now, nothing for an hour) — are never punished for silence.
 *
 * Thresholds (score is a sum over topics plus the global terms):
 *   gossipThreshold   -10  below: no IHAVE/IWANT gossip with the peer          (one invalid chunk)
 *   publishThreshold  -50  below: we do not flood-publish to it                 (three invalid chunks minus credit)
 *   graylistThreshold -80  below: all its RPCs are dropped; p2p also hangs up and bans it
 *   acceptPX           10  only well-behaved peers' peer exchange is trusted
 *   opportunisticGraft  5  mesh median under this triggers grafting better peers
 */
export const chunkScoreThresholds: PeerScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 5,
};

/**
 * Per Datanet topic:
 * - P1 time in mesh: +0.03 per second, capped at 300 s (+9): a little credit for staying.
 * - P2 first deliveries: +1 per chunk first delivered, decaying 10 %/s, capped at 50: credit for useful work.
 * - P3/P3b mesh delivery deficit: OFF. Datanet traffic is bursty; a quiet topic would punish honest peers.
 * - P4 invalid messages: -10 × count², decaying 1 %/s (half-life ≈ 70 s). 1 junk chunk = -10, 2 = -40,
 *   3 = -90 → past the graylist threshold even with the +50 cap of earned credit after 4.
 */
export const chunkTopicScoreParams: TopicScoreParams = {
  topicWeight: 1,
  timeInMeshWeight: 0.03,
  timeInMeshQuantum: 1_000,
  timeInMeshCap: 300,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 50,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.9,
  meshMessageDeliveriesCap: 100,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 60_000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.9,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.99,
};

/**
 * Global terms:
 * - topicScoreCap 50: positive credit is bounded so earned reputation cannot absorb a junk flood.
 * - P5 app-specific (weight 1): penalties from outside gossip, i.e. a sync peer that served a chunk
 *   that failed verification (see `createPeerPenalties`).
 * - P6 IP colocation: -5 × (peersOnIp - 10)² past 10 peers on one IP (Sybil farms); whitelisted IPs exempt.
 * - P7 behaviour: -1 × (count - 6)² for broken IWANT promises and early re-grafts, tolerant of honest
 *   slowness under load of 256 KiB messages.
 * - Counters decay every second; scores of disconnected peers are kept 10 minutes so reconnecting does
 *   not wash a bad score.
 */
export function createChunkScoreParams(parameters: {
  appSpecificScore: (peerId: string) => number;
  ipColocationWhitelist: readonly string[];
}): Partial<PeerScoreParams> {
  return {
    topics: {},
    topicScoreCap: 50,
    appSpecificScore: parameters.appSpecificScore,
    appSpecificWeight: 1,
    IPColocationFactorWeight: -5,
    IPColocationFactorThreshold: 10,
    IPColocationFactorWhitelist: new Set(parameters.ipColocationWhitelist),
    behaviourPenaltyWeight: -1,
    behaviourPenaltyThreshold: 6,
    behaviourPenaltyDecay: 0.9,
    decayInterval: 1_000,
    decayToZero: 0.01,
    retainScore: 10 * 60_000,
  };
}
