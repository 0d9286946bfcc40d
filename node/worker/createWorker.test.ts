import type { Hex, PublicClient } from "viem";
import { describe, expect, it } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { NonRetryableUserError, RetryableError } from "../../config/errors/BaseError.ts";
import { createWorker, defaultWorkerOptions } from "./createWorker.ts";
import type { SubjectSource } from "./subjects/subjectTypes.ts";
import type { CallOutcome, CallSender, Task, TaskKey, TaskStatus, TaskStore } from "./workerTypes.ts";

/**
 * The worker loop over fakes of its edges (the chain's view calls, the task table, the sender): fast checks of
 * its decisions. The same paths against real processes: test/worker/crash.e2e.test.ts and outage.e2e.test.ts.
 */
const ACCOUNT = "0x00000000000000000000000000000000000000aa";
const TX = `0x${"ab".repeat(32)}` as Hex;

function memoryTasks(rows: Task[]): TaskStore {
  const id = (k: TaskKey) => `${k.epoch}:${k.kind}:${k.subjectId}`;
  const find = (k: TaskKey) => rows.find((t) => id(t) === id(k));
  return {
    async ensure(k) {
      if (find(k)) return false;
      rows.push({ ...k, status: "pending", attempts: 0, verdict: null, score: null } as Task);
      return true;
    },
    get: async (k) => find(k),
    list: async (epoch, statuses) => rows.filter((t) => t.epoch === epoch && statuses.includes(t.status)),
    async update(k, patch) {
      Object.assign(find(k)!, patch);
    },
    async expireBefore(epoch) {
      const unsent: TaskStatus[] = ["pending", "ready"];
      const hit = rows.filter((t) => t.epoch < epoch && unsent.includes(t.status));
      for (const t of hit) t.status = "expired";
      return hit.length;
    },
    sentBefore: async (epoch) => rows.filter((t) => t.epoch < epoch && t.status === "submitting"),
    counts: async () => ({}),
  };
}

/** Epoch 1 of 100-block epochs from genesis 0, this worker registered but not active (nothing new to do). */
function chain(): PublicClient {
  const answers: Record<string, unknown> = {
    genesisBlock: 0n,
    epochLength: 100n,
    getWorker: { registered: true, peerId: "p", lastHeartbeatWindow: 0n },
    isActive: false,
  };
  return {
    getBlockNumber: async () => 150n,
    readContract: async ({ functionName }: { functionName: string }) => answers[functionName],
  } as unknown as PublicClient;
}

const noSubjects = { points: async () => [] } as unknown as SubjectSource;

function sentTask(subjectId: bigint): Task {
  return {
    epoch: 0n,
    kind: 0,
    subjectId,
    status: "submitting",
    attempts: 1,
    verdict: 1,
    score: 100,
    reportHash: `0x${"11".repeat(32)}` as Hex,
    report: null,
    txHash: null,
    error: null,
  };
}

function worker(rows: Task[], outcome: (key: string) => Promise<CallOutcome>) {
  const keys: string[] = [];
  const sender: CallSender = {
    send: ({ key }) => {
      keys.push(key);
      return outcome(key);
    },
  };
  const w = createWorker(
    createTestCommon(),
    {
      account: ACCOUNT,
      epochManager: "0x00000000000000000000000000000000000000ee",
      publicClient: chain(),
      subjects: noSubjects,
      tasks: memoryTasks(rows),
      sender,
      checkContribution: async () => ({ kind: "wait", reason: "unused" }),
      checkInference: async () => ({ kind: "wait", reason: "unused" }),
      healthy: () => true,
    },
    { ...defaultWorkerOptions, stake: 1n, peerId: "p" },
  );
  return { w, keys };
}

