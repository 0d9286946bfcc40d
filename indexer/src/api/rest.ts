import { db } from "ponder:api";
import {
  account,
  airdropClaim,
  attestation,
  attribution,
  contribution,
  contributionStatusChange,
  datanet,
  epoch,
  heartbeat,
  inference,
  model,
  modelDatanet,
  protocol,
  rewardAccrual,
  rewardClaim,
  subjectFinalization,
  worker,
  workerEpoch,
} from "ponder:schema";
import { Hono } from "hono";
import { and, asc, desc, eq, gt, lt, or } from "ponder";
import type { Hex } from "viem";
import {
  contributionStatuses,
  parseContributionStatus,
} from "../../../contracts/enums/contributionStatus.ts";
import { SUBJECT_KIND } from "../../../contracts/enums/subjectKind.ts";
import { buildPointsTree, pointsLeafSet } from "../../../contracts/merkle/pointsTree.ts";
import { httpError, isHttpError } from "./httpError.ts";
import { cursorInt, encodeCursor, type Page, parseAddress, parseId, parsePage, toJson } from "./params.ts";

type AnyColumn = Parameters<typeof asc>[0];

/** Keyset pagination on one unique, sortable column (an event id or a numeric id). */
function keyset(column: AnyColumn, page: Page, parse: (s: string) => unknown = (s) => s) {
  const k = keysetOf([column], page, [parse]);
  return { after: k.after, orderBy: k.orderBy[0]! };
}

/**
 * Keyset pagination on a unique key of several columns, compared lexicographically (the cursor holds the last
 * row's values in the same order; parse those with `parses`). Returns the WHERE part and the ORDER BY list.
 */
function keysetOf(columns: AnyColumn[], page: Page, parses: ((s: string) => unknown)[]) {
  const cmp = page.order === "asc" ? gt : lt;
  const dir = page.order === "asc" ? asc : desc;
  let after: ReturnType<typeof and>;
  if (page.cursor) {
    const values = columns.map((_, i) => parses[i]!(page.cursor![i]!));
    // (a, b) > (x, y)  ==  a > x OR (a = x AND b > y), built from the last column outwards.
    for (let i = columns.length - 1; i >= 0; i--) {
      const strict = cmp(columns[i]!, values[i]);
      after = after ? or(strict, and(eq(columns[i]!, values[i]), after)) : strict;
    }
  }
  return { after, orderBy: columns.map((c) => dir(c)) };
}

function pageOf<T>(rows: T[], page: Page, key: (row: T) => (string | bigint)[]) {
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(key(last)) : null };
}

const json = (value: unknown, status: 200 | 400 | 404 | 409 | 500 | 503 = 200) =>
  new Response(toJson(value), { status, headers: { "content-type": "application/json; charset=utf-8" } });

const notFound = (what: string) => httpError(404, "NOT_FOUND", `${what} not found`);

function noQuery(query: Record<string, string>) {
  const keys = Object.keys(query);
  if (keys.length) {
    throw httpError(
      400,
      "INVALID_QUERY",
      `unknown query parameter ${JSON.stringify(keys[0])}; this route takes none`,
    );
  }
}

