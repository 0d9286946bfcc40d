import { setTimeout as sleep } from "node:timers/promises";
import type { Address, Hex, PublicClient } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { isRetryable } from "../../config/errors/BaseError.ts";
import { firstLine } from "../../config/errors/firstLine.ts";
import { registerWorkerCall } from "../../contracts/actions/registerWorker.ts";
import { startEpochCall } from "../../contracts/actions/startEpoch.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { assignTasks } from "./assignTasks.ts";
import { createHeartbeats } from "./createHeartbeats.ts";
import { createPointsRootVoter } from "./createPointsRootVoter.ts";
import {
  createTaskProcessor,
  type TaskProcessorDependencies,
  type WorkerStep,
} from "./createTaskProcessor.ts";
import { sendThenSettle } from "./sendThenSettle.ts";
import type { EpochPoints } from "./subjects/subjectTypes.ts";
import type { Task, TaskKey } from "./workerTypes.ts";

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
  /** How long a pass waits for the index to reach its head (before it creates no tasks this time), or for its startEpoch to be mined. */
  indexWaitMs: number;
};

export const defaultWorkerOptions: Omit<WorkerOptions, "stake" | "peerId"> = {
  // Checks are CPU-bound (hashing, attribution) on a 2-core box; 4 keeps I/O waits overlapped.
  concurrency: 4,
  subjectLimit: 500,
  // Leave the last third of an epoch for other workers to reach quorum after us.
  availabilityDeadline: 2 / 3,
  heartbeats: true,
  // Ponder follows the head within a polling interval (1 s on the devnet): two cover one missed poll; more
  // would hold up the pass's other tasks when the indexer is down.
  indexWaitMs: 2_000,
};

export type WorkerDependencies = Omit<TaskProcessorDependencies, "onStep"> & {
  account: Address;
  publicClient: PublicClient;
  /** Node health for heartbeats: chain synced, p2p peered, index current. */
  healthy(): boolean;
  /** Sees each durable task transition (the kill -9 tests crash the process at one). */
  onStep?: (step: WorkerStep, key: TaskKey) => void | Promise<void>;
};

/**
 * Whether the last pass could create tasks: only from an index that has reached the head the pass follows,
 * else subjects already decided on-chain look open and their task rows are wasted.
 */
export type WorkerIndexStatus = {
  /** The last block the index holds, undefined when it cannot be read (the indexer's tables are missing). */
  indexedBlock: bigint | undefined;
  /** The head the pass followed. */
  head: bigint;
  /** True when `indexedBlock >= head`: tasks were created from it. */
  current: boolean;
};

export type WorkerStatus = {
  registered: boolean;
  active: boolean;
  epoch: bigint | undefined;
  tasks: Partial<Record<Task["status"], number>>;
  /** Attestations broadcast whose confirmations are still awaited (settled in the background). */
  settling: number;
  /** The index the last pass read its subjects from (undefined before the first). */
  index: WorkerIndexStatus | undefined;
  points: EpochPoints[];
  lastTickError: string | undefined;
  lastHeartbeatWindow: bigint | undefined;
};

export type Worker = {
  /**
   * One pass: register, start the epoch, find assignments, check, attest, heartbeat, vote ended epochs' points
   * roots. Never overlaps itself.
   */
  tick(): Promise<void>;
  status(): WorkerStatus;
  /** The canonical report this worker attested for a subject (served over HTTP for anyone to re-check). */
  report(key: TaskKey): Promise<Task | undefined>;
  stop(): Promise<void>;
};

/**
 * The testnet point-earning worker: the pass that drives its parts. Registration and the epoch's seed here;
 * which subjects are this worker's in `assignTasks.ts`; each task's check and attestation in
 * `createTaskProcessor.ts`; heartbeats in `createHeartbeats.ts`. Every decision is recorded in the task table
 * before it is acted on and every transaction goes through a sender that sends at most once per key, so a
 * crash at any point resumes where it stopped.
 */
