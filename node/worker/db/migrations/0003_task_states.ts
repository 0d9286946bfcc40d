import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * Retires what the worker never used: task states `validating` (a check is not a durable step) and
 * `submitted` (the transaction submitter's own rows say whether it was sent), and the columns `tx_key` (the
 * key is derived from the task) and `not_before`. A row an older build left in a retired state moves to the
 * state that resumes it the same way: `validating` is checked again as `pending`, `submitted` is settled
 * through its key as `submitting`.
 */
export const taskStates0003: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`alter table tasks drop constraint if exists tasks_status_check`.execute(db);
    await sql`update tasks set status = 'pending' where status = 'validating'`.execute(db);
    await sql`update tasks set status = 'submitting' where status = 'submitted'`.execute(db);
    await sql`alter table tasks add constraint tasks_status_check check (status in ('pending', 'ready', 'submitting', 'confirmed', 'failed', 'expired'))`.execute(
      db,
    );
    await db.schema.alterTable("tasks").dropColumn("tx_key").execute();
    await db.schema.alterTable("tasks").dropColumn("not_before").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("tasks").addColumn("tx_key", "text").execute();
    await db.schema.alterTable("tasks").addColumn("not_before", "timestamptz").execute();
    await sql`alter table tasks drop constraint if exists tasks_status_check`.execute(db);
    await sql`alter table tasks add constraint tasks_status_check check (status in ('pending', 'validating', 'ready', 'submitting', 'submitted', 'confirmed', 'failed', 'expired'))`.execute(
      db,
    );
  },
};
