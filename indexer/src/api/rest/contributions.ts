import { and, asc, desc, eq } from "ponder";
import { z } from "zod/v4";
import { SUBJECT_KIND } from "../../../../contracts/enums/subjectKind.ts";
import {
  account,
  attestation,
  attribution,
  contribution,
  contributionStatusChange,
  protocol,
  rewardAccrual,
  rewardClaim,
  subjectFinalization,
} from "../../../ponder.schema.ts";
import { notFound } from "./datanets.ts";
import { defineRoute } from "./defineRoute.ts";
import { keyset, keysetOf, pageFrom, pageOf } from "./keyset.ts";
import { addressParam, cursorInt, idParam, pageParams } from "./queryParams.ts";
import { decimalString, pageSchema } from "./rowSchemas.ts";
import { rows } from "./tableRows.ts";

const contributor = addressParam("the contributor's address");

export const contributionRoutes = [
  defineRoute({
    path: "/stats",
    tag: "protocol",
    summary: "Protocol totals, payout addresses and current parameters",
    params: {},
    query: {},
    response: rows.protocol.nullable(),
    async handler(_input, { db }) {
      const [row] = await db.select().from(protocol).where(eq(protocol.id, "protocol"));
      return row ?? null;
    },
  }),
  defineRoute({
    path: "/contributions/{id}",
    tag: "contributions",
    summary: "A contribution with its status history, attestations and finalizations",
    params: { id: idParam("contribution id") },
    query: {},
    response: rows.contribution.extend({
      statusHistory: z.array(rows.contributionStatusChange),
      attestations: z.array(rows.attestation),
      finalizations: z.array(rows.subjectFinalization),
    }),
    errors: [404],
    async handler({ params: { id } }, { db }) {
      const [row] = await db.select().from(contribution).where(eq(contribution.id, id));
      if (!row) throw notFound(`Contribution ${id}`);
      const [statusHistory, attestations, finalizations] = await Promise.all([
        db
          .select()
          .from(contributionStatusChange)
          .where(eq(contributionStatusChange.contributionId, id))
          .orderBy(asc(contributionStatusChange.id))
          .limit(1000),
        db
          .select()
          .from(attestation)
          .where(and(eq(attestation.kind, SUBJECT_KIND.contribution), eq(attestation.subjectId, id)))
          .orderBy(asc(attestation.id))
          .limit(1000),
        db
          .select()
          .from(subjectFinalization)
          .where(
            and(
              eq(subjectFinalization.kind, SUBJECT_KIND.contribution),
              eq(subjectFinalization.subjectId, id),
            ),
          )
          .orderBy(asc(subjectFinalization.id))
          .limit(100),
      ]);
      return { ...row, statusHistory, attestations, finalizations };
    },
  }),
  defineRoute({
    path: "/contributors/{address}",
    tag: "contributors",
    summary: "An account's earnings and counts, and its share of all contributor payouts (ppm)",
    params: { address: contributor },
    query: {},
    response: rows.account.extend({ contributorSharePpm: decimalString }),
    errors: [404],
    async handler({ params: { address } }, { db }) {
      const [row] = await db.select().from(account).where(eq(account.address, address));
      if (!row) throw notFound(`Account ${address}`);
      const [stats] = await db.select().from(protocol).where(eq(protocol.id, "protocol"));
      const total = stats?.totalContributorAmount ?? 0n;
      // Share of all contributor payouts, in parts per million (integer: no float rounding across clients).
      const contributorSharePpm = total === 0n ? 0n : (row.contributorEarned * 1_000_000n) / total;
      return { ...row, contributorSharePpm };
    },
  }),
  defineRoute({
    path: "/contributors/{address}/contributions",
    tag: "contributors",
    summary: "A contributor's contributions in chain order",
    params: { address: contributor },
    query: pageParams,
    response: pageSchema(rows.contribution),
    async handler({ params: { address }, query }, { db }) {
      const page = pageFrom(query);
      const k = keyset(contribution.id, page, cursorInt);
      const found = await db
        .select()
        .from(contribution)
        .where(and(eq(contribution.contributor, address), k.after))
        .orderBy(k.orderBy)
        .limit(page.limit + 1);
      return pageOf(found, page, (r) => [r.id]);
    },
  }),
  defineRoute({
    path: "/contributors/{address}/attributions",
    tag: "contributors",
    summary: "What a contributor was attributed, in chain order (by inference, then contribution id)",
    params: { address: contributor },
    query: pageParams,
    response: pageSchema(rows.attribution),
    async handler({ params: { address }, query }, { db }) {
      const page = pageFrom(query, 2);
      // Chain order: inference ids ascend with the chain, and one inference cites each contribution once.
      const k = keysetOf([attribution.inferenceId, attribution.contributionId], page, [cursorInt, cursorInt]);
      const found = await db
        .select()
        .from(attribution)
        .where(and(eq(attribution.contributor, address), k.after))
        .orderBy(...k.orderBy)
        .limit(page.limit + 1);
      return pageOf(found, page, (r) => [r.inferenceId, r.contributionId]);
    },
  }),
  defineRoute({
    path: "/contributors/{address}/rewards",
    tag: "contributors",
    summary: "An account's credits (newest first) and a page of its reward claims",
    params: { address: addressParam("the account's address") },
    query: pageParams,
    response: z
      .object({
        account: rows.account.nullable(),
        recentAccruals: z.array(rows.rewardAccrual),
        claims: pageSchema(rows.rewardClaim),
      })
      .strict(),
    async handler({ params: { address }, query }, { db }) {
      const page = pageFrom(query);
      const [row] = await db.select().from(account).where(eq(account.address, address));
      const k = keyset(rewardClaim.id, page);
      const claims = await db
        .select()
        .from(rewardClaim)
        .where(and(eq(rewardClaim.account, address), k.after))
        .orderBy(k.orderBy)
        .limit(page.limit + 1);
      const accruals = await db
        .select()
        .from(rewardAccrual)
        .where(eq(rewardAccrual.account, address))
        // Newest first in chain order (the id is text, "<inference>-<role>", and sorts "10-…" before "9-…").
        .orderBy(desc(rewardAccrual.inferenceId), asc(rewardAccrual.role))
        .limit(page.limit);
      return { account: row ?? null, recentAccruals: accruals, claims: pageOf(claims, page, (r) => [r.id]) };
    },
  }),
];
