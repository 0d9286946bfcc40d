import { type Kysely, sql } from "kysely";
import type { Address, Hex } from "viem";
import { SUBJECT_KIND } from "../../../contracts/enums/subjectKind.ts";
import type { IndexerViews, Num } from "../../../indexer/indexerViews.ts";
import { mapViewsError } from "./mapViewsError.ts";
import type {
  AcceptedContribution,
  ContributionSubject,
  InferenceSubject,
  Subject,
  SubjectSource,
} from "./subjectTypes.ts";

const big = (v: Num) => BigInt(v);

export function createIndexerSubjectSource(db: Kysely<IndexerViews>): SubjectSource {
  return guarded(readViews(db));
}

/** Every read rejects with a mapped error (see mapViewsError), so the loop can tell waiting from failing. */
function guarded(source: SubjectSource): SubjectSource {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(source) as [string, (...a: unknown[]) => Promise<unknown>][]) {
    wrapped[name] = (...args: unknown[]) =>
      fn(...args).catch((error: unknown) => {
        throw mapViewsError(error);
      });
  }
  return wrapped as SubjectSource;
}

function readViews(db: Kysely<IndexerViews>): SubjectSource {
  async function inferenceClaims(ids: bigint[]): Promise<Map<bigint, { c: bigint[]; w: bigint[] }>> {
    const out = new Map<bigint, { c: bigint[]; w: bigint[] }>();
    if (ids.length === 0) return out;
    const rows = await db
      .selectFrom("attribution")
      .select(["inference_id", "contribution_id", "weight"])
      .where("inference_id", "in", ids.map(String))
      .execute();
    for (const r of rows) {
      const key = big(r.inference_id);
      const entry = out.get(key) ?? { c: [], w: [] };
      entry.c.push(big(r.contribution_id));
      entry.w.push(big(r.weight));
      out.set(key, entry);
    }
    // The chain requires ascending ids; sort pairs so the claim equals what recordInference was given.
    for (const [, e] of out) {
      const order = e.c.map((_, i) => i).sort((a, b) => (e.c[a]! < e.c[b]! ? -1 : 1));
      e.c = order.map((i) => e.c[i]!);
      e.w = order.map((i) => e.w[i]!);
    }
    return out;
  }

  const toContribution = (r: IndexerViews["contribution"]): ContributionSubject => ({
    kind: SUBJECT_KIND.contribution,
    id: big(r.id),
    datanetId: big(r.datanet_id),
    contributor: r.contributor as Address,
    dataRoot: r.data_root as Hex,
    byteSize: big(r.byte_size),
    chunkCount: Number(r.chunk_count),
    license: r.license,
    status: r.status,
  });

  async function toInferences(rows: IndexerViews["inference"][]): Promise<InferenceSubject[]> {
    const claims = await inferenceClaims(rows.map((r) => big(r.id)));
    return rows.map((r) => ({
      kind: SUBJECT_KIND.inference,
      id: big(r.id),
      modelId: big(r.model_id),
      outputRoot: r.output_root as Hex,
      contributionIds: claims.get(big(r.id))?.c ?? [],
      weights: claims.get(big(r.id))?.w ?? [],
      status: r.status,
      recordedBlock: big(r.recorded_block),
      corpusBlock: big(r.corpus_block),
    }));
  }

  return {
    async openSubjects(limit) {
      const [contributions, inferences] = await Promise.all([
        db
          .selectFrom("contribution")
          .selectAll()
          .where("status", "=", "pending")
          .orderBy("id")
          .limit(limit)
          .execute(),
        db
          .selectFrom("inference")
          .selectAll()
          .where("status", "=", "recorded")
          .orderBy("id")
          .limit(limit)
          .execute(),
      ]);
      const subjects: Subject[] = contributions.map(toContribution);
      subjects.push(...(await toInferences(inferences)));
      return subjects;
    },
    async subject(kind, id) {
      if (kind === SUBJECT_KIND.contribution) {
        const r = await db
          .selectFrom("contribution")
          .selectAll()
          .where("id", "=", String(id))
          .executeTakeFirst();
        return r ? toContribution(r) : undefined;
      }
      const r = await db.selectFrom("inference").selectAll().where("id", "=", String(id)).executeTakeFirst();
      return r ? (await toInferences([r]))[0] : undefined;
    },
    async datanet(id) {
      const r = await db.selectFrom("datanet").selectAll().where("id", "=", String(id)).executeTakeFirst();
      return r
        ? {
            id: big(r.id),
            format: r.format,
            maxChunkBytes: Number(r.max_chunk_bytes),
            owner: r.owner as Address,
          }
        : undefined;
    },
    async modelDatanets(modelId) {
      const rows = await db
        .selectFrom("model_datanet")
        .select("datanet_id")
        .where("model_id", "=", String(modelId))
        .orderBy("datanet_id")
        .execute();
      return rows.map((r) => big(r.datanet_id));
    },
    async acceptedContributions(datanetIds, atBlock) {
      if (datanetIds.length === 0) return [];
      let q = db
        .selectFrom("contribution as c")
        .innerJoin("datanet as d", "d.id", "c.datanet_id")
        .select(["c.id", "c.datanet_id", "c.data_root", "c.byte_size", "d.format"])
        .where("c.datanet_id", "in", datanetIds.map(String));
      if (atBlock === undefined) q = q.where("c.status", "=", "accepted");
      else {
        // Accepted at the end of atBlock: the latest status change at or before it is an acceptance (a later
        // override, either way, does not change that block's corpus).
        q = q.where(
          ({ selectFrom }) =>
            selectFrom("contribution_status_change as s")
              .select("s.status")
              .whereRef("s.contribution_id", "=", "c.id")
              .where("s.block_number", "<=", String(atBlock))
              .orderBy("s.block_number", "desc")
              .orderBy("s.id", "desc")
              .limit(1),
          "=",
          "accepted",
        );
      }
      const rows = await q.orderBy("c.id").execute();
      return rows.map(
        (r): AcceptedContribution => ({
          id: big(r.id),
          datanetId: big(r.datanet_id),
          dataRoot: r.data_root as Hex,
          byteSize: big(r.byte_size),
          format: r.format,
        }),
      );
    },
    async points(worker, epochs) {
      const mine = await db
        .selectFrom("worker_epoch")
        .select(["epoch", "points"])
        .where("worker", "=", worker.toLowerCase())
        .orderBy("epoch", "desc")
        .limit(epochs)
        .execute();
      const out = [];
      for (const row of mine) {
        const ranks = await db
          .selectFrom("worker_epoch")
          .select([
            sql<string>`count(*) filter (where points > ${String(row.points)})`.as("above"),
            sql<string>`count(*)`.as("total"),
          ])
          .where("epoch", "=", String(row.epoch))
          .executeTakeFirstOrThrow();
        out.push({
          epoch: big(row.epoch),
          points: big(row.points),
          rank: Number(ranks.above) + 1,
          workers: Number(ranks.total),
        });
      }
      return out;
    },
    async indexedBlock() {
      try {
        const r = await db.selectFrom("_ponder_checkpoint").select("latest_checkpoint").executeTakeFirst();
        // Ponder checkpoints encode the block number at a fixed offset: timestamp(10) chainId(16) block(16)…
        return r ? BigInt(r.latest_checkpoint.slice(26, 42)) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
