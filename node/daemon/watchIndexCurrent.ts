import type { Common } from "../../config/common/createCommon.ts";

/**
 * Whether the indexer is within `maxLagBlocks` of the chain head, re-read every `intervalMs` (the worker's
 * health for heartbeats: a node whose index lags cannot see its assignments).
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
  let current = false;
  const check = async () => {
    const [indexed, head] = [await parameters.indexedBlock(), parameters.head()];
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
