import type { Hex } from "viem";
import type { ProtocolCall } from "../../contracts/actions/protocolCall.ts";
import type { SubjectKind } from "../../contracts/enums/subjectKind.ts";
import type { Verdict } from "../../contracts/enums/verdict.ts";

import type { TaskStatus } from "./db/workerDatabase.ts";

export type { TaskStatus };

/** One row per (epoch, kind, subject) this worker is assigned. */
export type Task = {
  epoch: bigint;
  kind: SubjectKind;
  subjectId: bigint;
  status: TaskStatus;
  attempts: number;
  verdict: Verdict | null;
  score: number | null;
  reportHash: Hex | null;
  report: Uint8Array | null;
  txHash: Hex | null;
  error: string | null;
};

export type TaskKey = { epoch: bigint; kind: SubjectKind; subjectId: bigint };

/** Durable task state (Postgres, worker schema). */
export type TaskStore = {
  /** Inserts the task as pending unless it exists; returns true when it was new. */
  ensure(key: TaskKey): Promise<boolean>;
  get(key: TaskKey): Promise<Task | undefined>;
  list(epoch: bigint, statuses: readonly TaskStatus[]): Promise<Task[]>;
  update(key: TaskKey, patch: Partial<Omit<Task, "epoch" | "kind" | "subjectId">>): Promise<void>;
  /**
   * Marks tasks of epochs before `epoch` that never got as far as a transaction (pending, ready) expired:
   * their epoch is over. Returns how many.
   */
  expireBefore(epoch: bigint): Promise<number>;
  /** Tasks of epochs before `epoch` whose attestation may have been sent (submitting). */
  sentBefore(epoch: bigint): Promise<Task[]>;
  counts(epoch: bigint): Promise<Partial<Record<TaskStatus, number>>>;
};

/** What a check of a subject concluded, ready to attest. `report` is canonical bytes; `reportHash` their hash. */
export type CheckResult =
  | { kind: "done"; verdict: Verdict; score: number; report: Uint8Array; reportHash: Hex; summary: string }
  /** Not decidable yet (data still arriving): try again later, before the epoch's deadline. */
  | { kind: "wait"; reason: string }
  /** This worker cannot decide honestly (e.g. it lacks the corpus): do not attest rather than guess. */
  | { kind: "abstain"; reason: string };

/**
 * How one of the worker's calls ended, settled by the one revert rule (`revertMeaning.ts`): `done` when the
 * contract says its goal was already reached, `expired` when its moment has passed, `failed` otherwise
 * (including a transaction mined but reverted).
 */
export type CallOutcome =
  | { status: "confirmed"; txHash: Hex }
  | { status: "done"; errorName: string }
  | { status: "expired"; error: string; errorName: string }
  | { status: "failed"; txHash?: Hex; error: string; errorName?: string };

/** Sends a contract call (a typed action's `…Call()`) at most once per key, across crashes and restarts. */
export type CallSender = {
  send(request: {
    key: string;
    call: ProtocolCall;
    gas?: bigint;
    /** The last block the call is of use in: not sent when the next block is past it (`expired`). */
    includeBy?: bigint;
    /** Called once the transaction is broadcast, before the outcome waits for its confirmations. */
    onSent?: () => void;
  }): Promise<CallOutcome>;
};
