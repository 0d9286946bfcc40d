import { and, asc, desc, eq, gt, lt, or } from "ponder";
import type { Hex } from "viem";
import { z } from "zod/v4";
import { buildPointsTree, pointsLeafSet } from "../../../../contracts/merkle/pointsTree.ts";
import { airdropClaim, epoch, workerEpoch } from "../../../ponder.schema.ts";
import { httpError } from "../httpError.ts";
import { notFound } from "./datanets.ts";
import { defineRoute } from "./defineRoute.ts";
import { pageFrom, pageOf } from "./keyset.ts";
import { pageByIdRange } from "./pageByIdRange.ts";
import {
  addressParam,
  cursorAddress,
  cursorInt,
  cursorParam,
  enumParam,
  idParam,
  limitParam,
  pageParams,
  rangeParams,
} from "./queryParams.ts";
import { decimalString, hexString, pageSchema } from "./rowSchemas.ts";
import { rows } from "./tableRows.ts";

const epochId = idParam("epoch number");

export const epochRoutes = [
  defineRoute({
    path: "/epochs",
    tag: "epochs",
    summary:
      "Epochs in order, filtered by status and by the block or time they started (epochs closed without being started have neither)",
    params: {},
    query: {
      status: enumParam(["open", "closed"] as const, "open (points root not posted yet) or closed"),
      ...rangeParams,
      ...pageParams,
    },
    response: pageSchema(rows.epoch),
    handler: ({ query }, { db }) =>
      pageByIdRange(db, {
        table: epoch,
        columns: { id: epoch.id, block: epoch.startBlock, time: epoch.startedAt },
        query,
        where: query.status === undefined ? undefined : eq(epoch.closed, query.status === "closed"),
      }),
  }),
  defineRoute({
    path: "/epochs/{epoch}",
    tag: "epochs",
    summary: "An epoch: seed, threshold, quorum, points root",
    params: { epoch: epochId },
    query: {},
    response: rows.epoch,
    errors: [404],
    async handler({ params }, { db }) {
      const [row] = await db.select().from(epoch).where(eq(epoch.id, params.epoch));
      if (!row) throw notFound(`Epoch ${params.epoch}`);
      return row;
    },
  }),
  defineRoute({
    path: "/epochs/{epoch}/leaderboard",
    tag: "epochs",
    summary: "Workers by points in an epoch, highest first (ties by address)",
    params: { epoch: epochId },
    query: { limit: limitParam, cursor: cursorParam },
    response: pageSchema(rows.workerEpoch),
    async handler({ params, query }, { db }) {
      const page = pageFrom(query, 2);
      let after: ReturnType<typeof and>;
      if (page.cursor) {
        const points = cursorInt(page.cursor[0]!);
        const w = cursorAddress(page.cursor[1]!);
        after = or(
          lt(workerEpoch.points, points),
          and(eq(workerEpoch.points, points), gt(workerEpoch.worker, w)),
        );
      }
      const found = await db
        .select()
        .from(workerEpoch)
        .where(and(eq(workerEpoch.epoch, params.epoch), after))
        .orderBy(desc(workerEpoch.points), asc(workerEpoch.worker))
        .limit(page.limit + 1);
      return pageOf(found, page, (r) => [r.points, r.worker]);
    },
  }),
  defineRoute({
    path: "/epochs/{epoch}/proofs/{address}",
    tag: "epochs",
    summary:
      "An account's points Merkle proof for an epoch; rootMatches says whether it verifies against the posted root",
    params: { epoch: epochId, address: addressParam("the account's address") },
    query: {},
    response: z
      .object({
        epoch: decimalString,
        account: hexString,
        points: decimalString,
        proof: z.array(hexString),
        root: hexString,
        pointsRoot: hexString,
        rootMatches: z.boolean(),
        claimed: z.boolean(),
      })
      .strict(),
    errors: [404, 409],
    async handler({ params: { epoch: id, address } }, { db }) {
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
      return {
        epoch: id,
        account: address,
        points: mine.points,
        proof: tree.proof(address),
        root: tree.root,
        pointsRoot: row.pointsRoot,
        // False when the quorum's root was not built from the indexed points: the proof will not verify.
        rootMatches: tree.root.toLowerCase() === row.pointsRoot.toLowerCase(),
        claimed: claim !== undefined,
      };
    },
  }),
];