export function createRestApi(): Hono {
  const app = new Hono();

  app.get("/stats", async (c) => {
    noQuery(c.req.query());
    const [row] = await db.select().from(protocol).where(eq(protocol.id, "protocol"));
    return json(row ?? null);
  });

  app.get("/datanets/:id", async (c) => {
    noQuery(c.req.query());
    const id = parseId(c.req.param("id"), "Datanet id");
    const [row] = await db.select().from(datanet).where(eq(datanet.id, id));
    if (!row) throw notFound(`Datanet ${id}`);
    const models = await db
      .select({ modelId: modelDatanet.modelId })
      .from(modelDatanet)
      .where(eq(modelDatanet.datanetId, id))
      .orderBy(asc(modelDatanet.modelId))
      .limit(100);
    return json({ ...row, modelIds: models.map((m) => m.modelId) });
  });

  app.get("/datanets/:id/contributions", async (c) => {
    const id = parseId(c.req.param("id"), "Datanet id");
    const query = c.req.query();
    const page = parsePage(query, { cursorArity: 1, extra: ["status"] });
    const status = query.status === undefined ? undefined : parseContributionStatus(query.status);
    if (query.status !== undefined && status === undefined) {
      throw httpError(
        400,
        "INVALID_QUERY",
        `status ${JSON.stringify(query.status)} is not valid: expected ${contributionStatuses.join(", ")}`,
      );
    }
    const [exists] = await db.select({ id: datanet.id }).from(datanet).where(eq(datanet.id, id));
    if (!exists) throw notFound(`Datanet ${id}`);
    const k = keyset(contribution.id, page, cursorInt);
    const rows = await db
      .select()
      .from(contribution)
      .where(
        and(eq(contribution.datanetId, id), status ? eq(contribution.status, status) : undefined, k.after),
      )
      .orderBy(k.orderBy)
      .limit(page.limit + 1);
    return json(pageOf(rows, page, (r) => [r.id]));
  });

  app.get("/contributions/:id", async (c) => {
    noQuery(c.req.query());
    const id = parseId(c.req.param("id"), "contribution id");
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
          and(eq(subjectFinalization.kind, SUBJECT_KIND.contribution), eq(subjectFinalization.subjectId, id)),
        )
        .orderBy(asc(subjectFinalization.id))
        .limit(100),
    ]);
    return json({ ...row, statusHistory, attestations, finalizations });
  });

  app.get("/contributors/:address", async (c) => {
    noQuery(c.req.query());
    const address = parseAddress(c.req.param("address"), "contributor");
    const [row] = await db.select().from(account).where(eq(account.address, address));
    if (!row) throw notFound(`Account ${address}`);
    const [stats] = await db.select().from(protocol).where(eq(protocol.id, "protocol"));
    const total = stats?.totalContributorAmount ?? 0n;
    // Share of all contributor payouts, in parts per million (integer: no float rounding across clients).
    const contributorSharePpm = total === 0n ? 0n : (row.contributorEarned * 1_000_000n) / total;
    return json({ ...row, contributorSharePpm });
  });

  app.get("/contributors/:address/contributions", async (c) => {
    const address = parseAddress(c.req.param("address"), "contributor");
    const page = parsePage(c.req.query());
    const k = keyset(contribution.id, page, cursorInt);
    const rows = await db
      .select()
      .from(contribution)
      .where(and(eq(contribution.contributor, address), k.after))
      .orderBy(k.orderBy)
      .limit(page.limit + 1);
    return json(pageOf(rows, page, (r) => [r.id]));
  });

  app.get("/contributors/:address/attributions", async (c) => {
    const address = parseAddress(c.req.param("address"), "contributor");
    const page = parsePage(c.req.query(), { cursorArity: 2 });
    // Chain order: inference ids ascend with the chain, and one inference cites each contribution once.
    const k = keysetOf([attribution.inferenceId, attribution.contributionId], page, [cursorInt, cursorInt]);
    const rows = await db
      .select()
      .from(attribution)
      .where(and(eq(attribution.contributor, address), k.after))
      .orderBy(...k.orderBy)
      .limit(page.limit + 1);
    return json(pageOf(rows, page, (r) => [r.inferenceId, r.contributionId]));
  });

  app.get("/contributors/:address/rewards", async (c) => {
    const address = parseAddress(c.req.param("address"), "account");
    const page = parsePage(c.req.query());
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
    return json({
      account: row ?? null,
      recentAccruals: accruals,
      claims: pageOf(claims, page, (r) => [r.id]),
    });
  });

  app.get("/inferences/:id", async (c) => {
    noQuery(c.req.query());
    const id = parseId(c.req.param("id"), "inference id");
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
      db.select().from(rewardAccrual).where(eq(rewardAccrual.inferenceId, id)).orderBy(asc(rewardAccrual.id)),
      db
        .select()
        .from(attestation)
        .where(and(eq(attestation.kind, SUBJECT_KIND.inference), eq(attestation.subjectId, id)))
        .orderBy(asc(attestation.id))
        .limit(1000),
    ]);
    return json({ ...row, attributions, accruals, attestations });
  });

  app.get("/models/:id", async (c) => {
    noQuery(c.req.query());
    const id = parseId(c.req.param("id"), "model id");
    const [row] = await db.select().from(model).where(eq(model.id, id));
    if (!row) throw notFound(`Model ${id}`);
    return json(row);
  });

  app.get("/models/:id/inferences", async (c) => {
    const id = parseId(c.req.param("id"), "model id");
    const page = parsePage(c.req.query());
    const [exists] = await db.select({ id: model.id }).from(model).where(eq(model.id, id));
    if (!exists) throw notFound(`Model ${id}`);
    const k = keyset(inference.id, page, cursorInt);
    const rows = await db
      .select()
      .from(inference)
      .where(and(eq(inference.modelId, id), k.after))
      .orderBy(k.orderBy)
      .limit(page.limit + 1);
    return json(pageOf(rows, page, (r) => [r.id]));
  });

  app.get("/workers/:address", async (c) => {
    noQuery(c.req.query());
    const address = parseAddress(c.req.param("address"), "worker");
    const [row] = await db.select().from(worker).where(eq(worker.address, address));
    if (!row) throw notFound(`Worker ${address}`);
    const epochs = await db
      .select()
      .from(workerEpoch)
      .where(eq(workerEpoch.worker, address))
      .orderBy(desc(workerEpoch.epoch))
      .limit(50);
    return json({ ...row, recentEpochs: epochs });
  });

  app.get("/workers/:address/attestations", async (c) => {
    const address = parseAddress(c.req.param("address"), "worker");
    const page = parsePage(c.req.query());
    const k = keyset(attestation.id, page);
    const rows = await db
      .select()
      .from(attestation)
      .where(and(eq(attestation.worker, address), k.after))
      .orderBy(k.orderBy)
      .limit(page.limit + 1);
    return json(pageOf(rows, page, (r) => [r.id]));
  });

  app.get("/workers/:address/heartbeats", async (c) => {
    const address = parseAddress(c.req.param("address"), "worker");
    const page = parsePage(c.req.query());
    const k = keyset(heartbeat.id, page);
    const rows = await db
      .select()
      .from(heartbeat)
      .where(and(eq(heartbeat.worker, address), k.after))
      .orderBy(k.orderBy)
      .limit(page.limit + 1);
    return json(pageOf(rows, page, (r) => [r.id]));
  });

  app.get("/epochs/:epoch", async (c) => {
    noQuery(c.req.query());
    const id = parseId(c.req.param("epoch"), "epoch");
    const [row] = await db.select().from(epoch).where(eq(epoch.id, id));
    if (!row) throw notFound(`Epoch ${id}`);
    return json(row);
  });

  app.get("/epochs/:epoch/leaderboard", async (c) => {
    const id = parseId(c.req.param("epoch"), "epoch");
    const page = parsePage(c.req.query(), { cursorArity: 2 });
    if (page.order !== "asc") {
      throw httpError(
        400,
        "INVALID_QUERY",
        "the leaderboard is ordered by points, highest first; drop order",
      );
    }
    let after: ReturnType<typeof and>;
    if (page.cursor) {
      const points = cursorInt(page.cursor[0]!);
      const w = parseAddress(page.cursor[1], "cursor");
      after = or(
        lt(workerEpoch.points, points),
        and(eq(workerEpoch.points, points), gt(workerEpoch.worker, w)),
      );
    }
    const rows = await db
      .select()
      .from(workerEpoch)
      .where(and(eq(workerEpoch.epoch, id), after))
      .orderBy(desc(workerEpoch.points), asc(workerEpoch.worker))
      .limit(page.limit + 1);
    return json(pageOf(rows, page, (r) => [r.points, r.worker]));
  });

  app.get("/epochs/:epoch/proofs/:address", async (c) => {
    noQuery(c.req.query());
    const id = parseId(c.req.param("epoch"), "epoch");
    const address = parseAddress(c.req.param("address"), "account");
    const [row] = await db.select().from(epoch).where(eq(epoch.id, id));
    if (!row) throw notFound(`Epoch ${id}`);
    if (!row.closed || !row.pointsRoot) {
      throw httpError(
        409,
        "EPOCH_NOT_CLOSED",
        `epoch ${id} has no points root yet; proofs exist once it is closed`,
      );
    }
    const balances = await db
      .select({ account: workerEpoch.worker, points: workerEpoch.points })
      .from(workerEpoch)
      .where(eq(workerEpoch.epoch, id));
    const entries = pointsLeafSet(id, balances as { account: Hex; points: bigint }[]);
    const mine = entries.find((e) => e.account.toLowerCase() === address);
    if (!mine) throw httpError(404, "NO_POINTS", `${address} has no points in epoch ${id}`);
    const tree = buildPointsTree(id, entries);
    const [claim] = await db
      .select()
      .from(airdropClaim)
      .where(and(eq(airdropClaim.epoch, id), eq(airdropClaim.account, address)));
    return json({
      epoch: id,
      account: address,
      points: mine.points,
      proof: tree.proof(address),
      root: tree.root,
      pointsRoot: row.pointsRoot,
      // False when the poster's root was not built from the indexed points: the proof will not verify.
      rootMatches: tree.root.toLowerCase() === row.pointsRoot.toLowerCase(),
      claimed: claim !== undefined,
    });
  });

  // Mounted under /api/v1, a sub-app's notFound is never consulted: a catch-all route answers instead.
  app.all("*", (c) =>
    json(
      { error: { code: "NOT_FOUND", message: `no route ${c.req.method} ${new URL(c.req.url).pathname}` } },
      404,
    ),
  );
  app.onError((error) => {
    if (isHttpError(error))
      return json({ error: { code: error.code, message: error.message } }, error.status);
    // Ponder locks the unfinalized rows while it reverts them after a reorg; reads time out briefly.
    if (/lock timeout/.test(String((error as Error)?.message))) {
      const res = json(
        { error: { code: "BUSY", message: "the index is catching up with a reorg; retry in a second" } },
        503,
      );
      res.headers.set("retry-after", "1");
      return res;
    }
    console.error(error);
    return json({ error: { code: "INTERNAL", message: "internal error; see the indexer log" } }, 500);
  });
  return app;
}
