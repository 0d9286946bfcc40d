import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { type EpochManagerEvent, replayPoints, workerEpochKey } from "./scenarioPoints.ts";

const rules = { agreePoints: 10n, dissentPenalty: 20n, heartbeatPoints: 1n };
const a: Address = "0x00000000000000000000000000000000000000aa";
const b: Address = "0x00000000000000000000000000000000000000bb";
const c: Address = "0x00000000000000000000000000000000000000cc";

const started = (epoch: bigint, quorum = 2n): EpochManagerEvent => ({
  eventName: "EpochStarted",
  args: { epoch, quorum },
});
const vote = (
  epoch: bigint,
  worker: Address,
  verdict: number,
  subjectId = 1n,
  kind = 0,
): EpochManagerEvent => ({
  eventName: "Attested",
  args: { epoch, subjectId, worker, kind, verdict },
});
const finalized = (
  epoch: bigint,
  verdict: number,
  acceptVotes: number,
  rejectVotes: number,
  subjectId = 1n,
): EpochManagerEvent => ({
  eventName: "SubjectFinalized",
  args: { epoch, subjectId, kind: 0, verdict, acceptVotes, rejectVotes },
});
const heartbeat = (epoch: bigint, worker: Address, credited: boolean): EpochManagerEvent => ({
  eventName: "Heartbeat",
  args: { epoch, worker, credited },
});

describe("replayPoints", () => {
  it("scores the votes before quorum at finalization and a later vote at once", () => {
    const r = replayPoints(
      [
        started(1n),
        vote(1n, a, 1),
        vote(1n, b, 2),
        vote(1n, c, 1),
        finalized(1n, 1, 2, 1),
        vote(1n, "0x00000000000000000000000000000000000000dd", 2),
      ],
      rules,
    );
    expect(r.violations).toEqual([]);
    expect(r.workerEpochs.get(workerEpochKey(1n, a))).toEqual({
      points: 10n,
      agreements: 1,
      dissents: 0,
      heartbeats: 0,
    });
    expect(r.workerEpochs.get(workerEpochKey(1n, b))?.points).toBe(-20n);
    expect(
      r.workerEpochs.get(workerEpochKey(1n, "0x00000000000000000000000000000000000000DD"))?.dissents,
    ).toBe(1);
    expect(r.outcomes.get("0:1")).toEqual({ epoch: 1n, verdict: 1 });
  });

  it("gives nothing for a round that never reaches quorum, and decides again in the next epoch", () => {
    const r = replayPoints(
      [
        started(1n),
        vote(1n, a, 1),
        vote(1n, b, 2),
        started(2n),
        vote(2n, c, 2),
        vote(2n, a, 2),
        finalized(2n, 2, 0, 2),
      ],
      rules,
    );
    expect(r.violations).toEqual([]);
    expect(r.workerEpochs.get(workerEpochKey(1n, a))).toBeUndefined();
    expect(r.workerEpochs.get(workerEpochKey(2n, a))?.points).toBe(10n);
  });

  it("credits heartbeats only after an agreement in this or the previous epoch, without more dissents", () => {
    const r = replayPoints(
      [
        started(1n),
        heartbeat(1n, a, false),
        vote(1n, a, 1),
        vote(1n, b, 1),
        finalized(1n, 1, 2, 0),
        heartbeat(1n, a, true),
        started(2n),
        heartbeat(2n, a, true),
        heartbeat(2n, c, false),
      ],
      rules,
    );
    expect(r.violations).toEqual([]);
    expect(r.workerEpochs.get(workerEpochKey(1n, a))).toEqual({
      points: 11n,
      agreements: 1,
      dissents: 0,
      heartbeats: 2,
    });
    expect(r.workerEpochs.get(workerEpochKey(2n, a))?.points).toBe(1n);
  });

  it("reports events that break the rules", () => {
    const r = replayPoints(
      [
        started(1n),
        vote(1n, a, 1),
        finalized(1n, 1, 1, 0),
        vote(1n, b, 2, 2n),
        vote(1n, c, 2, 2n),
        heartbeat(1n, c, true),
        started(2n),
        vote(2n, b, 1),
      ],
      rules,
    );
    expect(r.violations).toEqual([
      "0:1 finalized in epoch 1 with 1 votes, quorum 2",
      "heartbeat of 0x00000000000000000000000000000000000000cc in epoch 1: credited true, rules say false",
      "0:1 attested in epoch 2 after it was decided in epoch 1",
      "0:2 reached quorum in epoch 1 but was not finalized",
    ]);
  });
});