export function createWorker(common: Common, deps: WorkerDependencies, options: WorkerOptions): Worker {
  const log = common.logger.child({ module: "worker" });
  const m = {
    ticks: common.metrics.counter("worker_ticks_total", "Worker passes", ["result"]),
    points: common.metrics.gauge("worker_points", "This worker's points in the current epoch"),
  };
  const processor = createTaskProcessor(common, deps);
  const heartbeats = createHeartbeats(common, deps);
  const pointsRoots = createPointsRootVoter(common, deps);
  const em = { address: deps.epochManager, abi: epochManagerAbi } as const;
  let constants: { genesis: bigint; length: bigint } | undefined;
  const state: Omit<WorkerStatus, "lastHeartbeatWindow" | "settling"> = {
    registered: false,
    active: false,
    epoch: undefined,
    tasks: {},
    index: undefined,
    points: [],
    lastTickError: undefined,
  };
  let running: Promise<void> | undefined;
  let stopped = false;

  const read = <T>(functionName: string, args: unknown[] = []) =>
    deps.publicClient.readContract({ ...em, functionName, args } as never) as Promise<T>;

  async function ensureRegistered() {
    const w = await read<{ registered: boolean }>("getWorker", [deps.account]);
    if (!w.registered) {
      log.info({ msg: "Registering worker", account: deps.account, stake: options.stake.toString() });
      const outcome = await deps.sender.send({
        key: `register:${deps.account}`,
        call: registerWorkerCall({
          address: deps.epochManager,
          peerId: options.peerId,
          stake: options.stake,
        }),
      });
      if (outcome.status !== "confirmed" && outcome.status !== "done")
        throw new Error(`Registration failed: ${outcome.error}`);
    }
    state.registered = true;
  }

  async function ensureEpoch(epoch: bigint) {
    const info = await read<{ started: boolean }>("getEpoch", [epoch]);
    if (info.started) return;
    // Anyone may seed an epoch; the first caller pays. Idempotent by key; a race with another worker reverts
    // harmlessly in simulation and is not sent.
    // Not waited for beyond its block: the seed is readable once it is mined, and the confirmations settle in
    // the background like an attestation's.
    const { out, settled } = sendThenSettle(
      deps.sender,
      { key: `start-epoch:${epoch}`, call: startEpochCall({ address: deps.epochManager }) },
      async (outcome) => {
        if (outcome.status !== "confirmed" && outcome.status !== "done")
          log.debug({ msg: "startEpoch not sent", epoch, error: outcome.error });
      },
    );
    settled.catch((error) => log.debug({ msg: "startEpoch not settled", error: firstLine(error) }));
    await out;
    const until = Date.now() + options.indexWaitMs;
    while (!(await read<{ started: boolean }>("getEpoch", [epoch])).started) {
      if (Date.now() >= until || stopped) break;
      await sleep(200);
    }
  }

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

  /** A past epoch's attestation may have been sent before a crash or an outage and mined in time. */
  async function settlePastEpochs(epoch: bigint) {
    // Only its transaction can say: the same key returns the same outcome (confirmed, or refused as too late).
    const sent = await deps.tasks.sentBefore(epoch);
    if (sent.length) {
      log.info({ msg: "Settling attestations sent in past epochs", count: sent.length });
      await runPool(sent, async (t) => {
        try {
          await processor.process(t, { pastDeadline: true, lastBlock: lastBlockOf(t.epoch) });
        } catch (error) {
          // Retried next pass when retryable; otherwise no later pass can do better, and the epoch is over.
          if (!isRetryable(error)) await deps.tasks.update(t, { status: "failed", error: firstLine(error) });
          throw error;
        }
      });
    }
    const expired = await deps.tasks.expireBefore(epoch);
    if (expired) log.info({ msg: "Expired unfinished tasks of past epochs", count: expired });
  }

  /** The last block of an epoch: an attestation for it must be included by then. */
  const lastBlockOf = (epoch: bigint) => constants!.genesis + (epoch + 1n) * constants!.length - 1n;

  /**
   * Waits up to `indexWaitMs` for the index to reach `head`. An index behind it (catching up, or its indexer
   * down) still shows subjects decided since as open: tasks are created only from one that has reached it.
   */
  async function indexAt(head: bigint): Promise<WorkerIndexStatus> {
    const until = Date.now() + options.indexWaitMs;
    for (;;) {
      const indexedBlock = await deps.subjects.indexedBlock().catch(() => undefined);
      if (indexedBlock !== undefined && indexedBlock >= head) return { indexedBlock, head, current: true };
      if (Date.now() >= until || stopped || common.shutdown.signal.aborted)
        return { indexedBlock, head, current: false };
      await sleep(Math.min(200, Math.max(1, until - Date.now())));
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
      constants = { genesis, length };
    }
    await ensureRegistered();
    const head = await deps.publicClient.getBlockNumber({ cacheTime: 0 });
    if (head < constants.genesis) return;
    const epoch = (head - constants.genesis) / constants.length;
    const intoEpoch = head - constants.genesis - epoch * constants.length;
    const pastDeadline = Number(intoEpoch) >= Number(constants.length) * options.availabilityDeadline;
    if (state.epoch !== epoch) log.info({ msg: "Epoch", epoch: epoch.toString(), head: head.toString() });
    state.epoch = epoch;
    await settlePastEpochs(epoch);

    state.active = await read<boolean>("isActive", [deps.account, epoch]);
    if (state.active) {
      await ensureEpoch(epoch);
      const [seed, activeWorkers, threshold] = await read<[Hex, bigint, bigint, bigint]>("assignmentOf", [
        epoch,
      ]);
      state.index = await indexAt(head);
      const fresh = state.index.current
        ? await assignTasks({
            epoch,
            seed,
            threshold,
            worker: deps.account,
            subjects: await deps.subjects.openSubjects(options.subjectLimit),
            tasks: deps.tasks,
            onCreated: (key) => deps.onStep?.("task-created", key),
          })
        : 0;
      if (!state.index.current)
        log.info({
          msg: "Index behind the head; no new tasks this pass",
          indexedBlock: state.index.indexedBlock?.toString(),
          head: head.toString(),
        });
      if (fresh)
        log.info({
          msg: "New assignments",
          epoch: epoch.toString(),
          count: fresh,
          activeWorkers: activeWorkers.toString(),
        });
      const todo = await deps.tasks.list(epoch, ["pending", "ready", "submitting"]);
      // A pass belongs to the epoch it began in: once the chain has moved on, whatever is left of it could only
      // be refused (WrongEpoch). A pass longer than the time left in its epoch (a busy machine, many subjects)
      // therefore stops at the boundary, so that the next one begins early in the new epoch; run to the end, it
      // would keep the worker a whole epoch behind, checking and attesting for epochs already over, for good.
      let onEpoch = true;
      await runPool(
        todo,
        (t) => processor.process(t, { pastDeadline, lastBlock: lastBlockOf(epoch) }),
        // An RPC hiccup here is no reason to stop: the pass goes on, as it would have without this check.
        async () => (onEpoch &&= (await currentEpoch().catch(() => epoch)) === epoch),
      );
      if (!onEpoch)
        log.info({
          msg: "Epoch ended during the pass; its unfinished tasks expire",
          epoch: epoch.toString(),
        });
      else if (options.heartbeats) await heartbeats.beat(head, constants.genesis);
      // Ended epochs' points roots, rebuilt and voted: after the tasks, which have a deadline; these do not.
      try {
        await pointsRoots.vote(epoch, constants);
      } catch (error) {
        (isRetryable(error) ? log.warn : log.error).call(log, {
          msg: "Points-root votes failed; retried next pass",
          error: firstLine(error),
        });
      }
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
    status: () => ({
      ...state,
      settling: processor.settling(),
      lastHeartbeatWindow: heartbeats.lastWindow(),
    }),
    report: (key) => deps.tasks.get(key),
    async stop() {
      stopped = true;
      // An in-flight pass stops at its next step (shutdown aborts the submitter's waits); every step is
      // durable, so not waiting for it loses nothing.
      await Promise.race([running, new Promise((r) => setTimeout(r, 5_000).unref())]);
    },
  };
}
