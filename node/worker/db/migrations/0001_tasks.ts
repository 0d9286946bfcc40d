import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

// Frozen as shipped: a migration never follows later edits of the status list (0003 changed it).
const statusList = sql.join(
  ["pending", "validating", "ready", "submitting", "submitted", "confirmed", "failed", "expired"].map((s) =>
    sql.lit(s),
  ),
);

export const tasks0001: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("tasks")
      .addColumn("id", "bigserial", (c) => c.primaryKey())
      .addColumn("epoch", "int8", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("subject_id", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) =>
        c.notNull().defaultTo("pending").check(sql`status in (${statusList})`),
      )
      .addColumn("attempts", "int4", (c) => c.notNull().defaultTo(0))
      .addColumn("verdict", "int2")
      .addColumn("score", "int8")
      .addColumn("report_hash", "text")
      .addColumn("report", "jsonb")
      .addColumn("tx_key", "text")
      .addColumn("tx_hash", "text")
      .addColumn("error", "text")
      .addColumn("not_before", "timestamptz")
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addUniqueConstraint("tasks_epoch_kind_subject_key", ["epoch", "kind", "subject_id"])
      .execute();
    // The loop's hot query: the open tasks of an epoch.
    await db.schema.createIndex("tasks_status_epoch_idx").on("tasks").columns(["status", "epoch"]).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("tasks").execute();
  },
};