describe("createWorker: tasks of a past epoch", () => {
  it("settles one that may have been sent through its transaction's key, and expires one never sent", async () => {
    const unsent = { ...sentTask(3n), status: "ready" as const };
    const rows = [sentTask(1n), sentTask(2n), unsent];
    const { w, keys } = worker(rows, async (key) =>
      key.endsWith(":1")
        ? { status: "confirmed", txHash: TX }
        : { status: "expired", error: "too late", errorName: "WrongEpoch" },
    );
    await w.tick();
    expect(keys.sort()).toEqual(["attest:0:0:1", "attest:0:0:2"]);
    expect(rows.map((t) => [t.subjectId, t.status, t.txHash])).toEqual([
      [1n, "confirmed", TX],
      [2n, "expired", null],
      [3n, "expired", null],
    ]);
  });

  it("keeps one whose transaction cannot be settled yet, and fails one that never can", async () => {
    const rows = [sentTask(1n), sentTask(2n)];
    const { w } = worker(rows, async (key) => {
      if (key.endsWith(":1")) throw new RetryableError("The L2 RPC is down.");
      throw new NonRetryableUserError("Key reused for another call.");
    });
    await w.tick();
    expect(rows.map((t) => [t.subjectId, t.status])).toEqual([
      [1n, "submitting"],
      [2n, "failed"],
    ]);
    expect(rows[1]!.error).toContain("Key reused");
  });
});

describe("createWorker: a pass that outlives its epoch", () => {
  it("stops at the boundary instead of checking and attesting for an epoch that is over", async () => {
    // 100-block epochs from genesis 0; the chain is in epoch 1 when the pass begins and in epoch 2 once the
    // first check is done (a busy machine: one check takes longer than what was left of the epoch).
    let head = 190n;
    const answers: Record<string, unknown> = {
      genesisBlock: 0n,
      epochLength: 100n,
      getWorker: { registered: true, peerId: "p", lastHeartbeatWindow: 0n },
      isActive: true,
      getEpoch: { started: true },
      // n <= k: every worker is assigned every subject.
      assignmentOf: [`0x${"00".repeat(32)}`, 3n, 2n ** 256n - 1n, 2n],
      params: { heartbeatWindowBlocks: 0 },
    };
    const publicClient = {
      getBlockNumber: async () => head,
      readContract: async ({ functionName }: { functionName: string }) => answers[functionName],
    } as unknown as PublicClient;
    const subjects = Array.from({ length: 6 }, (_, i) => ({
      kind: 0 as const,
      id: BigInt(i + 1),
      datanetId: 1n,
      contributor: ACCOUNT,
      dataRoot: TX,
      byteSize: 1n,
      chunkCount: 1,
      license: "CC-BY-4.0",
      status: "pending" as const,
    }));
    const source = {
      openSubjects: async () => subjects,
      subject: async (_kind: 0 | 1, id: bigint) => subjects.find((s) => s.id === id),
      points: async () => [],
      indexedBlock: async () => head,
    } as unknown as SubjectSource;
    const checked: string[] = [];
    const rows: Task[] = [];
    const w = createWorker(
      createTestCommon(),
      {
        account: ACCOUNT,
        epochManager: "0x00000000000000000000000000000000000000ee",
        publicClient,
        subjects: source,
        tasks: memoryTasks(rows),
        sender: {
          send: async ({ key }) =>
            key.startsWith("attest:1:")
              ? { status: "expired", error: "too late", errorName: "WrongEpoch" }
              : { status: "confirmed", txHash: TX },
        },
        checkContribution: async (subject, ctx) => {
          checked.push(`${ctx.epoch}:${subject.id}`);
          head = 205n;
          return {
            kind: "done",
            verdict: 1,
            score: 1,
            report: new Uint8Array(),
            reportHash: TX,
            summary: "valid",
          };
        },
        checkInference: async () => ({ kind: "wait", reason: "unused" }),
        healthy: () => true,
      },
      { ...defaultWorkerOptions, concurrency: 1, stake: 1n, peerId: "p" },
    );

    await w.tick();
    expect(checked).toEqual(["1:1"]);
    // The next pass is in epoch 2 from its start: every subject checked and attested there.
    await w.tick();
    expect(checked.slice(1)).toEqual(["2:1", "2:2", "2:3", "2:4", "2:5", "2:6"]);
    expect(rows.filter((t) => t.epoch === 2n).every((t) => t.status === "confirmed")).toBe(true);
    expect(rows.filter((t) => t.epoch === 1n).map((t) => t.status)).toEqual(Array(6).fill("expired"));
  });
});
