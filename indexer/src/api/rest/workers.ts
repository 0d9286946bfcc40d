import { and, desc, eq, isNotNull, isNull } from "ponder";
import { z } from "zod/v4";
import { attestation, heartbeat, worker, workerEpoch } from "../../../ponder.schema.ts";
import { notFound } from "./datanets.ts";
import { defineRoute } from "./defineRoute.ts";
import { keyset, keysetOf, pageFrom, pageOf } from "./keyset.ts";
import { addressParam, cursorAddress, cursorInt, enumParam, pageParams, rangeParams } from "./queryParams.ts";
import { blockRangeWhere } from "./rangeWhere.ts";
import { pageSchema } from "./rowSchemas.ts";
import { rows } from "./tableRows.ts";

/**
 * A worker's state as the index records it: `active` (registered, no exit asked), `exiting` (asked to exit,
 * `lastActiveEpoch` set, stake not yet withdrawn), `withdrawn`. A re-registration makes it active again.
 */
export const workerStatuses = ["active", "exiting", "withdrawn"] as const;

const worker_ = addressParam("the worker's address");

export const workerRoutes = [
  defineRoute({
    path: "/workers",
    tag: "workers",
    summary:
      "Workers in the chain order of their (latest) registration, filtered by status and by the block or time they registered",
    params: {},
    query: {
      status: enumParam(workerStatuses, "active, exiting (asked to exit) or withdrawn"),
      ...rangeParams,
      ...pageParams,
    },
    response: pageSchema(rows.worker),
    async handler({ query }, { db }) {
      const page = pageFrom(query, 2);
      const range = blockRangeWhere(
        db,
        worker,
        { block: worker.registeredBlock, time: worker.registeredAt },
        query,
      );
      const k = keysetOf([worker.registeredBlock, worker.address], page, [cursorInt, cursorAddress]);
      const status =
        query.status === "withdrawn"
          ? eq(worker.withdrawn, true)
          : query.status === "exiting"
            ? and(eq(worker.withdrawn, false), isNotNull(worker.lastActiveEpoch))
            : query.status === "active"
              ? and(eq(worker.withdrawn, false), isNull(worker.lastActiveEpoch))
              : undefined;
      const found = await db
        .select()
        .from(worker)
        .where(and(status, range, k.after))
        .orderBy(...k.orderBy)
        .limit(page.limit + 1);
      return pageOf(found, page, (r) => [r.registeredBlock, r.address]);
    },
  }),
  defineRoute({
    path: "/workers/{address}",
    tag: "workers",
    summary: "A worker with its totals and its 50 most recent epochs",
    params: { address: worker_ },
    query: {},
    response: rows.worker.extend({ recentEpochs: z.array(rows.workerEpoch) }),
    errors: [404],
    async handler({ params: { address } }, { db }) {
      const [row] = await db.select().from(worker).where(eq(worker.address, address));
      if (!row) throw notFound(`Worker ${address}`);
      const epochs = await db
        .select()
        .from(workerEpoch)
        .where(eq(workerEpoch.worker, address))
        .orderBy(desc(workerEpoch.epoch))
        .limit(50);
      return { ...row, recentEpochs: epochs };
    },
  }),
  defineRoute({
    path: "/workers/{address}/attestations",
    tag: "workers",
    summary: "A worker's attestations in chain order",
    params: { address: worker_ },
    query: pageParams,
    response: pageSchema(rows.attestation),
    async handler({ params: { address }, query }, { db }) {
      const page = pageFrom(query);
      const k = keyset(attestation.id, page);
      const found = await db
        .select()
        .from(attestation)
        .where(and(eq(attestation.worker, address), k.after))
        .orderBy(k.orderBy)
        .limit(page.limit + 1);
      return pageOf(found, page, (r) => [r.id]);
    },
  }),
  defineRoute({
    path: "/workers/{address}/heartbeats",
    tag: "workers",
    summary: "A worker's heartbeats in chain order",
    params: { address: worker_ },
    query: pageParams,
    response: pageSchema(rows.heartbeat),
    async handler({ params: { address }, query }, { db }) {
      const page = pageFrom(query);
      const k = keyset(heartbeat.id, page);
      const found = await db
        .select()
        .from(heartbeat)
        .where(and(eq(heartbeat.worker, address), k.after))
        .orderBy(k.orderBy)
        .limit(page.limit + 1);
      return pageOf(found, page, (r) => [r.id]);
    },
  }),
];
