import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { waitFor } from "../harness/waitFor.ts";
import { startWorkerStack, type WorkerStack } from "./crashOutageStack.ts";

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

let database: TestDatabase | undefined;
let stack: WorkerStack | undefined;
afterAll(async () => {
  await stack?.stop();
  await database?.drop();
});

describe("olnode start killed with SIGKILL at each step of a submission", () => {
  it("restarted on the same database and data dir, attests every subject exactly once", async () => {
    database = await createTestDatabase();
    // Long epochs: the whole walk happens inside one, so nothing expires under it.
    stack = await startWorkerStack({ databaseUrl: database.url, epochLength: 600n });
    const s = stack;
    let subjects: bigint[] = [];

    // Each run dies at its step; the next one resumes from what the last left and dies one step further
    // on (for the subject that crashed, or another one that got there first).
    let activeFrom: bigint | undefined;
    for (const step of STEPS) {
      const worker = await s.startWorker({ OLNODE_TEST_CRASH_AT: step });
      if (activeFrom === undefined) {
        await waitFor(
          "the worker's registration",
          async () => {
            worker.alive();
            return s.registered();
          },
          { timeoutMs: 60_000 },
        );
        activeFrom = await s.mineToNextEpoch();
        await s.startIndexer();
        subjects = [await s.contribute(1), await s.contribute(2), await s.contribute(3)];
      }
      const exit = await Promise.race([
        worker.exited,
        new Promise<undefined>((r) => setTimeout(r, 90_000, undefined)),
      ]);
      expect(exit, `no crash at ${step}:\n${worker.logs().slice(-6000)}`).toEqual({
        code: null,
        signal: "SIGKILL",
      });
    }

    // The last restart has no crash point: it finishes whatever the crashes left.
    const worker = await s.startWorker();
    const done = await waitFor(
      "every task confirmed",
      async () => {
        worker.alive();
        const tasks = await s.tasks();
        return tasks.length === subjects.length && tasks.every((t) => t.status === "confirmed")
          ? tasks
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    await worker.stop();

    // The chain's word: one Attested event per subject from this worker, and one attest transaction per
    // subject, none reverted (a second one would have been refused on-chain, but still sent and paid for).
    const attested = await s.attestations();
    expect(attested.map((a) => a.subjectId).sort()).toEqual([...subjects].sort());
    const sent = await s.attestTxs(activeFrom!);
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

  it("killed after sending, restarted only once its epoch is over: the task records the mined attestation", async () => {
    const s = stack!;
    const subject = await s.contribute(4);
    const crashed = await s.startWorker({ OLNODE_TEST_CRASH_AT: "tx:after-broadcast" });
    const exit = await Promise.race([
      crashed.exited,
      new Promise<undefined>((r) => setTimeout(r, 90_000, undefined)),
    ]);
    expect(exit, crashed.logs().slice(-6000)).toEqual({ code: null, signal: "SIGKILL" });
    // Down across the epoch boundary: the transaction it sent is mined in the old epoch meanwhile.
    await s.mineToNextEpoch();

    const worker = await s.startWorker();
    const [attestation] = (await s.attestations()).filter((a) => a.subjectId === subject);
    expect(attestation).toBeDefined();
    const task = await waitFor(
      "the old epoch's task to settle",
      async () => {
        worker.alive();
        const t = (await s.tasks()).find(
          (t) => BigInt(t.subject_id) === subject && t.epoch === String(attestation!.epoch),
        );
        return t && (t.status === "confirmed" || t.status === "expired" || t.status === "failed")
          ? t
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await worker.stop();
    expect(task).toMatchObject({ status: "confirmed", tx_hash: attestation!.txHash });
    expect((await s.attestations()).filter((a) => a.subjectId === subject)).toHaveLength(1);
  });
});
