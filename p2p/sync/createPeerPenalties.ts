export type PeerPenalties = {
  add(peerId: string, points: number): void;
  /** Gossipsub P5 (app-specific score): minus the penalty points, halving every `halfLifeMs`. */
  score(peerId: string): number;
};

/** Misbehaviour outside gossip (a sync peer serving forged chunks) fed into the gossipsub score. */
export function createPeerPenalties(parameters: { halfLifeMs: number; now?: () => number }): PeerPenalties {
  const now = parameters.now ?? Date.now;
  const points = new Map<string, { value: number; at: number }>();
  const current = (peerId: string) => {
    const p = points.get(peerId);
    if (!p) return 0;
    const value = p.value * 0.5 ** ((now() - p.at) / parameters.halfLifeMs);
    if (value < 0.01) points.delete(peerId);
    return value;
  };
  return {
    add(peerId, n) {
      points.set(peerId, { value: current(peerId) + n, at: now() });
    },
    score: (peerId) => -current(peerId),
  };
}
