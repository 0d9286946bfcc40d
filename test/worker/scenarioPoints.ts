import type { Address } from "viem";

/**
 * EpochManager's point rules, replayed in TypeScript from the chain's own events, so a test can check that
 * the points the contract recorded are exactly what its documented rules give for the attestations that were
 * actually made:
 *
 * - a vote counts towards its epoch's round; the subject finalizes when one verdict reaches the epoch's quorum;
 * - at finalization every vote cast so far is scored: agreeing +agreePoints, dissenting −dissentPenalty;
 *   a vote cast later in the same epoch is scored at once; votes of a round that never finalizes earn nothing;
 * - a heartbeat is credited (+heartbeatPoints) only when the worker agreed with a quorum in this or the previous
 *   epoch and has not dissented more than it agreed in this one.
 */
export type PointsRules = { agreePoints: bigint; dissentPenalty: bigint; heartbeatPoints: bigint };

/** The EpochManager events the replay reads, in chain order (block number, then log index). */
export type EpochManagerEvent =
  | { eventName: "EpochStarted"; args: { epoch: bigint; quorum: bigint } }
  | {
      eventName: "Attested";
      args: { epoch: bigint; subjectId: bigint; worker: Address; kind: number; verdict: number };
    }
  | {
      eventName: "SubjectFinalized";
      args: {
        epoch: bigint;
        subjectId: bigint;
        kind: number;
        verdict: number;
        acceptVotes: number;
        rejectVotes: number;
      };
    }
  | { eventName: "Heartbeat"; args: { epoch: bigint; worker: Address; credited: boolean } };

export type ReplayedWorkerEpoch = {
  points: bigint;
  agreements: number;
  dissents: number;
  heartbeats: number;
};

export type PointsReplay = {
  /** Keyed `${epoch}:${worker lowercase}`. */
  workerEpochs: Map<string, ReplayedWorkerEpoch>;
  /** Keyed `${kind}:${subjectId}`: the epoch and verdict of the quorum that decided it. */
  outcomes: Map<string, { epoch: bigint; verdict: number }>;
  /** Every place where the chain's events contradict the rules (empty when they all hold). */
  violations: string[];
};

export const workerEpochKey = (epoch: bigint, worker: string) => `${epoch}:${worker.toLowerCase()}`;

export function replayPoints(events: readonly EpochManagerEvent[], rules: PointsRules): PointsReplay {
  const workerEpochs = new Map<string, ReplayedWorkerEpoch>();
  const outcomes = new Map<string, { epoch: bigint; verdict: number }>();
  const violations: string[] = [];
  const quorums = new Map<bigint, bigint>();
  const rounds = new Map<
    string,
    { accept: number; reject: number; votes: { worker: Address; verdict: number }[] }
  >();

  const we = (epoch: bigint, worker: string) => {
    const key = workerEpochKey(epoch, worker);
    let row = workerEpochs.get(key);
    if (!row) {
      row = { points: 0n, agreements: 0, dissents: 0, heartbeats: 0 };
      workerEpochs.set(key, row);
    }
    return row;
  };
  const score = (epoch: bigint, worker: Address, agreed: boolean) => {
    const row = we(epoch, worker);
    if (agreed) {
      row.agreements++;
      row.points += rules.agreePoints;
    } else {
      row.dissents++;
      row.points -= rules.dissentPenalty;
    }
  };

  for (const event of events) {
    switch (event.eventName) {
      case "EpochStarted":
        quorums.set(event.args.epoch, event.args.quorum);
        break;
      case "Attested": {
        const { epoch, kind, subjectId, worker, verdict } = event.args;
        const subject = `${kind}:${subjectId}`;
        const roundKey = `${epoch}:${subject}`;
        let round = rounds.get(roundKey);
        if (!round) {
          round = { accept: 0, reject: 0, votes: [] };
          rounds.set(roundKey, round);
        }
        if (verdict === 1) round.accept++;
        else round.reject++;
        const outcome = outcomes.get(subject);
        if (outcome && outcome.epoch !== epoch) {
          violations.push(
            `${subject} attested in epoch ${epoch} after it was decided in epoch ${outcome.epoch}`,
          );
        }
        if (outcome?.epoch === epoch) score(epoch, worker, verdict === outcome.verdict);
        else round.votes.push({ worker, verdict });
        break;
      }
      case "SubjectFinalized": {
        const { epoch, kind, subjectId, verdict } = event.args;
        const subject = `${kind}:${subjectId}`;
        const round = rounds.get(`${epoch}:${subject}`);
        const quorum = quorums.get(epoch);
        if (!round || quorum === undefined) {
          violations.push(`${subject} finalized in epoch ${epoch} without votes or a started epoch`);
          break;
        }
        const forVerdict = verdict === 1 ? round.accept : round.reject;
        if (BigInt(forVerdict) !== quorum) {
          violations.push(
            `${subject} finalized in epoch ${epoch} with ${forVerdict} votes, quorum ${quorum}`,
          );
        }
        if (event.args.acceptVotes !== round.accept || event.args.rejectVotes !== round.reject) {
          violations.push(`${subject} finalization tally differs from the attestations`);
        }
        if (outcomes.has(subject)) violations.push(`${subject} finalized twice`);
        outcomes.set(subject, { epoch, verdict });
        for (const v of round.votes.splice(0)) score(epoch, v.worker, v.verdict === verdict);
        break;
      }
      case "Heartbeat": {
        const { epoch, worker, credited } = event.args;
        const row = we(epoch, worker);
        const previous = epoch > 0n ? workerEpochs.get(workerEpochKey(epoch - 1n, worker)) : undefined;
        row.heartbeats++;
        const expected =
          (row.agreements > 0 || (previous?.agreements ?? 0) > 0) && row.dissents <= row.agreements;
        if (expected !== credited) {
          violations.push(
            `heartbeat of ${worker} in epoch ${epoch}: credited ${credited}, rules say ${expected}`,
          );
        }
        if (expected) row.points += rules.heartbeatPoints;
        break;
      }
    }
  }
  // A round that reached quorum must have been finalized in the same transaction.
  for (const [roundKey, round] of rounds) {
    const [epoch, kind, id] = roundKey.split(":");
    const quorum = quorums.get(BigInt(epoch!));
    const outcome = outcomes.get(`${kind}:${id}`);
    if (quorum === undefined || outcome?.epoch === BigInt(epoch!)) continue;
    if (BigInt(Math.max(round.accept, round.reject)) >= quorum) {
      violations.push(`${kind}:${id} reached quorum in epoch ${epoch} but was not finalized`);
    }
  }
  return { workerEpochs, outcomes, violations };
}
