import { describe, expect, it } from "vitest";
import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { ChunkMessage } from "../chunks/chunkMessage.ts";
import { createPendingChunks } from "./createPendingChunks.ts";

const msg = (index: number) => ({ index }) as ChunkMessage;
const chunk = (root: string, index: number, receivedAt = 0, peer = "p") => ({
  message: msg(index),
  dataRoot: root as Hash,
  size: 100,
  receivedAt,
  peer,
});

describe("pending chunks", () => {
  it("is bounded by messages and bytes, dedupes (root, index), and hands back a root's chunks once", () => {
    const p = createPendingChunks({ maxMessages: 3, maxBytes: 1_000, ttlMs: 1_000 });
    expect(p.add(chunk("0xa", 0))).toBe(true);
    expect(p.add(chunk("0xa", 0))).toBe(true);
    expect(p.add(chunk("0xa", 1))).toBe(true);
    expect(p.add(chunk("0xb", 0))).toBe(true);
    expect(p.add(chunk("0xc", 0))).toBe(false);
    expect(p.size()).toEqual({ messages: 3, bytes: 300 });
    expect(p.take("0xa" as Hash).map((c) => c.message.index)).toEqual([0, 1]);
    expect(p.take("0xa" as Hash)).toEqual([]);
    const bytes = createPendingChunks({ maxMessages: 100, maxBytes: 250, ttlMs: 1_000 });
    expect(bytes.add(chunk("0xa", 0)) && bytes.add(chunk("0xa", 1))).toBe(true);
    expect(bytes.add(chunk("0xa", 2))).toBe(false);
  });
  it("expires chunks past the TTL", () => {
    const p = createPendingChunks({ maxMessages: 10, maxBytes: 10_000, ttlMs: 1_000 });
    p.add(chunk("0xa", 0, 0));
    p.add(chunk("0xb", 0, 900));
    expect(p.expire(1_500)).toBe(1);
    expect(p.roots()).toEqual(["0xb"]);
    expect(p.heldBy("p")).toBe(1);
  });
  it("cannot be squatted: a peer is held to its quota, and a newcomer evicts the squatters' oldest chunks", () => {
    const p = createPendingChunks({ maxMessages: 8, maxBytes: 1_000_000, ttlMs: 1_000, maxPerPeer: 4 });
    // Two squatters fill the set with junk roots, each up to its quota.
    for (let i = 0; i < 5; i++) p.add(chunk(`0xa${i}`, 0, i, "squatter1"));
    for (let i = 0; i < 5; i++) p.add(chunk(`0xb${i}`, 0, i, "squatter2"));
    expect(p.heldBy("squatter1")).toBe(4);
    expect(p.size().messages).toBe(8);
    // An honest chunk still gets in, at the expense of the oldest chunk of a squatter.
    expect(p.add(chunk("0xhonest", 0, 10, "honest"))).toBe(true);
    expect(p.size().messages).toBe(8);
    expect(p.roots()).not.toContain("0xa0");
    expect(p.take("0xhonest" as Hash)).toHaveLength(1);
  });
  it("when full, keeps the chunks of a peer whose roots became committed before", () => {
    const good = new Set(["proven"]);
    const p = createPendingChunks({
      maxMessages: 4,
      maxBytes: 1_000_000,
      ttlMs: 1_000,
      maxPerPeer: 4,
      committedRoots: (peer) => (good.has(peer) ? 10 : 0),
    });
    for (let i = 0; i < 3; i++) p.add(chunk(`0xp${i}`, 0, i, "proven"));
    p.add(chunk("0xj0", 0, 3, "junk"));
    // A stranger's chunk evicts the unproven peer's chunk, not the proven one's.
    expect(p.add(chunk("0xs0", 0, 4, "stranger"))).toBe(true);
    expect(p.heldBy("proven")).toBe(3);
    expect(p.heldBy("junk")).toBe(0);
    // ...and a second chunk of the stranger's cannot push the proven peer out.
    expect(p.add(chunk("0xs1", 0, 5, "stranger"))).toBe(false);
    expect(p.heldBy("proven")).toBe(3);
  });
});
