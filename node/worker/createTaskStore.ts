import { sql } from "kysely";
import type { Hex } from "viem";
import { BaseError } from "../../config/errors/BaseError.ts";
import { decodeSubjectKind, type SubjectKind } from "../../contracts/enums/subjectKind.ts";
import { decodeVerdict } from "../../contracts/enums/verdict.ts";
import type { WorkerDb } from "./db/createWorkerDb.ts";
import { mapDbError } from "./db/mapDbError.ts";
import type { TaskStatus as DbTaskStatus } from "./db/workerDatabase.ts";
import type { Task, TaskKey, TaskStatus, TaskStore } from "./workerTypes.ts";

/** Unfinished and never sent: nothing on-chain can have come of them. */
const UNSENT: DbTaskStatus[] = ["pending", "ready"];
/** Unfinished, and an attestation may be in flight or mined: only the transaction's outcome settles them. */
const SENT: DbTaskStatus[] = ["submitting"];

type Row = {
  epoch: bigint | string | number;
  kind: string;
  subject_id: string;
  status: DbTaskStatus;
  attempts: number;
  verdict: number | null;
  score: bigint | string | number | null;
  report_hash: string | null;
  report: unknown;
  tx_hash: string | null;
  error: string | null;
};

function taskKind(stored: string): SubjectKind {
  const kind = decodeSubjectKind(stored);
  if (kind !== undefined) return kind;
  throw new BaseError(`A task row has kind ${JSON.stringify(stored)}, which is no subject kind.`, {
    hint: "Only this worker writes the tasks table: the row was edited by hand; delete it.",
  });
}

/**
 * The report is stored as a JSON *string* holding the canonical bytes: jsonb would reorder keys and
 * whitespace, and the bytes served must hash to exactly what was attested.
 */
function toTask(r: Row): Task {
  return {
    epoch: BigInt(r.epoch),
    kind: taskKind(r.kind),
    subjectId: BigInt(r.subject_id),
    status: r.status as TaskStatus,
    attempts: r.attempts,
    verdict: r.verdict === null ? null : (decodeVerdict(r.verdict) ?? null),
    score: r.score === null ? null : Number(r.score),
    reportHash: r.report_hash as Hex | null,
    report: typeof r.report === "string" ? new TextEncoder().encode(r.report) : null,
    txHash: r.tx_hash as Hex | null,
    error: r.error,
  };
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw mapDbError(error);
  }
}

export function createTaskStore(db: WorkerDb): TaskStore {
  const where = (k: TaskKey) =>
    db
      .updateTable("tasks")
      .where("epoch", "=", k.epoch as never)
      .where("kind", "=", String(k.kind))
      .where("subject_id", "=", k.subjectId.toString());
  return {
    ensure: (k) =>
      guard(async () => {
        const r = await db
          .insertInto("tasks")
          .values({
            epoch: k.epoch as never,
            kind: String(k.kind),
            subject_id: k.subjectId.toString(),
            status: "pending",
          })
          .onConflict((oc) => oc.constraint("tasks_epoch_kind_subject_key").doNothing())
          .executeTakeFirst();
        return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
      }),
    get: (k) =>
      guard(async () => {
        const r = await db
          .selectFrom("tasks")
          .selectAll()
          .where("epoch", "=", k.epoch as never)
          .where("kind", "=", String(k.kind))
          .where("subject_id", "=", k.subjectId.toString())
          .executeTakeFirst();
        return r ? toTask(r as unknown as Row) : undefined;
      }),
    list: (epoch, statuses) =>
      guard(async () => {
        if (statuses.length === 0) return [];
        const rows = await db
          .selectFrom("tasks")
          .selectAll()
          .where("epoch", "=", epoch as never)
          .where("status", "in", statuses as DbTaskStatus[])
          .orderBy("id")
          .execute();
        return rows.map((r) => toTask(r as unknown as Row));
      }),
    update: (k, patch) =>
      guard(async () => {
        const set: Record<string, unknown> = { updated_at: sql`now()` };
        if (patch.status !== undefined) set.status = patch.status;
        if (patch.attempts !== undefined) set.attempts = patch.attempts;
        if (patch.verdict !== undefined) set.verdict = patch.verdict;
        if (patch.score !== undefined) set.score = patch.score;
        if (patch.reportHash !== undefined) set.report_hash = patch.reportHash;
        if (patch.report !== undefined)
          set.report = patch.report === null ? null : JSON.stringify(new TextDecoder().decode(patch.report));
        if (patch.txHash !== undefined) set.tx_hash = patch.txHash;
        if (patch.error !== undefined)
          set.error = patch.error === null ? null : patch.error.replaceAll("\u0000", "\\0").slice(0, 2000);
        await where(k)
          .set(set as never)
          .execute();
      }),
    expireBefore: (epoch) =>
      guard(async () => {
        const r = await db
          .updateTable("tasks")
          .set({ status: "expired" } as never)
          .where("epoch", "<", epoch as never)
          .where("status", "in", UNSENT)
          .executeTakeFirst();
        return Number(r.numUpdatedRows);
      }),
    sentBefore: (epoch) =>
      guard(async () => {
        const rows = await db
          .selectFrom("tasks")
          .selectAll()
          .where("epoch", "<", epoch as never)
          .where("status", "in", SENT)
          .orderBy("id")
          .execute();
        return rows.map((r) => toTask(r as unknown as Row));
      }),
    counts: (epoch) =>
      guard(async () => {
        const rows = await db
          .selectFrom("tasks")
          .select(["status", sql<string>`count(*)`.as("n")])
          .where("epoch", "=", epoch as never)
          .groupBy("status")
          .execute();
        return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      }),
  };
}
