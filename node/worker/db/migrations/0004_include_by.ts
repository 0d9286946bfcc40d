import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * `tx_intents.include_by`: the last block in which the transaction is still of use (an attestation's epoch
 * ends there). Kept on the row so that a resumed intent obeys it too: it is never signed when the next block
 * is already past it (see `../../tx/createTxSteps.ts`, `prepare`).
 */
export const includeBy0004: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("tx_intents").addColumn("include_by", "int8").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("tx_intents").dropColumn("include_by").execute();
  },
};
