import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { Commitment, CommitmentSource } from "./commitmentSource.ts";

export type CommitmentLookup = { found: true; commitment: Commitment } | { found: false; error?: unknown };

export type CommitmentCache = {
  lookup(dataRoot: Hash): Promise<CommitmentLookup>;
  /** Records a pushed commitment (or a status change) so the next lookup needs no round trip. */
  remember(commitment: Commitment): void;
};

/**
 * Gossip validation asks about the same root once per chunk; this keeps committed roots (bounded, oldest
 * evicted first) and coalesces concurrent lookups of one root. Unknown roots are not cached: they are
 * exactly the ones expected to appear soon.
 */
export function createCommitmentCache(source: CommitmentSource, maxEntries: number): CommitmentCache {
  const known = new Map<string, Commitment>();
  const inflight = new Map<string, Promise<CommitmentLookup>>();
  function remember(commitment: Commitment) {
    const key = commitment.dataRoot.toLowerCase();
    known.delete(key);
    known.set(key, commitment);
    if (known.size > maxEntries) known.delete(known.keys().next().value!);
  }
  return {
    remember,
    lookup(dataRoot) {
      const key = dataRoot.toLowerCase();
      const hit = known.get(key);
      if (hit) return Promise.resolve({ found: true, commitment: hit });
      const running = inflight.get(key);
      if (running) return running;
      const run = source
        .getCommitment(key as Hash)
        .then((commitment): CommitmentLookup => {
          if (!commitment) return { found: false };
          remember(commitment);
          return { found: true, commitment };
        })
        .catch((error: unknown): CommitmentLookup => ({ found: false, error }))
        .finally(() => inflight.delete(key));
      inflight.set(key, run);
      return run;
    },
  };
}
