export type BackoffOptions = { initialMs: number; maxMs: number };

/**
 * Delay before retry number `failures` (1-based): exponential from `initialMs`, capped at `maxMs`, with half
 * of it jittered so that workers restarted together do not hammer a recovering RPC in lockstep.
 */
export function backoffDelay(failures: number, options: BackoffOptions, random = Math.random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
