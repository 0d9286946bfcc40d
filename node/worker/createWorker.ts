import { type Address, encodeFunctionData, type Hex, type PublicClient } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { isRetryable } from "../../config/errors/BaseError.ts";
import { firstLine } from "../../config/errors/firstLine.ts";
import { isAssigned } from "../../contracts/assignment.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import type { EpochPoints, Subject, SubjectSource } from "./subjects/subjectTypes.ts";
import type { CallSender, CheckResult, Task, TaskKey, TaskStore } from "./workerTypes.ts";

export type WorkerOptions = {
  /** OPEN (wei) staked at registration. */
  stake: bigint;
  /** libp2p peer id registered on-chain, so other nodes can find this worker's data. */
  peerId: string;
  /** Subjects checked at once. */
  concurrency: number;
  /** Open subjects read per tick. */
  subjectLimit: number;
  /** Fraction of the epoch after which a contribution still missing chunks is rejected as unavailable. */
  availabilityDeadline: number;
  /** Send heartbeats (only while `healthy()` says so). */
  heartbeats: boolean;
};

export const defaultWorkerOptions: Omit<WorkerOptions, "stake" | "peerId"> = {
  // Checks are CPU-bound (hashing, attribution) on a 2-core box; 4 keeps I/O waits overlapped.
  concurrency: 4,
  subjectLimit: 500,
  // Leave the last third of an epoch for other workers to reach quorum after us.
  availabilityDeadline: 2 / 3,
  heartbeats: true,
};

export type WorkerDependencies = {
  account: Address;
  epochManager: Address;
  publicClient: PublicClient;
  subjects: SubjectSource;
  tasks: TaskStore;
  sender: CallSender;
  checkContribution(subject: Extract<Subject, { kind: 0 }>, context: CheckContext): Promise<CheckResult>;
  checkInference(subject: Extract<Subject, { kind: 1 }>, context: CheckContext): Promise<CheckResult>;
  /** Node health for heartbeats: chain synced, p2p peered, index current. */
  healthy(): boolean;
  /** Sees each durable task transition (the kill -9 tests crash the process at one). */
  onStep?: (step: WorkerStep, key: TaskKey) => void | Promise<void>;
};

/** Points right after a task transition was made durable. */
export type WorkerStep = "task-created" | "task-ready" | "task-submitting" | "task-confirmed";

export type CheckContext = { epoch: bigint; pastDeadline: boolean };

export type WorkerStatus = {
  registered: boolean;
  active: boolean;
  epoch: bigint | undefined;
  tasks: Partial<Record<Task["status"], number>>;
  points: EpochPoints[];
  lastTickError: string | undefined;
  lastHeartbeatWindow: bigint | undefined;
};

export type Worker = {
  /** One pass: register, start the epoch, find assignments, check, attest, heartbeat. Never overlaps itself. */
  tick(): Promise<void>;
  status(): WorkerStatus;
  /** The canonical report this worker attested for a subject (served over HTTP for anyone to re-check). */
  report(key: TaskKey): Promise<Task | undefined>;
  stop(): Promise<void>;
};

const taskKeyString = (k: TaskKey) => `${k.epoch}:${k.kind}:${k.subjectId}`;

/**
 * The testnet point-earning worker. Every decision is recorded in the task table before it is acted on, and
 * every transaction goes through a sender that sends at most once per key, so a crash at any point resumes
 * where it stopped: a task found `ready` or `submitting` is submitted again under the same key (which returns
 * the earlier outcome instead of attesting twice), a `pending` one is checked again (checks are
 * deterministic, so the verdict is the same).
 */
