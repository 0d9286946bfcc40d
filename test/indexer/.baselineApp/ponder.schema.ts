import { onchainTable } from "ponder";

export const eventRow = onchainTable("event_row", (t) => ({
  id: t.text().primaryKey(),
  name: t.text().notNull(),
  blockNumber: t.bigint().notNull(),
}));
