import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

// Frozen as shipped: a migration never follows later edits of the status list.
const statusList = sql.join(
  ["pending", "signed", "sent", "mined", "confirmed", "failed", "satisfied"].map((s) => sql.lit(s)),
);

export const tx0002: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("tx_intents")
      .addColumn("id", "bigserial", (c) => c.primaryKey())
      .addColumn("key", "text", (c) => c.notNull().unique())
      .addColumn("chain_id", "int8", (c) => c.notNull())
      .addColumn("account", "text", (c) => c.notNull())
      .addColumn("to_address", "text", (c) => c.notNull())
      .addColumn("data", "text", (c) => c.notNull())
      .addColumn("value", "numeric(78, 0)", (c) => c.notNull().defaultTo(0))
      .addColumn("gas", "numeric(78, 0)")
      .addColumn("status", "text", (c) =>
        c.notNull().defaultTo("pending").check(sql`status in (${statusList})`),
      )
      .addColumn("nonce", "int8")
      .addColumn("attempts", "int4", (c) => c.notNull().defaultTo(0))
      .addColumn("error_name", "text")
      .addColumn("error", "text")
      .addColumn("mined_hash", "text")
      .addColumn("mined_block_number", "int8")
      .addColumn("mined_block_hash", "text")
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    // recover() scans the open intents of one account.
    await db.schema
      .createIndex("tx_intents_open_idx")
      .on("tx_intents")
      .columns(["chain_id", "account", "status"])
      .execute();
    await db.schema
      .createTable("tx_attempts")
      .addColumn("hash", "text", (c) => c.primaryKey())
      .addColumn("intent_id", "int8", (c) => c.notNull().references("tx_intents.id").onDelete("cascade"))
      .addColumn("nonce", "int8", (c) => c.notNull())
      .addColumn("raw", "text", (c) => c.notNull())
      .addColumn("max_fee_per_gas", "numeric(78, 0)", (c) => c.notNull())
      .addColumn("max_priority_fee_per_gas", "numeric(78, 0)", (c) => c.notNull())
      .addColumn("broadcast_block", "int8")
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
      .execute();
    await db.schema.createIndex("tx_attempts_intent_idx").on("tx_attempts").column("intent_id").execute();
    await db.schema
      .createTable("tx_nonces")
      .addColumn("chain_id", "int8", (c) => c.notNull())
      .addColumn("account", "text", (c) => c.notNull())
      .addColumn("next_nonce", "int8", (c) => c.notNull())
      .addPrimaryKeyConstraint("tx_nonces_pkey", ["chain_id", "account"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("tx_nonces").execute();
    await db.schema.dropTable("tx_attempts").execute();
    await db.schema.dropTable("tx_intents").execute();
  },
};
