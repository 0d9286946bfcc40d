import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { Commitment, CommitmentSource } from "./commitmentSource.ts";

export type CommitmentLookup = { found: true; commitment: Commitment } | { found: false; error?: unknown };

export type CommitmentCache = {
  lookup(dataRoot: Hash): Promise<CommitmentLookup>;
  /** Records a pushed commitment or a status change, replacing what was cached: the next lookup sees it. */
  remember(commitment: Commitment): void;
  /** Drops a root a reorg took off the chain: the next lookup asks the source again. */
  forget(dataRoot: Hash): void;
};

/**
 * Gossip validation asks about the same root once per chunk; this keeps committed roots (bounded, oldest
 * evicted first) and coalesces concurrent lookups of one root. Unknown roots are not cached: they are
 * exactly the ones expected to appear soon. The change stream (`CommitmentSource.onCommitment`) keeps the
 * entries current; a lookup that was already in flight when a change arrived does not overwrite it.
 */
export function createCommitmentCache(source: CommitmentSource, maxEntries: number): CommitmentCache {
  const known = new Map<string, Commitment>();
  const inflight = new Map<string, Promise<CommitmentLookup>>();
  // Bumped on every pushed change of a root: an answer read before the change is older than it.
  const changes = new Map<string, number>();
  const bump = (key: string) => {
    if (inflight.has(key)) changes.set(key, (changes.get(key) ?? 0) + 1);
  };
  function store(key: string, commitment: Commitment) {
    known.delete(key);
    known.set(key, commitment);
    if (known.size > maxEntries) known.delete(known.keys().next().value!);
  }
  return {
    remember(commitment) {
      const key = commitment.dataRoot.toLowerCase();
      bump(key);
      store(key, commitment);
    },
    forget(dataRoot) {
      const key = dataRoot.toLowerCase();
      bump(key);
      known.delete(key);
    },
    lookup(dataRoot) {
      const key = dataRoot.toLowerCase();
      const hit = known.get(key);
      if (hit) return Promise.resolve({ found: true, commitment: hit });
      const running = inflight.get(key);
      if (running) return running;
      const before = changes.get(key) ?? 0;
      const run = source
        .getCommitment(key as Hash)
        .then((commitment): CommitmentLookup => {
          const changed = (changes.get(key) ?? 0) !== before;
          if (changed) {
            // A change arrived while we asked: what it said is newer than this answer.
            const pushed = known.get(key);
            return pushed ? { found: true, commitment: pushed } : { found: false };
          }
          if (!commitment) return { found: false };
          store(key, commitment);
          return { found: true, commitment };
        })
        .catch((error: unknown): CommitmentLookup => ({ found: false, error }))
        .finally(() => {
          inflight.delete(key);
          changes.delete(key);
        });
      inflight.set(key, run);
      return run;
    },
  };
}
