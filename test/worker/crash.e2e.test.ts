import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { lastLines, notYet, waitFor } from "../harness/waitFor.ts";
import { startWorkerStack, type WorkerProcess, type WorkerStack } from "./crashOutageStack.ts";

/**
 * Every durable step of a submission, in the order a task passes them (config/testHooks.ts): the
 * task row written, the check's report stored (`ready`), `submitting`, the attestation's intent simulated
 * and about to be signed, the signed transaction stored, sent, its receipt seen but not yet recorded,
 * and the task `confirmed`.
 */
const STEPS = [
  "task-created",
  "task-ready",
  "task-submitting",
  "tx:before-sign",
  "tx:after-persist-signed",
  "tx:after-broadcast",
  "tx:after-receipt-before-persist",
  "task-confirmed",
] as const;

// The chain, the indexer and the seeder are the file's (started by a hook); each test runs its worker in a home of
// its own (data dir and worker schema), so a test that fails or times out leaves no LevelDB lock or task row in
// the next one's way; the harness kills the processes it started.
let database: TestDatabase | undefined;
let stack: WorkerStack | undefined;
let activeFrom: bigint | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
  // Epochs longer than the walk's timeout (blocks come at most one a second): the walk happens inside one
  // epoch however slow the machine, so nothing expires under it. (At 600 blocks, the walk took 485 s in load mode.)
  stack = await startWorkerStack({ databaseUrl: database.url, epochLength: 1_200n });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await database?.drop();
});

/** Waits for `worker` to kill itself at its crash point; on anything else, says what it did instead. */
async function crashed(worker: WorkerProcess, step: string, signal: AbortSignal) {
  const { child } = worker;
  const exit = await waitFor(
    "olnode start to reach its crash point",
    () =>
      child.exitCode !== null || child.signalCode !== null
        ? { code: child.exitCode, signal: child.signalCode }
        : notYet(`olnode start (pid ${child.pid}) still running`),
    {
      timeoutMs: 120_000,
      signal,
      diagnose: () => lastLines("olnode start's output", worker.logs(), 40),
    },
  ).catch((error: Error) => error.message);
  expect(exit, `no crash at ${step}:\n${lastLines("olnode start's output", worker.logs(), 40)}`).toEqual({
    code: null,
    signal: "SIGKILL",
  });
}

/** The operator registered and active, and the indexer up: whichever test runs first makes it so. */
async function activeOperator(s: WorkerStack, home: string, signal: AbortSignal) {
  if (activeFrom !== undefined) return activeFrom;
  const worker = await s.startWorker({}, { home, signal });
  await waitFor(
    "the worker's registration",
    async () => {
      worker.alive();
      return (await s.registered()) || notYet("getWorker(operator).registered is false");
    },
    { timeoutMs: 120_000, diagnose: () => lastLines("olnode start's output", worker.logs(), 40) },
  );
  await worker.stop();
  activeFrom = await s.mineToNextEpoch();
  await s.startIndexer();
  return activeFrom;
}

describe("olnode start killed with SIGKILL at each step of a submission", () => {
  it("restarted on the same database and data dir, attests every subject exactly once", {
    // A budget, not a speed check: 485 s in load mode on 2 cores (nine starts of olnode start). Under the epoch.
    timeout: 1_080_000,
  }, async ({ signal }) => {
    const s = stack!;
    const home = "walk";
    const from = await activeOperator(s, home, signal);
    const subjects = [await s.contribute(1), await s.contribute(2), await s.contribute(3)];

    // Each run dies at its step; the next one resumes from what the last left and dies one step further
    // on (for the subject that crashed, or another one that got there first).
    for (const step of STEPS) {
      const worker = await s.startWorker({ OLNODE_TEST_CRASH_AT: step }, { home, signal });
      await crashed(worker, step, signal);
    }

    // The last restart has no crash point: it finishes whatever the crashes left.
    const worker = await s.startWorker({}, { home, signal });
    const done = await waitFor(
      "every task confirmed",
      async () => {
        worker.alive();
        const tasks = await s.tasks(home);
        return tasks.length === subjects.length && tasks.every((t) => t.status === "confirmed")
          ? tasks
          : notYet(`${subjects.length} confirmed tasks`, tasks);
      },
      {
        timeoutMs: 120_000,
        intervalMs: 250,
        diagnose: () => lastLines("olnode start's output", worker.logs(), 40),
      },
    );
    await worker.stop();

    // The chain's word: one Attested event per subject from this worker, and one attest transaction per
    // subject, none reverted (a second one would have been refused on-chain, but still sent and paid for).
    const attested = await s.attestations();
    expect(attested.map((a) => a.subjectId).sort()).toEqual([...subjects].sort());
    const sent = await s.attestTxs(from);
    expect(
      sent.map((t) => t.subjectId).sort(),
      JSON.stringify(sent, (_, v) => (typeof v === "bigint" ? String(v) : v)),
    ).toEqual([...subjects].sort());
    expect(sent.every((t) => t.success)).toBe(true);
    // The task table agrees with the chain: confirmed, in the epoch attested, with the hash that was mined.
    for (const a of attested) {
      const task = done.find((t) => BigInt(t.subject_id) === a.subjectId)!;
      expect(task).toMatchObject({
        kind: "0",
        status: "confirmed",
        epoch: String(a.epoch),
        tx_hash: a.txHash,
      });
    }
  });

  it("killed after sending, restarted only once its epoch is over: the task records the mined attestation", {
    timeout: 600_000,
  }, async ({ signal }) => {
    const s = stack!;
    const home = "late";
    await activeOperator(s, home, signal);
    // An epoch of its own (the walk may have used most of the last one), longer than this test's timeout; the
    // indexer restarted after the jump (a backfill, not an epoch of blocks one by one in realtime).
    await s.mineToNextEpoch();
    await s.startIndexer();
    const subject = await s.contribute(4);
    const crashing = await s.startWorker({ OLNODE_TEST_CRASH_AT: "tx:after-broadcast" }, { home, signal });
    await crashed(crashing, "tx:after-broadcast", signal);
    // Down across the epoch boundary: the transaction it sent is mined in the old epoch meanwhile. The indexer
    // restarted after the jump: it backfills an epoch of blocks at once instead of one by one in realtime.
    await s.mineToNextEpoch();
    await s.startIndexer();

    const worker = await s.startWorker({}, { home, signal });
    const [attestation] = (await s.attestations()).filter((a) => a.subjectId === subject);
    expect(attestation).toBeDefined();
    const task = await waitFor(
      "the old epoch's task to settle",
      async () => {
        worker.alive();
        const t = (await s.tasks(home)).find(
          (t) => BigInt(t.subject_id) === subject && t.epoch === String(attestation!.epoch),
        );
        return t && (t.status === "confirmed" || t.status === "expired" || t.status === "failed")
          ? t
          : notYet(`subject ${subject}'s task of epoch ${attestation!.epoch} settled`, t ?? "no such task");
      },
      {
        timeoutMs: 120_000,
        intervalMs: 250,
        diagnose: () => lastLines("olnode start's output", worker.logs(), 40),
      },
    );
    await worker.stop();
    expect(task).toMatchObject({ status: "confirmed", tx_hash: attestation!.txHash });
    expect((await s.attestations()).filter((a) => a.subjectId === subject)).toHaveLength(1);
  });
});
