import { and, asc, eq } from "ponder";
import { z } from "zod/v4";
import { contributionStatuses } from "../../../../contracts/enums/contributionStatus.ts";
import { contribution, datanet, modelDatanet } from "../../../ponder.schema.ts";
import { httpError } from "../httpError.ts";
import { defineRoute } from "./defineRoute.ts";
import { keyset, pageFrom, pageOf } from "./keyset.ts";
import { pageByIdRange } from "./pageByIdRange.ts";
import { addressParam, cursorInt, enumParam, idParam, pageParams, rangeParams } from "./queryParams.ts";
import { decimalString, pageSchema } from "./rowSchemas.ts";
import { rows } from "./tableRows.ts";

export const notFound = (what: string) => httpError(404, "NOT_FOUND", `${what} not found`);

export const datanetRoutes = [
  defineRoute({
    path: "/datanets",
    tag: "datanets",
    summary: "Datanets in chain order (by id), filtered by owner and by the block or time they were created",
    params: {},
    query: { owner: addressParam("only Datanets this address owns"), ...rangeParams, ...pageParams },
    response: pageSchema(rows.datanet),
    handler: ({ query }, { db }) =>
      pageByIdRange(db, {
        table: datanet,
        columns: { id: datanet.id, block: datanet.createdBlock, time: datanet.createdAt },
        query,
        where: query.owner ? eq(datanet.owner, query.owner) : undefined,
      }),
  }),
  defineRoute({
    path: "/datanets/{id}",
    tag: "datanets",
    summary: "A Datanet with its aggregates and the models trained on it",
    params: { id: idParam("Datanet id") },
    query: {},
    response: rows.datanet.extend({ modelIds: z.array(decimalString) }),
    errors: [404],
    async handler({ params: { id } }, { db }) {
      const [row] = await db.select().from(datanet).where(eq(datanet.id, id));
      if (!row) throw notFound(`Datanet ${id}`);
      const models = await db
        .select({ modelId: modelDatanet.modelId })
        .from(modelDatanet)
        .where(eq(modelDatanet.datanetId, id))
        .orderBy(asc(modelDatanet.modelId))
        .limit(100);
      return { ...row, modelIds: models.map((m) => m.modelId) };
    },
  }),
  defineRoute({
    path: "/datanets/{id}/contributions",
    tag: "datanets",
    summary: "A Datanet's contributions in chain order, optionally of one status",
    params: { id: idParam("Datanet id") },
    query: { status: enumParam(contributionStatuses, "only contributions with this status"), ...pageParams },
    response: pageSchema(rows.contribution),
    errors: [404],
    async handler({ params: { id }, query }, { db }) {
      const page = pageFrom(query);
      const [exists] = await db.select({ id: datanet.id }).from(datanet).where(eq(datanet.id, id));
      if (!exists) throw notFound(`Datanet ${id}`);
      const k = keyset(contribution.id, page, cursorInt);
      const found = await db
        .select()
        .from(contribution)
        .where(
          and(
            eq(contribution.datanetId, id),
            query.status ? eq(contribution.status, query.status) : undefined,
            k.after,
          ),
        )
        .orderBy(k.orderBy)
        .limit(page.limit + 1);
      return pageOf(found, page, (r) => [r.id]);
    },
  }),
];
