import { ponder } from "ponder:registry";
import { indexedBlock } from "ponder:schema";

/**
 * Each live block's number and hash, in the one `indexed_block` row: written in the block's own indexing
 * transaction, after its log events (Ponder orders block events last within a block), and reverted with the
 * rest on a reorg — so the row always names a block of the fork the index holds.
 */
ponder.on("IndexedBlock:block", async ({ event, context }) => {
  const row = {
    number: event.block.number,
    hash: event.block.hash,
    parentHash: event.block.parentHash,
    timestamp: event.block.timestamp,
  };
  await context.db
    .insert(indexedBlock)
    .values({ id: "head", ...row })
    .onConflictDoUpdate(row);
});
