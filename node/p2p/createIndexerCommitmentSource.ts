import type { Kysely } from "kysely";
import type { Hex } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { firstLine } from "../../config/errors/firstLine.ts";
import type { IndexerViews, Num } from "../../indexer/indexerViews.ts";
import {
  type Commitment,
  type CommitmentChange,
  type CommitmentSource,
  outputCommitment,
} from "../../p2p/index.ts";

export type IndexerCommitmentSource = CommitmentSource & {
  /** Reads the changes since the last poll now (the timer does it every pollIntervalMs). */
  poll(): Promise<void>;
  stop(): void;
};

export type IndexerCommitmentSourceOptions = {
  /** How often the change stream is read. 1 s: a new root is usually gossiped a moment after it is mined. */
  pollIntervalMs: number;
  /**
   * How many blocks below the newest indexed change a reorg may still rewrite; rows there are re-read every
   * poll and compared with the last read, so a row that disappears (or is replaced) is noticed. Ponder treats
   * blocks as final at depth 30 (DESIGN.md §5); 64 leaves room for the indexer lagging the head.
   */
  reorgWindowBlocks: number;
  /** Rows per query: the first poll (backfill) and `listCommitments` page through everything by id. */
  pageSize: number;
};

export const defaultIndexerCommitmentSourceOptions: IndexerCommitmentSourceOptions = {
  pollIntervalMs: 1000,
  reorgWindowBlocks: 64,
  pageSize: 1000,
};

type Seen = { key: string; root: Hex; block: bigint };

/**
 * p2p's view of the chain, read from the indexer's views as a change stream:
 *
 * - every `contribution_status_change` row (one at submission, one per finalization or owner override) and
 *   every `inference` row is a change: the contribution (or output) it names is pushed as it is now;
 * - rows of the last `reorgWindowBlocks` are re-read each poll; one that disappeared was reorged away, and
 *   its contribution is pushed again as it is now — or as `removed` when the reorg took the contribution
 *   itself (the output root, for an inference);
 * - the first poll reads the whole history, page by page.
 *
 * Inference outputs are committed by the output-chunk rule (`outputCommitment` in p2p/chunks/outputChunk.ts).
 */
