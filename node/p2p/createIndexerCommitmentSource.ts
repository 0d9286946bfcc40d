import type { Kysely } from "kysely";
import type { Hex } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import type { IndexerViews, Num } from "../../indexer/indexerViews.ts";
import type { Commitment, CommitmentSource } from "../../p2p/index.ts";

export type IndexerCommitmentSource = CommitmentSource & { stop(): void };

/**
 * The indexer's views as p2p needs them: which roots are committed on-chain (contributions' dataRoots and
 * inferences' outputRoots), for which Datanet, with how many chunks.
 *
 * Protocol rule for inference outputs: an output travels as ONE chunk (≤ the Datanet's maxChunkBytes, 256 KiB
 * by default) under its outputRoot, on the topic of the model's lowest-id Datanet. The chain records no chunk
 * count for outputs; fixing it at 1 keeps validation as strict as for contributions (the count is also bound
 * into the root itself, see contracts/merkle/chunkTree.ts).
 */
export function createIndexerCommitmentSource(
  common: Common,
  db: Kysely<IndexerViews>,
  options: { pollIntervalMs?: number } = {},
): IndexerCommitmentSource {
  const listeners = new Set<(c: Commitment) => void>();
  let lastContribution = -1n;
  let lastInference = -1n;
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  async function outputCommitment(row: {
    output_root: string;
    model_id: Num;
  }): Promise<Commitment | undefined> {
    const d = await db
      .selectFrom("model_datanet as md")
      .innerJoin("datanet as d", "d.id", "md.datanet_id")
      .select(["md.datanet_id", "d.max_chunk_bytes"])
      .where("md.model_id", "=", String(row.model_id))
      .orderBy("md.datanet_id")
      .limit(1)
      .executeTakeFirst();
    if (!d) return undefined;
    return {
      dataRoot: row.output_root as Hex,
      datanetId: BigInt(d.datanet_id),
      chunkCount: 1,
      byteSize: 0n,
      status: "accepted",
      maxChunkBytes: Number(d.max_chunk_bytes),
    };
  }

  async function contributionRows(where: (q: ReturnType<typeof base>) => ReturnType<typeof base>) {
    return where(base()).execute();
  }
  function base() {
    return db
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
  }
  const toCommitment = (r: Awaited<ReturnType<typeof contributionRows>>[number]): Commitment => ({
    dataRoot: r.data_root as Hex,
    datanetId: BigInt(r.datanet_id),
    chunkCount: Number(r.chunk_count),
    byteSize: BigInt(r.byte_size),
    status: r.status,
    maxChunkBytes: Number(r.max_chunk_bytes),
  });

  async function poll() {
    if (polling || listeners.size === 0) return;
    polling = true;
    try {
      const rows = await contributionRows((q) =>
        q.where("c.id", ">", String(lastContribution)).orderBy("c.id").limit(500),
      );
      for (const r of rows) {
        lastContribution = BigInt(r.id);
        const c = toCommitment(r);
        for (const l of listeners) l(c);
      }
      const outputs = await db
        .selectFrom("inference")
        .select(["id", "model_id", "output_root"])
        .where("id", ">", String(lastInference))
        .orderBy("id")
        .limit(500)
        .execute();
      for (const o of outputs) {
        lastInference = BigInt(o.id);
        const c = await outputCommitment(o);
        if (c) for (const l of listeners) l(c);
      }
    } catch (error) {
      common.logger.debug({
        msg: "Commitment poll failed (indexer not ready?)",
        error: (error as Error).message,
      });
    } finally {
      polling = false;
    }
  }

  return {
    async getCommitment(dataRoot) {
      const root = dataRoot.toLowerCase();
      const rows = await contributionRows((q) => q.where("c.data_root", "=", root).limit(1));
      if (rows[0]) return toCommitment(rows[0]);
      const o = await db
        .selectFrom("inference")
        .select(["model_id", "output_root"])
        .where("output_root", "=", root)
        .limit(1)
        .executeTakeFirst();
      return o ? outputCommitment(o) : undefined;
    },
    onCommitment(listener) {
      listeners.add(listener);
      timer ??= setInterval(() => void poll(), options.pollIntervalMs ?? 1000);
      timer.unref?.();
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
      const rows = await contributionRows((q) =>
        q
          .where("c.datanet_id", "=", String(datanetId))
          .where("c.status", "!=", "rejected")
          .orderBy("c.id", "desc")
          .limit(1000),
      );
      return rows.map(toCommitment);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      listeners.clear();
    },
  };
}
