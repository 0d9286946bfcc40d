import { eq } from "ponder";
import { z } from "zod/v4";
import * as t from "../../../ponder.schema.ts";
import { httpError } from "../httpError.ts";
import { defineRoute } from "./defineRoute.ts";
import { ADDRESS, HASH, param, UINT } from "./queryParams.ts";
import { transactionRows } from "./transactions.ts";

export const searchResultTypes = [
  "datanet",
  "contribution",
  "model",
  "inference",
  "epoch",
  "account",
  "worker",
  "datanetOwner",
  "modelDeveloper",
  "transaction",
] as const;
type ResultType = (typeof searchResultTypes)[number];
type Result = { type: ResultType; id: string; path: string };

const queryParam = param(
  z
    .string()
    .transform((s) => s.trim())
    .refine((s) => UINT.test(s) || ADDRESS.test(s) || HASH.test(s), {
      error:
        "expected an id (a whole number), an address (0x and 40 hex digits) or a root or transaction hash (0x and 64 hex digits)",
    }),
  "INVALID_QUERY",
  "an id, an address, a root (dataRoot, outputRoot, pointsRoot) or a transaction hash",
  true,
);

/**
 * What a search term names, for an explorer's search box: an id (a Datanet, contribution, model, inference
 * or epoch with that number), an address (an account, a worker, a Datanet owner, a model developer) or a 32-byte hash (a transaction that left protocol events, a contribution's dataRoot,
 * an inference's outputRoot, an epoch's pointsRoot). Every match, each with the REST path that shows it.
 */
export const searchRoutes = [
  defineRoute({
    path: "/search",
    tag: "search",
    summary: "Find what an id, address, root or transaction hash names",
    params: {},
    query: { q: queryParam },
    response: z
      .object({
        query: z.string(),
        results: z.array(
          z.object({ type: z.enum(searchResultTypes), id: z.string(), path: z.string() }).strict(),
        ),
      })
      .strict(),
    async handler({ query }, { db }) {
      const q = query.q;
      if (q === undefined) throw httpError(400, "INVALID_QUERY", "missing query parameter q");
      const results: Result[] = [];
      const found = (type: ResultType, id: string, path: string) => results.push({ type, id, path });
      if (UINT.test(q)) {
        const id = BigInt(q);
        if (id >= 2n ** 256n) return { query: q, results };
        const [d, c, m, i, e] = await Promise.all([
          db.select({ id: t.datanet.id }).from(t.datanet).where(eq(t.datanet.id, id)),
          db.select({ id: t.contribution.id }).from(t.contribution).where(eq(t.contribution.id, id)),
          db.select({ id: t.model.id }).from(t.model).where(eq(t.model.id, id)),
          db.select({ id: t.inference.id }).from(t.inference).where(eq(t.inference.id, id)),
          db.select({ id: t.epoch.id }).from(t.epoch).where(eq(t.epoch.id, id)),
        ]);
        if (d.length) found("datanet", q, `/api/v1/datanets/${q}`);
        if (c.length) found("contribution", q, `/api/v1/contributions/${q}`);
        if (m.length) found("model", q, `/api/v1/models/${q}`);
        if (i.length) found("inference", q, `/api/v1/inferences/${q}`);
        if (e.length) found("epoch", q, `/api/v1/epochs/${q}`);
      } else if (ADDRESS.test(q)) {
        const a = q.toLowerCase() as `0x${string}`;
        const [account, worker, owner, developer] = await Promise.all([
          db.select({ a: t.account.address }).from(t.account).where(eq(t.account.address, a)),
          db.select({ a: t.worker.address }).from(t.worker).where(eq(t.worker.address, a)),
          db.select({ id: t.datanet.id }).from(t.datanet).where(eq(t.datanet.owner, a)).limit(1),
          db.select({ id: t.model.id }).from(t.model).where(eq(t.model.developer, a)).limit(1),
        ]);
        if (account.length) found("account", a, `/api/v1/contributors/${a}`);
        if (worker.length) found("worker", a, `/api/v1/workers/${a}`);
        if (owner.length) found("datanetOwner", a, `/api/v1/datanets?owner=${a}`);
        if (developer.length) found("modelDeveloper", a, `/api/v1/models?developer=${a}`);
      } else {
        const h = q.toLowerCase() as `0x${string}`;
        const [tx, contributions, inferences, epochs] = await Promise.all([
          transactionRows(db, h),
          db
            .select({ id: t.contribution.id })
            .from(t.contribution)
            .where(eq(t.contribution.dataRoot, h))
            .limit(100),
          db.select({ id: t.inference.id }).from(t.inference).where(eq(t.inference.outputRoot, h)).limit(100),
          db.select({ id: t.epoch.id }).from(t.epoch).where(eq(t.epoch.pointsRoot, h)).limit(100),
        ]);
        if (tx.events.length || tx.created.length || tx.deposit) {
          found("transaction", h, `/api/v1/transactions/${h}/events`);
        }
        for (const c of contributions) found("contribution", String(c.id), `/api/v1/contributions/${c.id}`);
        for (const i of inferences) found("inference", String(i.id), `/api/v1/inferences/${i.id}`);
        for (const e of epochs) found("epoch", String(e.id), `/api/v1/epochs/${e.id}`);
      }
      return { query: q, results };
    },
  }),
];
