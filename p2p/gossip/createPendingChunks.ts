import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { ChunkMessage } from "../chunks/chunkMessage.ts";

export type PendingChunk = { message: ChunkMessage; dataRoot: Hash; size: number; receivedAt: number };

export type PendingChunks = {
  /** False when the set is full (by count or bytes): the caller drops the chunk, sync can fetch it later. */
  add(chunk: PendingChunk): boolean;
  /** Removes and returns every chunk waiting for `dataRoot`. */
  take(dataRoot: Hash): PendingChunk[];
  roots(): Hash[];
  /** Drops chunks older than the TTL; returns how many. */
  expire(now: number): number;
  size(): { messages: number; bytes: number };
};

/**
 * Structurally valid chunks whose root is not on-chain yet (the contributor's transaction and the gossip
 * race; gossip usually wins). Bounded in messages and bytes so a peer cannot park junk roots here to fill
 * memory; the same (root, index) is kept once.
 */
export function createPendingChunks(parameters: { maxMessages: number; maxBytes: number; ttlMs: number }) {
  const byRoot = new Map<string, Map<number, PendingChunk>>();
  let messages = 0;
  let bytes = 0;
  const pending: PendingChunks = {
    add(chunk) {
      const existing = byRoot.get(chunk.dataRoot);
      if (existing?.has(chunk.message.index)) return true;
      if (messages + 1 > parameters.maxMessages || bytes + chunk.size > parameters.maxBytes) return false;
      const group = existing ?? new Map<number, PendingChunk>();
      group.set(chunk.message.index, chunk);
      byRoot.set(chunk.dataRoot, group);
      messages++;
      bytes += chunk.size;
      return true;
    },
    take(dataRoot) {
      const group = byRoot.get(dataRoot.toLowerCase());
      if (!group) return [];
      byRoot.delete(dataRoot.toLowerCase());
      const out = [...group.values()];
      messages -= out.length;
      for (const c of out) bytes -= c.size;
      return out;
    },
    roots: () => [...byRoot.keys()] as Hash[],
    expire(now) {
      let dropped = 0;
      for (const [root, group] of byRoot) {
        for (const [index, c] of group) {
          if (now - c.receivedAt < parameters.ttlMs) continue;
          group.delete(index);
          messages--;
          bytes -= c.size;
          dropped++;
        }
        if (group.size === 0) byRoot.delete(root);
      }
      return dropped;
    },
    size: () => ({ messages, bytes }),
  };
  return pending;
}
