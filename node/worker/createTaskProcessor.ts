import type { Address } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { firstLine } from "../../config/errors/firstLine.ts";
import { attestCall } from "../../contracts/actions/attest.ts";
import { sendThenSettle } from "./sendThenSettle.ts";
import type { Subject, SubjectSource } from "./subjects/subjectTypes.ts";
import type { CallOutcome, CallSender, CheckResult, Task, TaskKey, TaskStore } from "./workerTypes.ts";

export type CheckContext = { epoch: bigint; pastDeadline: boolean };

/** Points right after a task transition was made durable. */
export type WorkerStep = "task-created" | "task-ready" | "task-submitting" | "task-confirmed";

export type TaskProcessorDependencies = {
  epochManager: Address;
  subjects: SubjectSource;
  tasks: TaskStore;
  sender: CallSender;
  checkContribution(subject: Extract<Subject, { kind: 0 }>, context: CheckContext): Promise<CheckResult>;
  checkInference(subject: Extract<Subject, { kind: 1 }>, context: CheckContext): Promise<CheckResult>;
  /** Sees each durable task transition (the kill -9 tests crash the process at one). */
  onStep?: (step: WorkerStep, key: TaskKey) => void | Promise<void>;
};

export type TaskProcessor = {
  /**
   * Drives one task as far as it can go now: check, persist the verdict, attest. Resolves once the
   * attestation is broadcast; its confirmation settles the task in the background (`settling`), so a slow
   * confirmation never holds up the next subject. `lastBlock` is the last block of the task's epoch: an
   * attestation that could only land after it is not sent (the task expires).
   */
  process(task: Task, context: { pastDeadline: boolean; lastBlock: bigint }): Promise<void>;
  /** Attestations broadcast and not yet settled. */
  settling(): number;
  /** Resolves when every attestation broadcast so far has settled (tests, shutdown). */
  drain(): Promise<void>;
};

export const taskKeyString = (k: TaskKey) => `${k.epoch}:${k.kind}:${k.subjectId}`;

export const logKey = (k: TaskKey) => ({
  epoch: k.epoch.toString(),
  kind: k.kind,
  subject: k.subjectId.toString(),
});

// An attestation's gas depends on whether it is the vote that reaches quorum (finalization, scoring every
// voter, a call into the registry or ledger), which an estimate made a block earlier cannot know. A fixed
// ceiling well above the deciding vote's cost (contracts.gas bench) costs nothing: only gas used is paid.
const ATTEST_GAS = 1_500_000n;

/**
 * One task's way from `pending` to `confirmed`, `expired` or `failed`. Each decision is written to the task
 * row before it is acted on, and the attestation goes out under the task's own key, so a task found `ready`
 * or `submitting` after a crash is submitted again under the same key (which returns the earlier outcome
 * instead of attesting twice), and a `pending` one is checked again (checks are deterministic).
 */
