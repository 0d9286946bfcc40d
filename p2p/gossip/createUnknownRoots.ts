/**
 * Which peer first sent us which not-yet-committed root, and when. A root that is still not committed
 * `graceMs` later is charged to every peer that sent it (honest peers forward only chunks whose root they saw
 * committed; the publisher's own root commits within blocks). Roots that did become committed count for the
 * peer (`committedCount`), which the pending set uses to decide whose chunks to keep when full.
 *
 * Bounded: `maxPerPeer` roots per peer (the gate's unknown-root budget keeps a peer far below it) and
 * `maxTotal` overall, oldest forgotten first.
 */
export type UnknownRoots = {
  has(peer: string, root: string): boolean;
  add(peer: string, root: string, now: number): void;
  /** Entries older than the grace period, removed; the caller decides whether each root was committed. */
  takeOverdue(now: number): { peer: string; root: string }[];
  /** Called when a root a peer sent turned out committed. */
  credit(peer: string): void;
  /** Roots this peer sent that became committed (decays by half each time it doubles past 1024). */
  committedCount(peer: string): number;
  size(): number;
};

export function createUnknownRoots(parameters: {
  graceMs: number;
  maxPerPeer: number;
  maxTotal: number;
}): UnknownRoots {
  /** "peer root" → first seen at; insertion order is age order. */
  const seen = new Map<string, number>();
  const perPeer = new Map<string, number>();
  const good = new Map<string, number>();
  const key = (peer: string, root: string) => `${peer} ${root}`;
  function remove(k: string) {
    seen.delete(k);
    const peer = k.slice(0, k.indexOf(" "));
    const n = (perPeer.get(peer) ?? 1) - 1;
    if (n <= 0) perPeer.delete(peer);
    else perPeer.set(peer, n);
  }
  return {
    has: (peer, root) => seen.has(key(peer, root)),
    add(peer, root, now) {
      const k = key(peer, root);
      if (seen.has(k) || (perPeer.get(peer) ?? 0) >= parameters.maxPerPeer) return;
      if (seen.size >= parameters.maxTotal) remove(seen.keys().next().value!);
      seen.set(k, now);
      perPeer.set(peer, (perPeer.get(peer) ?? 0) + 1);
    },
    takeOverdue(now) {
      const out: { peer: string; root: string }[] = [];
      for (const [k, at] of seen) {
        if (now - at < parameters.graceMs) break; // insertion order = age order
        remove(k);
        const i = k.indexOf(" ");
        out.push({ peer: k.slice(0, i), root: k.slice(i + 1) });
      }
      return out;
    },
    credit(peer) {
      const n = (good.get(peer) ?? 0) + 1;
      good.set(peer, n > 1024 ? 512 : n);
      if (good.size > 10_000) good.delete(good.keys().next().value!);
    },
    committedCount: (peer) => good.get(peer) ?? 0,
    size: () => seen.size,
  };
}
