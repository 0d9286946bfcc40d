import type { Address, Hex } from "viem";
import { isAssigned } from "../../contracts/assignment.ts";
import type { Subject } from "./subjects/subjectTypes.ts";
import type { TaskKey, TaskStore } from "./workerTypes.ts";

export type AssignTasksParameters = {
  epoch: bigint;
  /** The epoch's assignment inputs as the contract has them (`assignmentOf`). */
  seed: Hex;
  threshold: bigint;
  worker: Address;
  /** Open subjects, in any order. */
  subjects: readonly Pick<Subject, "kind" | "id">[];
  tasks: Pick<TaskStore, "ensure">;
  /** Sees each task row just written (the kill -9 tests crash the process there). */
  onCreated?: (key: TaskKey) => void | Promise<void>;
};

/**
 * Writes a `pending` task row for every open subject the on-chain rule assigns to `worker` this epoch
 * (`contracts/assignment.ts`), once: rows that exist are left alone. Returns how many were new.
 */
export async function assignTasks(parameters: AssignTasksParameters): Promise<number> {
  const { epoch, seed, threshold, worker } = parameters;
  let fresh = 0;
  for (const s of parameters.subjects) {
    if (!isAssigned({ seed, kind: s.kind, subjectId: s.id, worker, threshold })) continue;
    const key: TaskKey = { epoch, kind: s.kind, subjectId: s.id };
    if (await parameters.tasks.ensure(key)) {
      fresh++;
      await parameters.onCreated?.(key);
    }
  }
  return fresh;
}
