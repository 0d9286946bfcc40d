import { and, asc, eq } from "ponder";
import { z } from "zod/v4";
import { inferenceStatuses } from "../../../../contracts/enums/inferenceStatus.ts";
import { SUBJECT_KIND } from "../../../../contracts/enums/subjectKind.ts";
import { attestation, attribution, inference, rewardAccrual } from "../../../ponder.schema.ts";
import { notFound } from "./datanets.ts";
import { defineRoute } from "./defineRoute.ts";
import { pageByIdRange } from "./pageByIdRange.ts";
import { addressParam, enumParam, idParam, pageParams, rangeParams } from "./queryParams.ts";
import { pageSchema } from "./rowSchemas.ts";
import { rows } from "./tableRows.ts";

export const inferenceRoutes = [
  defineRoute({
    path: "/inferences",
    tag: "inferences",
    summary:
      "Inferences in chain order (by id), filtered by model, payer, developer, status and the block or time they were recorded",
    params: {},
    query: {
      modelId: idParam("only inferences of this model"),
      payer: addressParam("only inferences this address paid for"),
      developer: addressParam("only inferences of models by this developer"),
      status: enumParam(inferenceStatuses, "only inferences with this status"),
      ...rangeParams,
      ...pageParams,
    },
    response: pageSchema(rows.inference),
    handler: ({ query }, { db }) =>
      pageByIdRange(db, {
        table: inference,
        columns: { id: inference.id, block: inference.recordedBlock, time: inference.recordedAt },
        query,
        where: and(
          query.modelId === undefined ? undefined : eq(inference.modelId, query.modelId),
          query.payer ? eq(inference.payer, query.payer) : undefined,
          query.developer ? eq(inference.developer, query.developer) : undefined,
          query.status ? eq(inference.status, query.status) : undefined,
        ),
      }),
  }),
  defineRoute({
    path: "/inferences/{id}",
    tag: "inferences",
    summary: "An inference with its attribution breakdown, accruals and re-check attestations",
    params: { id: idParam("inference id") },
    query: {},
    response: rows.inference.extend({
      attributions: z.array(rows.attribution),
      accruals: z.array(rows.rewardAccrual),
      attestations: z.array(rows.attestation),
    }),
    errors: [404],
    async handler({ params: { id } }, { db }) {
      const [row] = await db.select().from(inference).where(eq(inference.id, id));
      if (!row) throw notFound(`Inference ${id}`);
      const [attributions, accruals, attestations] = await Promise.all([
        // At most 128 entries per inference (AttributionLedger.MAX_ATTRIBUTION_ENTRIES).
        db
          .select()
          .from(attribution)
          .where(eq(attribution.inferenceId, id))
          .orderBy(asc(attribution.contributionId))
          .limit(1000),
        db
          .select()
          .from(rewardAccrual)
          .where(eq(rewardAccrual.inferenceId, id))
          .orderBy(asc(rewardAccrual.id)),
        db
          .select()
          .from(attestation)
          .where(and(eq(attestation.kind, SUBJECT_KIND.inference), eq(attestation.subjectId, id)))
          .orderBy(asc(attestation.id))
          .limit(1000),
      ]);
      return { ...row, attributions, accruals, attestations };
    },
  }),
];
