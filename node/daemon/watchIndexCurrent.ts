import type { Common } from "../../config/common/createCommon.ts";

/**
 * Whether the indexer is within `maxLagBlocks` of the chain head, re-read every `intervalMs` (the worker's
 * health for heartbeats: a node whose index lags cannot see its assignments). Exports what it reads:
 * `olnode_index_readable` (0 while the indexer's views cannot be read: Postgres down, or the indexer's
 * schema missing), `olnode_index_block` and `olnode_index_lag_blocks` (the head minus the indexed block).
 */
export function watchIndexCurrent(
  common: Common,
  parameters: {
    indexedBlock(): Promise<bigint | undefined>;
    head(): bigint | undefined;
    maxLagBlocks?: bigint;
    intervalMs?: number;
  },
): () => boolean {
  const maxLag = parameters.maxLagBlocks ?? 10n;
  const m = {
    readable: common.metrics.gauge(
      "index_readable",
      "1 while the node can read the indexer's views in Postgres, else 0",
    ),
    block: common.metrics.gauge("index_block", "Last L2 block the indexer has indexed, as the node reads it"),
    lag: common.metrics.gauge("index_lag_blocks", "L2 head seen by the node minus the indexer's last block"),
  };
  let current = false;
  const check = async () => {
    let indexed: bigint | undefined;
    try {
      indexed = await parameters.indexedBlock();
    } catch (error) {
      m.readable.set(0);
      throw error;
    }
    const head = parameters.head();
    m.readable.set(indexed === undefined ? 0 : 1);
    if (indexed !== undefined) m.block.set(Number(indexed));
    if (indexed !== undefined && head !== undefined) m.lag.set(Number(head - indexed));
    return indexed !== undefined && head !== undefined && head - indexed <= maxLag;
  };
  const timer = setInterval(
    () =>
      void check().then(
        (ok) => (current = ok),
        () => (current = false),
      ),
    parameters.intervalMs ?? 2000,
  );
  common.shutdown.add("index watch", () => clearInterval(timer));
  return () => current;
}