export function createWorker(common: Common, deps: WorkerDependencies, options: WorkerOptions): Worker {
  const log = common.logger.child({ module: "worker" });
  const m = {
    ticks: common.metrics.counter("worker_ticks_total", "Worker passes", ["result"]),
    tasks: common.metrics.counter("worker_tasks_total", "Worker task transitions", ["kind", "to"]),
    attestations: common.metrics.counter("worker_attestations_total", "Attestations confirmed", [
      "kind",
      "verdict",
    ]),
    heartbeats: common.metrics.counter("worker_heartbeats_total", "Heartbeats confirmed"),
    points: common.metrics.gauge("worker_points", "This worker's points in the current epoch"),
  };
  const em = { address: deps.epochManager, abi: epochManagerAbi } as const;
  let constants: { genesis: bigint; length: bigint; k: bigint } | undefined;
  const state: WorkerStatus = {
    registered: false,
    active: false,
    epoch: undefined,
    tasks: {},
    points: [],
    lastTickError: undefined,
    lastHeartbeatWindow: undefined,
  };
  let running: Promise<void> | undefined;
  let stopped = false;

  const read = <T>(functionName: string, args: unknown[] = []) =>
    deps.publicClient.readContract({ ...em, functionName, args } as never) as Promise<T>;

  async function send(key: string, functionName: string, args: unknown[], value?: bigint, gas?: bigint) {
    const data = encodeFunctionData({ abi: epochManagerAbi, functionName, args } as never) as Hex;
    return deps.sender.send({
      key,
      to: deps.epochManager,
      data,
      ...(value ? { value } : {}),
      ...(gas ? { gas } : {}),
    });
  }

  // An attestation's gas depends on whether it is the vote that reaches quorum (finalization, scoring every
  // voter, a call into the registry or ledger), which an estimate made a block earlier cannot know. A fixed
  // ceiling well above the deciding vote's cost (contracts.gas bench) costs nothing: only gas used is paid.
  const ATTEST_GAS = 1_500_000n;

  async function ensureRegistered(): Promise<boolean> {
    const w = await read<{ registered: boolean; peerId: string }>("getWorker", [deps.account]);
    if (w.registered) {
      state.registered = true;
      return true;
    }
    log.info({ msg: "Registering worker", account: deps.account, stake: options.stake.toString() });
    const outcome = await send(`register:${deps.account}`, "register", [options.peerId], options.stake);
    if (outcome.status === "failed" && outcome.errorName !== "AlreadyRegistered") {
      throw new Error(`Registration failed: ${outcome.error}`);
    }
    state.registered = true;
    return true;
  }

  async function ensureEpoch(epoch: bigint) {
    const info = await read<{ started: boolean }>("getEpoch", [epoch]);
    if (info.started) return;
    // Anyone may seed an epoch; the first caller pays. Idempotent by key; a race with another worker reverts
    // harmlessly in simulation and is not sent.
    const outcome = await send(`start-epoch:${epoch}`, "startEpoch", []);
    if (outcome.status === "failed") log.debug({ msg: "startEpoch not sent", epoch, error: outcome.error });
  }

  async function check(
    subject: Subject,
    ctx: { epoch: bigint; pastDeadline: boolean },
  ): Promise<CheckResult> {
    return subject.kind === 0 ? deps.checkContribution(subject, ctx) : deps.checkInference(subject, ctx);
  }

  /** Drives one task as far as it can go now. */
  async function processTask(task: Task, pastDeadline: boolean) {
    const key: TaskKey = { epoch: task.epoch, kind: task.kind, subjectId: task.subjectId };
    let current = task;
    if (current.status === "pending" || current.status === "validating") {
      const subject = await deps.subjects.subject(task.kind, task.subjectId);
      if (!subject) return;
      const result = await check(subject, { epoch: task.epoch, pastDeadline });
      if (result.kind === "wait") {
        await deps.tasks.update(key, { attempts: current.attempts + 1, error: result.reason });
        return;
      }
      if (result.kind === "abstain") {
        log.warn({ msg: "Abstaining", ...strKey(key), reason: result.reason });
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
        ...strKey(key),
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
    if (current.status === "ready" || current.status === "submitting" || current.status === "submitted") {
      await deps.tasks.update(key, { status: "submitting" });
      await deps.onStep?.("task-submitting", key);
      const outcome = await send(
        `attest:${taskKeyString(key)}`,
        "attest",
        [key.epoch, key.kind, key.subjectId, current.verdict!, current.score!, current.reportHash!],
        undefined,
        ATTEST_GAS,
      );
      if (outcome.status === "confirmed" || outcome.errorName === "AlreadyAttested") {
        await deps.tasks.update(key, { status: "confirmed", txHash: outcome.txHash ?? null, error: null });
        m.tasks.inc({ kind: String(task.kind), to: "confirmed" });
        await deps.onStep?.("task-confirmed", key);
        m.attestations.inc({ kind: String(task.kind), verdict: String(current.verdict) });
        log.info({ msg: "Attested", ...strKey(key), verdict: current.verdict, tx: outcome.txHash });
        return;
      }
      const terminal = [
        "SubjectAlreadyFinalized",
        "SubjectNotOpen",
        "WrongEpoch",
        "NotAssigned",
        "NotActive",
      ];
      const status = outcome.errorName && terminal.includes(outcome.errorName) ? "expired" : "failed";
      await deps.tasks.update(key, { status, error: outcome.error, txHash: outcome.txHash ?? null });
      m.tasks.inc({ kind: String(task.kind), to: status });
      log.warn({ msg: "Attestation not recorded", ...strKey(key), status, error: outcome.error });
    }
  }

  const strKey = (k: TaskKey) => ({
    epoch: k.epoch.toString(),
    kind: k.kind,
    subject: k.subjectId.toString(),
  });

  /** `proceed` is asked before each further item: false ends the pool (items not begun are left as they are). */
  async function runPool<T>(items: T[], fn: (item: T) => Promise<void>, proceed?: () => Promise<boolean>) {
    let next = 0;
    let ended = false;
    const lanes = Array.from({ length: Math.min(options.concurrency, items.length) }, async () => {
      while (next < items.length && !ended && !stopped && !common.shutdown.signal.aborted) {
        if (proceed && next > 0 && !(await proceed())) {
          ended = true;
          break;
        }
        if (next >= items.length) break;
        const item = items[next++]!;
        try {
          await fn(item);
        } catch (error) {
          // A step cut short by shutdown is resumed from its task row at the next start: not an error.
          if (stopped || common.shutdown.signal.aborted)
            log.debug({ msg: "Task step stopped", error: firstLine(error) });
          else if (!isRetryable(error)) log.error({ msg: "Task step failed", error });
          else log.warn({ msg: "Task step will be retried", error: firstLine(error) });
        }
      }
    });
    await Promise.all(lanes);
  }

  async function heartbeat(head: bigint, epoch: bigint) {
    if (!options.heartbeats || !deps.healthy()) return;
    const params = await read<{ heartbeatWindowBlocks: number }>("params");
    const windowLength = BigInt(params.heartbeatWindowBlocks);
    if (windowLength === 0n) return;
    const window = (head - constants!.genesis) / windowLength;
    if (state.lastHeartbeatWindow !== undefined && state.lastHeartbeatWindow >= window) return;
    const w = await read<{ lastHeartbeatWindow: bigint }>("getWorker", [deps.account]);
    if (BigInt(w.lastHeartbeatWindow) >= window && BigInt(w.lastHeartbeatWindow) !== 0n) {
      state.lastHeartbeatWindow = BigInt(w.lastHeartbeatWindow);
      return;
    }
    const outcome = await send(`heartbeat:${window}`, "heartbeat", []);
    if (outcome.status === "confirmed" || outcome.errorName === "HeartbeatTooSoon") {
      state.lastHeartbeatWindow = window;
      if (outcome.status === "confirmed") m.heartbeats.inc();
    } else {
      log.debug({ msg: "Heartbeat not sent", epoch: epoch.toString(), error: outcome.error });
    }
  }

  async function currentEpoch(): Promise<bigint> {
    const head = await deps.publicClient.getBlockNumber({ cacheTime: 0 });
    return head < constants!.genesis ? -1n : (head - constants!.genesis) / constants!.length;
  }

  async function tickOnce() {
    if (!constants) {
      const [genesis, length] = await Promise.all([
        read<bigint>("genesisBlock"),
        read<bigint>("epochLength"),
      ]);
      constants = { genesis, length, k: 0n };
    }
    await ensureRegistered();
    const head = await deps.publicClient.getBlockNumber({ cacheTime: 0 });
    if (head < constants.genesis) return;
    const epoch = (head - constants.genesis) / constants.length;
    const intoEpoch = head - constants.genesis - epoch * constants.length;
    const pastDeadline = Number(intoEpoch) >= Number(constants.length) * options.availabilityDeadline;
    if (state.epoch !== epoch) log.info({ msg: "Epoch", epoch: epoch.toString(), head: head.toString() });
    state.epoch = epoch;
    // A past epoch's attestation may have been sent before a crash or an outage and mined in time: only
    // its transaction can say (the same key returns the same outcome: confirmed, or refused as too late).
    const sent = await deps.tasks.sentBefore(epoch);
    if (sent.length) {
      log.info({ msg: "Settling attestations sent in past epochs", count: sent.length });
      await runPool(sent, async (t) => {
        try {
          await processTask(t, true);
        } catch (error) {
          // Retried next pass when retryable; otherwise no later pass can do better, and the epoch is over.
          if (!isRetryable(error)) {
            await deps.tasks.update(t, { status: "failed", error: firstLine(error) });
          }
          throw error;
        }
      });
    }
    const expired = await deps.tasks.expireBefore(epoch);
    if (expired) log.info({ msg: "Expired unfinished tasks of past epochs", count: expired });

    const active = await read<boolean>("isActive", [deps.account, epoch]);
    state.active = active;
    if (active) {
      await ensureEpoch(epoch);
      const [seed, activeWorkers, threshold] = await read<[Hex, bigint, bigint, bigint]>("assignmentOf", [
        epoch,
      ]);
      const subjects = await deps.subjects.openSubjects(options.subjectLimit);
      let fresh = 0;
      for (const s of subjects) {
        if (isAssigned({ seed, kind: s.kind, subjectId: s.id, worker: deps.account, threshold })) {
          const key: TaskKey = { epoch, kind: s.kind, subjectId: s.id };
          if (await deps.tasks.ensure(key)) {
            fresh++;
            await deps.onStep?.("task-created", key);
          }
        }
      }
      if (fresh)
        log.info({
          msg: "New assignments",
          epoch: epoch.toString(),
          count: fresh,
          activeWorkers: activeWorkers.toString(),
        });
      const todo = await deps.tasks.list(epoch, [
        "pending",
        "validating",
        "ready",
        "submitting",
        "submitted",
      ]);
      // A pass belongs to the epoch it began in: once the chain has moved on, whatever is left of it could only
      // be refused (WrongEpoch). A pass longer than the time left in its epoch (a busy machine, many subjects)
      // therefore stops at the boundary, so that the next one begins early in the new epoch; run to the end, it
      // would keep the worker a whole epoch behind, checking and attesting for epochs already over, for good.
      let onEpoch = true;
      await runPool(
        todo,
        (t) => processTask(t, pastDeadline),
        // An RPC hiccup here is no reason to stop: the pass goes on, as it would have without this check.
        async () => (onEpoch &&= (await currentEpoch().catch(() => epoch)) === epoch),
      );
      if (onEpoch) await heartbeat(head, epoch);
      else
        log.info({
          msg: "Epoch ended during the pass; its unfinished tasks expire",
          epoch: epoch.toString(),
        });
    }
    state.tasks = await deps.tasks.counts(epoch);
    try {
      state.points = await deps.subjects.points(deps.account, 5);
      const now = state.points.find((p) => p.epoch === epoch);
      m.points.set(Number(now?.points ?? 0n));
    } catch (error) {
      log.debug({ msg: "Points not readable yet", error: firstLine(error) });
    }
  }

  return {
    tick() {
      if (stopped) return Promise.resolve();
      running ??= tickOnce()
        .then(() => {
          state.lastTickError = undefined;
          m.ticks.inc({ result: "ok" });
        })
        .catch((error) => {
          state.lastTickError = firstLine(error);
          m.ticks.inc({ result: "error" });
          (isRetryable(error) ? log.warn : log.error).call(log, {
            msg: "Worker pass failed",
            error: state.lastTickError,
          });
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    },
    status: () => ({ ...state }),
    report: (key) => deps.tasks.get(key),
    async stop() {
      stopped = true;
      // An in-flight pass stops at its next step (shutdown aborts the submitter's waits); every step is
      // durable, so not waiting for it loses nothing.
      await Promise.race([running, new Promise((r) => setTimeout(r, 5_000).unref())]);
    },
  };
}
