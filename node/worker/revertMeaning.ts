import { INCLUSION_TOO_LATE } from "./tx/txErrors.ts";

/**
 * What an EpochManager revert means for one of the worker's calls: the one rule for "already done", read by
 * the transaction submitter (a `done` revert in simulation ends the intent `satisfied`), by the call sender
 * (which reports it as `done`) and by the worker (which counts it as success, or ends the task `expired`).
 *
 * - `done`: the call's goal is already reached, e.g. it was sent before a crash and mined, or the chain holds
 *   it from an earlier run. Counted as success; nothing is sent.
 * - `expired`: the call's moment has passed (the subject was decided, the epoch moved on, the worker is no
 *   longer assigned or active). No later attempt can succeed; the task ends `expired`, not `failed`.
 * - `failed`: anything else the contract refuses: a real failure, logged and kept on the task.
 */
export type RevertMeaning = "done" | "expired" | "failed";

export const REVERT_MEANINGS: Readonly<Record<string, Exclude<RevertMeaning, "failed">>> = {
  AlreadyAttested: "done",
  AlreadyVotedPointsRoot: "done",
  AlreadyRegistered: "done",
  // One heartbeat per window: a second one in the same window means the first landed.
  HeartbeatTooSoon: "done",
  SubjectAlreadyFinalized: "expired",
  SubjectNotOpen: "expired",
  WrongEpoch: "expired",
  // The submitter's own refusal: the next block is past the call's last useful block (its epoch's end).
  [INCLUSION_TOO_LATE]: "expired",
  NotAssigned: "expired",
  NotActive: "expired",
};

export function revertMeaning(errorName: string | undefined): RevertMeaning {
  return (
    (errorName !== undefined && Object.hasOwn(REVERT_MEANINGS, errorName) && REVERT_MEANINGS[errorName]) ||
    "failed"
  );
}

/** The submitter's `isSatisfied`: a simulated revert that means the call already took effect. */
export const isAlreadyDone = (revert: { errorName: string }): boolean =>
  revertMeaning(revert.errorName) === "done";
