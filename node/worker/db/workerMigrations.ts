import type { Migration } from "kysely/migration";
import { tasks0001 } from "./migrations/0001_tasks.ts";
import { tx0002 } from "./migrations/0002_tx.ts";
import { taskStates0003 } from "./migrations/0003_task_states.ts";
import { includeBy0004 } from "./migrations/0004_include_by.ts";

/**
 * Every migration of the worker schema, applied in name order. To add one: a file
 * `migrations/000N_<what>.ts` exporting a `Migration`, and one line here. Never edit or rename one that has
 * shipped: the name is what the migration table remembers.
 */
export const workerMigrations: Record<string, Migration> = {
  "0001_tasks": tasks0001,
  "0002_tx": tx0002,
  "0003_task_states": taskStates0003,
  "0004_include_by": includeBy0004,
};
