export type RateLimiter = {
  /** Takes `n` tokens from `key`'s bucket; false (and nothing taken) when there are not enough. */
  take(key: string, n: number): boolean;
};

/** A token bucket per key (peer id): `ratePerSecond` refill, `burst` capacity. Idle buckets are forgotten. */
export function createRateLimiter(parameters: {
  ratePerSecond: number;
  burst: number;
  now?: () => number;
  maxKeys?: number;
}): RateLimiter {
  const now = parameters.now ?? Date.now;
  const maxKeys = parameters.maxKeys ?? 4096;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, n) {
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) {
          // Full buckets carry no information; drop them first.
          for (const [k, v] of buckets) {
            if (v.tokens + ((t - v.at) / 1000) * parameters.ratePerSecond >= parameters.burst)
              buckets.delete(k);
          }
          if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value!);
        }
        b = { tokens: parameters.burst, at: t };
        buckets.set(key, b);
      }
      b.tokens = Math.min(parameters.burst, b.tokens + ((t - b.at) / 1000) * parameters.ratePerSecond);
      b.at = t;
      if (b.tokens < n) return false;
      b.tokens -= n;
      return true;
    },
  };
}
