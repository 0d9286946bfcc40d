import { asc, eq } from "ponder";
import { z } from "zod/v4";
import * as t from "../../../ponder.schema.ts";
import { httpError } from "../httpError.ts";
import { defineRoute, type RestDb } from "./defineRoute.ts";
import { hashParam } from "./queryParams.ts";
import { decimalString, hexString } from "./rowSchemas.ts";
import { rows } from "./tableRows.ts";

/** The tables that hold one row per protocol event (eventColumns: blockNumber, timestamp, transactionHash, logIndex). */
const eventTables = {
  contribution_status_change: t.contributionStatusChange,
  attribution: t.attribution,
  reward_accrual: t.rewardAccrual,
  reward_claim: t.rewardClaim,
  heartbeat: t.heartbeat,
  attestation: t.attestation,
  subject_finalization: t.subjectFinalization,
  points_change: t.pointsChange,
  airdrop_claim: t.airdropClaim,
  admin_event: t.adminEvent,
} as const;
const eventRows = {
  contribution_status_change: rows.contributionStatusChange,
  attribution: rows.attribution,
  reward_accrual: rows.rewardAccrual,
  reward_claim: rows.rewardClaim,
  heartbeat: rows.heartbeat,
  attestation: rows.attestation,
  subject_finalization: rows.subjectFinalization,
  points_change: rows.pointsChange,
  airdrop_claim: rows.airdropClaim,
  admin_event: rows.adminEvent,
};

/** Entities and the column naming the transaction that made them (or, for an epoch, closed it). */
const entityTables = [
  ["datanet", t.datanet, t.datanet.createdTx],
  ["contribution", t.contribution, t.contribution.submittedTx],
  ["model", t.model, t.model.registeredTx],
  ["inference", t.inference, t.inference.recordedTx],
  ["worker", t.worker, t.worker.registeredTx],
  ["epoch", t.epoch, t.epoch.closedTx],
] as const;
const entityRows = {
  datanet: rows.datanet,
  contribution: rows.contribution,
  model: rows.model,
  inference: rows.inference,
  worker: rows.worker,
  epoch: rows.epoch,
};

type EventTable = keyof typeof eventTables;
type Tagged = { table: string; row: Record<string, unknown> & { logIndex?: number; id?: unknown } };

/**
 * Every row a transaction left in the index: its protocol event rows in log order (`events`), the entities it
 * created (`created`: a Datanet, contribution, model, inference, worker registration, or the epoch it
 * closed) and, for an OP deposit transaction, its deposit fields. One indexed lookup per table.
 */
export async function transactionRows(db: RestDb, hash: `0x${string}`) {
  const [events, created, deposit] = await Promise.all([
    Promise.all(
      (Object.keys(eventTables) as EventTable[]).map(async (name) => {
        const table = eventTables[name];
        const found = await db
          .select()
          .from(table)
          .where(eq(table.transactionHash, hash))
          .orderBy(asc(table.logIndex))
          .limit(1000);
        return found.map((row) => ({ table: name, row }) as Tagged);
      }),
    ),
    Promise.all(
      entityTables.map(async ([name, table, column]) => {
        const found = await db.select().from(table).where(eq(column, hash)).limit(1000);
        return found.map((row) => ({ table: name, row }) as Tagged);
      }),
    ),
    db.select().from(t.depositTransaction).where(eq(t.depositTransaction.hash, hash)),
  ]);
  const flat = events
    .flat()
    .sort(
      (a, b) =>
        a.row.logIndex! - b.row.logIndex! ||
        a.table.localeCompare(b.table) ||
        String(a.row.id).localeCompare(String(b.row.id)),
    );
  return { events: flat, created: created.flat(), deposit: deposit[0] ?? null };
}

const tagged = (byTable: Record<string, z.ZodType>) =>
  z.discriminatedUnion(
    "table",
    Object.entries(byTable).map(([table, row]) =>
      z.object({ table: z.literal(table), row }).strict(),
    ) as unknown as [z.ZodObject, ...z.ZodObject[]],
  );

export const transactionRoutes = [
  defineRoute({
    path: "/transactions/{hash}/events",
    tag: "transactions",
    summary:
      "Every protocol event row of a transaction, across all tables, in log order; the entities it created; its deposit fields",
    params: { hash: { ...hashParam("transaction hash"), code: "INVALID_ID" } },
    query: {},
    response: z
      .object({
        hash: hexString,
        blockNumber: decimalString.nullable(),
        events: z.array(tagged(eventRows)),
        created: z.array(tagged(entityRows)),
        deposit: rows.depositTransaction.nullable(),
      })
      .strict(),
    errors: [404],
    async handler({ params: { hash } }, { db }) {
      const found = await transactionRows(db, hash);
      if (found.events.length === 0 && found.created.length === 0 && !found.deposit) {
        throw httpError(404, "NOT_FOUND", `transaction ${hash} left no protocol event in the index`);
      }
      const first = found.created[0]?.row;
      const blockNumber =
        (found.events[0]?.row.blockNumber as bigint | undefined) ??
        found.deposit?.blockNumber ??
        ((first?.createdBlock ??
          first?.submittedBlock ??
          first?.registeredBlock ??
          first?.recordedBlock ??
          first?.closedBlock) as bigint | undefined) ??
        null;
      return { hash, blockNumber, ...found };
    },
  }),
];
