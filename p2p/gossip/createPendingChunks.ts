import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { ChunkMessage } from "../chunks/chunkMessage.ts";

export type PendingChunk = {
  message: ChunkMessage;
  dataRoot: Hash;
  size: number;
  receivedAt: number;
  /** The peer that sent it: its quota pays for it. */
  peer: string;
};

export type PendingChunks = {
  /**
   * Keeps the chunk until its root is committed. False when it cannot: the sender is over its quota, or the
   * set is full and every other holder has a better claim (the caller drops it; sync can fetch it later).
   */
  add(chunk: PendingChunk): boolean;
  /** Removes and returns every chunk waiting for `dataRoot`. */
  take(dataRoot: Hash): PendingChunk[];
  roots(): Hash[];
  /** Drops chunks older than the TTL; returns how many. */
  expire(now: number): number;
  size(): { messages: number; bytes: number };
  /** Messages a peer holds here. */
  heldBy(peer: string): number;
};

/**
 * Structurally valid chunks whose root is not on-chain yet (the contributor's transaction and the gossip race;
 * the indexer trails the receipt). Bounded in messages and bytes, and per peer (`maxPerPeer` messages and
 * `maxBytes × maxPerPeer / maxMessages` bytes), so one peer cannot squat the set; the same (root, index) is
 * kept once. When full, a newcomer evicts the oldest chunk of the holder with the weakest claim: the most
 * chunks held per root of its that became committed before (`committedRoots`), so peers whose roots turn out
 * real keep their place and junk goes first. A holder never evicts itself.
 */
export function createPendingChunks(parameters: {
  maxMessages: number;
  maxBytes: number;
  ttlMs: number;
  maxPerPeer?: number;
  committedRoots?: (peer: string) => number;
}): PendingChunks {
  const maxPerPeer = parameters.maxPerPeer ?? parameters.maxMessages;
  const maxBytesPerPeer = Math.floor((parameters.maxBytes * maxPerPeer) / parameters.maxMessages);
  const committedRoots = parameters.committedRoots ?? (() => 0);
  const byRoot = new Map<string, Map<number, PendingChunk>>();
  /** Per peer, its chunks in arrival order (oldest first), and its bytes. */
  const byPeer = new Map<string, { chunks: Set<PendingChunk>; bytes: number }>();
  let messages = 0;
  let bytes = 0;

  function remove(c: PendingChunk) {
    const group = byRoot.get(c.dataRoot);
    if (group?.get(c.message.index) === c) {
      group.delete(c.message.index);
      if (group.size === 0) byRoot.delete(c.dataRoot);
    }
    const holder = byPeer.get(c.peer);
    if (holder?.chunks.delete(c)) {
      holder.bytes -= c.size;
      if (holder.chunks.size === 0) byPeer.delete(c.peer);
    }
    messages--;
    bytes -= c.size;
  }

  /** The holder to evict from: most chunks per (1 + roots of its that were committed); never `except`. */
  function weakestHolder(except: string): string | undefined {
    let worst: string | undefined;
    let worstClaim = -1;
    for (const [peer, h] of byPeer) {
      if (peer === except) continue;
      const claim = h.chunks.size / (1 + committedRoots(peer));
      if (claim > worstClaim) {
        worst = peer;
        worstClaim = claim;
      }
    }
    return worst;
  }

  const pending: PendingChunks = {
    add(chunk) {
      const existing = byRoot.get(chunk.dataRoot);
      if (existing?.has(chunk.message.index)) return true;
      const own = byPeer.get(chunk.peer);
      if ((own?.chunks.size ?? 0) + 1 > maxPerPeer || (own?.bytes ?? 0) + chunk.size > maxBytesPerPeer)
        return false;
      const newcomerClaim = ((own?.chunks.size ?? 0) + 1) / (1 + committedRoots(chunk.peer));
      while (messages + 1 > parameters.maxMessages || bytes + chunk.size > parameters.maxBytes) {
        const victim = weakestHolder(chunk.peer);
        const held = victim === undefined ? undefined : byPeer.get(victim);
        if (!victim || !held) return false;
        // Evict only from a holder with a weaker claim than the newcomer's would be.
        if (held.chunks.size / (1 + committedRoots(victim)) < newcomerClaim) return false;
        remove(held.chunks.values().next().value!);
      }
      const group = existing ?? new Map<number, PendingChunk>();
      group.set(chunk.message.index, chunk);
      byRoot.set(chunk.dataRoot, group);
      const holder = own ?? { chunks: new Set<PendingChunk>(), bytes: 0 };
      holder.chunks.add(chunk);
      holder.bytes += chunk.size;
      byPeer.set(chunk.peer, holder);
      messages++;
      bytes += chunk.size;
      return true;
    },
    take(dataRoot) {
      const group = byRoot.get(dataRoot.toLowerCase());
      if (!group) return [];
      const out = [...group.values()];
      for (const c of out) remove(c);
      return out;
    },
    roots: () => [...byRoot.keys()] as Hash[],
    expire(now) {
      let dropped = 0;
      for (const group of [...byRoot.values()]) {
        for (const c of [...group.values()]) {
          if (now - c.receivedAt < parameters.ttlMs) continue;
          remove(c);
          dropped++;
        }
      }
      return dropped;
    },
    size: () => ({ messages, bytes }),
    heldBy: (peer) => byPeer.get(peer)?.chunks.size ?? 0,
  };
  return pending;
}
