import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { Commitment, CommitmentSource } from "./commitmentSource.ts";

export type CommitmentLookup = { found: true; commitment: Commitment } | { found: false; error?: unknown };

export type CommitmentCache = {
  lookup(dataRoot: Hash): Promise<CommitmentLookup>;
  /** Records a pushed commitment or a status change, replacing what was cached: the next lookup sees it. */
  remember(commitment: Commitment): void;
  /** Drops a root a reorg took off the chain: the next lookup asks the source again. */
  forget(dataRoot: Hash): void;
  /**
   * What the cache knows without asking anyone: `committed` (cached commitment), `unknown` (the source said
   * "not committed" less than `negativeTtlMs` ago) or `undefined` (nothing cached). Never calls the source.
   */
  peek(dataRoot: Hash): "committed" | "unknown" | undefined;
};

export type CommitmentCacheLimits = {
  /** Committed roots kept (oldest evicted first). */
  maxEntries: number;
  /** How long a "not committed" answer is reused before the source is asked again. */
  negativeTtlMs: number;
  /** Unknown roots remembered; past it the oldest answer is forgotten (a flood of fresh roots cannot grow it). */
  maxNegativeEntries: number;
  now?: () => number;
};

/**
 * Gossip validation asks about the same root once per chunk; this keeps committed roots (bounded, oldest
 * evicted first) and coalesces concurrent lookups of one root (single flight). A "not committed" answer is
 * reused for `negativeTtlMs` (bounded, oldest forgotten first), so chunks of one unknown root cost the source
 * one query per TTL however many arrive; a pushed commitment replaces it at once. The change stream (`CommitmentSource.onCommitment`) keeps the
 * entries current; a lookup that was already in flight when a change arrived does not overwrite it.
 */
export function createCommitmentCache(
  source: CommitmentSource,
  limits: CommitmentCacheLimits,
): CommitmentCache {
  const { maxEntries } = limits;
  const now = limits.now ?? Date.now;
  const known = new Map<string, Commitment>();
  /** Root → until when "not committed" is believed. Insertion order = age (a refresh re-inserts). */
  const unknown = new Map<string, number>();
  const unknownUntil = (key: string): number | undefined => {
    const until = unknown.get(key);
    if (until === undefined) return undefined;
    if (until > now()) return until;
    unknown.delete(key);
    return undefined;
  };
  const inflight = new Map<string, Promise<CommitmentLookup>>();
  // Bumped on every pushed change of a root: an answer read before the change is older than it.
  const changes = new Map<string, number>();
  const bump = (key: string) => {
    if (inflight.has(key)) changes.set(key, (changes.get(key) ?? 0) + 1);
  };
  function store(key: string, commitment: Commitment) {
    unknown.delete(key);
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
      unknown.delete(key);
    },
    peek(dataRoot) {
      const key = dataRoot.toLowerCase();
      if (known.has(key)) return "committed";
      return unknownUntil(key) === undefined ? undefined : "unknown";
    },
    lookup(dataRoot) {
      const key = dataRoot.toLowerCase();
      const hit = known.get(key);
      if (hit) return Promise.resolve({ found: true, commitment: hit });
      if (unknownUntil(key) !== undefined) return Promise.resolve({ found: false });
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
          if (!commitment) {
            unknown.delete(key);
            unknown.set(key, now() + limits.negativeTtlMs);
            if (unknown.size > limits.maxNegativeEntries) unknown.delete(unknown.keys().next().value!);
            return { found: false };
          }
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
