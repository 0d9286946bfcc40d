/**
 * Fairness for data that is late, not absent. Workers call a subject's data unavailable only past their epoch's
 * availability deadline; that alone would reject a contribution committed just before or after the deadline
 * whose chunks are still on their way: `olnode contribute` commits first, waits for subscribers and then
 * publishes, and a large upload takes seconds to gossip. So a miss counts only once the data has been missing
 * for `graceMs` since this worker first looked for it. The clock is in memory: after a restart the worker waits
 * the grace again, which only errs towards waiting.
 */
export type AvailabilityWindow = {
  /** Records the first miss of `key`; true once it has been missing for at least the grace period. */
  missingLongEnough(key: string): boolean;
  /** Forgets `key`: its data arrived, or the subject was decided. */
  forget(key: string): void;
};

export type AvailabilityWindowOptions = {
  /** How long data may be missing before it counts as unavailable. */
  graceMs: number;
  now?: () => number;
  /** Keys remembered at most (the oldest first miss is forgotten beyond it). */
  maxTracked?: number;
};

/**
 * 10 s: the devnet contributor's worst case (a 5 s wait for gossip subscribers, then a 10 MB upload over
 * loopback gossip) with room to spare; a third of a devnet epoch, a sliver of a production one.
 */
export const DEFAULT_AVAILABILITY_GRACE_MS = 10_000;

export function createAvailabilityWindow(options: AvailabilityWindowOptions): AvailabilityWindow {
  const now = options.now ?? Date.now;
  const maxTracked = options.maxTracked ?? 10_000;
  const firstMiss = new Map<string, number>();
  return {
    missingLongEnough(key) {
      const t = now();
      const since = firstMiss.get(key);
      if (since === undefined) {
        if (firstMiss.size >= maxTracked) firstMiss.delete(firstMiss.keys().next().value!);
        firstMiss.set(key, t);
        return options.graceMs <= 0;
      }
      return t - since >= options.graceMs;
    },
    forget(key) {
      firstMiss.delete(key);
    },
  };
}