export function createIndexerCommitmentSource(
  common: Common,
  db: Kysely<IndexerViews>,
  options: Partial<IndexerCommitmentSourceOptions> = {},
): IndexerCommitmentSource {
  const o = { ...defaultIndexerCommitmentSourceOptions, ...options };
  const log = common.logger.child({ module: "commitments" });
  const listeners = new Set<(change: CommitmentChange) => void>();
  // Rows of the reorg window, by row id: status changes (→ contribution id) and inferences.
  const changes = new Map<string, Seen>();
  const inferences = new Map<string, Seen>();
  let highest: bigint | undefined;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;

  const contributions = () =>
    db
      .selectFrom("contribution as c")
      .innerJoin("datanet as d", "d.id", "c.datanet_id")
      .select([
        "c.id",
        "c.datanet_id",
        "c.data_root",
        "c.byte_size",
        "c.chunk_count",
        "c.status",
        "d.max_chunk_bytes",
      ]);
  type ContributionRow = Awaited<ReturnType<ReturnType<typeof contributions>["execute"]>>[number];
  const toCommitment = (r: ContributionRow): Commitment => ({
    dataRoot: r.data_root as Hex,
    datanetId: BigInt(r.datanet_id),
    chunkCount: Number(r.chunk_count),
    byteSize: BigInt(r.byte_size),
    status: r.status,
    maxChunkBytes: Number(r.max_chunk_bytes),
  });

  /** The model's Datanets (id, maxChunkBytes) per model id, for the output-chunk rule. */
  async function modelDatanets(modelIds: string[]) {
    const byModel = new Map<string, { id: bigint; maxChunkBytes: number }[]>();
    for (let i = 0; i < modelIds.length; i += o.pageSize) {
      const rows = await db
        .selectFrom("model_datanet as md")
        .innerJoin("datanet as d", "d.id", "md.datanet_id")
        .select(["md.model_id", "md.datanet_id", "d.max_chunk_bytes"])
        .where("md.model_id", "in", modelIds.slice(i, i + o.pageSize))
        .execute();
      for (const r of rows) {
        const list = byModel.get(String(r.model_id)) ?? [];
        list.push({ id: BigInt(r.datanet_id), maxChunkBytes: Number(r.max_chunk_bytes) });
        byModel.set(String(r.model_id), list);
      }
    }
    return byModel;
  }

  async function outputCommitments(rows: { output_root: string; model_id: Num }[]) {
    const datanets = await modelDatanets([...new Set(rows.map((r) => String(r.model_id)))]);
    return rows.map((r) =>
      outputCommitment({
        outputRoot: r.output_root as Hex,
        modelDatanets: datanets.get(String(r.model_id)) ?? [],
      }),
    );
  }

  /** All rows of `query` with id > cursor, page by page (ids are text event ids or numeric ids, sortable). */
  async function paged<T extends { id: Num }>(page: (after: string | undefined) => Promise<T[]>) {
    const out: T[] = [];
    let after: string | undefined;
    for (;;) {
      const rows = await page(after);
      out.push(...rows);
      if (rows.length < o.pageSize) return out;
      after = String(rows.at(-1)!.id);
    }
  }

  const emit = (change: CommitmentChange) => {
    for (const l of listeners) l(change);
  };

  /**
   * Compares the window's rows as read now with the last read: returns the keys (contribution or inference
   * ids) touched by a new row, and the roots of rows that disappeared, by key.
   */
  function diff(window: Map<string, Seen>, rows: { id: string; seen: Seen }[], from: bigint) {
    const touched = new Set<string>();
    const gone = new Map<string, Hex>();
    const now = new Set(rows.map((r) => r.id));
    for (const [id, seen] of window) {
      if (seen.block >= from && !now.has(id)) {
        window.delete(id);
        touched.add(seen.key);
        gone.set(seen.key, seen.root);
      }
    }
    for (const r of rows) {
      if (!window.has(r.id)) touched.add(r.seen.key);
      window.set(r.id, r.seen);
      if (highest === undefined || r.seen.block > highest) highest = r.seen.block;
    }
    return { touched, gone };
  }

  function prune(window: Map<string, Seen>) {
    if (highest === undefined) return;
    const final = highest - BigInt(o.reorgWindowBlocks);
    for (const [id, seen] of window) if (seen.block < final) window.delete(id);
  }

  async function pollContributions(from: bigint) {
    const rows = await paged((after) => {
      let q = db
        .selectFrom("contribution_status_change as s")
        .innerJoin("contribution as c", "c.id", "s.contribution_id")
        .select(["s.id", "s.block_number", "c.id as contribution_id", "c.data_root"])
        .where("s.block_number", ">=", String(from));
      if (after !== undefined) q = q.where("s.id", ">", after);
      return q.orderBy("s.id").limit(o.pageSize).execute();
    });
    const { touched, gone } = diff(
      changes,
      rows.map((r) => ({
        id: r.id,
        seen: { key: String(r.contribution_id), root: r.data_root as Hex, block: BigInt(r.block_number) },
      })),
      from,
    );
    const ids = [...touched];
    for (let i = 0; i < ids.length; i += o.pageSize) {
      const batch = ids.slice(i, i + o.pageSize);
      const current = new Map(
        (await contributions().where("c.id", "in", batch).execute()).map((r) => [String(r.id), r]),
      );
      for (const id of batch) {
        const row = current.get(id);
        if (row) emit({ type: "committed", commitment: toCommitment(row) });
        else if (gone.has(id)) emit({ type: "removed", dataRoot: gone.get(id)! });
      }
    }
  }

  async function pollInferences(from: bigint) {
    const rows = await paged((after) => {
      let q = db
        .selectFrom("inference")
        .select(["id", "model_id", "output_root", "recorded_block"])
        .where("recorded_block", ">=", String(from));
      if (after !== undefined) q = q.where("id", ">", after);
      return q.orderBy("id").limit(o.pageSize).execute();
    });
    const { touched, gone } = diff(
      inferences,
      rows.map((r) => ({
        id: String(r.id),
        seen: { key: String(r.id), root: r.output_root as Hex, block: BigInt(r.recorded_block) },
      })),
      from,
    );
    const fresh = rows.filter((r) => touched.has(String(r.id)));
    const commitments = await outputCommitments(fresh);
    for (const c of commitments) if (c) emit({ type: "committed", commitment: c });
    for (const [, root] of gone) emit({ type: "removed", dataRoot: root });
  }

  async function pollOnce() {
    try {
      // The first read is the whole history; later ones the reorg window below the newest row seen.
      const window = BigInt(o.reorgWindowBlocks);
      const from = highest === undefined ? 0n : highest > window ? highest - window : 0n;
      await pollContributions(from);
      await pollInferences(from);
      prune(changes);
      prune(inferences);
    } catch (error) {
      log.debug({ msg: "Commitment poll failed (indexer not ready?)", error: firstLine(error) });
    }
  }

  function poll() {
    polling ??= pollOnce().finally(() => {
      polling = undefined;
    });
    return polling;
  }

  return {
    poll,
    async getCommitment(dataRoot) {
      const root = dataRoot.toLowerCase();
      const row = await contributions().where("c.data_root", "=", root).limit(1).executeTakeFirst();
      if (row) return toCommitment(row);
      const inference = await db
        .selectFrom("inference")
        .select(["model_id", "output_root"])
        .where("output_root", "=", root)
        .limit(1)
        .executeTakeFirst();
      return inference ? (await outputCommitments([inference]))[0] : undefined;
    },
    onCommitment(listener) {
      listeners.add(listener);
      if (!timer) {
        timer = setInterval(() => void poll(), o.pollIntervalMs);
        timer.unref?.();
      }
      void poll();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    async listCommitments(datanetId) {
      const rows = await paged((after) => {
        let q = contributions()
          .where("c.datanet_id", "=", String(datanetId))
          .where("c.status", "!=", "rejected");
        if (after !== undefined) q = q.where("c.id", ">", after);
        return q.orderBy("c.id").limit(o.pageSize).execute();
      });
      return rows.map(toCommitment);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      listeners.clear();
    },
  };
}
