import { and, eq } from "ponder";
import { inferenceStatuses } from "../../../../contracts/enums/inferenceStatus.ts";
import { inference, model } from "../../../ponder.schema.ts";
import { notFound } from "./datanets.ts";
import { defineRoute } from "./defineRoute.ts";
import { keyset, pageFrom, pageOf } from "./keyset.ts";
import { pageByIdRange } from "./pageByIdRange.ts";
import { addressParam, cursorInt, enumParam, idParam, pageParams, rangeParams } from "./queryParams.ts";
import { pageSchema } from "./rowSchemas.ts";
import { rows } from "./tableRows.ts";

export const modelRoutes = [
  defineRoute({
    path: "/models",
    tag: "models",
    summary:
      "Models in chain order (by id), filtered by developer and by the block or time they were registered",
    params: {},
    query: { developer: addressParam("only models of this developer"), ...rangeParams, ...pageParams },
    response: pageSchema(rows.model),
    handler: ({ query }, { db }) =>
      pageByIdRange(db, {
        table: model,
        columns: { id: model.id, block: model.registeredBlock, time: model.registeredAt },
        query,
        where: query.developer ? eq(model.developer, query.developer) : undefined,
      }),
  }),
  defineRoute({
    path: "/models/{id}",
    tag: "models",
    summary: "A model with its inference count and earnings",
    params: { id: idParam("model id") },
    query: {},
    response: rows.model,
    errors: [404],
    async handler({ params: { id } }, { db }) {
      const [row] = await db.select().from(model).where(eq(model.id, id));
      if (!row) throw notFound(`Model ${id}`);
      return row;
    },
  }),
  defineRoute({
    path: "/models/{id}/inferences",
    tag: "models",
    summary: "A model's inferences in chain order, optionally of one status",
    params: { id: idParam("model id") },
    query: { status: enumParam(inferenceStatuses, "only inferences with this status"), ...pageParams },
    response: pageSchema(rows.inference),
    errors: [404],
    async handler({ params: { id }, query }, { db }) {
      const page = pageFrom(query);
      const [exists] = await db.select({ id: model.id }).from(model).where(eq(model.id, id));
      if (!exists) throw notFound(`Model ${id}`);
      const k = keyset(inference.id, page, cursorInt);
      const found = await db
        .select()
        .from(inference)
        .where(
          and(
            eq(inference.modelId, id),
            query.status ? eq(inference.status, query.status) : undefined,
            k.after,
          ),
        )
        .orderBy(k.orderBy)
        .limit(page.limit + 1);
      return pageOf(found, page, (r) => [r.id]);
    },
  }),
];