export function createTaskProcessor(common: Common, deps: TaskProcessorDependencies): TaskProcessor {
  const log = common.logger.child({ module: "worker" });
  const m = {
    tasks: common.metrics.counter("worker_tasks_total", "Worker task transitions", ["kind", "to"]),
    attestations: common.metrics.counter("worker_attestations_total", "Attestations confirmed", [
      "kind",
      "verdict",
    ]),
  };

  // Attestations broadcast and awaiting their confirmations, by task key.
  const inFlight = new Map<string, Promise<void>>();

  async function check(subject: Subject, context: CheckContext): Promise<CheckResult> {
    return subject.kind === 0
      ? deps.checkContribution(subject, context)
      : deps.checkInference(subject, context);
  }

  async function process(task: Task, context: { pastDeadline: boolean; lastBlock: bigint }) {
    const key: TaskKey = { epoch: task.epoch, kind: task.kind, subjectId: task.subjectId };
    let current = task;
    if (current.status === "pending") {
      const subject = await deps.subjects.subject(task.kind, task.subjectId);
      if (!subject) return;
      const result = await check(subject, { epoch: task.epoch, pastDeadline: context.pastDeadline });
      if (result.kind === "wait") {
        await deps.tasks.update(key, { attempts: current.attempts + 1, error: result.reason });
        return;
      }
      if (result.kind === "abstain") {
        log.warn({ msg: "Abstaining", ...logKey(key), reason: result.reason });
        await deps.tasks.update(key, { status: "failed", error: `abstained: ${result.reason}` });
        m.tasks.inc({ kind: String(task.kind), to: "failed" });
        return;
      }
      // Persist the verdict and its report before anything is sent: the report is what we answer for.
      await deps.tasks.update(key, {
        status: "ready",
        verdict: result.verdict,
        score: result.score,
        report: result.report,
        reportHash: result.reportHash,
        attempts: current.attempts + 1,
        error: null,
      });
      m.tasks.inc({ kind: String(task.kind), to: "ready" });
      await deps.onStep?.("task-ready", key);
      log.info({
        msg: "Checked",
        ...logKey(key),
        verdict: result.verdict,
        score: result.score,
        summary: result.summary,
      });
      current = {
        ...current,
        status: "ready",
        verdict: result.verdict,
        score: result.score,
        reportHash: result.reportHash,
      };
    }
    if (current.status !== "ready" && current.status !== "submitting") return;
    const id = taskKeyString(key);
    // Already out and settling in the background: its confirmation will settle the task.
    if (inFlight.has(id)) return;
    await deps.tasks.update(key, { status: "submitting" });
    await deps.onStep?.("task-submitting", key);
    const attested = current;
    let movedOn = false;
    const { out, settled } = sendThenSettle(
      deps.sender,
      {
        key: `attest:${id}`,
        call: attestCall({
          address: deps.epochManager,
          epoch: key.epoch,
          kind: key.kind,
          subjectId: key.subjectId,
          verdict: attested.verdict!,
          score: attested.score!,
          resultHash: attested.reportHash!,
        }),
        gas: ATTEST_GAS,
        includeBy: context.lastBlock,
      },
      (outcome) => settle(key, attested, outcome),
    );
    const tracked = settled
      .catch((error) => {
        // Before the caller moved on, the caller sees the error itself; after, only this log does. The task
        // stays `submitting` and the next pass resumes it under the same key.
        if (movedOn)
          log.warn({
            msg: "Attestation not settled; resumed next pass",
            ...logKey(key),
            error: firstLine(error),
          });
      })
      .finally(() => inFlight.delete(id));
    inFlight.set(id, tracked);
    await out;
    movedOn = true;
  }

  async function settle(key: TaskKey, current: Task, outcome: CallOutcome) {
    if (outcome.status === "confirmed" || outcome.status === "done") {
      const txHash = outcome.status === "confirmed" ? outcome.txHash : null;
      await deps.tasks.update(key, { status: "confirmed", txHash, error: null });
      m.tasks.inc({ kind: String(key.kind), to: "confirmed" });
      await deps.onStep?.("task-confirmed", key);
      m.attestations.inc({ kind: String(key.kind), verdict: String(current.verdict) });
      log.info({ msg: "Attested", ...logKey(key), verdict: current.verdict, tx: txHash ?? undefined });
      return;
    }
    const txHash = outcome.status === "failed" ? (outcome.txHash ?? null) : null;
    await deps.tasks.update(key, { status: outcome.status, error: outcome.error, txHash });
    m.tasks.inc({ kind: String(key.kind), to: outcome.status });
    log.warn({
      msg: "Attestation not recorded",
      ...logKey(key),
      status: outcome.status,
      error: outcome.error,
    });
  }

  return {
    process,
    settling: () => inFlight.size,
    async drain() {
      while (inFlight.size) await Promise.all(inFlight.values());
    },
  };
}
