import { sql } from "ponder";
import { z } from "zod/v4";
import { indexedBlock } from "../../../ponder.schema.ts";
import { decodeCheckpoint } from "../decodeCheckpoint.ts";
import { defineRoute } from "./defineRoute.ts";
import { decimalString, hexString } from "./rowSchemas.ts";

const statusSchema = z.object({
  chainId: z
    .number()
    .int()
    .nullable()
    .meta({ description: "the indexed chain's id (null before the first checkpoint)" }),
  block: z
    .object({ number: decimalString, hash: hexString, parentHash: hexString, timestamp: decimalString })
    .nullable()
    .meta({
      description:
        "The newest live block the index holds, as indexed: written with that block's events and reverted with them on a reorg, so `hash` names the fork every row was read from. Null until the first block after the indexer's first start (backfill blocks are not recorded).",
    }),
  checkpoint: z.object({ number: decimalString, timestamp: decimalString }).nullable().meta({
    description:
      "Ponder's checkpoint (what its /status shows), read in the same snapshot. Ahead of `block` during a backfill, right after a restart and for a moment after a reorg.",
  }),
});

export const statusRoutes = [
  defineRoute({
    path: "/status",
    tag: "meta",
    summary: "Which block, and so which fork, the index holds: its number, hash and timestamp",
    params: {},
    query: {},
    response: statusSchema,
    async handler(_input, { db }) {
      // One statement, one snapshot: the checkpoint and the block row of the same committed state.
      const result = (await db.execute(
        sql`SELECT c.latest_checkpoint, b.number, b.hash, b.parent_hash, b.timestamp
            FROM (SELECT 1) AS one
            LEFT JOIN _ponder_checkpoint c ON true
            LEFT JOIN ${indexedBlock} b ON b.id = 'head'
            LIMIT 1`,
      )) as { rows?: Record<string, string | null>[] };
      const row = result.rows?.[0] ?? {};
      const checkpoint = row.latest_checkpoint ? decodeCheckpoint(row.latest_checkpoint) : undefined;
      return {
        chainId: checkpoint ? Number(checkpoint.chainId) : null,
        block:
          row.hash && row.number != null
            ? {
                number: BigInt(row.number),
                hash: row.hash,
                parentHash: String(row.parent_hash),
                timestamp: BigInt(String(row.timestamp)),
              }
            : null,
        checkpoint: checkpoint
          ? { number: checkpoint.blockNumber, timestamp: checkpoint.blockTimestamp }
          : null,
      };
    },
  }),
];
